"""`boundary-policy test` runs the bundled policies' Rego unit tests like `opa test`, with the same verdicts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boundary_policy", "test", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_bundled_policy_tests_pass_and_agree_with_opa_test(opa_bin: str) -> None:
    ours = _run("policies", "-v")
    assert ours.returncode == 0, ours.stdout[-2000:] + ours.stderr
    passed = {line.split(": PASS: ")[1] for line in ours.stdout.splitlines() if ": PASS: " in line}
    opa = subprocess.run(
        [opa_bin, "test", "policies", "--format", "json"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert opa.returncode == 0, opa.stdout[-2000:]
    expected = {f"{r['package']}.{r['name']}" for r in json.loads(opa.stdout) if not r.get("fail")}
    assert len(expected) > 200
    assert passed == expected
    assert ours.stdout.splitlines()[-1] == f"{len(expected)} passed, 0 failed"


def test_a_failing_test_is_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "p.rego").write_text(
        'package p\n\nallow if input.user == "admin"\n\n'
        'test_admin if allow with input as {"user": "admin"}\n\n'
        'test_guest if allow with input as {"user": "guest"}\n'
    )
    result = _run(str(tmp_path / "p.rego"), cwd=tmp_path)
    assert result.returncode == 1
    assert "p.rego:7: FAIL: data.p.test_guest" in result.stdout
    assert "undefined" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 passed, 1 failed"


def test_a_module_that_does_not_compile_exits_2(tmp_path: Path) -> None:
    (tmp_path / "bad.rego").write_text("package bad\n\nx := y\n")
    result = _run(str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "bad.rego:3" in result.stderr and "unsafe" in result.stderr
