"""`-o text`: grouped by file, one line per finding with its fix, a summary; colour only when asked."""

from __future__ import annotations

import dataclasses
import re

import pytest

from boundary_policy.model import Finding, ResourceRef
from boundary_policy.reporters import Report, get_reporter
from boundary_policy.reporters.text import TextReporter
from tests.reporters.samples import REPORTS, awkward, empty, finding, typical

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(report: Report, *, color: bool = False, width: int | None = None) -> str:
    return get_reporter("text", color=color, width=width).render(report)


def test_findings_are_grouped_by_file_with_fix_lines() -> None:
    assert plain(typical()).splitlines() == [
        "inventory/namespaces.yaml:4  error  BND050  Namespace coder  -",
        '    namespace "coder" enforces PSA baseline, which forbids NET_ADMIN',
        "",
        "manifests/broken.yaml:7  error  BND000  -  -",
        "    YAML syntax error: mapping values are not allowed here",
        "",
        "manifests/ws-unknown-os.yaml:9  warning  BND023  StatefulSet coder/ws-bob  agent",
        "    user-namespace support of the candidate nodes is unknown",
        "    fix: Pass the node inventory with --inventory.",
        "",
        "manifests/ws.yaml:31  error  BND010  Deployment coder/ws-alice  dev",
        '    container "dev" does not add NET_ADMIN; nsjail cannot create the network namespace',
        "    fix: Add NET_ADMIN to securityContext.capabilities.add of the agent container.",
        "manifests/ws.yaml:31  error  BND020  Deployment coder/ws-alice  dev",
        '    node "ip-10-0-2-7.ec2.internal" (Bottlerocket 1.29) sets user.max_user_namespaces to 0',
        "    fix: Set user.max_user_namespaces above 0 on the node class, or keep the workspace off these",
        "         nodes.",
        "manifests/ws.yaml:52  info   BND070  Deployment coder/ws-alice  dev",
        "    the agent-firewall module version is not pinned",
        "    fix: Pin the agent-firewall module version.",
        "",
        "6 findings (4 errors, 1 warning, 1 info) in 12 resources from 5 files",
    ]


def test_the_rule_fix_is_not_repeated_when_the_message_gives_one() -> None:
    report = dataclasses.replace(
        typical(), findings=[finding("BND023", "warning", "unknown nodes; fix: pass --inventory")]
    )
    assert "    fix: Pass the node inventory" not in plain(report)


@pytest.mark.parametrize(
    ("findings", "resources", "files", "summary"),
    [
        ([], 12, 5, "No findings in 12 resources from 5 files"),
        ([], 1, 1, "No findings in 1 resource from 1 file"),
        ([finding("BND023", "warning", "w")], 1, 1, "1 finding (1 warning) in 1 resource from 1 file"),
        (
            [finding("BND010", "error", "a"), finding("BND010", "error", "b"), finding("BND023", "warning", "c")],
            12,
            5,
            "3 findings (2 errors, 1 warning) in 12 resources from 5 files",
        ),
    ],
)
def test_summary_line(findings: list[Finding], resources: int, files: int, summary: str) -> None:
    report = dataclasses.replace(empty(), findings=findings, resources=resources, files=files)
    assert plain(report).splitlines()[-1] == summary


def test_empty_report_is_only_the_summary() -> None:
    assert plain(empty()) == "No findings in 0 resources from 0 files\n"


def test_missing_line_resource_and_container() -> None:
    lines = plain(awkward()).splitlines()
    assert "-  error  BND050  -  -" in lines
    # GitHub's runner trims leading spaces before it looks for `::`, so the indent alone would not be enough.
    assert "    \\x3a:error::injected" in lines
    assert "empty.yaml  error  BND000  -  -" in lines
    assert any(line.startswith("dir with space/a,b:c.yaml    error  BND010") for line in lines)


def test_multi_line_messages_continue_indented() -> None:
    text = plain(awkward())
    assert "first line\n    second line\n    third line\n    fix: Add NET_ADMIN" in text


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_without_color_there_is_no_control_character_at_all(name: str) -> None:
    text = plain(REPORTS[name]())
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)


def test_no_field_can_start_a_workflow_command() -> None:
    """Issue 12: a line break in a file, resource or container name, or `::`/`##[` in any field, never gives a
    line the GitHub Actions runner would execute (it reads `::` after leading spaces, and `##[` anywhere)."""
    hostile = "x\n::error file=a.yaml::pwned"
    report = dataclasses.replace(
        empty(),
        findings=[
            finding("BND010", "error", "msg ##[error]legacy", file="::warning::f.yaml\n::error::g", line=1),
            finding("BND010", "error", f"message {hostile}", file="a.yaml", line=2, container=hostile),
            finding("BND010", "error", "m", file="b.yaml", line=3, resource=ResourceRef("v1", "Pod", "ns", hostile)),
        ],
    )
    for text in (plain(report), TextReporter(color=True, width=60).render(report)):
        for line in text.splitlines():
            visible = re.sub(r"\x1b\[[0-9;]*m", "", line)
            assert not visible.lstrip().startswith("::"), line
            assert "##[" not in visible, line
    assert "x\\n::error file=a.yaml::pwned" in plain(report)  # shown, escaped


def test_control_characters_in_messages_are_shown_escaped() -> None:
    assert "escape \\x1b[31mred\\x1b[0m bell\\x07 nul\\x00 tab end" in plain(awkward())


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_color_adds_only_styles(name: str) -> None:
    report = REPORTS[name]()
    colored = plain(report, color=True)
    assert ANSI.search(colored)
    stripped = "\n".join(line.rstrip() for line in ANSI.sub("", colored).split("\n"))
    assert stripped == plain(report)


def test_color_marks_severities() -> None:
    colored = plain(typical(), color=True)
    assert "\x1b[1;31merror" in colored
    assert "\x1b[33mwarning" in colored


def test_rich_markup_in_messages_is_not_interpreted() -> None:
    report = dataclasses.replace(empty(), findings=[finding("BND010", "error", "[bold]not bold[/bold] [red]x")])
    colored = plain(report, color=True)
    assert "[bold]not bold[/bold] [red]x" in ANSI.sub("", colored)


def test_width_wraps_fix_lines_but_never_the_finding_line() -> None:
    text = plain(typical(), width=60)
    lines = text.splitlines()
    finding_lines = [line for line in lines if line.startswith("manifests/ws.yaml:31")]
    assert len(finding_lines) == 2 and all(len(line) > 60 for line in finding_lines)
    fix_lines = [line for line in lines if line.startswith("    ")]
    assert len(fix_lines) > 4 and all(len(line) <= 60 for line in fix_lines)
    assert (
        "    fix: Set user.max_user_namespaces above 0 on the node\n"
        "         class, or keep the workspace off these nodes.\n" in text
    )
