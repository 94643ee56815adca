"""Constraint parsing: actions per enforcement point, parameter defaults, refusals with file and line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from boundary_policy.gatekeeper.constraints import (
    AUDIT_ENFORCEMENT_POINT,
    ConstraintError,
    apply_defaults,
    parse_constraint,
)
from boundary_policy.gatekeeper.policy_set import build_policy_set
from boundary_policy.loading import load_paths
from boundary_policy.model import Document
from tests.gatekeeper.conftest import FIXTURES


def constraint(spec: dict[str, Any] | None) -> Document:
    obj: dict[str, Any] = {
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sX",
        "metadata": {"name": "c"},
    }
    if spec is not None:
        obj["spec"] = spec
    return Document(obj, "constraints.yaml", 3, {("spec",): 7, ("spec", "match"): 9})


SCOPED = [
    {"action": "warn", "enforcementPoints": [{"name": "gator.gatekeeper.sh"}]},
    {"action": "deny", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}, {"name": "*"}]},
    {"action": "dryrun", "enforcementPoints": [{"name": "validation.gatekeeper.sh"}]},
]


def test_defaults() -> None:
    parsed = parse_constraint(constraint(None))
    assert (parsed.parameters, parsed.enforcement_action, parsed.effective_action, parsed.match) == (
        {},
        "deny",
        "deny",
        None,
    )


def test_scoped_actions_for_each_enforcement_point() -> None:
    spec = {"enforcementAction": "scoped", "scopedEnforcementActions": SCOPED}
    gator = parse_constraint(constraint(spec))
    audit = parse_constraint(constraint(spec), enforcement_point=AUDIT_ENFORCEMENT_POINT)
    assert (gator.scoped_actions, gator.effective_action) == (("deny", "warn"), "deny")
    assert audit.scoped_actions == ("deny",)
    nothing_here = parse_constraint(constraint({"enforcementAction": "scoped", "scopedEnforcementActions": SCOPED[2:]}))
    assert nothing_here.scoped_actions == ()


def test_scoped_without_actions_is_refused() -> None:
    with pytest.raises(ConstraintError, match=r"spec\.scopedEnforcementActions must be defined") as raised:
        parse_constraint(constraint({"enforcementAction": "scoped"}))
    assert (raised.value.file, raised.value.line) == ("constraints.yaml", 7)


def test_bad_selector_is_refused_at_the_match_line() -> None:
    spec = {"match": {"labelSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}}
    with pytest.raises(ConstraintError, match=r"invalid spec\.match") as raised:
        parse_constraint(constraint(spec))
    assert raised.value.line == 9


def test_structural_defaults() -> None:
    schema = {
        "type": "object",
        "properties": {
            "limit": {"type": "integer", "default": 3},
            "nested": {"type": "object", "properties": {"flag": {"type": "boolean", "default": True}}},
            "items": {"type": "array", "items": {"type": "object", "properties": {"mode": {"default": "strict"}}}},
            "map": {"type": "object", "additionalProperties": {"type": "object", "properties": {"x": {"default": 0}}}},
        },
    }
    value = {"nested": {}, "items": [{}, {"mode": "loose"}], "map": {"a": {}}}
    assert apply_defaults(value, schema) == {
        "limit": 3,
        "nested": {"flag": True},
        "items": [{"mode": "strict"}, {"mode": "loose"}],
        "map": {"a": {"x": 0}},
    }
    assert value == {"nested": {}, "items": [{}, {"mode": "loose"}], "map": {"a": {}}}, "input must not change"
    # Absent parameters stay {}: defaults only fill parameters that are written (checked with gator).
    assert parse_constraint(constraint(None), schema).parameters == {}
    assert parse_constraint(constraint({"parameters": {}}), schema).parameters["limit"] == 3


REFUSED = FIXTURES / "_refused-constraints"
REFUSED_MATCHES = {
    "source-enum": {"source": "Everything"},
    "name-pattern": {"name": "Not_A_Name"},
    "namespace-pattern": {"namespaces": ["UPPER"]},
    "excluded-namespace-pattern": {"excludedNamespaces": ["a b"]},
    "label-key": {"labelSelector": {"matchLabels": {"a b": "c"}}},
    "label-value": {"labelSelector": {"matchExpressions": [{"key": "a", "operator": "In", "values": ["c d"]}]}},
    "namespace-selector-value": {"namespaceSelector": {"matchLabels": {"a": "-bad-"}}},
}


@pytest.mark.gator
@pytest.mark.parametrize("case", sorted(REFUSED_MATCHES))
def test_constraints_the_crd_schema_refuses_are_refused(gator_bin: str, tmp_path: Path, case: str) -> None:
    """Issue 12: what gator (and the API server, with the CRD Gatekeeper generates) refuses is refused here."""
    constraint = {
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sDenyAll",
        "metadata": {"name": "deny"},
        "spec": {"match": REFUSED_MATCHES[case]},
    }
    path = tmp_path / "constraint.yaml"
    path.write_text(json.dumps(constraint), encoding="utf-8")
    completed = subprocess.run(
        [gator_bin, "test", "-f", str(REFUSED / "template.yaml"), "-f", str(path)], capture_output=True, text=True
    )
    assert completed.returncode == 1 and 'adding constraint "deny"' in completed.stderr, completed.stderr
    documents = load_paths([str(REFUSED / "template.yaml"), str(path)]).documents
    policies, problems = build_policy_set([documents[0]], [documents[1]])
    assert not policies.constraints
    assert len(problems) == 1 and problems[0].file.endswith("constraint.yaml")
