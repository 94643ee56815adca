"""`boundary-policy verify` against the real `gator verify` on fixture Suites that pass and fail in every way."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from boundary_policy.engine import Engine, OpaCliEngine, open_engine
from boundary_policy.suites import Runner, SuiteResult, find_suite_files, read_suite
from tests.conftest import ROOT
from tests.suites.gator_output import Outcome, our_outcomes, parse_gator_verify

TREE = "tests/fixtures/suites/suites/..."
PASSING = "tests/fixtures/suites/suites/labels/suite.yaml"
FAILING = "tests/fixtures/suites/suites/labels/failing.yaml"


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boundary_policy", "verify", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def run_suites(engine: Engine, path: str, run: str | None = None) -> list[SuiteResult]:
    runner = Runner(engine, run)
    suites = [read_suite(file, shown) for file, shown in find_suite_files([path])]
    return [runner.run(suite) for suite in suites if suite is not None]


def gator_verify(gator_bin: str, path: str, run: str | None = None) -> Outcome:
    args = [gator_bin, "verify", "-v", path, *(["--run", run] if run else [])]
    completed = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)
    assert completed.returncode in (0, 1), completed.stderr
    return parse_gator_verify(completed.stdout)


@pytest.fixture(scope="module", params=["embedded", "opa"])
def engine(request: pytest.FixtureRequest, opa_bin: str) -> Iterator[Engine]:
    chosen = open_engine("embedded", opa_bin=opa_bin) if request.param == "embedded" else OpaCliEngine(opa_bin)
    yield chosen
    chosen.close()


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.gator
@pytest.mark.parametrize("run", [None, "//^unlabelled$", "team", "^require-owner$//", "invalid", "//missing"])
def test_every_outcome_equals_gator_verify(engine: Engine, gator_bin: str, run: str | None) -> None:
    theirs = gator_verify(gator_bin, TREE, run)
    ours = our_outcomes(run_suites(engine, TREE, run))
    assert ours == theirs
    if run is None:
        # The fixtures exercise passing, failing and skipped cases and tests.
        assert Counter(theirs.values()) == {"pass": 13, "fail": 15, "skip": 2}


def test_cli_reports_failures_like_gator_and_exits_1() -> None:
    result = run_cli(TREE)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    index = lines.index("    --- FAIL: wrong-expectations/wrong-count")
    assert (
        lines[index + 1]
        == '        got 1 violations but want exactly 2; messages seen: "missing label owner on Pod unlabelled"'
    )
    assert "    --- FAIL: wrong-expectations/dollar-is-end-of-text" in lines
    assert any(line.startswith(f"FAIL\t{FAILING}\t") for line in lines)
    assert any(line.startswith(f"ok\t{PASSING}\t") for line in lines)
    assert "--- FAIL: valid-constraint-marked-invalid\t(" in result.stdout
    assert "    want the Constraint to fail schema validation, but the Constraint is valid" in lines
    assert "--- PASS" not in result.stdout, "passing cases are listed only with -v"
    assert lines[-1] == "13 passed, 15 failed, 2 skipped"


def test_cli_passing_suite_exits_0_and_verbose_shows_violations() -> None:
    quiet = run_cli(PASSING)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert quiet.stdout.splitlines()[-1] == "13 passed, 0 failed, 2 skipped"
    verbose = run_cli(PASSING, "-v")
    assert verbose.returncode == 0
    assert "    === RUN   deployment-expanded\n    --- PASS: deployment-expanded\n" in verbose.stdout
    assert "        violation: [Implied by expand-deployments] missing label owner on Pod web-pod\n" in verbose.stdout
    assert "=== SKIP  skipped-test\n" in verbose.stdout
    assert "    === SKIP  skipped-case\n" in verbose.stdout


def test_cli_runs_the_bundled_suites_by_default() -> None:
    result = run_cli("-r", "^default$//^env-landlock$")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok\tgatekeeper/suites/bnd001/suite.yaml\t" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 passed, 0 failed, ")


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({}, ["missing/"], "missing/: no such file or directory"),
        ({"notes.txt": "x"}, ["notes.txt"], "a Suite file must end in .yaml or .yml"),
        ({"s.yaml": "x: 1"}, ["s.yaml/..."], "can only traverse directories recursively"),
        ({"other.yaml": "apiVersion: v1\nkind: Pod\n"}, ["."], "no gator Suites"),
        (
            {"s.yaml": "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\ntests: [\n"},
            ["."],
            "s.yaml",
        ),
        (
            {"s.yaml": "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\ntests: {}\n"},
            ["."],
            "tests: must be a list",
        ),
        ({}, [PASSING, "-r", "a(?=b)"], "--run: regular expression 'a(?=b)': lookahead (?=...) is not supported"),
        ({}, [PASSING, "-r", "a//b//c"], 'at most one "//"'),
    ],
)
def test_cli_exits_2_when_suites_cannot_be_read(
    tmp_path: Path, files: dict[str, str], args: list[str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    cwd = tmp_path if files or args[0] == "missing/" else ROOT
    result = run_cli(*args, cwd=cwd)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.gator
def test_an_invalid_violations_value_fails_its_case_like_gator(tmp_path: Path, gator_bin: str) -> None:
    """`violations: maybe` is not a run failure (exit 2): gator fails the case and goes on (exit 1), and so do we.
    (`violations: yes` is valid: gator reads Suites with yaml v3, see test_suite_yaml.)"""
    (tmp_path / "t.yaml").write_text((ROOT / "gatekeeper/templates/bnd001.yaml").read_text(), encoding="utf-8")
    (tmp_path / "c.yaml").write_text((ROOT / "gatekeeper/constraints/bnd001.yaml").read_text(), encoding="utf-8")
    (tmp_path / "o.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n", encoding="utf-8"
    )
    (tmp_path / "s.yaml").write_text(
        "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\ntests:\n- name: t\n  template: t.yaml\n"
        "  constraint: c.yaml\n  cases:\n  - name: c\n    object: o.yaml\n    assertions:\n"
        "    - violations: maybe\n",
        encoding="utf-8",
    )
    theirs = subprocess.run([gator_bin, "verify", "s.yaml"], cwd=tmp_path, capture_output=True, text=True)
    ours = run_cli("s.yaml", cwd=tmp_path)
    assert theirs.returncode == 1
    assert ours.returncode == 1, ours.stdout + ours.stderr
    assert 'must be a nonnegative integer, "yes", or "no" (got "maybe")' in ours.stdout
    assert "Traceback" not in ours.stderr


def test_other_yaml_is_ignored_and_directories_are_walked(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (tmp_path / "a" / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: Suite}\n")
    (nested / "broken.yml").write_text("not: [valid\n")  # no Suite in it: never parsed
    (nested / "suite.yml").write_text(
        "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\nskip: true\ntests: []\n", encoding="utf-8"
    )
    found = [shown for _, shown in find_suite_files([str(tmp_path / "a") + "/..."])]
    assert found == [f"{tmp_path}/a/b/broken.yml", f"{tmp_path}/a/b/suite.yml", f"{tmp_path}/a/pod.yaml"]
    suites = [read_suite(file, shown) for file, shown in find_suite_files([str(tmp_path)])]
    assert [s.path for s in suites if s is not None] == [f"{tmp_path}/a/b/suite.yml"]
    result = run_cli(".", cwd=tmp_path)
    assert "skip\ta/b/suite.yml" in result.stdout
