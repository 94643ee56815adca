"""eval's everyday controls, through the command: --severity, --rule, --exclude, Helm charts, the config file
(.boundary-policy.yaml, found from the working directory up), and progress on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from boundary_policy.project_config import ConfigError, find_config, load_config
from boundary_policy.selection import PathFilter, glob_regex
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "boundary_policy", "eval", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode in (0, 1), result.stderr
    found: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return found


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository as the Action's default `paths: .` sees it: manifests, a Helm chart, CI files, an inventory."""
    (tmp_path / "k8s").mkdir()
    for name in ("06-bottlerocket-userns-off.yaml", "12-cap-prefix.yaml", "20-plain-workspace.yaml"):
        shutil.copy(EXAMPLES / "manifests" / name, tmp_path / "k8s" / name)
    shutil.copytree(EXAMPLES / "inventory", tmp_path / "inventory")
    chart = tmp_path / "charts" / "workspace"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: workspace\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("image: codercom/enterprise-base:ubuntu\n")
    (chart / "templates" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
    )
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "gitlab-ci.yml").write_text("stages: [test]\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    return tmp_path


# --- --severity and --rule -------------------------------------------------------------------------------


def test_severity_reports_only_those_and_decides_the_exit_code(repo: Path) -> None:
    everything = findings(run("k8s", "-i", "inventory", "-o", "json", cwd=repo))
    assert {f["severity"] for f in everything} >= {"error", "info"}
    infos = run("k8s", "-i", "inventory", "-o", "json", "--severity", "info", cwd=repo)
    assert {f["severity"] for f in findings(infos)} == {"info"}
    assert infos.returncode == 0  # the errors are not reported, so they do not fail the run
    both = findings(run("k8s", "-i", "inventory", "-o", "json", "--severity", "error,warning", cwd=repo))
    assert both == [f for f in everything if f["severity"] in ("error", "warning")]


def test_rule_reports_only_those_rules_case_insensitively(repo: Path) -> None:
    result = run("k8s", "-i", "inventory", "-o", "json", "--rule", "bnd011", "-r", "BND020", cwd=repo)
    assert {f["rule"] for f in findings(result)} == {"BND011", "BND020"}
    assert result.returncode == 1


def test_an_unknown_rule_is_a_warning(repo: Path) -> None:
    result = run("k8s", "-i", "inventory", "-o", "json", "--rule", "BND02", cwd=repo)
    assert findings(result) == []
    assert "--rule BND02 names no rule of the catalog and no finding of this run" in result.stderr


def test_a_bad_severity_is_a_usage_error(repo: Path) -> None:
    result = run("k8s", "--severity", "critical", cwd=repo)
    assert result.returncode == 2
    assert "'critical' is not error, warning or info" in result.stderr


def test_a_file_that_cannot_be_read_is_reported_whatever_the_filters(repo: Path) -> None:
    (repo / "k8s" / "broken.yaml").write_text("kind: [\n")
    result = run("k8s", "-o", "json", "--severity", "info", "--rule", "BND032", cwd=repo)
    assert "load-error" in {f["rule"] for f in findings(result)}
    assert result.returncode == 1


# --- paths: --exclude and Helm charts --------------------------------------------------------------------


def test_the_whole_repository_without_excludes_reports_ci_files_as_load_errors(repo: Path) -> None:
    found = findings(run(".", "-i", "inventory", "-o", "json", cwd=repo))
    load_errors = {f["file"] for f in found if f["rule"] == "load-error"}
    assert load_errors == {"ci/gitlab-ci.yml", "mkdocs.yml"}
    # The chart is not read (its templates are not YAML yet): one info finding says so, and how to check it.
    (chart,) = [f for f in found if f["rule"] == "helm-chart"]
    assert chart["severity"] == "info" and chart["file"] == "charts/workspace/Chart.yaml"
    assert "helm template <release> charts/workspace | boundary-policy eval -" in chart["message"]


def test_exclude_globs_leave_files_and_directories_unread(repo: Path) -> None:
    result = run(
        ".", "-i", "inventory", "-o", "json", "--exclude", "ci/", "-e", "mkdocs.yml", "-e", "inventory/", cwd=repo
    )
    found = findings(result)
    assert "load-error" not in {f["rule"] for f in found}
    assert {f["file"] for f in found} == {
        "charts/workspace/Chart.yaml",
        *(f"k8s/{n}" for n in ("06-bottlerocket-userns-off.yaml", "12-cap-prefix.yaml")),
    }


def test_a_named_file_matching_an_exclude_is_not_read(repo: Path) -> None:
    # pre-commit names the changed files: the project's excludes must still apply to them.
    result = run("ci/gitlab-ci.yml", "k8s/20-plain-workspace.yaml", "-o", "json", "-e", "ci/**", cwd=repo)
    assert findings(result) == []
    assert result.returncode == 0


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "matches"),
    [
        ("Chart.yaml", "a/b/Chart.yaml", False, True),
        ("*.tpl", "x.tpl", False, True),
        ("ci/", "ci", True, True),
        ("ci/", "ci", False, False),  # a trailing slash matches directories only
        ("ci/", "deep/ci", True, True),  # no inner slash: at any depth, as in .gitignore
        ("/ci", "deep/ci", True, False),  # a leading slash anchors it
        ("k8s/*.yaml", "k8s/a.yaml", False, True),
        ("k8s/*.yaml", "k8s/dev/a.yaml", False, False),
        ("k8s/**/test-*.yaml", "k8s/dev/x/test-1.yaml", False, True),
        ("k8s/**/test-*.yaml", "k8s/test-1.yaml", False, True),
        ("values-[!p]*.yaml", "values-dev.yaml", False, True),
        ("values-[!p]*.yaml", "values-prod.yaml", False, False),
    ],
)
def test_glob_semantics(pattern: str, path: str, is_dir: bool, matches: bool, tmp_path: Path) -> None:
    regex, directories_only = glob_regex(pattern)
    assert (bool(regex.fullmatch(path)) and (is_dir or not directories_only)) == matches
    assert PathFilter([(pattern, tmp_path)]).excluded(tmp_path / path, is_dir) == matches


