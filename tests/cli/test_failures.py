"""Every failure ends with exit code 2 and one line on stderr, never a traceback (issue 12): exit 1 is for findings
only. Each case was a traceback, exit 1 or a lost report before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from boundary_policy.guard import run_guarded
from tests.cli.test_eval import CLEAN, EXAMPLES, INVALID_JAIL, ROOT, run

COMMAND = [sys.executable, "-m", "boundary_policy"]


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_an_unwritable_output_file_fails_before_the_run(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "report.json"
    line = _one_line_error(run("eval", str(INVALID_JAIL), "--output-file", str(target)))
    assert line == f"boundary-policy: error: cannot write the report to {target}: no such directory: {target.parent}"
    assert not target.parent.exists()
    directory = run("eval", str(INVALID_JAIL), "--output-file", str(tmp_path))  # click's usage error
    assert directory.returncode == 2 and "is a directory" in directory.stderr and "Traceback" not in directory.stderr


def test_the_run_does_not_read_its_own_previous_report(tmp_path: Path) -> None:
    (tmp_path / "ws.yaml").write_bytes(CLEAN.read_bytes())
    first = run("eval", ".", "-o", "json", "--output-file", "report.json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = run("eval", ".", "-o", "json", "--output-file", "report.json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # report.json is not read as a manifest (no load-error)
    assert '"findings": []' in (tmp_path / "report.json").read_text(encoding="utf-8")


def _run_with(fds: dict[int, int | None], *args: str) -> subprocess.CompletedProcess[str]:
    """The command with file descriptors replaced (a target of None closes it) before it starts."""

    def setup() -> None:
        for fd, target in fds.items():
            if target is None:
                os.close(fd)
            else:
                os.dup2(target, fd)

    return subprocess.run(
        [*COMMAND, *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=setup,
        check=False,
        stdout=None if 1 in fds else subprocess.PIPE,
        stdin=None if 0 in fds else subprocess.DEVNULL,
    )


def test_a_closed_stdout_is_an_error() -> None:
    result = _run_with({1: None}, "eval", str(CLEAN))
    assert _one_line_error(result) == (
        "boundary-policy: error: standard output is closed: give --output-file, or run without closing it"
    )


def test_a_stdout_whose_reader_is_gone_is_an_error() -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        result = _run_with({1: write}, "eval", str(CLEAN))
    finally:
        os.close(write)
    assert "cannot write the report to standard output" in _one_line_error(result)


def test_a_closed_stdin_is_an_error_when_it_is_to_be_read() -> None:
    result = _run_with({0: None}, "eval", "-")
    assert _one_line_error(result) == "boundary-policy: error: standard input is closed, and '-' asks to read it"


def test_stdin_is_read_only_once() -> None:
    line = _one_line_error(run("eval", "-", "--templates", "-", stdin="apiVersion: v1\nkind: Pod\n"))
    assert "standard input ('-') can be read only once, and is given to PATHS and --templates" in line


def test_an_unwritable_step_summary_is_an_error() -> None:
    result = run("eval", str(CLEAN), "-o", "github", env={"GITHUB_STEP_SUMMARY": "/nonexistent/summary.md"})
    assert "cannot write the step summary to /nonexistent/summary.md" in _one_line_error(result)


def test_an_invalid_test_regex_is_a_usage_error() -> None:
    result = run("test", "-r", "(")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'(' is not a regular expression" in result.stderr


def test_ctrl_c_ends_with_exit_2_and_one_line(tmp_path: Path) -> None:
    workload = (EXAMPLES / "manifests" / "01-al2023-net-admin-nonroot.yaml").read_text(encoding="utf-8")
    # Enough work that the run is still going when the signal comes (a run that ended first fails the test).
    many = "\n---\n".join(workload.replace("coder-alice", f"coder-{i}") for i in range(3000))
    (tmp_path / "many.yaml").write_text(many, encoding="utf-8")
    process = subprocess.Popen(
        [*COMMAND, "eval", str(tmp_path / "many.yaml"), "--inventory", str(EXAMPLES / "inventory")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As in a terminal: a test run started in the background (e.g. `nohup … &`) inherits SIGINT ignored, and
        # Python then keeps ignoring it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(3)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    assert stderr.strip().splitlines() == ["boundary-policy: error: interrupted"]


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        (MemoryError(), "out of memory"),
        (KeyboardInterrupt(), "interrupted"),
        (RuntimeError("a bug"), "internal error: RuntimeError: a bug"),
        (BrokenPipeError(32, "Broken pipe"), "cannot write the output: Broken pipe"),
    ],
)
def test_the_guard_turns_anything_into_one_line_and_exit_2(
    raised: BaseException, message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "dup2", lambda *_: None)  # keep the test process's own stdout

    def command() -> object:
        raise raised

    assert run_guarded(command) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_an_opa_bin_that_is_not_opa_is_one_line() -> None:
    """It was `rego_compile_error: {}` (then: the binary's output) once per template."""
    line = _one_line_error(run("eval", str(CLEAN), "--engine", "opa", "--opa-bin", "echo"))
    assert line.startswith("boundary-policy: error: `") and line.endswith(
        "echo version` did not print its version (it said: version)"
    )
    assert "is not an OPA binary" in line


def test_a_file_over_the_size_limit_says_how_to_raise_it(tmp_path: Path) -> None:
    big = tmp_path / "nodes.json"
    big.write_text('{"apiVersion": "v1", "kind": "List", "items": []' + " " * (2 * 2**20) + "}", encoding="utf-8")
    limited = run("eval", str(CLEAN), "--inventory", str(big), "--max-file-size", "1MiB")
    assert limited.returncode == 2 and "raise it with --max-file-size" in limited.stderr, limited.stderr
    raised = run("eval", str(CLEAN), "--inventory", str(big), "--max-file-size", "4MiB")
    assert "larger than the limit" not in raised.stderr  # read now (and an empty List is its own problem)
    assert "no Kubernetes objects in this inventory file" in raised.stderr
