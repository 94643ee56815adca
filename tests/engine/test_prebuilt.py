"""The committed prebuilt engine (native/prebuilt/linux-amd64): installed without Go when it was built from the
sources in native/, refused when its bytes are not the manifest's, and reproducible: another checkout path and
empty Go caches build the same bytes (CI's `native/build.py --check-prebuilt` checks this checkout's)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
NATIVE = ROOT / "native"
MANIFEST = json.loads((NATIVE / "prebuilt" / "linux-amd64" / "manifest.json").read_text())
# No Go and no C compiler: the prebuilt library must not need them.
NO_GO = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
NO_GO["PATH"] = os.pathsep.join(p for p in NO_GO["PATH"].split(os.pathsep) if not (Path(p) / "go").exists())


def build_py(native: Path, *args: str, env: dict[str, str] = NO_GO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(native / "build.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
        check=False,
    )


def copy_of_native(tmp_path: Path) -> Path:
    native = tmp_path / "checkout" / "native"
    shutil.copytree(NATIVE, native, ignore=shutil.ignore_patterns("__pycache__"))
    return native


def native_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("native_build", NATIVE / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_manifest_is_for_these_sources() -> None:
    build = native_build()
    assert MANIFEST["source"] == build.source_hash(), "native/ changed: run python native/build.py --update-prebuilt"
    assert MANIFEST["opa"] == build.opa_version()
    assert MANIFEST["gotoolchain"] == build.pinned_toolchain() == MANIFEST["go"]


def test_install_takes_the_prebuilt_library_without_go(tmp_path: Path) -> None:
    result = build_py(NATIVE, str(tmp_path / "lib"))
    assert result.returncode == 0, result.stderr
    library = Path(result.stdout.strip())
    assert hashlib.sha256(library.read_bytes()).hexdigest() == MANIFEST["sha256"]
    assert "installed the prebuilt embedded OPA engine" in result.stderr
    # The library loads and is the OPA it claims (a fresh process: a loaded library cannot be unloaded).
    load = f"from boundary_policy.engine.native import Library; print(Library({str(library)!r}).version()['opa'])"
    probe = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == MANIFEST["opa"].removeprefix("v")
    # A rerun finds the stamp current and leaves the library alone.
    again = build_py(NATIVE, str(tmp_path / "lib"))
    assert again.returncode == 0 and again.stderr == ""


def test_a_prebuilt_library_that_is_not_the_manifests_is_refused(tmp_path: Path) -> None:
    native = copy_of_native(tmp_path)
    (native / "prebuilt" / "linux-amd64" / "libbpopa.so.xz").write_bytes(lzma.compress(b"not the library"))
    result = build_py(native, str(tmp_path / "lib"))
    assert result.returncode == 2
    assert result.stderr.startswith("native/build.py: refusing the prebuilt library: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "lib" / "libbpopa.so").exists()


def test_changed_sources_need_a_build_and_say_why_without_go(tmp_path: Path) -> None:
    native = copy_of_native(tmp_path)
    with (native / "gatekeeper.go").open("a") as source:
        source.write("\n// a change\n")
    result = build_py(native, str(tmp_path / "lib"))
    assert result.returncode == 2
    assert result.stderr == (
        "native/build.py: building the embedded OPA engine needs Go (https://go.dev/dl/) and a C compiler, because "
        "the Go sources in native/ differ from those the prebuilt library was built from; install them, or use an "
        "`opa` binary with --engine opa\n"
    )
    stale = build_py(native, "--check-prebuilt", env=dict(os.environ))
    assert stale.returncode == 2
    assert stale.stderr == (
        "native/build.py: the prebuilt library was built from other sources than native/'s (run --update-prebuilt)\n"
    )


def test_another_checkout_path_and_empty_go_caches_build_the_same_bytes(tmp_path: Path) -> None:
    native = copy_of_native(tmp_path)
    # The module cache is kept (it is content-addressed, and the proxy need not be asked again); the build
    # cache, GOPATH and HOME are new, so every package is compiled again.
    modules = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
    fresh = {name: str(tmp_path / name.lower()) for name in ("GOCACHE", "GOPATH", "HOME")}
    result = build_py(native, "--check-prebuilt", env={**os.environ, **fresh, "GOMODCACHE": modules})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("the prebuilt library is what the sources build")
