"""ExpansionTemplates: the Pods (or other resultants) Gatekeeper reviews for a workload.

As `pkg/expansion/system.go` builds it: the map at `templateSource` (e.g. `spec.template`), with the
generated apiVersion/kind, the parent's namespace, name `<parent name>-<kind>` lowercased and an
ownerReference to the parent appended (labels and annotations of the pod template stay). Resultants
are expanded again by templates that apply to them. Results on a resultant are reported on the parent
with the prefix `[Implied by <template name>] ` and, when the template sets one, its enforcementAction.

Each resultant keeps the path of its source inside the parent document, so a field a policy names in
the child (`spec.containers[0]`) maps back to the parent's line.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from boundary_policy.errors import BoundaryPolicyError, LocatedError
from boundary_policy.gatekeeper.crd_schemas import EXPANSION_TEMPLATE_SPEC, NAME_MAX_LENGTH, crd_errors, without_nulls
from boundary_policy.k8s import api_group, group_version_kind, meta
from boundary_policy.model import JSON, Document, JSONPath

__all__ = [
    "EXPANSION_GROUP",
    "MAX_DEPTH",
    "ExpansionError",
    "ExpansionFailure",
    "ExpansionTemplate",
    "Mutate",
    "Resultant",
    "expand",
    "expand_object",
    "is_expansion_template",
    "parse_expansion_template",
]

EXPANSION_GROUP = "expansion.gatekeeper.sh"
MAX_DEPTH = 30
"""Gatekeeper's maxRecursionDepth for expansion (`pkg/expansion/system.go`)."""


class ExpansionError(LocatedError):
    """An ExpansionTemplate Gatekeeper would refuse, with where it is written."""


class ExpansionFailure(BoundaryPolicyError):
    """An object the expansion cannot expand (no source field, no GVK, too deep), as Gatekeeper fails it."""


@dataclass(frozen=True)
class ExpansionTemplate:
    name: str
    apply_to: frozenset[tuple[str, str, str]]
    """(group, version, kind) triples: the cross product of each applyTo entry."""
    template_source: str
    generated: tuple[str, str, str]
    enforcement_action: str
    """Overrides the action of results on resultants; "" keeps the Constraint's."""
    document: Document

    @property
    def source_path(self) -> tuple[str, ...]:
        return tuple(self.template_source.split("."))


@dataclass(frozen=True)
class Resultant:
    obj: dict[str, JSON]
    template: ExpansionTemplate
    path: JSONPath
    """Where the resultant's content sits in the top-level parent document."""


def is_expansion_template(obj: Mapping[str, JSON]) -> bool:
    return obj.get("kind") == "ExpansionTemplate" and api_group(obj) == EXPANSION_GROUP


def parse_expansion_template(document: Document) -> ExpansionTemplate:
    obj = document.obj

    def fail(message: str, *path: str | int) -> ExpansionError:
        return ExpansionError(message, document.file, document.line_of(path))

    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        raise fail("ExpansionTemplate has no metadata.name", "metadata")
    if len(name) > NAME_MAX_LENGTH:
        # The CRD's maxLength (and Gatekeeper's ValidateTemplate: "must be less than 64 characters").
        raise fail(f'ExpansionTemplate "{name}": name must be less than 64 characters', "metadata", "name")
    spec = without_nulls(obj.get("spec"))
    if not isinstance(spec, dict):
        raise fail(f'ExpansionTemplate "{name}" has no spec', "spec")
    invalid = crd_errors(spec, EXPANSION_TEMPLATE_SPEC, "spec")
    if invalid:
        raise fail(f'ExpansionTemplate "{name}": ' + "; ".join(invalid), "spec")
    apply_to: set[tuple[str, str, str]] = set()
    for entry in spec.get("applyTo") or []:
        for group in entry.get("groups") or []:
            for version in entry.get("versions") or []:
                for kind in entry.get("kinds") or []:
                    apply_to.add((group, version, kind))
    source = spec.get("templateSource")
    if not isinstance(source, str) or not source:
        raise fail(f'ExpansionTemplate "{name}": cannot expand resource using a template with no source', "spec")
    generated = spec.get("generatedGVK")
    generated = generated if isinstance(generated, dict) else {}
    gvk = (str(generated.get("group") or ""), str(generated.get("version") or ""), str(generated.get("kind") or ""))
    if gvk == ("", "", ""):
        raise fail(f'ExpansionTemplate "{name}": cannot expand resource using template with empty generatedGVK', "spec")
    if not spec.get("applyTo"):
        raise fail(f"ExpansionTemplate {name} must specify ApplyTo", "spec")
    if gvk in apply_to:
        # A template that expands its own output would recurse forever; Gatekeeper refuses it.
        group, version, kind = gvk
        raise fail(
            f"ExpansionTemplate {name} generates GVK {group}/{version}, Kind={kind}, but also applies to that same GVK",
            "spec",
            "generatedGVK",
        )
    action = spec.get("enforcementAction") or ""
    return ExpansionTemplate(name, frozenset(apply_to), source, gvk, str(action), document)


