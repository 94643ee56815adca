"""`helm template … | boundary-policy eval -` and `kustomize build … | boundary-policy eval -` with the real,
pinned helm and kustomize (scripts/setup builds them into .tools/bin)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import tool

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "integrations"


def _pipe(render: list[str]) -> tuple[int, dict[str, object]]:
    rendered = subprocess.run(render, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    result = subprocess.run(
        [sys.executable, "-m", "boundary_policy", "eval", "-", "--inventory", "examples/inventory", "-o", "json"],
        input=rendered,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def _rules(report: dict[str, object]) -> set[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["rule"] for f in findings if f["severity"] != "info"}


def test_helm_template_piped_into_eval() -> None:
    helm = tool("helm")
    chart = str(FIXTURES / "chart")
    code, report = _pipe([helm, "template", "ws", chart, "--namespace", "coder"])
    assert (code, _rules(report)) == (0, set())
    code, report = _pipe([helm, "template", "ws", chart, "--namespace", "coder", "--set", "boundary.jailType=gvisor"])
    assert (code, _rules(report)) == (1, {"BND001"})
    findings = report["findings"]
    assert isinstance(findings, list)
    assert {(f["file"], f["resource"]["name"]) for f in findings} == {("<stdin>", "coder-alice-ws")}


def test_kustomize_build_piped_into_eval() -> None:
    kustomize = tool("kustomize")
    code, report = _pipe([kustomize, "build", str(FIXTURES / "kustomize" / "base")])
    assert (code, _rules(report)) == (1, {"BND020"})
    code, report = _pipe([kustomize, "build", str(FIXTURES / "kustomize" / "overlay")])
    assert (code, _rules(report)) == (0, set())
