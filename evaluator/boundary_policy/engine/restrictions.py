"""What Gatekeeper's OPA does not allow a template, for the backends that are not configured like it natively.

The embedded library applies these itself (native/gatekeeper.go). The `opa` CLI gets a capabilities file
without the disabled builtins and an empty environment; an OPA server cannot be given capabilities, so its
engine checks the compiled modules for calls to them. For both, queries replace `opa.runtime()` with `{}`,
which is what Gatekeeper's evaluation (no runtime information) returns.
"""

from __future__ import annotations

from typing import Any

DISABLED_BUILTINS = ("http.send", "net.lookup_ip_addr")
"""Gatekeeper's manager disables http.send (--disable-opa-builtin); net.lookup_ip_addr also reaches the network."""

NO_RUNTIME = "with opa.runtime as {}"


def capabilities(current: dict[str, Any]) -> dict[str, Any]:
    """`opa capabilities --current` without the disabled builtins."""
    builtins = [b for b in current.get("builtins", []) if b.get("name") not in DISABLED_BUILTINS]
    return {**current, "builtins": builtins}


def undefined_function(name: str) -> str:
    """OPA's own compile error for a call to a builtin missing from the capabilities."""
    return f"rego_type_error: undefined function {name}"


__all__ = ["DISABLED_BUILTINS", "NO_RUNTIME", "capabilities", "undefined_function"]
