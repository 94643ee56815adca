"""Rego unit tests (`test_` rules), run through the engine layer the way `opa test` runs them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from boundary_policy.engine import Engine, EngineError, Module, Outcome
from boundary_policy.rego.source import package_of, unindented

# A test is a rule whose name starts with test_ (todo_test_ marks a skipped one), at the start of a line.
_TEST_RULE = re.compile(r"(todo_)?(test_\w*)")

Status = Literal["pass", "fail", "error", "skip"]


@dataclass(frozen=True)
class RegoTest:
    package: str
    name: str
    file: str
    line: int
    skipped: bool


@dataclass(frozen=True)
class RegoTestResult:
    test: RegoTest
    status: Status
    detail: str = ""


def discover_modules(paths: Sequence[Path]) -> list[Module]:
    """Every .rego file under `paths` (files or directories), named relative to the working directory."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.rego")) if path.is_dir() else [path]
    return [Module(_display(file), file.read_text(encoding="utf-8")) for file in files]


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def discover_tests(modules: Iterable[Module]) -> list[RegoTest]:
    tests: dict[tuple[str, str], RegoTest] = {}
    for module in modules:
        package = package_of(module.source)
        if package is None:
            continue
        for token in unindented(module.source):
            match = _TEST_RULE.fullmatch(token.text) if token.kind == "ident" else None
            if match is None:
                continue
            key = (package, match.group(2))
            # Incremental definitions of one test rule are one test, as in `opa test`.
            tests.setdefault(key, RegoTest(key[0], key[1], module.name, token.line, match.group(1) is not None))
    return sorted(tests.values(), key=lambda t: (t.file, t.line))


def _result(test: RegoTest, outcome: Outcome) -> RegoTestResult:
    if outcome.error is not None:
        return RegoTestResult(test, "error", str(outcome.error))
    if not outcome.defined:
        return RegoTestResult(test, "fail", "undefined: some expression in the test body was false")
    if outcome.value is False:
        return RegoTestResult(test, "fail", "the test evaluated to false")
    return RegoTestResult(test, "pass")


def run_tests(engine: Engine, modules: Sequence[Module], run: str | None = None) -> list[RegoTestResult]:
    """Compile all modules together and evaluate every test rule; raises EngineError if they do not compile."""
    selected = [t for t in discover_tests(modules) if run is None or re.search(run, f"{t.package}.{t.name}")]
    policy = engine.compile(modules)
    try:
        runnable = [t for t in selected if not t.skipped]
        # One query for all tests ([] = undefined, [v] = value); preparing a query per test costs more
        # than running it. Should any test raise an error, each test is run on its own to say which.
        combined = "{" + ", ".join(f'"{i}": [x | x := data.{t.package}.{t.name}]' for i, t in enumerate(runnable)) + "}"
        outcome = policy.evaluate(combined, [None])[0] if runnable else None
        results: list[RegoTestResult] = []
        for index, test in enumerate(runnable):
            if outcome is not None and outcome.error is None:
                found = outcome.value[str(index)]
                single = Outcome(found[0], True) if found else Outcome()
            else:
                single = policy.evaluate(f"data.{test.package}.{test.name}", [None])[0]
            results.append(_result(test, single))
        results += [RegoTestResult(t, "skip") for t in selected if t.skipped]
        return sorted(results, key=lambda r: (r.test.file, r.test.line))
    finally:
        policy.close()


__all__ = ["EngineError", "RegoTest", "RegoTestResult", "discover_modules", "discover_tests", "run_tests"]
