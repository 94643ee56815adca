"""gator's `--run` filter over the tests and cases of a Suite."""

from __future__ import annotations

import re

from boundary_policy.gatekeeper.goregex import GoRegexError, compile_go
from boundary_policy.suites.model import Test

__all__ = ["Filter"]


class Filter:
    """gator's `--run`: `REGEX` selects tests or cases by name, `TEST//CASE` both (unanchored, Go syntax)."""

    def __init__(self, run: str | None) -> None:
        self.test_pattern: re.Pattern[str] | None = None
        self.case_pattern: re.Pattern[str] | None = None
        self.either = False
        if not run:
            return
        parts = run.split("//")
        if len(parts) > 2:
            raise GoRegexError('a filter may include at most one "//"')
        if len(parts) == 1:
            self.either = True
            self.test_pattern = self.case_pattern = compile_go(parts[0])
        else:
            self.test_pattern, self.case_pattern = compile_go(parts[0]), compile_go(parts[1])

    def matches_test(self, test: Test) -> bool:
        if self.test_pattern is None:
            return True
        if self.test_pattern.search(test.name):
            return True
        return self.either and any(self.matches_case(test.name, case.name) for case in test.cases)

    def matches_case(self, test_name: str, case_name: str) -> bool:
        if self.test_pattern is None or self.case_pattern is None:
            return True
        if self.either:
            return bool(self.case_pattern.search(case_name) or self.test_pattern.search(test_name))
        return bool(self.case_pattern.search(case_name) and self.test_pattern.search(test_name))
