"""A template that would exhaust memory is stopped by the embedded engine's watchdog (native/memory.go): through
the real command, one line naming the template and the resource, exit 2, and the other findings still reported."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from boundary_policy.engine import memory

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "engine"
HOARD = ["--templates", str(FIXTURES / "hoard-template.yaml"), "--constraints", str(FIXTURES / "hoard-constraint.yaml")]
# Without the watchdog the template's set would grow to about 100 GB; with it the engine gives up at this limit.
LIMIT = "128MiB"
SCHEMA = ROOT / "tests" / "fixtures" / "reporters" / "report-v1.schema.json"


def run(*args: str, memory: str = LIMIT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boundary_policy", "eval", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "BOUNDARY_POLICY_ENGINE_MEMORY": memory},
        check=False,
        timeout=300,
    )


def test_a_template_exhausting_memory_is_one_line_and_exit_2_and_the_rest_is_reported() -> None:
    manifests = [str(FIXTURES / "pod.yaml"), "examples/manifests/06-bottlerocket-userns-off.yaml"]
    result = run(*manifests, "--inventory", "examples/inventory", *HOARD, "--engine", "embedded")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        'boundary-policy: error: template "k8shoard" on Pod default/p (tests/fixtures/engine/pod.yaml:1) '
        "and 1 other resource: the evaluation was stopped: its live heap reached "
    ), lines[0]
    assert "over the embedded engine's memory limit of 128 MiB (BOUNDARY_POLICY_ENGINE_MEMORY sets it)" in lines[0]
    # The bundled templates still ran on every resource, the hostile one's Deployment included.
    assert "error  BND020  Deployment coder/coder-dave-agent-ws" in result.stdout, result.stdout
    assert "hoarded" not in result.stdout


def test_the_limit_holds_across_workers() -> None:
    result = run(str(FIXTURES / "pod.yaml"), *HOARD, "--engine", "embedded", "--jobs", "2", "-o", "json")
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and 'template "k8shoard" on Pod default/p' in result.stderr
    assert json.loads(result.stdout)["summary"]["resources"] == 1  # the report is still written


def test_a_bad_limit_setting_is_one_line_and_exit_2() -> None:
    result = run(str(FIXTURES / "pod.yaml"), "--engine", "embedded", memory="lots")
    assert result.returncode == 2
    assert result.stderr == (
        "boundary-policy: error: BOUNDARY_POLICY_ENGINE_MEMORY='lots' is not a size such as 2GiB or 512MiB "
        "(0: no limit)\n"
    )


def test_the_default_limit_keeps_a_run_under_ulimit_v_alive() -> None:
    # Before the watchdog this ended in Go's "fatal error: out of memory" and its stack dump (exit 134); the
    # default limit is half the address space the process has left once the library is loaded.
    three_gb = 3 * 10**9
    result = subprocess.run(
        [sys.executable, "-m", "boundary_policy", "eval", str(FIXTURES / "pod.yaml"), *HOARD],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "BOUNDARY_POLICY_ENGINE_MEMORY"},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (three_gb, resource.RLIM_INFINITY)),
        timeout=300,
        check=False,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.count("\n") == 1, result.stderr[-2000:]
    assert 'template "k8shoard" on Pod default/p' in result.stderr


def test_workers_share_the_default_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOUNDARY_POLICY_ENGINE_MEMORY", raising=False)
    alone = memory.engine_memory_limit()
    monkeypatch.setattr(memory, "_processes", 1)
    memory.share_among(4)
    assert memory.engine_memory_limit() == alone // 4
    monkeypatch.setenv("BOUNDARY_POLICY_ENGINE_MEMORY", "1GiB")  # an explicit setting is per process
    assert memory.engine_memory_limit() == 1 << 30


@pytest.mark.parametrize("output", ["json", "sarif", "junit", "github"])
def test_every_machine_readable_report_says_the_run_is_incomplete(output: str) -> None:
    """A CI that reads only the report file must not take a stopped evaluation for a clean run."""
    result = run(str(FIXTURES / "pod.yaml"), *HOARD, "--engine", "embedded", "-o", output)
    assert result.returncode == 2, result.stderr
    line = result.stderr.removeprefix("boundary-policy: error: ").rstrip("\n")
    assert line.startswith('template "k8shoard" on Pod default/p') and "\n" not in line
    if output == "json":
        report = json.loads(result.stdout)
        assert report["errors"] == [line]
        jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(report)
    elif output == "sarif":
        invocation = json.loads(result.stdout)["runs"][0]["invocations"][0]
        assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
        assert invocation["toolExecutionNotifications"] == [{"level": "error", "message": {"text": line}}]
    elif output == "junit":
        root = ElementTree.fromstring(result.stdout)
        assert root.get("errors") == "1"
        error = root.find("testsuite[@name='boundary-policy']/testcase/error")
        assert error is not None and error.get("message") == line
    else:
        assert f"::error title=boundary-policy::{line}" in result.stdout.splitlines()


def test_a_complete_run_has_no_errors_in_its_report() -> None:
    result = run(str(FIXTURES / "pod.yaml"), "--engine", "embedded", "-o", "json")
    assert result.returncode in (0, 1), result.stderr
    assert "errors" not in json.loads(result.stdout)
