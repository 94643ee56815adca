"""Constraint `spec.match`, decided exactly as Gatekeeper's matcher (`pkg/mutation/match/match.go`).

All matchers are AND-ed; an unset matcher matches everything. The Namespace passed in is what the
enforcement point knows about the object's namespace:

- a Namespace object (from the manifests or the inventory), or `default`, which gator synthesises;
- `CLUSTER_SCOPED` for objects without a namespace: gator passes an empty, non-nil Namespace for them,
  so `scope: Cluster` does not match a Node under gator while `scope: Namespaced` does (checked with
  gator v3.23.0). Pass `None` instead to get the in-cluster behaviour;
- `None` when the namespace is unknown: a `namespaceSelector` then cannot be decided, which Gatekeeper
  reports as an "autoreject" violation (MatchError here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from boundary_policy.apivalidation import label_value_errors, qualified_name_errors
from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.gatekeeper.crd_schemas import MATCH, crd_errors
from boundary_policy.k8s import group_kind, meta
from boundary_policy.model import JSON

__all__ = [
    "CLUSTER_SCOPED",
    "SOURCES",
    "Kinds",
    "Match",
    "MatchError",
    "Requirement",
    "Selector",
    "SelectorError",
    "matches",
    "parse_match",
    "parse_selector",
    "wildcard_matches",
    "wildcard_matches_generate_name",
]

CLUSTER_SCOPED: Mapping[str, JSON] = {}
"""The empty Namespace gator attaches to cluster-scoped objects."""

SOURCES = ("All", "Original", "Generated")


class MatchError(BoundaryPolicyError):
    """The matcher could not decide; Gatekeeper turns this into an autoreject result."""


class SelectorError(BoundaryPolicyError):
    """A label selector Kubernetes would refuse (Gatekeeper refuses the Constraint)."""


def wildcard_matches(pattern: str, candidate: str) -> bool:
    """Gatekeeper's `wildcard.Wildcard.Matches`: exact, `prefix*`, `*suffix` or `*contains*`."""
    if pattern.startswith("*") and pattern.endswith("*"):
        return pattern.removeprefix("*").removesuffix("*") in candidate
    if pattern.startswith("*"):
        return candidate.endswith(pattern[1:])
    if pattern.endswith("*"):
        return candidate.startswith(pattern[:-1])
    return pattern == candidate


def wildcard_matches_generate_name(pattern: str, candidate: str) -> bool:
    if pattern.startswith("*") and pattern.endswith("*"):
        return pattern.removeprefix("*").removesuffix("*") in candidate
    if pattern.endswith("*"):
        return candidate.startswith(pattern[:-1])
    return False


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    """In, NotIn, Exists, DoesNotExist (matchLabels entries are In with one value)."""
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)


def _check_label(key: str, values: list[str]) -> None:
    """ValidateLabelSelector: keys are qualified names, values label values (Gatekeeper refuses the Constraint)."""
    problems = [f'key "{key}": {m}' for m in qualified_name_errors(key)]
    problems += [f'value "{v}": {m}' for v in values for m in label_value_errors(v)]
    if problems:
        raise SelectorError("; ".join(problems))


def parse_selector(raw: JSON) -> Selector:
    """metav1.LabelSelectorAsSelector; raises SelectorError for what Kubernetes refuses."""
    if not isinstance(raw, dict):
        raise SelectorError("a label selector must be an object")
    requirements: list[Requirement] = []
    match_labels = raw.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        raise SelectorError("matchLabels must be an object")
    for key, value in match_labels.items():
        _check_label(str(key), [_label_value(value)])
        requirements.append(Requirement(str(key), "In", frozenset({_label_value(value)})))
    for expression in raw.get("matchExpressions") or []:
        if not isinstance(expression, dict):
            raise SelectorError("matchExpressions entries must be objects")
        key = str(expression.get("key", ""))
        operator = expression.get("operator")
        values = expression.get("values") or []
        if not isinstance(values, list):
            raise SelectorError(f"values of {key!r} must be a list")
        if operator in ("In", "NotIn"):
            if not values:
                raise SelectorError("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty")
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                raise SelectorError(
                    "values: Invalid value: for 'exists', 'doesnotexist' operators, values set must be empty"
                )
        else:
            raise SelectorError(f'"{operator}" is not a valid label selector operator')
        _check_label(key, [_label_value(v) for v in values])
        requirements.append(Requirement(key, str(operator), frozenset(_label_value(v) for v in values)))
    return Selector(tuple(requirements))