# --- .boundary-policy.yaml --------------------------------------------------------------------------------


def test_the_config_is_found_from_a_subdirectory_and_its_paths_are_relative_to_it(repo: Path) -> None:
    (repo / ".boundary-policy.yaml").write_text(
        "paths: [k8s/]\ninventory: [inventory/]\nexclude: ['20-*.yaml']\nseverity: error\nfail-on: error\n"
        "output: json\n"
    )
    sub = repo / "charts" / "workspace"
    assert find_config(sub) == repo / ".boundary-policy.yaml"
    result = run(cwd=sub)
    found = findings(result)
    assert {f["rule"] for f in found} == {"BND011", "BND020"}
    assert {f["file"] for f in found} == {
        str(repo / "k8s" / "06-bottlerocket-userns-off.yaml"),
        str(repo / "k8s" / "12-cap-prefix.yaml"),
    }
    assert result.returncode == 1


def test_flags_win_over_the_config(repo: Path) -> None:
    (repo / ".boundary-policy.yaml").write_text(
        "paths: [k8s/]\ninventory: [inventory/]\nrules: [BND011]\noutput: json\n"
    )
    assert {f["rule"] for f in findings(run(cwd=repo))} == {"BND011"}
    result = run("k8s/06-bottlerocket-userns-off.yaml", "--rule", "BND020", "-o", "json", cwd=repo)
    assert {f["rule"] for f in findings(result)} == {"BND020"}
    assert run("k8s", "-o", "text", cwd=repo).stdout.lstrip().startswith("k8s/")
    assert "BND032" in {f["rule"] for f in findings(run("k8s", "-o", "json", "--no-config", cwd=repo))}


