"""Accepting a finding the Gatekeeper way: the rule's Constraint, narrowed so it no longer matches the object.

An exemption lives in the Constraint's `spec.match`, so the same object is exempt in CI (`eval --constraints`)
and at admission (`kubectl apply`), and the two never disagree:

- by label (default): the Constraint matches only objects without the label `boundary-policy/exempt-bndNNN`
  (`labelSelector.matchExpressions: [{key: ..., operator: DoesNotExist}]`); the owner of a workload accepts the
  finding by setting that label on the pod (a workload's pod template), where a reviewer sees it;
- by namespace: the namespaces are added to `spec.match.excludedNamespaces`.

The result is either the whole Constraint (same kind and name, so it replaces the bundled one) or a kustomize
patch for an overlay of gatekeeper/.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.k8s import meta

__all__ = ["EXEMPT_LABEL_PREFIX", "Exemption", "ExemptionError", "exempt", "exempt_label", "render"]

EXEMPT_LABEL_PREFIX = "boundary-policy/exempt-"


class ExemptionError(BoundaryPolicyError):
    """The Constraint cannot be narrowed (its match is not what Gatekeeper accepts)."""


def exempt_label(rule_id: str) -> str:
    """The label whose presence exempts an object from the rule: boundary-policy/exempt-bnd020."""
    return EXEMPT_LABEL_PREFIX + rule_id.lower()


@dataclass(frozen=True)
class Exemption:
    rule: str
    constraint: dict[str, Any]
    """The narrowed Constraint."""
    patch: list[dict[str, Any]]
    """JSON 6902 operations that turn the original into it."""
    label: str | None
    """The label to set on exempted objects (None for a namespace exemption)."""


def _match(constraint: dict[str, Any]) -> dict[str, Any]:
    spec = constraint.setdefault("spec", {})
    if not isinstance(spec, dict):
        raise ExemptionError(f"Constraint {meta(constraint, 'name')}: spec is not an object")
    match = spec.setdefault("match", {})
    if not isinstance(match, dict):
        raise ExemptionError(f"Constraint {meta(constraint, 'name')}: spec.match is not an object")
    return match


def exempt(rule_id: str, constraint: dict[str, Any], namespaces: Sequence[str] = ()) -> Exemption:
    """The Constraint narrowed by namespaces, or (none given) by the rule's exemption label."""
    narrowed = copy.deepcopy(constraint)
    match = _match(narrowed)
    had_match = "match" in (constraint.get("spec") or {})
    if namespaces:
        excluded = match.get("excludedNamespaces") or []
        if not isinstance(excluded, list):
            raise ExemptionError(f"Constraint {meta(constraint, 'name')}: spec.match.excludedNamespaces is not a list")
        match["excludedNamespaces"] = [*excluded, *(ns for ns in dict.fromkeys(namespaces) if ns not in excluded)]
        field, label = "excludedNamespaces", None
    else:
        label = exempt_label(rule_id)
        selector = match.get("labelSelector") or {}
        if not isinstance(selector, dict):
            raise ExemptionError(f"Constraint {meta(constraint, 'name')}: spec.match.labelSelector is not an object")
        expressions = selector.get("matchExpressions") or []
        if not isinstance(expressions, list):
            raise ExemptionError(
                f"Constraint {meta(constraint, 'name')}: spec.match.labelSelector.matchExpressions is not a list"
            )
        wanted = {"key": label, "operator": "DoesNotExist"}
        if wanted not in expressions:
            expressions = [*expressions, wanted]
        match["labelSelector"] = {**selector, "matchExpressions": expressions}
        field = "labelSelector"
    value = match[field]
    patch = (
        [{"op": "add", "path": f"/spec/match/{field}", "value": value}]
        if had_match
        else [{"op": "add", "path": "/spec/match", "value": {field: value}}]
    )
    return Exemption(rule_id.upper(), narrowed, patch, label)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (a kustomize patch) as literal blocks."""


_Dumper.add_representer(
    str,
    lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None),
)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=1 << 16, allow_unicode=True, indent=2)


def _how_to(exemption: Exemption) -> list[str]:
    if exemption.label is None:
        return [f"# {exemption.rule} no longer applies in the namespaces added to spec.match.excludedNamespaces."]
    return [
        f"# {exemption.rule} no longer applies to objects labelled {exemption.label}. Accept a finding by setting it",
        "# where the object's owner and its reviewers see it: on a Pod's metadata.labels, on a workload's pod template",
        "# (spec.template.metadata.labels; a CronJob's spec.jobTemplate.spec.template.metadata.labels; a",
        "# PodTemplate's template.metadata.labels), e.g.",
        f'#   {exemption.label}: "accepted"',
    ]


def render(exemptions: Sequence[Exemption], fmt: str) -> str:
    """`constraint`: the narrowed Constraints as YAML; `kustomize`: a `patches:` list for an overlay of gatekeeper/."""
    lines: list[str] = []
    for exemption in exemptions:
        lines += _how_to(exemption)
    if fmt == "constraint":
        lines += [
            "# Same kind and name as the bundled Constraint, so it replaces it: in CI with",
            "#   boundary-policy eval ... --constraints <this file>   (or constraints: in .boundary-policy.yaml)",
            "# and in the cluster with kubectl apply -f <this file>.",
        ]
        documents = "---\n".join(_dump(exemption.constraint) for exemption in exemptions)
        return "\n".join(lines) + "\n" + documents
    lines += [
        "# Add to the kustomization.yaml of your overlay of gatekeeper/ (configuration.md shows how CI gets the same",
        "# rendered objects with --constraints).",
    ]
    patches = [
        {
            "target": {
                "group": "constraints.gatekeeper.sh",
                "kind": str(exemption.constraint.get("kind")),
                "name": meta(exemption.constraint, "name"),
            },
            "patch": _dump(exemption.patch).rstrip("\n"),
        }
        for exemption in exemptions
    ]
    return "\n".join(lines) + "\n" + _dump({"patches": patches})
