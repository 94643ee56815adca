"""ci/: the GitLab job hands its JUnit file to GitLab, the GitHub workflow uploads SARIF even on failure, and
the GitLab job's script produces that JUnit file when run."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "ci" / name).read_text())
    return loaded


def test_gitlab_job_reports_junit_always() -> None:
    job = load("gitlab-ci.yml")["boundary-policy"]
    (command,) = job["script"]
    argv = shlex.split(command)
    assert argv[:2] == ["boundary-policy", "eval"]
    assert argv[argv.index("-o") + 1] == "junit"
    report = argv[argv.index("--output-file") + 1]
    assert job["artifacts"]["reports"]["junit"] == report
    assert job["artifacts"]["when"] == "always"
    # The package's own install brings the embedded engine: no second install, no pip flags.
    assert job["before_script"][-1] == 'python -m pip install -q "$BOUNDARY_POLICY"'


def test_gitlab_job_names_no_package_an_index_does_not_have(tmp_path: Path) -> None:
    """boundary-policy is not on a package index: the job asks for a wheel or git URL and says so when unset."""
    job = load("gitlab-ci.yml")["boundary-policy"]
    assert job["variables"]["BOUNDARY_POLICY"] == ""
    guard = job["before_script"][0]
    result = subprocess.run(
        ["sh", "-c", guard], env={"BOUNDARY_POLICY": "", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "set BOUNDARY_POLICY" in result.stderr
    ok = subprocess.run(
        ["sh", "-c", guard], env={"BOUNDARY_POLICY": "x.whl", "PATH": "/usr/bin:/bin"}, capture_output=True
    )
    assert ok.returncode == 0


def test_github_workflow_uploads_sarif_even_when_the_check_fails() -> None:
    workflow = load("github-workflow.yml")
    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}
    steps = workflow["jobs"]["boundary-policy"]["steps"]
    check = next(step for step in steps if "boundary-policy@" in step.get("uses", ""))
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert check["with"]["output-format"] == "sarif"
    assert upload["with"]["sarif_file"] == check["with"]["output-file"]
    assert upload["if"] == "always()"
    assert steps.index(upload) > steps.index(check)
    action_inputs = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    assert set(check["with"]) <= action_inputs


def eval_available() -> bool:
    result = subprocess.run([sys.executable, "-m", "boundary_policy", "eval", "--help"], capture_output=True)
    return result.returncode == 0


@pytest.mark.skipif(not eval_available(), reason="`boundary-policy eval` is not in this build yet")
def test_gitlab_script_writes_the_junit_report(tmp_path: Path) -> None:
    job = load("gitlab-ci.yml")["boundary-policy"]
    (tmp_path / "k8s").mkdir()
    (tmp_path / "inventory").mkdir()
    shutil.copy(ROOT / "examples" / "manifests" / "06-bottlerocket-userns-off.yaml", tmp_path / "k8s")
    shutil.copy(ROOT / "examples" / "manifests" / "20-plain-workspace.yaml", tmp_path / "k8s")
    shutil.copy(ROOT / "examples" / "inventory" / "nodes.json", tmp_path / "inventory")
    # The before_script installs into the job's image; here the project's environment stands in for it.
    env = {**os.environ, **{key: str(value) for key, value in job["variables"].items()}}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    (command,) = job["script"]
    result = subprocess.run(["sh", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr  # 06 is an error on Bottlerocket nodes
    suites = ElementTree.parse(tmp_path / job["artifacts"]["reports"]["junit"]).getroot()
    assert suites.tag == "testsuites"
    assert int(suites.get("failures", "0")) >= 1
    names = {case.get("classname") for case in suites.iter("testcase")}
    assert names == {"k8s/06-bottlerocket-userns-off.yaml", "k8s/20-plain-workspace.yaml"}
