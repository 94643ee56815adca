"""Whether a Constraint fits its template, as the API server and frameworks' `ValidateCR` decide it.

`eval` refuses a Constraint whose parameters do not fit the schema (as the API server and gator do);
`verify` needs the same checks split the way gator words them: schema errors (what `invalid: true`
expects) apart from the others (unknown fields, wrong kind).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boundary_policy.gatekeeper.crd_schemas import MATCH, crd_errors
from boundary_policy.gatekeeper.openapi import schema_errors, unknown_fields
from boundary_policy.gatekeeper.templates import Template

__all__ = ["MAX_NAME_LENGTH", "non_schema_failure", "parameter_errors", "schema_failure"]

MAX_NAME_LENGTH = 63
"""A Constraint's name is a label value in Gatekeeper, so it is at most 63 bytes."""


def _parameters(constraint: Mapping[str, Any]) -> tuple[bool, Any]:
    spec = constraint.get("spec")
    if isinstance(spec, dict) and "parameters" in spec:
        return True, spec["parameters"]
    return False, None


def parameter_errors(constraint: Mapping[str, Any], template: Template) -> list[str]:
    """Schema errors and unknown fields of spec.parameters; [] when the template declares no schema."""
    written, parameters = _parameters(constraint)
    # Without a schema, whether Gatekeeper keeps unknown fields depends on the template version's legacy
    # schema handling; only a declared schema is checked here.
    if not written or template.parameter_schema is None:
        return []
    return schema_errors(parameters, template.parameter_schema) + unknown_fields(parameters, template.parameter_schema)


def schema_failure(constraint: Mapping[str, Any], template: Template) -> str | None:
    """frameworks' ValidateCR schema step (ErrSchema): name length, enforcementAction type, match, parameters."""
    errors: list[str] = []
    name = (constraint.get("metadata") or {}).get("name")
    if isinstance(name, str) and len(name) > MAX_NAME_LENGTH:
        errors.append(f"metadata.name: Too long: may not be more than {MAX_NAME_LENGTH} bytes (got {len(name)})")
    spec = constraint.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    action = spec.get("enforcementAction")
    if action is not None and not isinstance(action, str):
        errors.append("spec.enforcementAction: must be of type string")
    if isinstance(spec.get("match"), dict):
        errors.extend(crd_errors(spec["match"], MATCH, "spec.match"))
    written, parameters = _parameters(constraint)
    if written:
        errors.extend(schema_errors(parameters, template.parameter_schema))
    return "; ".join(errors) or None


def non_schema_failure(constraint: Mapping[str, Any], template: Template) -> str | None:
    """The Constraint errors that are not schema errors (wrong kind, unknown fields)."""
    if constraint.get("kind") != template.kind:
        return f'wrong kind "{constraint.get("kind")}" for the template\'s kind "{template.kind}"'
    written, parameters = _parameters(constraint)
    unknown = unknown_fields(parameters, template.parameter_schema) if written else []
    return f"unknown fields: {', '.join(unknown)}" if unknown else None
