"""Rego unit tests (`test_` rules), run through the engine layer the way `opa test` runs them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from boundary_policy.engine import Engine, EngineError, Module

_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
# A test is a rule whose name starts with test_ (todo_test_ marks a skipped one), at the start of a line.
_TEST_RULE = re.compile(r"^(todo_)?(test_\w*)\b", re.M)

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
        package = _PACKAGE.search(module.source)
        if package is None:
            continue
        for match in _TEST_RULE.finditer(module.source):
            line = module.source.count("\n", 0, match.start()) + 1
            key = (package.group(1), match.group(2))
            # Incremental definitions of one test rule are one test, as in `opa test`.
            tests.setdefault(key, RegoTest(key[0], key[1], module.name, line, match.group(1) is not None))
    return sorted(tests.values(), key=lambda t: (t.file, t.line))


def run_tests(engine: Engine, modules: Sequence[Module], run: str | None = None) -> list[RegoTestResult]:
    """Compile all modules together and evaluate every test rule; raises EngineError if they do not compile."""
    selected = [t for t in discover_tests(modules) if run is None or re.search(run, f"{t.package}.{t.name}")]
    policy = engine.compile(modules)
    try:
        results: list[RegoTestResult] = []
        for test in selected:
            if test.skipped:
                results.append(RegoTestResult(test, "skip"))
                continue
            outcome = policy.evaluate(f"data.{test.package}.{test.name}", [None])[0]
            if outcome.error is not None:
                results.append(RegoTestResult(test, "error", str(outcome.error)))
            elif not outcome.defined:
                results.append(RegoTestResult(test, "fail", "undefined: some expression in the test body was false"))
            elif outcome.value is False:
                results.append(RegoTestResult(test, "fail", "the test evaluated to false"))
            else:
                results.append(RegoTestResult(test, "pass"))
        return results
    finally:
        policy.close()


__all__ = ["EngineError", "RegoTest", "RegoTestResult", "discover_modules", "discover_tests", "run_tests"]
