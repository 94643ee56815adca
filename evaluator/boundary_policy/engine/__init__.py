"""Rego engines: one protocol, real OPA behind every backend (embedded library, `opa` CLI, OPA server)."""

from __future__ import annotations

from boundary_policy.engine import embedded
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
    "open_engine",
]

INSTALL_HINT = (
    "no Rego engine available. Either install the embedded engine "
    "(pip install --ignore-requires-python opa-golib-python-bindings==0.4.4, or run scripts/setup), "
    "or install OPA (go install github.com/open-policy-agent/opa@v1.17.1) and pass --engine opa / --opa-bin PATH, "
    "or point --opa-url at a running OPA server."
)


def open_engine(name: str | None = None, *, opa_bin: str | None = None, opa_url: str | None = None) -> Engine:
    """The engine to use: `embedded` where importable, else `opa` on PATH; raises EngineUnavailable.

    The embedded engine falls back to the `opa` CLI for inputs that hit builtin errors (see embedded.py),
    when an `opa` binary can be found.
    """
    if name in (None, "embedded") and opa_url is None and embedded.available():
        opa = find_opa(opa_bin)
        if opa is None:
            return EmbeddedEngine()
        cli = OpaCliEngine(opa)
        return EmbeddedEngine(fallback=lambda modules, data, version: cli.compile(modules, data, rego_version=version))
    if name == "embedded":
        raise EngineUnavailable(INSTALL_HINT)
    if opa_url is not None:
        return OpaServerEngine(opa_url)
    if find_opa(opa_bin) is None:
        raise EngineUnavailable(INSTALL_HINT if name is None else f"`opa` not found. {INSTALL_HINT}")
    return OpaCliEngine(opa_bin)
