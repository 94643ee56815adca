"""Schema conflicts between mutators, decided as Gatekeeper v3.23's mutation schema DB decides them
(`pkg/mutation/schema`).

A location implies part of the schema of the objects its mutator applies to: `spec.containers[name: app].image`
says `spec` is an object and `containers` a list keyed by `name`. Per group/version/kind and operation of its
applyTo, Gatekeeper merges the implied schemas of every mutator into one tree. Where they disagree about a node
(an object in one location, a keyed list in another, the set a ModifySet edits in a third) or key one list by
different fields, every mutator whose location passes there is in conflict: the mutation system applies none of
them, and each one's status reports an `ErrConflictingSchema`, until the conflict is gone. An Assign says nothing
about the type of its last node, so it conflicts with nothing there; AssignMetadata has no schema at all.

Gatekeeper finds conflicts as each mutator is added, but a conflict only ever grows with the tree, so the set it
holds once every mutator is in is the set found here from the whole tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from boundary_policy.gatekeeper.location import Field, Key, Node, render
from boundary_policy.gatekeeper.mutators import MUTATED_OPERATIONS, Mutator
from boundary_policy.reporters.base import printable

__all__ = ["Clash", "conflict_warning", "schema_conflicts"]

_UNKNOWN, _OBJECT, _LIST, _SET = "Unknown", "Object", "List", "Set"

MutatorID = tuple[str, str]
"""(kind, name): mutators are cluster-scoped and all in one API group."""


@dataclass(frozen=True)
class Clash:
    """`other`'s location disagrees with the mutator's about the node at `depth` of both, for `gvk`."""

    other: Mutator
    depth: int
    gvk: tuple[str, str, str]


@dataclass
class _SchemaNode:
    referenced_by: set[MutatorID] = field(default_factory=set)
    children: dict[str, dict[str, _SchemaNode]] = field(default_factory=dict)
    """By the child's key (a field name, or a list's key field), then by the type the locations give it."""


def _key(node: Node) -> str:
    return node.name if isinstance(node, Field) else node.field


def _type(location: Sequence[Node], depth: int, terminal: str) -> str:
    """The type a location gives its node at `depth`: what the next node reads from it, or the mutator's own."""
    if depth + 1 >= len(location):
        return terminal
    return _LIST if isinstance(location[depth + 1], Key) else _OBJECT


def _terminal(mutator: Mutator) -> str:
    return _SET if mutator.kind == "ModifySet" else _UNKNOWN


def _bindings(mutator: Mutator) -> set[tuple[tuple[str, str, str], str]]:
    """Every (group/version/kind, operation) of the applyTo: the mutation webhook runs on CREATE and UPDATE."""
    bindings: set[tuple[tuple[str, str, str], str]] = set()
    for entry in mutator.apply_to or ():
        every = not entry.operations or "*" in entry.operations
        operations = [o for o in MUTATED_OPERATIONS if every or o in entry.operations]
        for group in entry.groups:
            for version in entry.versions:
                for kind in entry.kinds:
                    bindings.update(((group, version, kind), operation) for operation in operations)
    return bindings


def _add(root: _SchemaNode, mutator: Mutator) -> None:
    node, terminal = root, _terminal(mutator)
    node.referenced_by.add(mutator.sort_key)
    for depth, step in enumerate(mutator.location):
        typed = node.children.setdefault(_key(step), {})
        node = typed.setdefault(_type(mutator.location, depth, terminal), _SchemaNode())
        node.referenced_by.add(mutator.sort_key)


def _views(typed: Mapping[str, _SchemaNode]) -> dict[MutatorID, tuple[str, str]]:
    """The conflicting mutators at one node, each with what its location says the node is: its type, and the
    field a list is keyed by. A node is in conflict when it has two known types, or is a list keyed two ways."""
    known = [t for t in typed if t != _UNKNOWN]
    views: dict[MutatorID, tuple[str, str]] = {}
    for node_type in known:
        child = typed[node_type]
        if len(known) < 2 and not (node_type == _LIST and len(child.children) > 1):
            continue
        if node_type == _LIST:
            for list_key, by_type in child.children.items():
                for grandchild in by_type.values():
                    views.update((i, (node_type, list_key)) for i in grandchild.referenced_by)
        else:
            views.update((i, (node_type, "")) for i in child.referenced_by)
    return views


def schema_conflicts(mutators: Iterable[Mutator]) -> dict[MutatorID, list[Clash]]:
    """The mutators Gatekeeper refuses for a schema conflict, each with the others its location disagrees with
    (one Clash per other mutator: the first group/version/kind and the shallowest node)."""
    by_id = {m.sort_key: m for m in mutators if m.apply_to is not None}
    trees: dict[tuple[tuple[str, str, str], str], _SchemaNode] = {}
    for mutator in by_id.values():
        for binding in _bindings(mutator):
            _add(trees.setdefault(binding, _SchemaNode()), mutator)
    found: dict[MutatorID, dict[MutatorID, Clash]] = {}
    for (gvk, _), root in sorted(trees.items()):
        pending: list[tuple[_SchemaNode, int]] = [(root, 0)]
        while pending:
            node, depth = pending.pop(0)  # breadth first: the shallowest disagreement is reported
            for typed in node.children.values():
                views = _views(typed)
                for one, view in views.items():
                    clashes = found.setdefault(one, {})
                    for other, other_view in views.items():
                        if other_view != view and other not in clashes:
                            clashes[other] = Clash(by_id[other], depth, gvk)
                pending.extend((child, depth + 1) for child in typed.values())
    return {one: sorted(clashes.values(), key=lambda c: c.other.sort_key) for one, clashes in found.items()}


def _where(mutator: Mutator) -> str:
    document = mutator.document
    if document is None:
        return ""
    return f"{printable(document.file)}:{document.line_of(('spec', 'location'))}"


def _gvk(gvk: tuple[str, str, str]) -> str:
    group, version, kind = gvk
    return f"{group}/{version} {kind}" if group else f"{version} {kind}"


def conflict_warning(mutator: Mutator, clashes: Sequence[Clash]) -> str:
    """One line: where the mutator is, that it is not applied, and which mutators it disagrees with and where."""
    others = "; ".join(
        f'{c.other.kind} "{printable(c.other.name)}" ({_where(c.other)}: {printable(render(c.other.location))}) '
        f"about {printable(render(mutator.location[: c.depth + 1]))} of {_gvk(c.gvk)}"
        for c in clashes
    )
    where = _where(mutator)
    return (
        f'{where + ": " if where else ""}{mutator.kind} "{printable(mutator.name)}" is not applied: its location '
        f"{printable(render(mutator.location))} disagrees with {others}; Gatekeeper applies none of the mutators in "
        "a schema conflict (ErrConflictingSchema in their status)"
    )
