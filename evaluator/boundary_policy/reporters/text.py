"""`-o text`: findings for people, grouped by file: a line per finding (`file:line  severity  RULE  resource
container`), the message wrapped below it, the rule's fix when the message does not already give one, and a
summary line. Colour only when asked; without it, never an escape.

A manifest is untrusted: every field is shown escaped (`printable`), a one-line field (file, rule, resource,
container) never holds a line break, and no line starts with `::` or holds `##[`, which GitHub Actions would
run as a workflow command in a plain `run:` step."""

from __future__ import annotations

import io
import itertools
import textwrap

from rich.console import Console
from rich.text import Text

from boundary_policy.model import Finding
from boundary_policy.reporters.base import (
    BaseReporter,
    Report,
    fails,
    fix_to_append,
    location,
    ordered,
    printable,
    recognition_lines,
    resource_label,
    summary_sentence,
)

__all__ = ["DEFAULT_WIDTH", "INDENT", "SEVERITY_STYLE", "Line", "Segment", "TextReporter", "one_line"]

Segment = tuple[str, str]
"""A piece of a line and its rich style ('' for none)."""
Line = list[Segment]

INDENT = "    "
DEFAULT_WIDTH = 100
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "blue"}


def one_line(value: str) -> str:
    """A field shown on the finding's line: escaped, line breaks included (a file name may hold one)."""
    return printable(value).replace("\n", "\\n")


def _inert(line: Line) -> Line:
    """The line with a leading `::` and any `##[` escaped (as `\\x3a:` and `#\\x23[`), so that no runner reads
    it as a workflow command (the runner finds `::` after leading spaces and the legacy `##[` anywhere)."""
    line = [(segment.replace("##[", "#\\x23["), style) for segment, style in line]
    text = "".join(segment for segment, _ in line)
    if not text.lstrip().startswith("::"):
        return line
    target = len(text) - len(text.lstrip())
    out: Line = []
    offset = 0
    for segment, style in line:
        if offset <= target < offset + len(segment):
            at = target - offset
            out.append((segment[:at] + "\\x3a" + segment[at + 1 :], style))
        else:
            out.append((segment, style))
        offset += len(segment)
    return out


class TextReporter(BaseReporter):
    def render(self, report: Report) -> str:
        lines = [_inert(line) for line in self._lines(report)]
        if not self.color:
            return "".join("".join(text for text, _ in line).rstrip() + "\n" for line in lines)
        console = Console(
            file=io.StringIO(),
            force_terminal=True,
            color_system="standard",
            width=self.width or 100,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=True,
        )
        for line in lines:
            styled = Text.assemble(*line)
            styled.rstrip()
            console.print(styled)
        output = console.file
        assert isinstance(output, io.StringIO)
        return output.getvalue()

    def _lines(self, report: Report) -> list[Line]:
        lines: list[Line] = []
        for _, group in itertools.groupby(ordered(report.findings), key=lambda finding: finding.file):
            lines.extend(self._file_lines(report, list(group)))
            lines.append([])
        summary_style = "green"
        if any(fails(finding, report.fail_on) for finding in report.findings):
            summary_style = "bold red"
        elif report.findings:
            summary_style = "yellow"
        lines.append([(summary_sentence(report), summary_style)])
        lines.extend([(text, "")] for text in self._wrap(recognition_lines(report), "", ""))
        return lines

    def _file_lines(self, report: Report, findings: list[Finding]) -> list[Line]:
        rows = [
            (
                one_line(location(finding)),
                finding.severity,
                one_line(finding.rule),
                one_line(resource_label(finding.resource)) or "-",
                one_line(finding.container or "-"),
            )
            for finding in findings
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(5)]
        lines: list[Line] = []
        for finding, row in zip(findings, rows, strict=True):
            first, *rest = printable(finding.message).splitlines() or [""]
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
            lines.append(
                [
                    (cells[0], "bold"),
                    ("  ", ""),
                    (cells[1], SEVERITY_STYLE[finding.severity]),
                    ("  ", ""),
                    (cells[2], "bold"),
                    ("  ", ""),
                    (cells[3], ""),
                    ("  ", ""),
                    (cells[4], "dim"),
                ]
            )
            lines.extend([(text, "")] for text in self._wrap([first, *rest], INDENT))
            fix = fix_to_append(report, finding)
            if fix is not None:
                fix = " ".join(printable(fix).split())
                lines.extend([(text, "green")] for text in self._wrap([f"fix: {fix}"], INDENT, INDENT + "     "))
        return lines

    def _wrap(self, texts: list[str], indent: str, subsequent: str | None = None) -> list[str]:
        """Lines below a finding, indented and wrapped to the width (never the finding line itself)."""
        wrapped: list[str] = []
        width = self.width or DEFAULT_WIDTH
        for text in texts:
            if not text.strip():
                wrapped.append((indent + text).rstrip())
                continue
            wrapped.extend(
                textwrap.wrap(
                    text,
                    width=max(width, len(indent) + 20),
                    initial_indent=indent,
                    subsequent_indent=subsequent if subsequent is not None else indent,
                    break_on_hyphens=False,
                )
            )
        return wrapped