def _label_value(value: JSON) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _labels(obj: Mapping[str, Any] | None) -> Mapping[str, str]:
    metadata = obj.get("metadata") if obj else None
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return {str(k): _label_value(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


@dataclass(frozen=True)
class Kinds:
    api_groups: tuple[str, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    kinds: tuple[Kinds, ...] = ()
    scope: str = ""
    namespaces: tuple[str, ...] = ()
    excluded_namespaces: tuple[str, ...] = ()
    label_selector: Selector | None = None
    namespace_selector: Selector | None = None
    name: str = ""
    source: str = ""


def _strings(value: JSON, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SelectorError(f"{what} must be a list of strings")
    return tuple(value)


def parse_match(raw: JSON) -> Match | None:
    """spec.match of a Constraint; None when absent (everything matches). Raises SelectorError."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SelectorError("spec.match must be an object")
    invalid = crd_errors(raw, MATCH, "spec.match")
    if invalid:
        # The Constraint's CRD (and each mutator's) embeds this schema: the API server refuses the object.
        raise SelectorError("; ".join(invalid))
    kinds = []
    for entry in raw.get("kinds") or []:
        if not isinstance(entry, dict):
            raise SelectorError("spec.match.kinds entries must be objects")
        kinds.append(Kinds(_strings(entry.get("apiGroups"), "apiGroups"), _strings(entry.get("kinds"), "kinds")))
    label_selector = raw.get("labelSelector")
    namespace_selector = raw.get("namespaceSelector")
    return Match(
        kinds=tuple(kinds),
        scope=str(raw.get("scope") or ""),
        namespaces=_strings(raw.get("namespaces"), "namespaces"),
        excluded_namespaces=_strings(raw.get("excludedNamespaces"), "excludedNamespaces"),
        label_selector=parse_selector(label_selector) if label_selector is not None else None,
        namespace_selector=parse_selector(namespace_selector) if namespace_selector is not None else None,
        name=str(raw.get("name") or ""),
        source=str(raw.get("source") or ""),
    )


def matches(
    match: Match | None,
    obj: Mapping[str, Any],
    namespace: Mapping[str, Any] | None,
    source: str = "Original",
) -> bool:
    """Whether `obj` (with its Namespace, see the module docstring) matches; raises MatchError."""
    if match is None:
        return True
    group, kind = group_kind(obj)
    is_namespace = kind == "Namespace" and group == ""
    obj_namespace = meta(obj, "namespace")

    if match.kinds and not any(
        (not k.kinds or "*" in k.kinds or kind in k.kinds)
        and (not k.api_groups or "*" in k.api_groups or group in k.api_groups)
        for k in match.kinds
    ):
        return False

    has_namespace = obj_namespace != "" or namespace is not None
    if match.scope == "Cluster" and not (is_namespace or not has_namespace):
        return False
    if match.scope == "Namespaced" and not (not is_namespace and has_namespace):
        return False

    if match.namespaces or match.excluded_namespaces:
        if is_namespace:
            compared: str | None = meta(obj, "name")
        elif namespace is not None:
            compared = meta(namespace, "name")
        elif obj_namespace:
            compared = obj_namespace
        else:
            compared = None  # cluster-scoped, not a Namespace: cannot be disqualified
        if compared is not None:
            if match.namespaces and not any(wildcard_matches(p, compared) for p in match.namespaces):
                return False
            if any(wildcard_matches(p, compared) for p in match.excluded_namespaces):
                return False

    if match.label_selector is not None and not match.label_selector.matches(_labels(obj)):
        return False

    if match.namespace_selector is not None:
        if is_namespace:
            if not match.namespace_selector.matches(_labels(obj)):
                return False
        elif namespace is None and obj_namespace == "":
            pass  # every non-Namespace cluster-scoped object matches
        elif namespace is None:
            raise MatchError(
                f"error matching the requested object: {meta(obj, 'name')} :failed to run Match criteria: "
                "namespace selector for namespace-scoped object but missing Namespace"
            )
        elif not match.namespace_selector.matches(_labels(namespace)):
            return False

    if match.name and not (
        wildcard_matches(match.name, meta(obj, "name"))
        or wildcard_matches_generate_name(match.name, meta(obj, "generateName"))
    ):
        return False

    wanted = match.source or "All"
    if wanted not in SOURCES:
        raise MatchError(
            f"error matching the requested object: {meta(obj, 'name')} :failed to run Match criteria: "
            f'invalid source field "{wanted}"'
        )
    return wanted == "All" or wanted == source
