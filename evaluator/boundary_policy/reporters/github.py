"""`-o github`: GitHub Actions workflow commands, one annotation per finding, and a summary line; plus the Markdown
table the CLI appends to $GITHUB_STEP_SUMMARY.

Escaping is @actions/core's (command.ts): data escapes '%', CR and LF; property values also ':' and ','.
Without it a message with a newline would end the command and start another line the runner parses.
"""

from __future__ import annotations

import re

from boundary_policy.model import Finding, Severity
from boundary_policy.reporters.base import (
    TOOL_NAME,
    BaseReporter,
    Report,
    fix_to_append,
    location,
    ordered,
    printable,
    recognition_lines,
    resource_label,
    summary_sentence,
)

__all__ = [
    "COMMANDS",
    "MAX_TABLE_ROWS",
    "GithubReporter",
    "annotation_text",
    "escape_data",
    "escape_property",
    "markdown_cell",
    "step_summary_markdown",
    "workflow_command",
]

COMMANDS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "notice"}
MAX_TABLE_ROWS = 500
"""A step summary is limited to 1 MiB; past this many rows the table says how many it left out."""


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation_text(report: Report, finding: Finding) -> str:
    text = finding.message or finding.rule
    container = f"container {finding.container}" if finding.container is not None else ""
    context = ", ".join(part for part in (resource_label(finding.resource), container) if part)
    if context:
        text += f"\n\n{context}"
    fix = fix_to_append(report, finding)
    if fix is not None:
        text += f"\nfix: {fix}"
    # Escapes as text ('\\x1b'), not as the control characters themselves, which the log would interpret.
    return printable(text)


def workflow_command(report: Report, finding: Finding) -> str:
    properties = [("file", finding.file)]
    if finding.line is not None:
        properties.append(("line", str(finding.line)))
    properties.append(("title", finding.rule))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(annotation_text(report, finding))}"


class GithubReporter(BaseReporter):
    def render(self, report: Report) -> str:
        lines = [workflow_command(report, finding) for finding in ordered(report.findings)]
        lines += [f"::error title={TOOL_NAME}::{escape_data(line)}" for line in report.errors]
        lines.append(f"{TOOL_NAME}: {summary_sentence(report)}")
        lines += [f"{TOOL_NAME}: {printable(line)}" for line in recognition_lines(report)]
        return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def markdown_cell(value: str) -> str:
    """Table-cell text: Markdown and HTML punctuation escaped, line breaks as <br>, never an empty cell."""
    value = printable(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return "<br>".join(escaped.splitlines()) or " "


def step_summary_markdown(report: Report) -> str:
    """A Markdown section for $GITHUB_STEP_SUMMARY: the summary sentence and a table of the findings."""
    lines = [f"### {TOOL_NAME}", "", markdown_cell(summary_sentence(report))]
    recognition = recognition_lines(report)
    if recognition:
        lines += ["", "<br>".join(markdown_cell(line) for line in recognition)]
    findings = ordered(report.findings)
    if findings:
        lines += [
            "",
            "| Severity | Rule | Location | Resource | Container | Message |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for finding in findings[:MAX_TABLE_ROWS]:
            cells = (
                finding.severity,
                finding.rule,
                location(finding),
                resource_label(finding.resource),
                finding.container or "",
                finding.message,
            )
            lines.append("| " + " | ".join(markdown_cell(cell) for cell in cells) + " |")
        if len(findings) > MAX_TABLE_ROWS:
            lines += ["", f"…and {len(findings) - MAX_TABLE_ROWS} more; the full list is in the job log."]
    return "\n".join(lines) + "\n"
