"""`verify`: gator's Suites of ConstraintTemplate tests, read (model), selected (filter) and run (runner).

The runner builds a policy set per test and reviews the cases with the Gatekeeper client, in gator
verify's terms (see runner.py for the semantics).
"""

from boundary_policy.suites.filter import Filter
from boundary_policy.suites.model import Suite, SuiteError, find_suite_files, read_suite
from boundary_policy.suites.results import CaseResult, SuiteResult, TestResult, count
from boundary_policy.suites.runner import Runner

__all__ = [
    "CaseResult",
    "Filter",
    "Runner",
    "Suite",
    "SuiteError",
    "SuiteResult",
    "TestResult",
    "count",
    "find_suite_files",
    "read_suite",
]
