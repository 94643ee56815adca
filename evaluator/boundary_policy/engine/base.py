"""The engine contract: compile Rego modules and data once, evaluate one query over many inputs.

Every backend runs the real OPA (Go) evaluator. Semantics follow Gatekeeper's use of OPA: builtin
errors make the expression undefined (OPA's default, non-strict mode), conflicts and other evaluation
errors are reported per input, the builtins Gatekeeper disables are refused at compile (restrictions.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from boundary_policy.engine.restrictions import NO_RUNTIME
from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.model import JSON

__all__ = [
    "BATCH_SIZE",
    "MEMORY_LIMIT_CODE",
    "RESULT_VAR",
    "UNDEFINED",
    "CompiledPolicy",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "ErrorKind",
    "Module",
    "Outcome",
    "RegoVersion",
    "batch_query",
    "error_from_json",
    "error_from_text",
    "evaluate_in_batches",
    "kind_of_code",
]

ErrorKind = Literal["parse", "compile", "eval", "memory"]
"""`memory`: the embedded engine stopped an evaluation whose live heap passed its limit (engine/memory.py)."""

MEMORY_LIMIT_CODE = "eval_memory_limit_error"
RegoVersion = Literal["v0", "v1"]

RESULT_VAR = "__bp_result"
"""The variable a query's value is bound to; chosen so it cannot clash with user Rego."""


class EngineError(BoundaryPolicyError):
    """A Rego parse, compile or evaluation error, with the module file and line when OPA gives them."""

    def __init__(self, kind: ErrorKind, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else ""
        return f"{where}{self.message}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EngineError) and (self.kind, self.message, self.file, self.line) == (
            other.kind,
            other.message,
            other.file,
            other.line,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.message, self.file, self.line))


class EngineUnavailable(BoundaryPolicyError):
    """No backend can run: the embedded engine is not importable and no `opa` binary or server was given."""


@dataclass(frozen=True)
class Module:
    """One Rego source file. `name` is what error locations refer to (e.g. `template.rego`)."""

    name: str
    source: str


@dataclass(frozen=True)
class Outcome:
    """The result of one query on one input: a value, undefined, or an evaluation error."""

    value: JSON = None
    defined: bool = False
    error: EngineError | None = None


UNDEFINED = Outcome()


class CompiledPolicy(Protocol):
    def evaluate(self, query: str, inputs: Sequence[JSON]) -> list[Outcome]:
        """Evaluate the Rego expression `query` once per input, in order; never raises for one input's error."""

    def close(self) -> None: ...


class Engine(Protocol):
    name: str

    def compile(
        self, modules: Sequence[Module], data: JSON = None, *, rego_version: RegoVersion = "v1"
    ) -> CompiledPolicy:
        """Parse and compile `modules` with `data` as the base document; raises EngineError (parse/compile)."""

    def close(self) -> None: ...


# "file.rego:12: rego_type_error: message" as OPA formats its errors in text.
_LOCATED = re.compile(r"^(?P<file>[^\s:][^:\n]*):(?P<line>\d+): (?P<code>[a-z_]+): (?P<msg>.*)$", re.S)


def error_from_text(kind: ErrorKind, text: str) -> EngineError:
    """Build an EngineError from OPA's text form, keeping the first located error's file and line."""
    text = re.sub(r"^(bundle activation failed: )?\d+ errors? occurred:\s*", "", text.strip())
    first = text.split("\n")[0] if "\n" in text and _LOCATED.match(text.split("\n")[0]) else text
    match = _LOCATED.match(first)
    if not match:
        return EngineError(kind, text)
    message = f"{match['code']}: {match['msg'].split(chr(10))[0].strip()}"
    return EngineError(kind, message, match["file"], int(match["line"]))


def error_from_json(kind: ErrorKind, error: dict[str, JSON]) -> EngineError:
    """Build an EngineError from one entry of OPA's JSON `errors` list (CLI and REST API)."""
    location = error.get("location") or {}
    message = f"{error.get('code', 'error')}: {error.get('message', '')}"
    return EngineError(kind, message, location.get("file") or None, location.get("row") or None)


def kind_of_code(code: str) -> ErrorKind:
    if code == MEMORY_LIMIT_CODE:
        return "memory"
    if code == "rego_parse_error":
        return "parse"
    if code.startswith("rego_"):
        return "compile"
    return "eval"


def batch_query(query: str) -> str:
    """A query that evaluates `query` once per element of `input.batch`: [[value]] or [] when undefined."""
    # Written without `in`/`if` so it parses in OPA's v0-compatible mode too. opa.runtime() is {} as in
    # Gatekeeper, whatever the CLI's or server's environment holds.
    return (
        f"{RESULT_VAR} := [__bp_r | __bp_in := input.batch[_]; "
        f"__bp_r := [__bp_v | __bp_v := ({query})] with input as __bp_in {NO_RUNTIME}]"
    )


BATCH_SIZE = 64
"""Inputs per engine call. Larger batches stop paying off: each `with input as` on a huge input costs more."""


def evaluate_in_batches(eval_batch: Callable[[list[JSON]], list[list[JSON]]], inputs: Sequence[JSON]) -> list[Outcome]:
    """Evaluate in batches of BATCH_SIZE; a batch that fails is halved until the failing input is alone.

    `eval_batch` returns, per input, [value] or [] (undefined), and raises EngineError when any input fails.
    """
    outcomes: list[Outcome] = []

    def run(batch: list[JSON]) -> None:
        try:
            found = eval_batch(batch)
        except EngineError as error:
            if len(batch) == 1:
                outcomes.append(Outcome(error=error))
                return
            middle = len(batch) // 2
            run(batch[:middle])
            run(batch[middle:])
            return
        outcomes.extend(Outcome(values[0], True) if values else Outcome() for values in found)

    for start in range(0, len(inputs), BATCH_SIZE):
        run(list(inputs[start : start + BATCH_SIZE]))
    return outcomes
