"""Rego engines: one protocol, real OPA behind every backend (embedded library, `opa` CLI, OPA server)."""

from __future__ import annotations

from boundary_policy.engine import embedded, native
from boundary_policy.engine.base import (
    UNDEFINED,
    CompiledPolicy,
    Engine,
    EngineError,
    EngineUnavailable,
    Module,
    Outcome,
    RegoVersion,
)
from boundary_policy.engine.embedded import EmbeddedEngine
from boundary_policy.engine.opa_cli import OpaCliEngine, find_opa
from boundary_policy.engine.opa_server import OpaServerEngine

__all__ = [
    "UNDEFINED",
    "CompiledPolicy",
    "EmbeddedEngine",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "Module",
    "OpaCliEngine",
    "OpaServerEngine",
    "Outcome",
    "RegoVersion",
    "embedded_opa_version",
    "open_engine",
]


INSTALL_HINT = (
    "the embedded OPA engine is not built. Install boundary-policy with Go available (pip install . builds it; "
    "in a checkout, scripts/setup), or run an `opa` binary: --engine opa [--opa-bin PATH], or --opa-url URL."
)


def open_engine(name: str | None = None, *, opa_bin: str | None = None, opa_url: str | None = None) -> Engine:
    """The engine asked for: `embedded` by default, `opa` (CLI or --opa-url server); raises EngineUnavailable.

    There is no fallback from one engine to another: each gives Gatekeeper's results on its own.
    """
    if opa_url is not None:
        if name == "embedded":
            raise EngineUnavailable("--opa-url needs --engine opa")
        return OpaServerEngine(opa_url)
    if name in (None, "embedded"):
        if not embedded.available():
            raise EngineUnavailable(INSTALL_HINT)
        return EmbeddedEngine()
    if find_opa(opa_bin) is None:
        raise EngineUnavailable(f"`{opa_bin or 'opa'}` not found (install OPA v1.17.1, or pass --opa-bin PATH)")
    return OpaCliEngine(opa_bin)


def embedded_opa_version() -> str | None:
    """The OPA release inside the embedded engine, e.g. "1.17.1"; None when it is not built."""
    return native.opa_version()
