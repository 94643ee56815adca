"""OPA in-process through opa-golib-python-bindings (OPA's Go library behind ctypes).

The bindings evaluate with strict builtin errors and have no switch for it, while Gatekeeper runs OPA
in its default non-strict mode, where a failing builtin (`to_number("x")`, `count(1)`) makes the
expression undefined. When an input hits such an error, the policy is evaluated again for that input
by the `opa` CLI in non-strict mode (when one is available), so results stay those of Gatekeeper.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

from boundary_policy.engine.base import (
    BATCH_SIZE,
    RESULT_VAR,
    CompiledPolicy,
    EngineError,
    Module,
    Outcome,
    RegoVersion,
    batch_query,
    error_from_text,
)
from boundary_policy.model import JSON

# Errors that OPA's non-strict mode turns into "undefined" instead of failing the query.
_BUILTIN_ERROR_CODES = ("eval_builtin_error", "eval_type_error")

Fallback = Callable[[Sequence[Module], JSON, RegoVersion], CompiledPolicy]


def available() -> bool:
    return importlib.util.find_spec("opa_bindings") is not None


def _to_v1(source: str, rego_version: RegoVersion) -> str:
    if rego_version == "v1":
        return source
    from boundary_policy.regov0 import v0_to_v1  # only v0 templates need the rewrite

    return v0_to_v1(source)


class EmbeddedPolicy:
    def __init__(
        self,
        modules: Sequence[Module],
        data: JSON,
        rego_version: RegoVersion,
        fallback: Fallback | None,
    ) -> None:
        from opa_bindings import OpaEngine  # optional dependency
        from opa_bindings.engine import OpaError

        self._error_type: type[Exception] = OpaError
        self._engine: Any = OpaEngine()
        self._engine.print_handler = lambda _message, _location: None
        self._modules = tuple(modules)
        self._data = data
        self._rego_version = rego_version
        self._fallback = fallback
        self._fallback_policy: CompiledPolicy | None = None
        try:
            for module in modules:
                self._engine.add_policy(module.name, _to_v1(module.source, rego_version))
            if data is not None:
                self._engine.add_data(data)
            # OPA compiles lazily; a trivial query compiles every module now so errors surface here.
            self._engine.eval_query(f"{RESULT_VAR} := true")
        except OpaError as error:
            self.close()
            raise error_from_text("parse" if error.code == "parse_error" else "compile", error.message) from None

    def evaluate(self, query: str, inputs: Sequence[JSON]) -> list[Outcome]:
        # Many inputs per call: the per-call cost (JSON, ctypes, Go) is then paid once per chunk. A chunk
        # with an error anywhere is evaluated again input by input, so each gets its own outcome.
        outcomes: list[Outcome] = []
        batched = batch_query(query)
        for start in range(0, len(inputs), BATCH_SIZE):
            chunk = inputs[start : start + BATCH_SIZE]
            if len(chunk) > 1:
                try:
                    bindings = self._engine.eval_query(batched, {"batch": list(chunk)})
                except self._error_type:
                    pass
                else:
                    values = bindings[0][RESULT_VAR]
                    outcomes += [Outcome(found[0], True) if found else Outcome() for found in values]
                    continue
            outcomes += [self._evaluate_one(query, item) for item in chunk]
        return outcomes

    def _evaluate_one(self, query: str, item: JSON) -> Outcome:
        try:
            bindings = self._engine.eval_query(f"{RESULT_VAR} := ({query})", item)
        except self._error_type as error:
            return self._on_error(query, item, error)
        return Outcome(bindings[0][RESULT_VAR], True) if bindings else Outcome()

    def _on_error(self, query: str, item: JSON, error: Any) -> Outcome:
        engine_error = error_from_text("eval", str(error.message))
        if not engine_error.message.startswith(_BUILTIN_ERROR_CODES):
            return Outcome(error=engine_error)
        if self._fallback is None:
            return Outcome(
                error=EngineError(
                    "eval",
                    f"{engine_error.message} (the embedded engine treats builtin errors as fatal; "
                    "Gatekeeper does not: install `opa` or use --engine opa for this policy)",
                    engine_error.file,
                    engine_error.line,
                )
            )
        if self._fallback_policy is None:
            self._fallback_policy = self._fallback(self._modules, self._data, self._rego_version)
        return self._fallback_policy.evaluate(query, [item])[0]

    def close(self) -> None:
        self._engine.close()
        if self._fallback_policy is not None:
            self._fallback_policy.close()


class EmbeddedEngine:
    name = "embedded"

    def __init__(self, fallback: Fallback | None = None) -> None:
        self._fallback = fallback

    def compile(
        self, modules: Sequence[Module], data: JSON = None, *, rego_version: RegoVersion = "v1"
    ) -> CompiledPolicy:
        return EmbeddedPolicy(modules, data, rego_version, self._fallback)

    def close(self) -> None:
        pass
