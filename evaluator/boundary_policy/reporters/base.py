"""What every reporter receives (a finished run) and the one method it has; plus the small helpers they share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from boundary_policy.model import SEVERITY_RANK, Finding, ResourceRef, RuleInfo, Severity

if TYPE_CHECKING:
    from boundary_policy.recognition import Recognition

__all__ = [
    "FIX_MARKER",
    "SEVERITIES",
    "TOOL_NAME",
    "WORKSPACE_NOTE",
    "BaseReporter",
    "Report",
    "Reporter",
    "fails",
    "fix_to_append",
    "location",
    "ordered",
    "plural",
    "printable",
    "recognition_lines",
    "resource_label",
    "severity_counts",
    "summary_sentence",
]

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
"""Most severe first: the order of every count and summary."""

TOOL_NAME = "boundary-policy"


@dataclass(frozen=True)
class Report:
    """Everything a format may show about one `boundary-policy eval` run. Reporters only render it."""

    findings: Sequence[Finding]
    resources: int
    """Kubernetes objects checked."""
    files: int
    """Files (and stdin) read."""
    rules: Mapping[str, RuleInfo]
    """The catalog, for rule titles, fixes and SARIF metadata; findings may name rules that are not in it."""
    tool_version: str
    exit_code: int
    """The exit code the run ends with (0, 1 or 2); SARIF records it in its invocation."""
    fail_on: Severity = "error"
    """Findings at or above this severity fail the run (JUnit failures); those below are reported but pass."""
    paths: Sequence[str] = field(default=())
    """Display paths of the files read, when known: JUnit lists the ones without findings as passing cases."""
    policy_objects: Mapping[str, int] = field(default_factory=dict)
    """Policy objects found among the manifests and used (Constraint, ModifySet, ...), by kind."""
    recognition: Recognition | None = None
    """Workloads recognised as running Boundary, and why (recognition.py); None when not computed."""
    errors: Sequence[str] = ()
    """Evaluations that did not complete (the engine's memory limit), one line per template: their findings are
    missing from the report, and the run exits 2."""


FIX_MARKER = "fix:"
"""A message that holds this already says how to fix its case (the bundled rules' messages end with one)."""


def fix_to_append(report: Report, finding: Finding) -> str | None:
    """The rule's catalog fix to show after the finding's message, or None when there is none or the message
    already gives one: every format decides this the same way, so none repeats a fix."""
    rule = report.rules.get(finding.rule)
    if rule is None or not rule.fix.strip() or FIX_MARKER in finding.message:
        return None
    return rule.fix.strip()


class Reporter(Protocol):
    def render(self, report: Report) -> str: ...


class BaseReporter:
    """Common constructor, so the registry can build any format the same way; only `text` uses the options."""

    def __init__(self, *, color: bool = False, width: int | None = None) -> None:
        self.color = color
        self.width = width


def _order_key(finding: Finding) -> tuple[object, ...]:
    # (file, line, rule, message) first, as the JSON contract says; the rest only makes the order total,
    # so that the same findings in any input order render to the same bytes.
    resource = finding.resource
    return (
        finding.sort_key(),
        finding.line is not None,
        SEVERITY_RANK[finding.severity] * -1,
        finding.enforcement_action,
        finding.constraint_kind or "",
        finding.constraint_name or "",
        resource is not None,
        (resource.api_version, resource.kind, resource.namespace or "", resource.name) if resource else (),
        finding.container or "",
        finding.node or "",
    )


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in report order: by file, line, rule and message, then by every other field."""
    return sorted(findings, key=_order_key)


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts: dict[Severity, int] = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def fails(finding: Finding, fail_on: Severity) -> bool:
    return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]


def plural(count: int, word: str) -> str:
    if count == 1 or word == "info":
        return f"{count} {word}"
    return f"{count} {word}s"


def summary_sentence(report: Report) -> str:
    """'3 findings (2 errors, 1 warning) in 12 resources from 5 files', or 'No findings in ...', then the policy
    objects the manifests brought ('; policy objects from the manifests: 1 ModifySet')."""
    scope = f"in {plural(report.resources, 'resource')} from {plural(report.files, 'file')}"
    if report.policy_objects:
        used = ", ".join(f"{count} {printable(kind)}" for kind, count in sorted(report.policy_objects.items()))
        scope += f"; policy objects from the manifests: {used}"
    if not report.findings:
        return f"No findings {scope}"
    counts = severity_counts(report.findings)
    parts = ", ".join(plural(counts[severity], severity) for severity in SEVERITIES if counts[severity])
    return f"{plural(len(report.findings), 'finding')} ({parts}) {scope}"


def resource_label(resource: ResourceRef | None) -> str:
    """'Deployment coder/ws' for a namespaced object, 'Node ip-10-0-1-5' for a cluster-scoped one, '' for none."""
    if resource is None:
        return ""
    if resource.namespace:
        return f"{resource.kind} {resource.namespace}/{resource.name}"
    return f"{resource.kind} {resource.name}"


# Control characters (C0, DEL, C1) and bidirectional overrides: a manifest is untrusted input, and its names and
# messages must not move the cursor, change colours or reorder what the reader sees.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(value: str) -> str:
    """`value` with tabs as spaces and every unsafe character shown as an escape, e.g. '\\x1b'."""
    value = value.replace("\r\n", "\n").replace("\t", " ")
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)


def location(finding: Finding) -> str:
    return finding.file if finding.line is None else f"{finding.file}:{finding.line}"


WORKSPACE_NOTE = (
    "note: {workloads} like {workspaces} (a CODER_AGENT_TOKEN env var or Coder's labels) but {show} no "
    "Boundary signal, so no Boundary rule checked {them}. Coder's agent modules start Boundary from a script the pod "
    "spec does not show: if {them} {run} Boundary, declare it with the boundary-policy/container annotation on the pod "
    "template, or set boundaryWorkspaces: true in the Constraints' parameters (docs/configuration.md)."
)


def recognition_lines(report: Report) -> list[str]:
    """'Boundary recognised in 2 of 3 workloads (annotation 1, module 1)', and when none was though some look
    like Coder workspaces, the note that says why nothing was checked: such a run must not read as a pass."""
    found = report.recognition
    if found is None or found.workloads == 0:
        return []
    line = f"Boundary recognised in {found.recognised} of {plural(found.workloads, 'workload')}"
    if found.reasons:
        line += " (" + ", ".join(f"{reason} {count}" for reason, count in found.reasons.items()) + ")"
    if found.workspaces_unrecognised and found.recognised:
        line += f"; {plural(found.workspaces_unrecognised, 'Coder workspace')} without a Boundary signal"
    lines = [line]
    if found.workspaces_unrecognised and not found.recognised:
        count = found.workspaces_unrecognised
        one = count == 1
        lines.append(
            WORKSPACE_NOTE.format(
                workloads=f"{plural(count, 'workload')} {'looks' if one else 'look'}",
                workspaces="a Coder workspace" if one else "Coder workspaces",
                show="shows" if one else "show",
                them="it" if one else "them",
                run="runs" if one else "run",
            )
        )
    return lines
