"""Per-case outcomes of `gator verify -v` output and of our Runner, in one comparable shape."""

from __future__ import annotations

import re
from collections.abc import Iterable

from boundary_policy.suites import SuiteResult

Outcome = dict[tuple[str, str, str | None], str]
"""(suite path, test, case or None for a test without cases) -> "pass", "fail" or "skip"."""

_TEST_START = re.compile(r"^=== (RUN|SKIP)\s+(.*)$")
_CASE_SKIP = re.compile(r"^    === SKIP\s+(.*)$")
_CASE_END = re.compile(r"^    --- (PASS|FAIL): (.*?)\t")
_TEST_END = re.compile(r"^--- (PASS|FAIL): (.*?)\t")
_SUITE_END = re.compile(r"^(ok|FAIL)\t(\S+)\t")


def parse_gator_verify(stdout: str) -> Outcome:
    outcomes: Outcome = {}
    pending: list[tuple[str, str | None, str]] = []
    test = ""
    cases_seen = False
    for line in stdout.splitlines():
        if found := _TEST_START.match(line):
            test, cases_seen = found[2], False
            if found[1] == "SKIP":
                pending.append((test, None, "skip"))
        elif found := _CASE_SKIP.match(line):
            pending.append((test, found[1], "skip"))
            cases_seen = True
        elif found := _CASE_END.match(line):
            pending.append((test, found[2], found[1].lower()))
            cases_seen = True
        elif found := _TEST_END.match(line):
            if not cases_seen:
                pending.append((found[2], None, found[1].lower()))
        elif found := _SUITE_END.match(line):
            for test_name, case_name, status in pending:
                outcomes[(found[2], test_name, case_name)] = status
            pending = []
    assert not pending, f"gator output ended inside a suite: {pending}"
    return outcomes


def our_outcomes(results: Iterable[SuiteResult]) -> Outcome:
    outcomes: Outcome = {}
    for suite in results:
        for test in suite.tests:
            if test.skipped:  # gator lists a skipped test without its cases
                outcomes[(suite.path, test.name, None)] = "skip"
                continue
            if not test.cases:
                outcomes[(suite.path, test.name, None)] = "fail" if test.failed else "pass"
            for case in test.cases:
                status = "skip" if case.skipped else "fail" if case.error is not None else "pass"
                outcomes[(suite.path, test.name, case.name)] = status
    return outcomes
