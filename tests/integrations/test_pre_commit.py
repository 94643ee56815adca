""".pre-commit-hooks.yaml: the hook definition, and the hook installed and run by `pre-commit try-repo`
into a temporary git repository (pre-commit builds its own virtualenv with pip, engine included)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_hook_definition() -> None:
    hooks: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "boundary-policy"
    assert hook["language"] == "python"
    assert hook["entry"] == "boundary-policy eval"
    assert hook["types_or"] == ["yaml", "json"]
    assert hook["pass_filenames"] is True
    assert hook["require_serial"] is True
    # The engine is built by the package's own install: nothing to add, no pip flags.
    assert "additional_dependencies" not in hook


def eval_available() -> bool:
    result = subprocess.run([sys.executable, "-m", "boundary_policy", "eval", "--help"], capture_output=True)
    return result.returncode == 0


def pre_commit() -> list[str]:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if not found:
        pytest.fail("pre-commit is not installed: it is in the dev extras (pip install -e '.[dev]')")
    return [found]


@pytest.mark.skipif(not eval_available(), reason="`boundary-policy eval` is not in this build yet")
def test_try_repo_runs_the_hook_with_the_embedded_engine(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    examples = ROOT / "examples" / "manifests"
    shutil.copy(examples / "20-plain-workspace.yaml", repo / "clean.yaml")
    shutil.copy(examples / "13-invalid-jail-type.yaml", repo / "invalid.yaml")
    git = ["git", "-c", "user.email=test@example.com", "-c", "user.name=test", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "manifests"], cwd=repo, check=True)
    # No opa binary on PATH: the hook can only pass through the embedded engine pre-commit installed.
    path = os.pathsep.join(
        entry for entry in os.environ["PATH"].split(os.pathsep) if not (Path(entry) / "opa").exists()
    )
    env = {**os.environ, "PATH": path, "PRE_COMMIT_HOME": str(tmp_path / "home")}
    env.pop("VIRTUAL_ENV", None)

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*pre_commit(), "try-repo", str(ROOT), "boundary-policy", "--files", *files],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    clean = try_repo("clean.yaml")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
    failing = try_repo("clean.yaml", "invalid.yaml")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "BND001" in failing.stdout
    assert "invalid.yaml" in failing.stdout
