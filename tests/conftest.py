"""Shared fixtures: the pinned tools (installed by scripts/setup into .tools/bin) and a real OPA server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools" / "bin"


def tool(name: str) -> str:
    """Path of a pinned tool; tests fail (not skip) when it is missing, since CI installs it."""
    found = TOOLS / name
    if found.is_file():
        return str(found)
    on_path = shutil.which(name)
    if on_path:
        return on_path
    pytest.fail(f"{name} not found: run scripts/setup (it installs the pinned {name} into .tools/bin)")


@pytest.fixture(scope="session")
def opa_bin() -> str:
    return tool("opa")


@pytest.fixture(scope="session")
def gator_bin() -> str:
    return tool("gator")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_opa_server(opa_bin: str, *flags: str) -> Iterator[str]:
    """A real `opa run --server` on a free loopback port, stopped after the session."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            opa_bin,
            "run",
            "--server",
            "--addr",
            f"127.0.0.1:{port}",
            "--log-level",
            "error",
            "--skip-version-check",
            *flags,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Nothing of the test environment: the engine must not depend on what the server's holds.
        env={"OPA_TELEMETRY": "false"},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("opa server did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def opa_server(opa_bin: str) -> Iterator[str]:
    """An OPA server in its default mode, Rego v1."""
    yield from _start_opa_server(opa_bin)


@pytest.fixture(scope="session")
def opa_server_v0(opa_bin: str) -> Iterator[str]:
    """An OPA server that parses Rego v0 (--v0-compatible), for v0 templates: a server parses in one version."""
    yield from _start_opa_server(opa_bin, "--v0-compatible")
