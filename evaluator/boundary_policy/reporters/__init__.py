"""The last pipeline stage: render a finished run's findings in one output format. Reporters only render.

reporter = get_reporter("sarif")
output = reporter.render(Report(findings, resources=12, files=5, rules=catalog, tool_version="0.1.0",
                                exit_code=1, fail_on="error"))
"""

from __future__ import annotations

from collections.abc import Callable

from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.reporters.base import Report, Reporter
from boundary_policy.reporters.github import GithubReporter, step_summary_markdown
from boundary_policy.reporters.json import JsonReporter
from boundary_policy.reporters.junit import JunitReporter
from boundary_policy.reporters.sarif import SarifReporter
from boundary_policy.reporters.text import TextReporter

REPORTERS: dict[str, Callable[..., Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
    "junit": JunitReporter,
    "github": GithubReporter,
}
"""Output formats by their `-o` name. Each is built with keyword options `color` and `width` (only text uses them)."""


class UnknownFormatError(BoundaryPolicyError):
    """An output format that has no reporter."""


def get_reporter(fmt: str, *, color: bool = False, width: int | None = None) -> Reporter:
    """The reporter for `fmt`; `color` and `width` matter to `text` only (the CLI decides them from the terminal)."""
    try:
        factory = REPORTERS[fmt]
    except KeyError:
        raise UnknownFormatError(f"unknown output format {fmt!r}: choose one of {', '.join(REPORTERS)}") from None
    return factory(color=color, width=width)


__all__ = ["REPORTERS", "Report", "Reporter", "UnknownFormatError", "get_reporter", "step_summary_markdown"]
