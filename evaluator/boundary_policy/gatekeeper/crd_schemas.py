"""The parts of the CRD schemas Gatekeeper v3.23 ships that the API server checks before Gatekeeper sees an object.

Copied (descriptions left out) from Gatekeeper's `deploy/gatekeeper.yaml` and the match schema every Constraint
CRD embeds (`pkg/target/matchcrd_constant.go`); `openapi.schema_errors` applies them, so a Constraint, mutator or
ExpansionTemplate that `kubectl apply` would be refused for is refused here with the API server's reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boundary_policy.gatekeeper.openapi import schema_errors
from boundary_policy.model import JSON

__all__ = [
    "ASSIGN_METADATA_SPEC",
    "ASSIGN_SPEC",
    "EXPANSION_TEMPLATE_SPEC",
    "MATCH",
    "MODIFY_SET_SPEC",
    "NAME_MAX_LENGTH",
    "crd_errors",
    "without_nulls",
]

NAME_MAX_LENGTH = 63
"""metadata.name of mutators and ExpansionTemplates: `maxLength: 63` in their CRDs."""

_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_WILDCARD: dict[str, Any] = {"type": "string", "pattern": r"^\*?[-:a-z0-9]*\*?$"}
_SELECTOR: dict[str, Any] = {
    "type": "object",
    "properties": {
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "operator"],
                "properties": {"key": {"type": "string"}, "operator": {"type": "string"}, "values": _STRINGS},
            },
        },
        "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

MATCH: dict[str, Any] = {
    "type": "object",
    "properties": {
        "excludedNamespaces": {"type": "array", "items": _WILDCARD},
        "kinds": {
            "type": "array",
            "items": {"type": "object", "properties": {"apiGroups": _STRINGS, "kinds": _STRINGS}},
        },
        "labelSelector": _SELECTOR,
        "name": _WILDCARD,
        "namespaceSelector": _SELECTOR,
        "namespaces": {"type": "array", "items": _WILDCARD},
        "scope": {"type": "string"},
        "source": {"type": "string", "enum": ["All", "Generated", "Original"]},
    },
}

_APPLY_TO: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "groups": _STRINGS,
            "kinds": _STRINGS,
            "versions": _STRINGS,
            "operations": {"type": "array", "items": {"type": "string", "enum": ["CREATE", "UPDATE", "*"]}},
        },
    },
}
_PATH_TESTS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "condition": {"type": "string", "enum": ["MustExist", "MustNotExist"]},
            "subPath": {"type": "string"},
        },
    },
}
_ASSIGN_FIELD: dict[str, Any] = {
    "type": "object",
    "properties": {
        "externalData": {
            "type": "object",
            "required": ["provider"],
            "properties": {
                "dataSource": {"type": "string", "enum": ["ValueAtLocation", "Username"]},
                "default": {"type": "string"},
                "failurePolicy": {"type": "string", "enum": ["UseDefault", "Ignore", "Fail"]},
                "provider": {"type": "string"},
            },
        },
        "fromMetadata": {"type": "object", "properties": {"field": {"type": "string"}}},
        "value": {},
    },
}

ASSIGN_SPEC: dict[str, Any] = {
    "type": "object",
    "properties": {
        "applyTo": _APPLY_TO,
        "match": MATCH,
        "location": {"type": "string"},
        "parameters": {"type": "object", "properties": {"assign": _ASSIGN_FIELD, "pathTests": _PATH_TESTS}},
    },
}
ASSIGN_METADATA_SPEC: dict[str, Any] = {
    "type": "object",
    "properties": {
        "match": MATCH,
        "location": {"type": "string"},
        "parameters": {"type": "object", "properties": {"assign": _ASSIGN_FIELD}},
    },
}
MODIFY_SET_SPEC: dict[str, Any] = {
    "type": "object",
    "properties": {
        "applyTo": _APPLY_TO,
        "match": MATCH,
        "location": {"type": "string"},
        "parameters": {
            "type": "object",
            "properties": {
                "operation": {"type": "string", "enum": ["merge", "prune"]},
                "pathTests": _PATH_TESTS,
                "values": {"type": "object"},
            },
        },
    },
}
EXPANSION_TEMPLATE_SPEC: dict[str, Any] = {
    "type": "object",
    "properties": {
        "applyTo": {
            "type": "array",
            "items": {"type": "object", "properties": {"groups": _STRINGS, "kinds": _STRINGS, "versions": _STRINGS}},
        },
        "enforcementAction": {"type": "string"},
        "generatedGVK": {
            "type": "object",
            "properties": {"group": {"type": "string"}, "kind": {"type": "string"}, "version": {"type": "string"}},
        },
        "templateSource": {"type": "string"},
    },
}


def without_nulls(value: JSON) -> JSON:
    """The object as the API server keeps it: null fields of a schema that does not allow null are dropped."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def crd_errors(value: JSON, schema: Mapping[str, Any], path: str) -> list[str]:
    """What the API server's validation of a custom resource says of `value` at `path` (empty when it fits)."""
    return schema_errors(without_nulls(value), schema, path)
