"""Build the embedded OPA engine (this folder's Go module, -buildmode=c-shared) into a directory, once.

    python native/build.py DIR      # prints the library's path; rebuilds only when the stamp differs

Used by scripts/setup (DIR = .tools/lib) and by the wheel's build hook (hatch_build.py). A stamp beside the
library records the OPA version, a hash of the Go sources and the Go version, so a rerun that would produce
the same library does nothing. Standard library only: it runs before any virtualenv exists.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent
LIBRARY_NAME = "libbpopa.dylib" if sys.platform == "darwin" else "libbpopa.so"


class BuildError(Exception):
    pass


def opa_version() -> str:
    """The OPA release the module pins (go.mod), e.g. v1.17.1."""
    found = re.search(r"^\s*(?:require\s+)?github\.com/open-policy-agent/opa\s+(v\S+)", _read("go.mod"), re.M)
    if not found:
        raise BuildError("native/go.mod does not require github.com/open-policy-agent/opa")
    return found[1]


def _read(name: str) -> str:
    return (SOURCE / name).read_text(encoding="utf-8")


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise BuildError(
            "building the embedded OPA engine needs Go (https://go.dev/dl/) and a C compiler; "
            "install them, or use an `opa` binary with --engine opa"
        )
    return go


def stamp(go: str) -> str:
    digest = hashlib.sha256()
    for path in sorted([*SOURCE.glob("*.go"), SOURCE / "go.mod", SOURCE / "go.sum"]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    go_version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()
    return f"opa {opa_version()} src {digest.hexdigest()[:16]} {go_version}\n"


def build(directory: Path) -> Path:
    """`directory`/LIBRARY_NAME, built unless its stamp is current."""
    go = _go()
    directory.mkdir(parents=True, exist_ok=True)
    library = directory / LIBRARY_NAME
    stamp_file = directory / f".{LIBRARY_NAME}.stamp"
    want = stamp(go)
    if library.is_file() and stamp_file.is_file() and stamp_file.read_text() == want:
        return library
    print(f"building the embedded OPA engine (OPA {opa_version()}) into {library}", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".build-") as scratch:
        partial = Path(scratch) / LIBRARY_NAME
        env = {**os.environ, "CGO_ENABLED": "1"}
        command = [go, "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", str(partial), "."]
        completed = subprocess.run(command, cwd=SOURCE, env=env, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise BuildError(f"go build failed:\n{completed.stderr.strip()}")
        # Replaced in one step, so a concurrent build or a running test never loads half a file.
        partial.replace(library)
    stamp_file.write_text(want)
    return library


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        print(build(Path(argv[0]).resolve()))
    except BuildError as error:
        print(f"native/build.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
