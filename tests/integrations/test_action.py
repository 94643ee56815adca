"""action.yml: its inputs are wired, its scripts carry no inline expressions, and its run steps work when
executed as the runner would (bash, the step's env, GITHUB_* files) in a fresh virtualenv."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return loaded


def test_inputs_are_declared_and_used(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    declared = set(action["inputs"])
    assert {"paths", "inventory", "exclude", "output-format", "output-file", "fail-on", "engine"} <= declared
    # There is no released package to pick a version of: the ref in `uses:` is the version.
    assert "version" not in declared
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", (ROOT / "action.yml").read_text().split("\nruns:")[1]))
    assert used == declared
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name


def test_scripts_take_inputs_through_env_only(action: dict[str, Any]) -> None:
    """`${{ }}` inside `run:` would splice user input into the shell script (script injection)."""
    runs = [step for step in action["runs"]["steps"] if "run" in step]
    assert len(runs) == 2
    for step in runs:
        assert step["shell"] == "bash"
        assert not EXPRESSION.search(step["run"]), step["name"]


def test_setup_python_comes_first(action: dict[str, Any]) -> None:
    first = action["runs"]["steps"][0]
    assert first["uses"].startswith("actions/setup-python@")
    assert first["with"]["python-version"] == "${{ inputs.python-version }}"


def resolve(value: str, inputs: Mapping[str, str], action_path: Path) -> str:
    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression == "github.action_path":
            return str(action_path)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        raise AssertionError(f"unexpected expression {expression}")

    return EXPRESSION.sub(one, value)


def run_step(
    step: dict[str, Any], inputs: Mapping[str, str], path: Path, workspace: Path, github: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run one composite step as the runner does: `bash -e {0}` after setting the step's env."""
    env = {**os.environ, "PATH": f"{path}{os.pathsep}{os.environ['PATH']}", **github}
    env.pop("VIRTUAL_ENV", None)
    env.update({key: resolve(str(value), inputs, ROOT) for key, value in step.get("env", {}).items()})
    script = workspace / f".step-{step.get('id', 'install')}.sh"
    script.write_text(step["run"])
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", str(script)],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def eval_available() -> bool:
    result = subprocess.run([sys.executable, "-m", "boundary_policy", "eval", "--help"], capture_output=True)
    return result.returncode == 0


@pytest.fixture(scope="module")
def installed(action: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A fresh virtualenv standing in for setup-python, after the action's install step."""
    environment = tmp_path_factory.mktemp("action-venv")
    venv.create(environment, with_pip=True)
    bin_dir = environment / "bin"
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    install = next(step for step in action["runs"]["steps"] if step.get("name") == "Install boundary-policy")
    result = run_step(install, inputs, bin_dir, environment, {})
    assert result.returncode == 0, result.stdout + result.stderr
    here = subprocess.run([sys.executable, "-m", "boundary_policy", "--version"], capture_output=True, text=True)
    assert result.stdout.strip().endswith(here.stdout.strip())
    return bin_dir, inputs


def test_setup_go_comes_before_the_install(action: dict[str, Any]) -> None:
    steps = action["runs"]["steps"]
    go = next(i for i, step in enumerate(steps) if str(step.get("uses", "")).startswith("actions/setup-go@"))
    install = next(i for i, step in enumerate(steps) if step.get("name") == "Install boundary-policy")
    assert go < install
    assert steps[go]["with"]["go-version-file"] == "${{ github.action_path }}/native/go.mod"


def test_install_step_installs_the_checkout_and_the_embedded_engine(installed: tuple[Path, dict[str, Any]]) -> None:
    bin_dir, _ = installed
    probe = (
        "import boundary_policy; from boundary_policy.engine import native; "
        "print(boundary_policy.__file__, native.library_path(), native.opa_version())"
    )
    result = subprocess.run([bin_dir / "python", "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    package, library, opa = result.stdout.split()
    assert str(bin_dir.parent) in package  # the installed copy, not the source tree
    assert str(bin_dir.parent) in library and opa == "1.17.1"  # the engine built into the installed wheel


@pytest.mark.skipif(not eval_available(), reason="`boundary-policy eval` is not in this build yet")
@pytest.mark.parametrize(
    ("manifest", "expected"), [("20-plain-workspace.yaml", 0), ("06-bottlerocket-userns-off.yaml", 1)]
)
def test_eval_step_on_examples(
    action: dict[str, Any], installed: tuple[Path, dict[str, Any]], tmp_path: Path, manifest: str, expected: int
) -> None:
    bin_dir, defaults = installed
    workspace = tmp_path / "workspace"
    (workspace / "k8s").mkdir(parents=True)
    (workspace / "k8s" / manifest).write_bytes((ROOT / "examples" / "manifests" / manifest).read_bytes())
    (workspace / "nodes.json").write_bytes((ROOT / "examples" / "inventory" / "nodes.json").read_bytes())
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    inputs = {
        **defaults,
        "paths": "k8s/",
        "inventory": "nodes.json",
        "output-format": "sarif",
        "output-file": "boundary-policy.sarif",
    }
    step = next(step for step in action["runs"]["steps"] if step.get("id") == "eval")
    result = run_step(step, inputs, bin_dir, workspace, github)
    assert result.returncode == expected, result.stdout + result.stderr
    assert (tmp_path / "output").read_text() == f"exit-code={expected}\n"
    sarif = json.loads((workspace / "boundary-policy.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert bool(results) == (expected == 1)
    for item in results:
        uri = item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == f"k8s/{manifest}"


@pytest.mark.skipif(not eval_available(), reason="`boundary-policy eval` is not in this build yet")
def test_default_paths_check_a_whole_repository_without_load_errors(
    action: dict[str, Any], installed: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """`paths: .` (the default) on a repository with a Helm chart, CI and tool files beside the manifests."""
    bin_dir, defaults = installed
    workspace = tmp_path / "workspace"
    (workspace / "k8s").mkdir(parents=True)
    (workspace / "k8s" / "ws.yaml").write_bytes((ROOT / "examples" / "manifests" / "12-cap-prefix.yaml").read_bytes())
    chart = workspace / "charts" / "ws"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: ws\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "deployment.yaml").write_text("kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
    (workspace / ".github" / "workflows").mkdir(parents=True)
    (workspace / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    (workspace / ".gitlab-ci.yml").write_text("stages: [test]\n")
    for name in ("mkdocs.yml", "docker-compose.yml", "azure-pipelines.yml", "renovate.json", "package.json"):
        (workspace / name).write_text("{}\n" if name.endswith(".json") else "name: x\n")
    github = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    inputs = {**defaults, "output-format": "json", "output-file": "report.json"}
    step = next(step for step in action["runs"]["steps"] if step.get("id") == "eval")
    result = run_step(step, inputs, bin_dir, workspace, github)
    assert result.returncode == 1, result.stdout + result.stderr  # 12-cap-prefix is an error
    report = json.loads((workspace / "report.json").read_text())
    rules = {f["rule"] for f in report["findings"]}
    assert "load-error" not in rules, [f for f in report["findings"] if f["rule"] == "load-error"]
    assert {"BND011", "helm-chart"} <= rules
