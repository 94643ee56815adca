"""OPA in-process: the project's own library (native/), built from the OPA release Gatekeeper ships.

It compiles and evaluates as Gatekeeper's rego driver does: v0 and v1 templates parsed natively, builtin
errors undefined (non-strict), the builtins Gatekeeper disables refused at compile, no runtime information
(`opa.runtime()` is `{}`, so the process environment is out of reach), print statements off.

A policy that answers many inputs shares across them what cannot depend on the input (native/fold.go): rules
that read only data become constants, such functions are memoised. `sharing` is "auto" (once a policy has
evaluated a few dozen inputs), "always" or "off"; BOUNDARY_POLICY_ENGINE_SHARING sets the default.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from typing import Any, Literal, cast

from boundary_policy.engine import native
from boundary_policy.engine.base import (
    RESULT_VAR,
    CompiledPolicy,
    EngineError,
    EngineUnavailable,
    Module,
    Outcome,
    RegoVersion,
    error_from_json,
    kind_of_code,
)
from boundary_policy.engine.memory import engine_memory_limit
from boundary_policy.model import JSON

__all__ = ["CHUNK", "SHARING_ENV", "EmbeddedEngine", "EmbeddedPolicy", "Sharing", "available", "default_sharing"]

Sharing = Literal["auto", "always", "off"]

SHARING_ENV = "BOUNDARY_POLICY_ENGINE_SHARING"

CHUNK = 256
"""Inputs per library call: large enough that the per-call cost vanishes, small enough to bound memory."""


def available() -> bool:
    return native.library_path() is not None


def default_sharing() -> Sharing:
    """BOUNDARY_POLICY_ENGINE_SHARING, "auto" when unset; anything else is refused before the run."""
    value = os.environ.get(SHARING_ENV, "auto").strip().lower() or "auto"
    if value not in ("auto", "always", "off"):
        raise EngineUnavailable(f"{SHARING_ENV}={value!r}: use auto, always or off")
    return cast(Sharing, value)


def _error(errors: list[dict[str, Any]]) -> EngineError:
    first = errors[0]
    return error_from_json(kind_of_code(str(first.get("code", ""))), first)


class EmbeddedPolicy:
    def __init__(
        self, modules: Sequence[Module], data: JSON, rego_version: RegoVersion, sharing: Sharing = "auto"
    ) -> None:
        request = {
            "modules": [{"name": m.name, "source": m.source} for m in modules],
            "data": data,
            "rego_version": rego_version,
            "sharing": sharing,
        }
        try:
            self._library = native.load()
            reply = self._library.compile(request)
        except native.LibraryMissing as error:
            raise EngineError("compile", str(error)) from None
        if "errors" in reply:
            raise _error(reply["errors"])
        self._handle: int = reply["policy"]
        self._finalizer = weakref.finalize(self, self._library.close, self._handle)

    def evaluate(self, query: str, inputs: Sequence[JSON]) -> list[Outcome]:
        # Bound to a variable so a comparison yields true/false as it does through `opa eval`.
        bound = f"{RESULT_VAR} := ({query})"
        outcomes: list[Outcome] = []
        if not self._finalizer.alive:
            return [Outcome(error=EngineError("eval", "the policy is closed"))] * len(inputs)
        for start in range(0, len(inputs), CHUNK):
            chunk = list(inputs[start : start + CHUNK])
            try:
                reply = self._library.evaluate(self._handle, bound, chunk)
            except native.LibraryMissing as error:
                reply = {"errors": [{"code": "eval_error", "message": str(error)}]}
            if "errors" in reply:
                outcomes += [Outcome(error=_error(reply["errors"]))] * len(chunk)
                continue
            for result in reply["results"]:
                if "errors" in result:
                    outcomes.append(Outcome(error=_error(result["errors"])))
                elif "bindings" in result:
                    outcomes.append(Outcome(result["bindings"][RESULT_VAR], True))
                else:
                    outcomes.append(Outcome())
        return outcomes

    def sharing(self) -> dict[str, Any]:
        """What the policy shares across inputs so far: shared, constants, functions, calls, hits."""
        return self._library.stats(self._handle)

    def close(self) -> None:
        self._finalizer()


class EmbeddedEngine:
    name = "embedded"

    def __init__(self, sharing: Sharing | None = None) -> None:
        engine_memory_limit()  # a bad BOUNDARY_POLICY_ENGINE_MEMORY fails here, before the run
        self.sharing: Sharing = sharing or default_sharing()

    def compile(
        self, modules: Sequence[Module], data: JSON = None, *, rego_version: RegoVersion = "v1"
    ) -> CompiledPolicy:
        return EmbeddedPolicy(modules, data, rego_version, self.sharing)

    def close(self) -> None:
        pass