def test_a_config_named_with_config_is_used(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "ci.yaml"
    elsewhere.write_text(f"paths: [{repo / 'k8s'}]\nrules: [BND011]\noutput: json\n")
    assert {f["rule"] for f in findings(run("--config", str(elsewhere), cwd=repo))} == {"BND011"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("paths: [k8s]\nseverity: [error, fatal]\n", 2, "severity: expected error, warning or info, not 'fatal'"),
        ("inventroy: [x]\n", 1, "unknown setting 'inventroy'"),
        ("jobs: zero\n", 1, "jobs: expected auto or a whole number of at least 1"),
        ("jobs: 0\n", 1, "jobs: expected auto or a whole number of at least 1"),
        ("jobs: [2]\n", 1, "jobs: expected auto or a whole number of at least 1"),
        ("output: xml\n", 1, "output: expected one of text, json, sarif, junit, github"),
        ("paths: [k8s]\npaths: [x]\n", 2, "paths: given twice"),
        ("paths: [1]\n", 1, "paths: expected a non-empty string or a list of them"),
        ("- paths\n", 1, "expected a mapping of settings"),
        ("paths: [k8s\n", 2, "not valid YAML"),
    ],
)
def test_a_bad_config_exits_2_with_its_line(repo: Path, text: str, line: int, message: str) -> None:
    (repo / ".boundary-policy.yaml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(repo / ".boundary-policy.yaml")
    assert raised.value.line == line and message in raised.value.message
    result = run("k8s", cwd=repo)
    assert result.returncode == 2
    assert f".boundary-policy.yaml:{line}: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_no_path_and_no_config_is_a_usage_error(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert "no PATH given" in result.stderr


# --- progress -------------------------------------------------------------------------------------------


def _stderr_on_a_terminal(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "boundary_policy", "eval", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


COLOUR = re.compile(r"\x1b\[[0-9;]*[1-9][0-9;]*m")  # an SGR sequence that sets something (not a reset)


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough workloads for several progress steps: copies of one example Deployment under other names."""
    (deployment,) = [
        d
        for d in yaml.safe_load_all((EXAMPLES / "manifests" / "06-bottlerocket-userns-off.yaml").read_text())
        if d and d["kind"] == "Deployment"
    ]
    copies = []
    for index in range(700):
        copy = json.loads(json.dumps(deployment))
        copy["metadata"]["name"] = f"ws-{index}"
        copies.append(copy)
    path = tmp_path_factory.mktemp("progress") / "many.yaml"
    path.write_text(yaml.safe_dump_all(copies))
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_counts_resources_on_a_terminal_only(many: Path, jobs: str) -> None:
    """With --jobs the workers add to a shared count, so the line counts as it does in one process."""
    args = [str(many), "-i", str(EXAMPLES / "inventory"), "-o", "json", "--jobs", jobs]
    shown = _stderr_on_a_terminal(args, ROOT)
    assert "evaluating 700 resources with 25 templates" in shown
    steps = re.findall(r"evaluated ([0-9,]+) of 700 resources \(([0-9,]+)/s\)", shown)
    assert steps, shown[-2000:]
    counts = {int(done.replace(",", "")) for done, _ in steps}
    assert any(0 < count < 700 for count in counts), counts  # counted as it goes, not only at the end
    assert any(rate != "0" for _, rate in steps)
    assert not COLOUR.search(shown)  # NO_COLOR
    if jobs == "1":
        piped = subprocess.run(
            [sys.executable, "-m", "boundary_policy", "eval", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert piped.returncode == 1, piped.stderr
        assert "evaluat" not in piped.stderr


def test_progress_is_coloured_only_without_no_color(many: Path) -> None:
    """The other side of the NO_COLOR check above: the same terminal gets colour when NO_COLOR is unset."""
    args = [str(many), "-i", str(EXAMPLES / "inventory"), "-o", "json", "--jobs", "2"]
    assert COLOUR.search(_stderr_on_a_terminal(args, ROOT, {"NO_COLOR": "", "TERM": "xterm-256color"}))
