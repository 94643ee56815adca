"""What running a Suite found: a result per Suite, test and case, and their totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["CaseResult", "SuiteResult", "TestResult", "count"]


@dataclass
class CaseResult:
    name: str
    skipped: bool = False
    error: str | None = None
    messages: list[str] = field(default_factory=list)
    """Every violation message the object produced (for -v and failures)."""


@dataclass
class TestResult:
    name: str
    skipped: bool = False
    error: str | None = None
    """Why the test could not run its cases (template, Constraint, `invalid` expectation)."""
    runtime: float = 0.0
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error is not None or any(case.error is not None for case in self.cases)


@dataclass
class SuiteResult:
    path: str
    skipped: bool = False
    runtime: float = 0.0
    tests: list[TestResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(test.failed for test in self.tests)


def count(results: Sequence[SuiteResult]) -> tuple[int, int, int]:
    """(passed, failed, skipped): cases, plus tests that end without cases (`invalid` ones, errors)."""
    passed = failed = skipped = 0
    for suite in results:
        for test in suite.tests:
            if test.skipped:
                skipped += max(1, len(test.cases))
                continue
            if test.error is not None:
                failed += 1
            elif not test.cases:
                passed += 1
            for case in test.cases:
                if case.skipped:
                    skipped += 1
                elif case.error is not None:
                    failed += 1
                else:
                    passed += 1
    return passed, failed, skipped
