"""`boundary-policy eval` end to end through the real command: exit codes, formats, stdin, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CLEAN = EXAMPLES / "manifests" / "20-plain-workspace.yaml"
INVALID_JAIL = EXAMPLES / "manifests" / "13-invalid-jail-type.yaml"


def run(
    *args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boundary_policy", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_help_and_version() -> None:
    help_text = run("--help")
    assert help_text.returncode == 0
    assert "Examples:" in help_text.stdout and "eval" in help_text.stdout
    eval_help = run("eval", "--help")
    assert eval_help.returncode == 0
    assert "boundary-policy eval manifests/" in eval_help.stdout
    assert "--fail-on" in eval_help.stdout and "Exit codes" in eval_help.stdout
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("boundary-policy, version ")


def test_clean_manifest_exits_0() -> None:
    result = run("eval", str(CLEAN), "--inventory", str(EXAMPLES / "inventory"))
    assert result.returncode == 0, result.stderr
    assert "No findings" in result.stdout


def test_error_finding_exits_1_with_file_line_and_fix() -> None:
    result = run("eval", str(INVALID_JAIL.relative_to(ROOT)), "--inventory", "examples/inventory")
    assert result.returncode == 1, result.stderr
    assert "examples/manifests/13-invalid-jail-type.yaml:" in result.stdout
    assert "BND001" in result.stdout and "invalid JailType: landlock" in result.stdout
    assert "fix:" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_fail_on_controls_the_exit_code() -> None:
    warn_only = EXAMPLES / "manifests" / "15-psa-restricted-warn.yaml"
    inventory = ("--inventory", str(EXAMPLES / "inventory"))
    assert run("eval", str(warn_only), *inventory).returncode == 0
    assert run("eval", str(warn_only), *inventory, "--fail-on", "warning").returncode == 1


def test_json_contract_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run(
        "eval", "examples/manifests", "--inventory", "examples/inventory", "-o", "json", "--output-file", str(out)
    )
    assert result.returncode == 1
    assert result.stdout == ""
    report = json.loads(out.read_text())
    assert report["version"] == 1
    assert report["tool"]["name"] == "boundary-policy"
    assert report["summary"]["resources"] == 39
    assert report["summary"]["findings"] == len(report["findings"]) > 0
    first = report["findings"][0]
    assert set(first) == {
        "rule",
        "severity",
        "enforcementAction",
        "message",
        "constraint",
        "resource",
        "container",
        "node",
        "file",
        "line",
    }
    keys = [(f["file"], f["line"], f["rule"]) for f in report["findings"]]
    assert keys == sorted(keys)
    deployment = next(f for f in report["findings"] if f["rule"] == "BND001")
    assert deployment["resource"]["kind"] == "Deployment"
    assert deployment["message"].startswith("[Implied by boundary-expand-workloads] ")
    # Byte-stable: the same run gives the same bytes.
    again = run("eval", "examples/manifests", "--inventory", "examples/inventory", "-o", "json")
    assert again.stdout == out.read_text()


def test_stdin_dash() -> None:
    result = run("eval", "-", "--inventory", "examples/inventory", "-o", "json", stdin=INVALID_JAIL.read_text())
    assert result.returncode == 1, result.stderr
    files = {f["file"] for f in json.loads(result.stdout)["findings"]}
    assert files == {"<stdin>"}


def test_broken_manifest_is_a_finding_and_other_files_still_checked(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: [\n")
    (tmp_path / "ws.yaml").write_text(INVALID_JAIL.read_text())
    result = run("eval", str(tmp_path), "-o", "json", cwd=tmp_path)
    assert result.returncode == 1
    findings = json.loads(result.stdout)["findings"]
    broken = [f for f in findings if f["file"] == "broken.yaml"]
    assert broken and broken[0]["rule"] == "load-error" and broken[0]["line"] is not None
    assert any(f["rule"] == "BND001" and f["file"] == "ws.yaml" for f in findings)
    assert "Traceback" not in result.stderr


def test_empty_directory_is_reported(tmp_path: Path) -> None:
    result = run("eval", str(tmp_path))
    assert result.returncode == 1
    assert "no manifests found" in result.stdout
    assert "Traceback" not in result.stderr


def test_malformed_inventory_exits_2_with_file_and_line(tmp_path: Path) -> None:
    inventory = tmp_path / "nodes.yaml"
    inventory.write_text("apiVersion: v1\nkind: Node\nmetadata:\n  name: a\n  labels: {x: [}\n")
    result = run("eval", str(CLEAN), "--inventory", str(inventory))
    assert result.returncode == 2
    assert "the inventory cannot be used" in result.stderr
    assert "nodes.yaml:5" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_and_bad_usage() -> None:
    missing = run("eval", "does/not/exist.yaml")
    assert missing.returncode == 1
    assert "does/not/exist.yaml" in missing.stdout
    assert run("eval").returncode == 2
    assert run("eval", str(CLEAN), "-o", "yaml").returncode == 2


@pytest.mark.parametrize("fmt", ["text", "sarif", "junit", "github"])
def test_every_format_renders(fmt: str) -> None:
    result = run("eval", str(INVALID_JAIL), "--inventory", str(EXAMPLES / "inventory"), "-o", fmt)
    assert result.returncode == 1, result.stderr
    assert "BND001" in result.stdout


def test_no_color_even_when_forced(tmp_path: Path) -> None:
    result = run("eval", str(INVALID_JAIL), env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in result.stdout


def test_constraints_replace_the_bundled_default(tmp_path: Path) -> None:
    """Exempting a workload the Gatekeeper way: a Constraint with the same name and a narrower match."""
    constraint = ROOT / "gatekeeper" / "constraints" / "bnd001.yaml"
    text = constraint.read_text().replace("    excludedNamespaces:\n", "    excludedNamespaces:\n    - coder\n")
    custom = tmp_path / "bnd001.yaml"
    custom.write_text(text)
    base = ("eval", str(INVALID_JAIL), "--inventory", str(EXAMPLES / "inventory"), "-o", "json")
    before = {f["rule"] for f in json.loads(run(*base).stdout)["findings"]}
    after = {f["rule"] for f in json.loads(run(*base, "--constraints", str(custom)).stdout)["findings"]}
    assert "BND001" in before
    assert "BND001" not in after


@pytest.mark.opa
def test_engines_and_workers_give_the_same_report(opa_bin: str, opa_server: str) -> None:
    """The embedded engine, the `opa` CLI, an OPA server and two worker processes: byte-identical JSON."""
    base = ("eval", "examples/manifests", "--inventory", "examples/inventory", "-o", "json")
    reports = {
        "embedded": run(*base, "--engine", "embedded").stdout,
        "opa": run(*base, "--engine", "opa", "--opa-bin", opa_bin).stdout,
        "server": run(*base, "--opa-url", opa_server).stdout,
        "jobs": run(*base, "--jobs", "2").stdout,
    }
    assert json.loads(reports["embedded"])["summary"]["findings"] > 0
    assert {name: text == reports["embedded"] for name, text in reports.items()} == dict.fromkeys(reports, True)


def test_constraint_parameters_outside_the_schema_exit_2(tmp_path: Path) -> None:
    """gator refuses such a Constraint (schema validation failed); so does eval, naming the field."""
    custom = tmp_path / "bnd001.yaml"
    custom.write_text(
        (ROOT / "gatekeeper" / "constraints" / "bnd001.yaml").read_text() + "  parameters:\n    nodeKind: windows\n"
    )
    result = run("eval", str(INVALID_JAIL), "--constraints", str(custom))
    assert result.returncode == 2
    assert 'spec.parameters.nodeKind: Unsupported value: "windows"' in result.stderr