def _nested_map(obj: Mapping[str, Any], path: Sequence[str]) -> dict[str, JSON] | None:
    value: Any = obj
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, dict) else None


_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


def _copied(value: JSON) -> JSON:
    """A deep copy of a JSON tree, a few times faster than copy.deepcopy, which keeps a memo of every object it
    copies for shared and cyclic references (a document has none: the loader writes YAML aliases out, and a
    resultant is read, serialized or deep-copied again by the mutation system, never changed in place). Anything
    but plain dicts, lists and scalars is left to copy.deepcopy."""
    kind = type(value)
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


def _owner_reference(ref: Mapping[str, Any]) -> dict[str, JSON]:
    """An ownerReference as Go's metav1.OwnerReference re-encodes it."""
    out: dict[str, JSON] = {
        "apiVersion": str(ref.get("apiVersion") or ""),
        "kind": str(ref.get("kind") or ""),
        "name": str(ref.get("name") or ""),
        "uid": str(ref.get("uid") or ""),
    }
    for key in ("controller", "blockOwnerDeletion"):
        if isinstance(ref.get(key), bool):
            out[key] = ref[key]
    return out


def expand_object(
    parent: Mapping[str, Any], namespace: Mapping[str, Any] | None, template: ExpansionTemplate
) -> dict[str, JSON]:
    """The resultant of one template on one object; raises ExpansionFailure when the source is missing."""
    source = _nested_map(parent, template.source_path)
    parent_name = meta(parent, "name")
    if source is None:
        raise ExpansionFailure(f'could not find source field "{template.template_source}" in resource {parent_name}')
    child: dict[str, JSON] = _copied(source)
    group, version, kind = template.generated
    child["apiVersion"] = f"{group}/{version}" if group else version
    child["kind"] = kind
    metadata = child.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    child_namespace = meta(namespace, "name") if namespace is not None else meta(parent, "namespace")
    if child_namespace:
        metadata["namespace"] = child_namespace
    else:
        metadata.pop("namespace", None)
    metadata["name"] = (parent_name + ("-" if kind else "") + kind).lower()
    parent_api_version, parent_kind = parent.get("apiVersion"), parent.get("kind")
    if parent_api_version and parent_kind and parent_name:
        refs = [_owner_reference(r) for r in metadata.get("ownerReferences") or [] if isinstance(r, dict)]
        owner = {"apiVersion": parent_api_version, "kind": parent_kind, "name": parent_name, "uid": ""}
        if not any(
            (r["apiVersion"], r["kind"], r["name"]) == (parent_api_version, parent_kind, parent_name) for r in refs
        ):
            refs.append(owner)
        metadata["ownerReferences"] = refs
    child["metadata"] = metadata
    return child


Mutate = Callable[[dict[str, JSON]], dict[str, JSON]]
"""What the mutation system makes of a resultant (Gatekeeper mutates each one, as `source: Generated`)."""


def expand(
    obj: Mapping[str, Any],
    namespace: Mapping[str, Any] | None,
    templates: Sequence[ExpansionTemplate],
    path: JSONPath = (),
    depth: int = 0,
    mutate: Mutate | None = None,
) -> list[Resultant]:
    """Every resultant of `obj`, recursively, each mutated by `mutate` before it is expanded again; raises
    ExpansionFailure as Gatekeeper's expansion fails (a mutation failure propagates as the caller raised it)."""
    if depth >= MAX_DEPTH:
        raise ExpansionFailure(f"maximum recursion depth of {MAX_DEPTH} reached")
    gvk = group_version_kind(obj)
    if gvk == ("", "", ""):
        raise ExpansionFailure(f"cannot expand resource {meta(obj, 'name')} with empty GVK")
    children = [
        (expand_object(obj, namespace, template), template) for template in templates if gvk in template.apply_to
    ]
    found: list[Resultant] = []
    for child, template in children:
        if mutate is not None:
            child = mutate(child)
        child_path = (*path, *template.source_path)
        found.extend(expand(child, namespace, templates, child_path, depth + 1, mutate))
        found.append(Resultant(child, template, child_path))
    return found
