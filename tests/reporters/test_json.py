"""`-o json` keeps the version 1 contract of docs/output.md#json, checked against its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from boundary_policy.reporters import get_reporter
from tests.reporters.samples import AWKWARD_MESSAGES, REPORTS, awkward, empty, typical

SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures" / "reporters" / "report-v1.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
FINDING_KEYS = [
    "rule",
    "severity",
    "enforcementAction",
    "message",
    "constraint",
    "resource",
    "container",
    "node",
    "file",
    "line",
]


def rendered(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(get_reporter("json").render(REPORTS[name]()))
    return data


def test_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_output_matches_the_contract_schema(name: str) -> None:
    VALIDATOR.validate(rendered(name))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("summary"),
        lambda d: d["findings"][0].pop("node"),
        lambda d: d["findings"][0].update(extra=1),
        lambda d: d["findings"][0].update(severity="fatal"),
        lambda d: d["findings"][0].update(line=0),
        lambda d: d.update(version=2),
    ],
)
def test_schema_rejects_what_breaks_the_contract(breakage: Any) -> None:
    data = rendered("typical")
    breakage(data)
    assert not VALIDATOR.is_valid(data)


def test_key_order_is_the_contract_order() -> None:
    data = rendered("typical")
    assert list(data) == ["version", "tool", "summary", "findings"]
    assert list(data["tool"]) == ["name", "version"]
    assert list(data["summary"]) == ["resources", "findings", "error", "warning", "info"]
    for finding in data["findings"]:
        assert list(finding) == FINDING_KEYS
    assert list(data["findings"][0]["resource"] or {}) in ([], ["apiVersion", "kind", "namespace", "name"])


def test_summary_and_tool() -> None:
    data = rendered("typical")
    assert data["version"] == 1
    assert data["tool"] == {"name": "boundary-policy", "version": "0.1.0"}
    assert data["summary"] == {"resources": 12, "findings": 6, "error": 4, "warning": 1, "info": 1}


def test_findings_are_sorted_by_file_line_rule_message() -> None:
    findings = rendered("typical")["findings"]
    keys = [(f["file"], f["line"] or 0, f["rule"], f["message"]) for f in findings]
    assert keys == sorted(keys)
    assert [f["file"] for f in findings][:2] == ["inventory/namespaces.yaml", "manifests/broken.yaml"]


def test_every_field_of_a_full_finding() -> None:
    by_rule = {f["rule"]: f for f in rendered("typical")["findings"]}
    assert by_rule["BND020"] == {
        "rule": "BND020",
        "severity": "error",
        "enforcementAction": "deny",
        "message": 'node "ip-10-0-2-7.ec2.internal" (Bottlerocket 1.29) sets user.max_user_namespaces to 0',
        "constraint": {"kind": "BoundaryUserNamespaces", "name": "bnd020"},
        "resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "coder", "name": "ws-alice"},
        "container": "dev",
        "node": "ip-10-0-2-7.ec2.internal",
        "file": "manifests/ws.yaml",
        "line": 31,
    }
    assert by_rule["BND050"]["resource"]["namespace"] is None


def test_absent_values_are_null_not_missing() -> None:
    load_problem = next(f for f in rendered("typical")["findings"] if f["rule"] == "BND000")
    assert load_problem["constraint"] is None
    assert load_problem["resource"] is None
    assert load_problem["container"] is None
    assert load_problem["node"] is None
    no_line = next(f for f in rendered("awkward")["findings"] if f["file"] == "-")
    assert no_line["line"] is None


def test_messages_and_paths_survive_unchanged() -> None:
    data = rendered("awkward")
    assert sorted(f["message"] for f in data["findings"]) == sorted(AWKWARD_MESSAGES)
    assert {f["file"] for f in data["findings"]} == {f.file for f in awkward().findings}
    assert data["tool"]["version"] == "v0.2.0-rc.1"


def test_layout_is_two_space_indent_with_a_trailing_newline() -> None:
    text = get_reporter("json").render(typical())
    assert text.startswith('{\n  "version": 1,\n  "tool": {\n    "name": "boundary-policy",')
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert "ünïcødé" in get_reporter("json").render(awkward())


def test_empty_report() -> None:
    assert json.loads(get_reporter("json").render(empty())) == {
        "version": 1,
        "tool": {"name": "boundary-policy", "version": "0.1.0"},
        "summary": {"resources": 0, "findings": 0, "error": 0, "warning": 0, "info": 0},
        "findings": [],
    }
