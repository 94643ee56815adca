"""The documented commands work from an installed wheel, outside any checkout: the wheel carries the embedded
engine, the policies, the generated Gatekeeper files and the rule pages, and commands that would rewrite a
checkout say what they need instead."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = out.glob("boundary_policy-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    environment = tmp_path_factory.mktemp("wheel-venv")
    venv.create(environment, with_pip=True)
    pip = [str(environment / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    result = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return environment / "bin" / "boundary-policy"


def run(command: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # No Go, no opa and no checkout on PATH: only the installed package.
    env = {"PATH": f"{command.parent}:/usr/bin:/bin", "HOME": str(cwd), "NO_COLOR": "1"}
    return subprocess.run(
        [str(command), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_the_wheel_carries_the_engine_policies_generated_files_and_rule_pages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "boundary_policy/engine/_lib/libbpopa.so" in names
    for expected in (
        "boundary_policy/_bundle/policies/rules/bnd020/policy.rego",
        "boundary_policy/_bundle/gatekeeper/templates/bnd020.yaml",
        "boundary_policy/_bundle/docs/rules/BND020.md",
    ):
        assert expected in names


def test_the_wheels_engine_is_the_committed_prebuilt_library(wheel: Path) -> None:
    manifest = json.loads((ROOT / "native" / "prebuilt" / "linux-amd64" / "manifest.json").read_text())
    library = zipfile.ZipFile(wheel).read("boundary_policy/engine/_lib/libbpopa.so")
    assert hashlib.sha256(library).hexdigest() == manifest["sha256"]


def test_eval_runs_with_the_embedded_engine(installed: Path, tmp_path: Path) -> None:
    version = run(installed, "--version", cwd=tmp_path)
    assert "embedded OPA v1.17.1" in version.stdout, version.stdout + version.stderr
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    result = run(installed, "eval", "examples/manifests", "--inventory", "examples/inventory", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BND020" in result.stdout


def test_generate_check_checks_the_installed_copy(installed: Path, tmp_path: Path) -> None:
    result = run(installed, "generate", "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "generated files are current" in result.stdout


def test_generate_refuses_to_rewrite_the_installed_copy(installed: Path, tmp_path: Path) -> None:
    result = run(installed, "generate", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is the copy installed with boundary-policy" in result.stderr
    assert "--policies" in result.stderr
    assert "Traceback" not in result.stderr


def test_generate_writes_your_own_policies(installed: Path, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "policies", tmp_path / "mine" / "policies")
    result = run(installed, "generate", "--policies", "mine/policies", "--output", "mine", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "mine" / "gatekeeper" / "templates" / "bnd020.yaml").is_file()
    assert (tmp_path / "mine" / "docs" / "rules" / "BND020.md").is_file()
    check = run(installed, "generate", "--check", "--policies", "mine/policies", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_explain_names_a_page_that_exists(installed: Path, tmp_path: Path) -> None:
    result = run(installed, "explain", "BND020", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (docs,) = [line.removeprefix("Docs: ") for line in result.stdout.splitlines() if line.startswith("Docs: ")]
    assert Path(docs).is_absolute() and Path(docs).is_file(), docs
    (policy,) = [line.removeprefix("Policy: ") for line in result.stdout.splitlines() if line.startswith("Policy: ")]
    assert Path(policy).is_file(), policy


def test_verify_and_test_run_the_bundled_suites_and_rego_tests(installed: Path, tmp_path: Path) -> None:
    verify = run(installed, "verify", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr
    rego = run(installed, "test", cwd=tmp_path)
    assert rego.returncode == 0, rego.stdout[-2000:] + rego.stderr


def test_no_checkout_is_reachable(installed: Path, tmp_path: Path) -> None:
    probe = "import boundary_policy, boundary_policy.bundle as b; print(b.project_root())"
    result = subprocess.run(
        [str(installed.parent / "python"), "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "None", result.stdout + result.stderr
