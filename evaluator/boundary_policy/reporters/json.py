"""`-o json`: the version 1 contract of docs/output.md#json. Key order is fixed, findings are sorted, no timestamps,
so the same run gives the same bytes."""

from __future__ import annotations

import json
from typing import Any

from boundary_policy.model import Finding
from boundary_policy.reporters.base import TOOL_NAME, BaseReporter, Report, ordered, severity_counts

__all__ = ["FORMAT_VERSION", "JsonReporter", "boundary_summary", "finding_object", "report_object"]

FORMAT_VERSION = 1


def finding_object(finding: Finding) -> dict[str, Any]:
    constraint = None
    if finding.constraint_kind is not None or finding.constraint_name is not None:
        constraint = {"kind": finding.constraint_kind, "name": finding.constraint_name}
    resource = None
    if finding.resource is not None:
        resource = {
            "apiVersion": finding.resource.api_version,
            "kind": finding.resource.kind,
            "namespace": finding.resource.namespace,
            "name": finding.resource.name,
        }
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "enforcementAction": finding.enforcement_action,
        "message": finding.message,
        "constraint": constraint,
        "resource": resource,
        "container": finding.container,
        "node": finding.node,
        "file": finding.file,
        "line": finding.line,
    }


def boundary_summary(report: Report) -> dict[str, Any]:
    """summary.boundary: the workloads recognised as running Boundary and why (absent when not computed)."""
    found = report.recognition
    if found is None:
        return {}
    return {
        "boundary": {
            "workloads": found.workloads,
            "recognised": found.recognised,
            "reasons": dict(found.reasons),
            "workspacesWithoutBoundary": found.workspaces_unrecognised,
        }
    }


def report_object(report: Report) -> dict[str, Any]:
    counts = severity_counts(report.findings)
    summary: dict[str, Any] = {
        "resources": report.resources,
        "findings": len(report.findings),
        "error": counts["error"],
        "warning": counts["warning"],
        "info": counts["info"],
    }
    if report.policy_objects:
        summary["policyObjects"] = dict(sorted(report.policy_objects.items()))
    summary.update(boundary_summary(report))
    out: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "summary": summary,
        "findings": [finding_object(finding) for finding in ordered(report.findings)],
    }
    if report.errors:  # only then: a complete run's report keeps its shape
        out["errors"] = list(report.errors)
    return out


class JsonReporter(BaseReporter):
    def render(self, report: Report) -> str:
        # ensure_ascii=False keeps messages readable; the CLI writes UTF-8.
        return json.dumps(report_object(report), indent=2, ensure_ascii=False) + "\n"
