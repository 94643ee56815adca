"""`boundary-policy eval` on Coder templates (Terraform) and the Boundary recognition summary, through the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boundary_policy", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_a_template_directory_end_to_end() -> None:
    result = run("eval", "examples/terraform/fargate", "--inventory", "examples/inventory")
    assert result.returncode == 1, result.stderr
    assert "examples/terraform/fargate/main.tf:66  error    BND040" in result.stdout
    assert "tf-boundary-not-visible" in result.stdout
    assert result.stdout.rstrip().endswith("Boundary recognised in 1 of 1 workload (module 1)")


def test_json_summary_counts_recognition() -> None:
    result = run("eval", "examples/terraform", "examples/manifests", "--inventory", "examples/inventory", "-o", "json")
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert summary["boundary"] == {
        "workloads": 24,
        "recognised": 23,
        "reasons": {"annotation": 14, "env": 5, "command": 2, "flag": 1, "config": 2, "module": 1},
        "workspacesWithoutBoundary": 1,
    }


def test_a_workspace_without_boundary_signal_gets_the_note() -> None:
    result = run("eval", "examples/manifests/20-plain-workspace.yaml")
    assert result.returncode == 0, result.stderr
    tail = " ".join(result.stdout.split("\n")[1:])
    assert "Boundary recognised in 0 of 1 workload" in result.stdout
    assert "note: 1 workload looks like a Coder workspace" in tail
    assert "boundaryWorkspaces" in tail and "boundary-policy/container" in tail


def test_broken_terraform_is_a_finding_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "kubernetes_pod_v1" "x" {\n  metadata {\n    name = \n}\n')
    result = run("eval", "main.tf", cwd=tmp_path)
    assert result.returncode == 1
    assert "main.tf:3  error  load-error" in result.stdout
    assert "invalid HCL: unexpected" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_directory_without_manifests_names_tf_too(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here\n")
    result = run("eval", ".", cwd=tmp_path)
    assert "(no .yaml, .yml, .json or .tf files)" in result.stdout
