"""Install the embedded OPA engine (this folder's Go module, -buildmode=c-shared) into a directory.

    python native/build.py DIR                 # the committed prebuilt library when it applies, else a Go build
    python native/build.py DIR --from-source   # always a Go build
    python native/build.py --update-prebuilt   # rebuild prebuilt/linux-amd64/ (library + manifest) from the sources
    python native/build.py --check-prebuilt    # rebuild in a temp dir: exit 2 unless the bytes are the committed ones

The prebuilt library (prebuilt/linux-amd64/libbpopa.so.xz and manifest.json) is used on Linux x86-64 with glibc
when the manifest's source hash is that of the Go sources here; it is decompressed and its sha256 checked against
the manifest. Anywhere else, or when the sources changed, the library is built with Go and a C compiler. The
prebuilt is built reproducibly (the toolchain pinned by go.mod's `toolchain` line, paths trimmed, no build id),
so `--check-prebuilt`, which CI runs, proves it is exactly what the sources build.

A stamp beside the installed library says what it is, so a rerun that would install the same library does
nothing. Standard library only: it runs before any virtualenv exists. Prints the library's path; errors are one
line and exit 2.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

SOURCE = Path(__file__).resolve().parent
LIBRARY_NAME = "libbpopa.dylib" if sys.platform == "darwin" else "libbpopa.so"
PREBUILT = SOURCE / "prebuilt" / "linux-amd64"
PREBUILT_LIBRARY = PREBUILT / "libbpopa.so.xz"
MANIFEST = PREBUILT / "manifest.json"
LDFLAGS = "-s -w -buildid="
"""No symbol table, no DWARF, no Go build id (it hashes the build's inputs, paths included): smaller and
reproducible. -trimpath takes the checkout and module cache paths out of the rest."""


class BuildError(Exception):
    pass


def opa_version() -> str:
    """The OPA release the module pins (go.mod), e.g. v1.17.1."""
    found = re.search(r"^\s*(?:require\s+)?github\.com/open-policy-agent/opa\s+(v\S+)", _read("go.mod"), re.M)
    if not found:
        raise BuildError("native/go.mod does not require github.com/open-policy-agent/opa")
    return found[1]


def pinned_toolchain() -> str:
    """go.mod's `toolchain` line (e.g. go1.26.8): the Go that builds the prebuilt library, byte for byte."""
    found = re.search(r"^toolchain\s+(go\S+)\s*$", _read("go.mod"), re.M)
    if not found:
        raise BuildError("native/go.mod has no `toolchain` line to pin the Go that builds the prebuilt library")
    return found[1]


def source_hash() -> str:
    """sha256 over the Go sources, go.mod and go.sum: what the library is built from."""
    digest = hashlib.sha256()
    for path in sorted([*SOURCE.glob("*.go"), SOURCE / "go.mod", SOURCE / "go.sum"]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _read(name: str) -> str:
    return (SOURCE / name).read_text(encoding="utf-8")


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise BuildError(
            "building the embedded OPA engine needs Go (https://go.dev/dl/) and a C compiler, because "
            f"{_why_not_prebuilt() or 'a build from source was asked for'}; install them, "
            "or use an `opa` binary with --engine opa"
        )
    return go


def _build_env(pinned: bool) -> dict[str, str]:
    """The build's environment. Pinned (the prebuilt): the toolchain, target and C compiler settings fixed, so a
    newer local Go or the caller's GOFLAGS/CGO_CFLAGS/GOAMD64 cannot change the bytes."""
    env = {**os.environ, "CGO_ENABLED": "1", "GOFLAGS": "-buildvcs=false"}
    if pinned:
        env |= {
            "GOTOOLCHAIN": pinned_toolchain(),  # downloaded from the module proxy when the local Go differs
            "GOOS": "linux",
            "GOARCH": "amd64",
            "GOAMD64": "v1",
            "GOEXPERIMENT": "",
            "CC": "gcc",
            "CGO_CFLAGS": "-O2 -g",
            "CGO_LDFLAGS": "-O2 -g",
        }
    return env


def _go_version(go: str, env: dict[str, str]) -> str:
    completed = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, env=env, check=False)
    if completed.returncode != 0:
        raise BuildError(f"`go env GOVERSION` failed: {_first_line(completed.stderr)}")
    return completed.stdout.strip()


def _first_line(text: str) -> str:
    return next((line for line in text.strip().splitlines() if line.strip()), "no output")


def compile_library(output: Path, *, pinned: bool) -> str:
    """`go build` the library into `output`; returns the Go version that built it."""
    go = _go()
    env = _build_env(pinned)
    version = _go_version(go, env)
    command = [go, "build", "-buildmode=c-shared", "-trimpath", f"-ldflags={LDFLAGS}", "-o", str(output), "."]
    completed = subprocess.run(command, cwd=SOURCE, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"go build failed: {' | '.join(completed.stderr.strip().splitlines()[-5:])}")
    output.with_suffix(".h").unlink(missing_ok=True)  # the C header cgo writes beside it; nothing reads it
    return version


class Manifest(NamedTuple):
    sha256: str
    size: int
    opa: str
    source: str
    go: str
    gotoolchain: str
    cc: str
    glibc: str
    """The newest glibc symbol version the library needs: older systems build from source."""
    platform: str = "linux/amd64"

    @staticmethod
    def read() -> Manifest | None:
        try:
            return Manifest(**json.loads(MANIFEST.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None


def _platform_fits() -> bool:
    """Linux x86-64 with glibc: the prebuilt library is linked against glibc (cgo)."""
    machine = platform.machine().lower() in ("x86_64", "amd64")
    return sys.platform == "linux" and machine and platform.libc_ver()[0] == "glibc"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _needed_glibc(library: bytes) -> str:
    """The newest GLIBC_x.y symbol version the library's dynamic section asks for."""
    versions = {match.decode() for match in re.findall(rb"GLIBC_(\d+\.\d+(?:\.\d+)?)\x00", library)}
    return max(versions, key=_version, default="0")


def _why_not_prebuilt() -> str | None:
    """Why the committed prebuilt library does not apply here, or None when it does."""
    if not _platform_fits():
        return f"no prebuilt library is committed for {sys.platform}/{platform.machine()} (only Linux x86-64, glibc)"
    manifest = Manifest.read()
    if manifest is None or not PREBUILT_LIBRARY.is_file():
        return "the prebuilt library or its manifest is missing or unreadable"
    if manifest.source != source_hash():
        return "the Go sources in native/ differ from those the prebuilt library was built from"
    if _version(platform.libc_ver()[1]) < _version(manifest.glibc):
        return f"the prebuilt library needs glibc {manifest.glibc}, this system has {platform.libc_ver()[1]}"
    return None


def _stamp_from_source(go_version: str) -> str:
    return f"opa {opa_version()} src {source_hash()[:16]} {go_version}\n"


def _stamp_prebuilt(manifest: Manifest) -> str:
    return f"opa {manifest.opa} src {manifest.source[:16]} {manifest.go} prebuilt {manifest.sha256[:16]}\n"


def _decompressed_prebuilt(manifest: Manifest) -> bytes:
    try:
        data = lzma.decompress(PREBUILT_LIBRARY.read_bytes())
    except lzma.LZMAError as error:
        raise BuildError(f"refusing the prebuilt library: {PREBUILT_LIBRARY.name} is not valid xz ({error})") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != manifest.sha256:
        raise BuildError(
            f"refusing the prebuilt library: {PREBUILT_LIBRARY.relative_to(SOURCE.parent)} decompresses to sha256 "
            f"{actual[:16]}…, its manifest says {manifest.sha256[:16]}… (rebuild it: --update-prebuilt)"
        )
    return data


def install(directory: Path, *, from_source: bool = False) -> Path:
    """`directory`/LIBRARY_NAME: the prebuilt library when it applies (and not `from_source`), else built; nothing
    is done when the stamp says the library there is already that one."""
    directory.mkdir(parents=True, exist_ok=True)
    library = directory / LIBRARY_NAME
    stamp_file = directory / f".{LIBRARY_NAME}.stamp"
    manifest = None if from_source or _why_not_prebuilt() else Manifest.read()
    if manifest is not None:
        want = _stamp_prebuilt(manifest)
    else:
        go = _go()
        want = _stamp_from_source(_go_version(go, _build_env(pinned=False)))
    if library.is_file() and stamp_file.is_file() and stamp_file.read_text() == want:
        return library
    with tempfile.TemporaryDirectory(dir=directory, prefix=".build-") as scratch:
        partial = Path(scratch) / LIBRARY_NAME
        if manifest is not None:
            partial.write_bytes(_decompressed_prebuilt(manifest))
            print(f"installed the prebuilt embedded OPA engine (OPA {manifest.opa}) into {library}", file=sys.stderr)
        else:
            print(f"building the embedded OPA engine (OPA {opa_version()}) into {library}", file=sys.stderr)
            compile_library(partial, pinned=False)
        # Replaced in one step, so a concurrent build or a running test never loads half a file.
        partial.replace(library)
    stamp_file.write_text(want)
    return library


def _cc_version() -> str:
    completed = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=False)
    return _first_line(completed.stdout) if completed.returncode == 0 else "unknown"


def _build_pinned(scratch: Path) -> tuple[bytes, str]:
    output = scratch / LIBRARY_NAME
    go_version = compile_library(output, pinned=True)
    return output.read_bytes(), go_version


def update_prebuilt() -> str:
    """Rebuild the prebuilt library and manifest; the compressed file is rewritten only when the bytes changed."""
    if not _platform_fits():
        raise BuildError("the prebuilt library is built on Linux x86-64 with glibc")
    with tempfile.TemporaryDirectory(prefix="bpopa-") as scratch:
        data, go_version = _build_pinned(Path(scratch))
    digest = hashlib.sha256(data).hexdigest()
    old = Manifest.read()
    PREBUILT.mkdir(parents=True, exist_ok=True)
    if old is None or old.sha256 != digest or not PREBUILT_LIBRARY.is_file():
        PREBUILT_LIBRARY.write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    toolchain = pinned_toolchain()
    manifest = Manifest(
        digest, len(data), opa_version(), source_hash(), go_version, toolchain, _cc_version(), _needed_glibc(data)
    )
    MANIFEST.write_text(json.dumps(manifest._asdict(), indent=2) + "\n", encoding="utf-8")
    size = PREBUILT_LIBRARY.stat().st_size
    return f"{PREBUILT_LIBRARY.relative_to(SOURCE.parent)}: sha256 {digest}, {len(data):,} bytes ({size:,} compressed)"


def check_prebuilt() -> str:
    """Rebuild from the sources in a temp dir; a BuildError unless the result is the committed library."""
    manifest = Manifest.read()
    if manifest is None:
        raise BuildError(f"{MANIFEST.relative_to(SOURCE.parent)} is missing or unreadable (run --update-prebuilt)")
    if manifest.source != source_hash() or manifest.opa != opa_version() or manifest.gotoolchain != pinned_toolchain():
        raise BuildError("the prebuilt library was built from other sources than native/'s (run --update-prebuilt)")
    with tempfile.TemporaryDirectory(prefix="bpopa-") as scratch:
        data, _ = _build_pinned(Path(scratch))
    digest = hashlib.sha256(data).hexdigest()
    if digest != manifest.sha256:
        raise BuildError(
            f"the sources build sha256 {digest[:16]}…, the committed prebuilt library is {manifest.sha256[:16]}… "
            "(run --update-prebuilt; if it keeps differing, the build is not reproducible here)"
        )
    _decompressed_prebuilt(manifest)  # and the committed file holds those bytes
    return f"the prebuilt library is what the sources build (sha256 {digest[:16]}…, {manifest.gotoolchain})"


def main(argv: list[str]) -> int:
    flags = {arg for arg in argv if arg.startswith("--")}
    positional = [arg for arg in argv if not arg.startswith("--")]
    known = {"--from-source", "--update-prebuilt", "--check-prebuilt"}
    maintenance = flags & {"--update-prebuilt", "--check-prebuilt"}
    if flags - known or (maintenance and (positional or len(flags) > 1)) or (not maintenance and len(positional) != 1):
        print("usage: native/build.py DIR [--from-source] | --update-prebuilt | --check-prebuilt", file=sys.stderr)
        return 2
    try:
        if "--update-prebuilt" in flags:
            print(update_prebuilt())
        elif "--check-prebuilt" in flags:
            print(check_prebuilt())
        else:
            print(install(Path(positional[0]).resolve(), from_source="--from-source" in flags))
    except (BuildError, OSError) as error:
        print(f"native/build.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
