"""Constraint parameters against the template's openAPIV3Schema (what makes a Suite `invalid: true` test pass)."""

from __future__ import annotations

from typing import Any

import pytest

from boundary_policy.gatekeeper.openapi import schema_errors, unknown_fields

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["mode"],
    "properties": {
        "mode": {"type": "string", "enum": ["strict", "lax"]},
        "labels": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}, "maxItems": 2},
        "replicas": {"type": "integer", "minimum": 1, "maximum": 5},
        "ratio": {"type": "number", "exclusiveMaximum": True, "maximum": 1},
        "extra": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        "maybe": {"type": "string", "nullable": True},
        "choice": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    },
}


@pytest.mark.parametrize(
    "parameters",
    [
        {"mode": "strict"},
        {"mode": "lax", "labels": ["a", "b"], "replicas": 5, "ratio": 0.5, "extra": {"x": True}},
        {"mode": "lax", "replicas": 2.0, "maybe": None, "choice": 3, "free": {"any": [1]}},
    ],
)
def test_valid_parameters(parameters: dict[str, Any]) -> None:
    assert schema_errors(parameters, SCHEMA) == []
    assert unknown_fields(parameters, SCHEMA) == []


@pytest.mark.parametrize(
    ("parameters", "error"),
    [
        ({}, "spec.parameters.mode: Required value"),
        ({"mode": "sloppy"}, 'spec.parameters.mode: Unsupported value: "sloppy"'),
        ({"mode": 1}, "spec.parameters.mode in body must be of type string"),
        ({"mode": "lax", "labels": "a"}, "spec.parameters.labels in body must be of type array"),
        ({"mode": "lax", "labels": ["A"]}, "spec.parameters.labels[0] in body should match '^[a-z]+$'"),
        ({"mode": "lax", "labels": ["a", "b", "c"]}, "should have at most 2 items"),
        ({"mode": "lax", "replicas": 0}, "greater than or equal to 1"),
        ({"mode": "lax", "replicas": True}, "must be of type integer"),
        ({"mode": "lax", "replicas": 1.5}, "must be of type integer"),
        ({"mode": "lax", "ratio": 1}, "should be less than 1"),
        ({"mode": "lax", "extra": {"x": "yes"}}, "spec.parameters.extra.x in body must be of type boolean"),
        ({"mode": None}, 'spec.parameters.mode: Invalid value: "null"'),
        ({"mode": "lax", "choice": 1.5}, "exactly one schema in oneOf"),
    ],
)
def test_schema_errors(parameters: dict[str, Any], error: str) -> None:
    assert any(error in e for e in schema_errors(parameters, SCHEMA)), schema_errors(parameters, SCHEMA)


def test_unknown_fields_are_what_structural_pruning_drops() -> None:
    parameters = {"mode": "lax", "lables": [], "extra": {"ok": True}, "free": {"kept": 1}, "labels": ["a"]}
    assert unknown_fields(parameters, SCHEMA) == ["spec.parameters.lables"]
    assert unknown_fields({"a": 1}, None) == ["spec.parameters"]
    assert unknown_fields({"a": {"b": 1}}, {"type": "object"}) == ["spec.parameters.a"]
