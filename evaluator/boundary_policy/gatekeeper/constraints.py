"""Constraints (constraints.gatekeeper.sh/*): parameters, enforcementAction and match, as Gatekeeper reads them.

- `spec.parameters` defaults to `{}`; `default:` values of the template's openAPIV3Schema are applied
  to the parameters that are written (structural defaulting, as the API server and frameworks do).
- `enforcementAction` defaults to `deny`; any other string is kept (gator reports it as written).
- `scoped` takes the actions listed in `scopedEnforcementActions` for the enforcement point (or `*`);
  a scoped Constraint with no action for the point does not run there at all.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from boundary_policy.errors import LocatedError
from boundary_policy.gatekeeper.match import Match, SelectorError, parse_match
from boundary_policy.k8s import api_group
from boundary_policy.model import JSON, Document

__all__ = [
    "AUDIT_ENFORCEMENT_POINT",
    "CONSTRAINT_GROUP",
    "GATOR_ENFORCEMENT_POINT",
    "WEBHOOK_ENFORCEMENT_POINT",
    "Constraint",
    "ConstraintError",
    "apply_defaults",
    "is_constraint",
    "parse_constraint",
    "strongest_action",
]

CONSTRAINT_GROUP = "constraints.gatekeeper.sh"
GATOR_ENFORCEMENT_POINT = "gator.gatekeeper.sh"
AUDIT_ENFORCEMENT_POINT = "audit.gatekeeper.sh"
WEBHOOK_ENFORCEMENT_POINT = "validation.gatekeeper.sh"

_ACTION_RANK = {"deny": 3, "warn": 2, "dryrun": 1}


class ConstraintError(LocatedError):
    """A Constraint Gatekeeper would refuse, with where it is written."""


@dataclass(frozen=True)
class Constraint:
    kind: str
    name: str
    parameters: JSON
    enforcement_action: str
    """As written (default `deny`); `scoped` for scoped Constraints."""
    scoped_actions: tuple[str, ...]
    """For `scoped`: the actions for the enforcement point, sorted; empty otherwise."""
    match: Match | None
    document: Document

    @property
    def effective_action(self) -> str:
        """The action that decides severity: for `scoped`, the strongest action at this point."""
        return strongest_action(self.enforcement_action, self.scoped_actions)


def strongest_action(action: str, scoped_actions: Sequence[str]) -> str:
    """`action`, or for `scoped` the strongest of `scoped_actions` (deny > warn > dryrun)."""
    if action != "scoped":
        return action
    return max(scoped_actions, key=lambda a: _ACTION_RANK.get(a, 0), default="scoped")


def is_constraint(obj: Mapping[str, JSON]) -> bool:
    return api_group(obj) == CONSTRAINT_GROUP


def apply_defaults(value: JSON, schema: JSON) -> JSON:
    """Structural defaulting: fill `default:` of absent object properties, recursively (a copy)."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        result = dict(value)
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for key, sub in properties.items():
                if key in result:
                    result[key] = apply_defaults(result[key], sub)
                elif isinstance(sub, dict) and "default" in sub:
                    result[key] = apply_defaults(copy.deepcopy(sub["default"]), sub)
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict) and not isinstance(properties, dict):
            result = {k: apply_defaults(v, additional) for k, v in result.items()}
        return result
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [apply_defaults(item, schema["items"]) for item in value]
    return value


def parse_constraint(
    document: Document,
    parameter_schema: Mapping[str, JSON] | None = None,
    enforcement_point: str = GATOR_ENFORCEMENT_POINT,
) -> Constraint:
    """A Constraint document; raises ConstraintError where Gatekeeper refuses it."""
    obj = document.obj

    def fail(message: str, *path: str | int) -> ConstraintError:
        return ConstraintError(message, document.file, document.line_of(path))

    kind = obj.get("kind")
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(kind, str) or not kind:
        raise fail("Constraint has no kind")
    if not isinstance(name, str) or not name:
        raise fail(f"{kind} Constraint has no metadata.name", "metadata")
    spec = obj.get("spec") or {}
    if not isinstance(spec, dict):
        raise fail(f'{kind} "{name}": spec must be an object', "spec")

    action = spec.get("enforcementAction", "deny")
    if action is None or action == "":
        action = "deny"
    if not isinstance(action, str):
        raise fail(f'{kind} "{name}": invalid Constraint: invalid spec.enforcementAction', "spec", "enforcementAction")
    scoped: tuple[str, ...] = ()
    if action == "scoped":
        scoped = _actions_for_point(spec, enforcement_point, lambda m: fail(f'{kind} "{name}": {m}', "spec"))

    parameters = spec.get("parameters")
    if parameters is None:
        parameters = {}
    elif parameter_schema is not None:
        parameters = apply_defaults(parameters, parameter_schema)

    try:
        match = parse_match(spec.get("match"))
    except SelectorError as error:
        raise fail(f'{kind} "{name}": invalid spec.match: {error}', "spec", "match") from None
    return Constraint(kind, name, parameters, action, scoped, match, document)


def _actions_for_point(
    spec: Mapping[str, JSON], enforcement_point: str, fail: Callable[[str], ConstraintError]
) -> tuple[str, ...]:
    entries = spec.get("scopedEnforcementActions")
    if entries is None:
        raise fail("missing required field: spec.scopedEnforcementActions must be defined")
    malformed = "scopedEnforcementActions value must be a [{action: string, enforcementPoints: [{name: string}]}]"
    if not isinstance(entries, list):
        raise fail(malformed)
    actions: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("enforcementPoints") or [], list):
            raise fail(malformed)
        for point in entry.get("enforcementPoints") or []:
            point_name = point.get("name") if isinstance(point, dict) else None
            if point_name in ("*", enforcement_point):
                actions.add(str(entry.get("action", "")))
                if point_name == "*":
                    break
    return tuple(sorted(actions))
