"""Raw violations and load problems -> findings: rule, severity, resource, container, node, file and line.

- rule: `details.rule` when the policy sets it, else the Constraint kind;
- severity: from the enforcementAction (deny = error, warn = warning, dryrun = info; for `scoped`, the
  strongest action at the enforcement point; any other action = warning, since it never denies);
- resource: the object as written, so an expanded Pod's finding is on its Deployment;
- line: the line of `details.field` inside the reviewed object (for a resultant, under the
  ExpansionTemplate's source path), else the line where the object starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from boundary_policy.gatekeeper.client import Violation
from boundary_policy.model import (
    ENFORCEMENT_SEVERITY,
    JSON,
    Finding,
    JSONPath,
    LoadNote,
    LoadProblem,
    ResourceRef,
    Severity,
)

__all__ = [
    "LOAD_ERROR_RULE",
    "note_finding",
    "parse_field",
    "problem_finding",
    "severity_of",
    "to_findings",
    "violation_finding",
]

LOAD_ERROR_RULE = "load-error"

_FIELD_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]|\[\"([^\"]*)\"\]")


def parse_field(value: JSON) -> JSONPath:
    """`details.field` as a path: a list (["spec", "containers", 0]) or text (`spec.containers[0].image`)."""
    if isinstance(value, list):
        return tuple(p for p in value if isinstance(p, (str, int)) and not isinstance(p, bool))
    if not isinstance(value, str):
        return ()
    path: list[str | int] = []
    for match in _FIELD_PART.finditer(value):
        name, index, quoted = match.groups()
        path.append(int(index) if index is not None else (quoted if quoted is not None else name))
    return tuple(path)


def _string(details: JSON, key: str) -> str | None:
    value = details.get(key) if isinstance(details, dict) else None
    return value if isinstance(value, str) and value else None


def _resource(obj: Mapping[str, Any]) -> ResourceRef:
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    namespace = metadata.get("namespace")
    return ResourceRef(
        api_version=str(obj.get("apiVersion") or ""),
        kind=str(obj.get("kind") or ""),
        namespace=namespace if isinstance(namespace, str) and namespace else None,
        name=str(metadata.get("name") or ""),
    )


def severity_of(action: str) -> Severity:
    return ENFORCEMENT_SEVERITY.get(action, "warning")


def violation_finding(violation: Violation) -> Finding:
    details = violation.details
    action = violation.effective_action
    field_path = parse_field(details.get("field") if isinstance(details, dict) else None)
    document = violation.document
    line = document.line_of((*violation.path, *field_path)) if field_path or violation.path else document.line
    return Finding(
        rule=_string(details, "rule") or violation.constraint.kind,
        severity=severity_of(action),
        enforcement_action=action,
        message=violation.msg,
        constraint_kind=violation.constraint.kind,
        constraint_name=violation.constraint.name,
        resource=_resource(violation.obj),
        container=_string(details, "container"),
        node=_string(details, "node"),
        file=document.file,
        line=line,
    )


def problem_finding(problem: LoadProblem) -> Finding:
    return Finding(
        rule=LOAD_ERROR_RULE,
        severity="error",
        enforcement_action="deny",
        message=problem.message,
        constraint_kind=None,
        constraint_name=None,
        resource=None,
        container=None,
        node=None,
        file=problem.file,
        line=problem.line,
    )


_NOTE_ACTION: dict[str, str] = {"error": "deny", "warning": "warn", "info": "dryrun"}


def note_finding(note: LoadNote) -> Finding:
    """A reader's note (e.g. a Terraform value unknown offline): its own rule, no Constraint."""
    return Finding(
        rule=note.rule,
        severity=note.severity,
        enforcement_action=_NOTE_ACTION[note.severity],
        message=note.message,
        constraint_kind=None,
        constraint_name=None,
        resource=note.resource,
        container=note.container,
        node=None,
        file=note.file,
        line=note.line,
    )


def to_findings(violations: Iterable[Violation], problems: Iterable[LoadProblem] = ()) -> list[Finding]:
    """Every violation and problem as a finding, sorted by (file, line, rule, message)."""
    found = [violation_finding(v) for v in violations] + [problem_finding(p) for p in problems]
    return sorted(found, key=Finding.sort_key)
