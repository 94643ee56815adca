"""OPA in-process: the project's own library (native/), built from the OPA release Gatekeeper ships.

It compiles and evaluates as Gatekeeper's rego driver does: v0 and v1 templates parsed natively, builtin
errors undefined (non-strict), the builtins Gatekeeper disables refused at compile, no runtime information
(`opa.runtime()` is `{}`, so the process environment is out of reach), print statements off.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from boundary_policy.engine import native
from boundary_policy.engine.base import (
    RESULT_VAR,
    CompiledPolicy,
    EngineError,
    Module,
    Outcome,
    RegoVersion,
    error_from_json,
    kind_of_code,
)
from boundary_policy.engine.memory import engine_memory_limit
from boundary_policy.model import JSON

__all__ = ["CHUNK", "EmbeddedEngine", "EmbeddedPolicy", "available"]

CHUNK = 256
"""Inputs per library call: large enough that the per-call cost vanishes, small enough to bound memory."""


def available() -> bool:
    return native.library_path() is not None


def _error(errors: list[dict[str, Any]]) -> EngineError:
    first = errors[0]
    return error_from_json(kind_of_code(str(first.get("code", ""))), first)


class EmbeddedPolicy:
    def __init__(self, modules: Sequence[Module], data: JSON, rego_version: RegoVersion) -> None:
        request = {
            "modules": [{"name": m.name, "source": m.source} for m in modules],
            "data": data,
            "rego_version": rego_version,
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

    def close(self) -> None:
        self._finalizer()


class EmbeddedEngine:
    name = "embedded"

    def __init__(self) -> None:
        engine_memory_limit()  # a bad BOUNDARY_POLICY_ENGINE_MEMORY fails here, before the run

    def compile(
        self, modules: Sequence[Module], data: JSON = None, *, rego_version: RegoVersion = "v1"
    ) -> CompiledPolicy:
        return EmbeddedPolicy(modules, data, rego_version)

    def close(self) -> None:
        pass
