"""`-o github`: workflow commands escaped exactly like @actions/core, and the step-summary Markdown."""

from __future__ import annotations

import dataclasses
import re

import pytest

from boundary_policy.reporters import get_reporter, step_summary_markdown
from boundary_policy.reporters.github import MAX_TABLE_ROWS, escape_data, escape_property
from tests.reporters.samples import awkward, empty, finding, typical

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def unescape(value: str) -> str:
    """The runner's inverse of @actions/core's escaping."""
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    parsed = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        if match:
            properties = dict(item.split("=", 1) for item in match.group(2).split(","))
            parsed.append((match.group(1), {k: unescape(v) for k, v in properties.items()}, unescape(match.group(3))))
    return parsed


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("%0A", "%250A", "%250A"),
        ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("x::y", "x::y", "x%3A%3Ay"),
        ("ünï ✓", "ünï ✓", "ünï ✓"),
    ],
)
def test_escaping_matches_actions_core(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop
    assert unescape(escape_property(raw)) == raw


def test_one_annotation_per_finding_then_a_summary_line() -> None:
    text = get_reporter("github").render(typical())
    lines = text.splitlines()
    assert len(lines) == 7
    assert lines[-1] == "boundary-policy: 6 findings (4 errors, 1 warning, 1 info) in 12 resources from 5 files"
    parsed = commands(text)
    assert [c[0] for c in parsed] == ["error", "error", "warning", "error", "error", "notice"]
    assert parsed[3][1] == {"file": "manifests/ws.yaml", "line": "31", "title": "BND010"}
    assert lines[3].startswith("::error file=manifests/ws.yaml,line=31,title=BND010::")
    message = parsed[3][2]
    assert message.startswith('container "dev" does not add NET_ADMIN;')
    assert "Deployment coder/ws-alice, container dev" in message
    assert message.endswith("fix: Add NET_ADMIN to securityContext.capabilities.add of the agent container.")


def test_awkward_values_cannot_break_out_of_their_command() -> None:
    text = get_reporter("github").render(awkward())
    lines = text.splitlines()
    assert len(lines) == len(awkward().findings) + 1
    parsed = commands(text)
    assert len(parsed) == len(awkward().findings)
    assert "\x1b" not in text and "\x00" not in text and "\r" not in text
    same_file = [(props, message) for _, props, message in parsed if props["file"] == "dir with space/a,b:c.yaml"]
    assert [props.get("line") for props, _ in same_file] == [None, "3"]  # no line: no line property
    assert same_file[0][1].startswith("100% of 50%, a:b, c::d")
    assert same_file[1][1].startswith("first line\nsecond line\nthird line")
    by_file = {props["file"]: message for _, props, message in parsed}
    assert by_file["-"].startswith("::error::injected")
    assert by_file["custom%25.yaml"].startswith("escape \\x1b[31mred\\x1b[0m bell\\x07")
    assert by_file["ünï/cødé.yaml"].startswith("ünïcødé ✓ 日本語")


def test_empty_report_is_only_the_summary_line() -> None:
    assert get_reporter("github").render(empty()) == "boundary-policy: No findings in 0 resources from 0 files\n"


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| ") and not line.startswith("| ---")][1:]


def test_step_summary_is_a_table_of_the_findings() -> None:
    markdown = step_summary_markdown(typical())
    assert markdown.startswith("### boundary-policy\n\n6 findings (4 errors, 1 warning, 1 info) in 12 resources")
    assert "| Severity | Rule | Location | Resource | Container | Message |" in markdown
    rows = table_rows(markdown)
    assert len(rows) == 6
    assert rows[0].startswith("| error | BND050 | inventory/namespaces.yaml:4 | Namespace coder |")


def test_step_summary_escapes_cells() -> None:
    rows = table_rows(step_summary_markdown(awkward()))
    assert len(rows) == len(awkward().findings)
    for row in rows:
        # Seven unescaped pipes: the cell borders; any pipe in the data is escaped.
        assert len(re.findall(r"(?<!\\)\|", row)) == 7
    joined = "\n".join(rows)
    assert "first line<br>second line<br>third line" in joined
    assert "&lt;tag&gt; &amp; \\| pipe \\`tick\\` \\*star\\*" in joined
    assert "\x1b" not in joined


def test_step_summary_caps_the_table() -> None:
    many = [finding("BND010", "error", f"m{n}", line=n) for n in range(1, MAX_TABLE_ROWS + 11)]
    markdown = step_summary_markdown(dataclasses.replace(typical(), findings=many))
    assert len(table_rows(markdown)) == MAX_TABLE_ROWS
    assert "…and 10 more" in markdown


def test_step_summary_without_findings_has_no_table() -> None:
    assert step_summary_markdown(empty()) == "### boundary-policy\n\nNo findings in 0 resources from 0 files\n"
