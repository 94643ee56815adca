"""The security cases through the real command: a template calling http.send is refused with exit 2 and its file
and line, and a template reading opa.runtime() finds no environment, with every engine and no `opa` on PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "engine"
# PATH without any `opa`: the embedded engine must not need one.
NO_OPA = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "opa").exists())


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boundary_policy", "eval", str(FIXTURES / "pod.yaml"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PATH": NO_OPA, "BP_TEST_SECRET": "s3cr3t"},
        check=False,
    )


def engines(opa_bin: str) -> dict[str, list[str]]:
    return {"embedded": ["--engine", "embedded"], "opa": ["--engine", "opa", "--opa-bin", opa_bin]}


@pytest.mark.opa
def test_a_template_calling_http_send_is_refused_with_file_and_line(opa_bin: str) -> None:
    template = FIXTURES / "exfil-template.yaml"
    line = next(i for i, text in enumerate(template.read_text().splitlines(), 1) if "http.send(" in text)
    for name, flags in engines(opa_bin).items():
        result = run("--templates", str(template), "--constraints", str(FIXTURES / "exfil-constraint.yaml"), *flags)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert f"{template.relative_to(ROOT)}:{line}: " in result.stderr, (name, result.stderr)
        assert "rego_type_error: undefined function http.send" in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.opa
def test_a_template_cannot_read_the_environment(opa_bin: str) -> None:
    template, constraint = FIXTURES / "runtime-template.yaml", FIXTURES / "runtime-constraint.yaml"
    reports = {
        name: run("--templates", str(template), "--constraints", str(constraint), "-o", "json", *flags)
        for name, flags in engines(opa_bin).items()
    }
    for name, result in reports.items():
        assert result.returncode == 1, (name, result.stderr)
        assert "env has 0 entries: none" in result.stdout, name
        assert "s3cr3t" not in result.stdout
    assert reports["embedded"].stdout == reports["opa"].stdout
