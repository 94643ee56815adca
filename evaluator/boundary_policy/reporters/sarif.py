"""`-o sarif`: SARIF 2.1.0 with one run, in the shape GitHub code scanning accepts.

Locations are relative to %SRCROOT% (the directory the run started in); results carry no partialFingerprints,
so upload-sarif computes its own from the source rather than trusting a hash of a line number that moves.

Code scanning rejects a run of more than 25,000 results and a file over 10 MB once gzip-compressed (and shows
the 5,000 most severe results): a run keeps at most MAX_RESULTS findings, the most severe first, fewer when the
file would be too large, and says in a notification how many it left out.
"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any
from urllib.parse import quote

from boundary_policy.model import SEVERITY_RANK, Finding, RuleInfo, Severity
from boundary_policy.reporters.base import TOOL_NAME, BaseReporter, Report, ordered

__all__ = [
    "INFORMATION_URI",
    "LEVELS",
    "MAX_GZIP_BYTES",
    "MAX_MESSAGE",
    "MAX_RESULTS",
    "SARIF_VERSION",
    "SCHEMA_URI",
    "SRCROOT",
    "TAGS",
    "SarifReporter",
    "catalog_descriptor",
    "help_markdown",
    "result",
    "result_properties",
    "rule_name",
    "sarif_log",
    "uncataloged_descriptor",
]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s"
SRCROOT = "%SRCROOT%"
LEVELS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}
TAGS = ("kubernetes", "gatekeeper", "coder-boundary")
MAX_RESULTS = 25_000
MAX_MESSAGE = 8_000
MAX_GZIP_BYTES = 9 * 2**20
"""Under code scanning's 10 MB, with room for what upload-sarif adds."""


def rule_name(text: str) -> str:
    """An identifier-like friendly name: 'Agent container keeps NET_ADMIN' -> 'AgentContainerKeepsNetAdmin'."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(word if word[:1].isupper() and not word.isupper() else word.capitalize() for word in words) or text


def help_markdown(rule: RuleInfo) -> str:
    parts = [f"**{rule.title}**", rule.description.strip(), f"**Fix:** {rule.fix.strip()}"]
    if rule.related_resources:
        parts.append("Related resources:\n" + "\n".join(f"- {resource}" for resource in rule.related_resources))
    return "\n\n".join(part for part in parts if part)


def catalog_descriptor(rule: RuleInfo) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule_name(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description.strip() or rule.title},
        "help": {"text": rule.fix.strip() or rule.title, "markdown": help_markdown(rule)},
    }
    # SARIF's helpUri must be an absolute URI; a relative docs path stays in the help text only.
    if rule.help_uri and "://" in rule.help_uri:
        descriptor["helpUri"] = rule.help_uri
    descriptor["defaultConfiguration"] = {"level": LEVELS[rule.severity]}
    descriptor["properties"] = {"tags": list(TAGS)}
    return descriptor


def uncataloged_descriptor(rule_id: str, findings: list[Finding]) -> dict[str, Any]:
    """A rule the catalog does not know (a user's template, a load problem): described from its findings."""
    kinds = sorted({finding.constraint_kind for finding in findings if finding.constraint_kind})
    text = f"Violations of the {', '.join(kinds)} constraint template" if kinds else rule_id
    worst = max((finding.severity for finding in findings), key=lambda severity: SEVERITY_RANK[severity])
    return {
        "id": rule_id,
        "name": rule_name(rule_id),
        "shortDescription": {"text": text},
        "defaultConfiguration": {"level": LEVELS[worst]},
        "properties": {"tags": list(TAGS)},
    }


def result_properties(finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {"enforcementAction": finding.enforcement_action}
    if finding.constraint_kind is not None or finding.constraint_name is not None:
        properties["constraint"] = {"kind": finding.constraint_kind, "name": finding.constraint_name}
    if finding.resource is not None:
        properties["resource"] = {
            "apiVersion": finding.resource.api_version,
            "kind": finding.resource.kind,
            "namespace": finding.resource.namespace,
            "name": finding.resource.name,
        }
    if finding.container is not None:
        properties["container"] = finding.container
    if finding.node is not None:
        properties["node"] = finding.node
    return properties


def result(finding: Finding, rule_index: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(finding.file, safe="/"), "uriBaseId": SRCROOT}}
    if finding.line is not None:
        physical["region"] = {"startLine": finding.line}
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": _cut(finding.message or finding.rule)},
        "locations": [{"physicalLocation": physical}],
        "properties": result_properties(finding),
    }


def _cut(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _kept(findings: list[Finding], limit: int) -> list[Finding]:
    """The `limit` most severe findings, in report order."""
    if len(findings) <= limit:
        return findings
    position = {id(finding): index for index, finding in enumerate(findings)}
    worst_first = sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], position[id(f)]))
    return sorted(worst_first[:limit], key=lambda f: position[id(f)])


def sarif_log(report: Report, max_results: int = MAX_RESULTS) -> dict[str, Any]:
    everything = ordered(report.findings)
    findings = _kept(everything, max_results)
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    rule_ids = sorted(by_rule)
    descriptors = [
        catalog_descriptor(report.rules[rule_id])
        if rule_id in report.rules
        else uncataloged_descriptor(rule_id, by_rule[rule_id])
        for rule_id in rule_ids
    ]
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": report.tool_version.removeprefix("v"),
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "invocations": [_invocation(report, len(everything) - len(findings))],
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory boundary-policy ran in."}}},
        "results": [result(finding, index[finding.rule]) for finding in findings],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _invocation(report: Report, left_out: int) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": report.exit_code in (0, 1), "exitCode": report.exit_code}
    notifications = [{"level": "error", "message": {"text": line}} for line in report.errors]
    if left_out:
        text = (
            f"{left_out} less severe findings are left out: code scanning keeps at most {MAX_RESULTS} results of a "
            "run. Every finding is in the json, junit and text reports."
        )
        notifications.append({"level": "warning", "message": {"text": text}})
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


class SarifReporter(BaseReporter):
    def render(self, report: Report) -> str:
        limit = MAX_RESULTS
        while True:
            text = json.dumps(sarif_log(report, limit), indent=2, ensure_ascii=False) + "\n"
            # Only a large file can be too large compressed; halving keeps the most severe results.
            if len(text) < MAX_GZIP_BYTES or limit <= 1 or len(gzip.compress(text.encode())) <= MAX_GZIP_BYTES:
                return text
            limit //= 2
