"""Gatekeeper mutators (Assign, AssignMetadata, ModifySet): read as the API server and Gatekeeper accept them, and
applied as Gatekeeper's mutation system applies them.

In a cluster the mutating webhook changes an object before the validating webhook sees it, and the expansion
mutates each Pod it generates from a workload (`source: Generated`); the policies judge the mutated object. The
rules here follow Gatekeeper v3.23 (`pkg/mutation`): mutators run in order of (kind, name), all of them again
until a pass changes nothing (at most one pass more than there are mutators, else "mutation not converging");
a location walks objects and keyed lists, creating what is missing unless a pathTest forbids it; Assign sets
`assign.value` (or the object's name/namespace), AssignMetadata adds a label or annotation that is not set yet,
ModifySet merges values into a list or prunes them from it. Mutators whose locations disagree about the schema
of an object are marked `schema_conflict` by `mutation_schema` and skipped, as Gatekeeper skips them.

Not done offline: `externalData` (it calls a provider) and AssignImage; such a mutator is refused with a reason
rather than ignored, since ignoring it could turn a denial into a pass.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from boundary_policy.errors import BoundaryPolicyError, LocatedError
from boundary_policy.gatekeeper.crd_schemas import (
    ASSIGN_METADATA_SPEC,
    ASSIGN_SPEC,
    MODIFY_SET_SPEC,
    NAME_MAX_LENGTH,
    crd_errors,
    without_nulls,
)
from boundary_policy.gatekeeper.location import (
    CONDITIONS,
    Field,
    Key,
    LocationError,
    Node,
    Tester,
    parse_location,
    render,
)
from boundary_policy.gatekeeper.match import Match, MatchError, SelectorError, matches, parse_match
from boundary_policy.k8s import api_group, group_version_kind, meta
from boundary_policy.model import JSON, Document

__all__ = [
    "MUTATED_OPERATIONS",
    "MUTATION_GROUP",
    "MUTATOR_KINDS",
    "MutationFailure",
    "Mutator",
    "MutatorError",
    "is_mutator",
    "json_equal",
    "mutate",
    "parse_mutator",
]

MUTATION_GROUP = "mutations.gatekeeper.sh"
MUTATOR_KINDS = ("Assign", "AssignMetadata", "ModifySet", "AssignImage")
_SPECS: Mapping[str, Mapping[str, Any]] = {
    "Assign": ASSIGN_SPEC,
    "AssignMetadata": ASSIGN_METADATA_SPEC,
    "ModifySet": MODIFY_SET_SPEC,
}
MUTATED_OPERATIONS = ("CREATE", "UPDATE")
"""The operations Gatekeeper mutates on."""


class MutatorError(LocatedError):
    """A mutator the API server or Gatekeeper would refuse (or one eval cannot apply offline)."""


class MutationFailure(BoundaryPolicyError):
    """Mutating an object failed as it fails in Gatekeeper (the webhook then refuses the object)."""


@dataclass(frozen=True)
class _ApplyTo:
    groups: tuple[str, ...]
    versions: tuple[str, ...]
    kinds: tuple[str, ...]
    operations: tuple[str, ...]

    def applies(self, gvk: tuple[str, str, str], operation: str) -> bool:
        group, version, kind = gvk
        if group not in self.groups or version not in self.versions or kind not in self.kinds:
            return False
        every = not self.operations or "*" in self.operations
        if operation == "":  # a generated object: the mutator must cover every operation Gatekeeper mutates on
            return every or all(o in self.operations for o in MUTATED_OPERATIONS)
        return operation in MUTATED_OPERATIONS and (every or operation in self.operations)


@dataclass(frozen=True)
class Mutator:
    kind: str
    name: str
    apply_to: tuple[_ApplyTo, ...] | None
    """None for AssignMetadata, which applies to every kind its match selects."""
    match: Match | None
    location: tuple[Node, ...]
    tester: Tester
    value: JSON = None
    from_metadata: str = ""
    """Assign(Metadata) `fromMetadata.field`: "name" or "namespace" of the mutated object instead of a value."""
    operation: str = ""
    """ModifySet: merge or prune."""
    values: tuple[JSON, ...] = ()
    document: Document | None = None
    schema_conflict: bool = False
    """Its location disagrees with another mutator's (`mutation_schema`): Gatekeeper keeps it but never applies it."""

    @property
    def sort_key(self) -> tuple[str, str]:
        return self.kind, self.name

    def applies(self, obj: Mapping[str, Any], namespace: Mapping[str, Any] | None, source: str, operation: str) -> bool:
        """applyTo and match; raises MatchError as Gatekeeper's matcher does."""
        if self.apply_to is not None:
            gvk = group_version_kind(obj)
            if not any(entry.applies(gvk, operation) for entry in self.apply_to):
                return False
        return matches(self.match, obj, namespace, source)

    def apply(self, obj: dict[str, JSON]) -> bool:
        """Mutate `obj` in place; True when the location was reached (not necessarily a change)."""
        if self.kind == "ModifySet":
            setter: _Setter = _SetSetter(self.operation, self.values)
        else:
            value = self.value
            if self.from_metadata:
                value = meta(obj, self.from_metadata)
            setter = _ValueSetter(value)
        walker = _Walker(self.location, self.tester, setter)
        mutated, _ = walker.walk(obj, 0)
        return mutated


def is_mutator(obj: Mapping[str, JSON]) -> bool:
    return obj.get("kind") in MUTATOR_KINDS and api_group(obj) == MUTATION_GROUP


def parse_mutator(document: Document) -> Mutator:
    """A mutator as Gatekeeper builds it (`MutatorFor<Kind>`); raises MutatorError where it is refused."""
    obj = document.obj
    kind = str(obj.get("kind"))
    name = meta(obj, "name")

    def fail(message: str, *path: str | int) -> MutatorError:
        return MutatorError(f'{kind} "{name}": {message}', document.file, document.line_of(path))

    if not name:
        raise MutatorError(f"{kind} has no metadata.name", document.file, document.line_of(("metadata",)))
    if len(name) > NAME_MAX_LENGTH:
        raise fail(f"metadata.name: Too long: may not be more than {NAME_MAX_LENGTH} bytes", "metadata", "name")
    if kind == "AssignImage":
        raise fail("AssignImage mutators are not applied by eval; remove it or check its effect in a cluster")
    spec = without_nulls(obj.get("spec"))
    spec = spec if spec is not None else {}
    invalid = crd_errors(spec, _SPECS[kind], "spec")
    if invalid:
        raise fail("; ".join(invalid), "spec")
    assert isinstance(spec, dict)
    parameters = spec.get("parameters") or {}
    try:
        location = parse_location(str(spec.get("location") or ""))
    except LocationError as error:
        raise fail(f"invalid location format `{spec.get('location')}`: {error}", "spec", "location") from None
    if not location:
        raise fail("attempting to mutate an empty target location", "spec", "location")
    try:
        match = parse_match(spec.get("match") or {})
    except SelectorError as error:
        raise fail(f"invalid spec.match: {error}", "spec", "match") from None
    if kind == "AssignMetadata":
        return _assign_metadata(document, kind, name, location, match, parameters, fail)
    if location[0] == Field("metadata"):
        raise fail(f"{kind.lower()} {name} can't change metadata", "spec", "location")
    tester = _tester(location, parameters, fail)
    apply_to = _apply_to(spec.get("applyTo") or [], kind, name, fail)
    if kind == "ModifySet":
        if isinstance(location[-1], Key):
            raise fail("final node in a modifyset location cannot be a keyed list", "spec", "location")
        values = (parameters.get("values") or {}).get("fromList") or []
        if not isinstance(values, list):
            raise fail("spec.parameters.values.fromList must be a list", "spec", "parameters", "values")
        operation = str(parameters.get("operation") or "merge")  # the CRD's default
        return Mutator(kind, name, apply_to, match, location, tester, None, "", operation, tuple(values), document)
    if len(location) >= 2 and isinstance(location[-2], Key):
        if isinstance(location[-1], Key):
            raise fail("invalid path format: child of a list can't be a list", "spec", "location")
        if location[-1] == Field(location[-2].field):
            raise fail("invalid path format: changing the item key is not allowed", "spec", "location")
    value, from_metadata = _assign_value(parameters.get("assign") or {}, fail)
    last = location[-1]
    if isinstance(last, Key):
        if from_metadata:
            raise fail("cannot assign a metadata field to a list", "spec", "parameters", "assign")
        if last.glob:
            raise fail("can't append to a globbed list", "spec", "location")
        if not isinstance(value, dict):
            raise fail(f"invalid value: `{value}`, only objects can be added to keyed lists", "spec", "parameters")
        if not _same_key(value.get(last.field), last.value):
            raise fail(
                f"adding object to list with different key {last.field}: list key {last.value}, "
                f"object key {value.get(last.field)}",
                "spec",
                "parameters",
            )
    return Mutator(kind, name, apply_to, match, location, tester, value, from_metadata, "", (), document)


def _assign_value(assign: Mapping[str, Any], fail: Any) -> tuple[JSON, str]:
    """(value, fromMetadata field) of `parameters.assign`, which must set exactly one way to get a value."""
    ways = [key for key in ("value", "fromMetadata", "externalData") if key in assign]
    if not ways:
        raise fail("assign must set one of `externalData`, `value` or `fromMetadata`", "spec", "parameters")
    if len(ways) > 1:
        raise fail("assign must only set one of `externalData`, `value` or `fromMetadata`", "spec", "parameters")
    if ways[0] == "externalData":
        raise fail("externalData calls a provider, which eval cannot do offline", "spec", "parameters")
    if ways[0] == "fromMetadata":
        field = str((assign.get("fromMetadata") or {}).get("field") or "")
        if field not in ("name", "namespace"):
            raise fail(f"field {field} is not recognized: invalid fromMetadata field", "spec", "parameters")
        return None, field
    return assign["value"], ""


def _assign_metadata(
    document: Document,
    kind: str,
    name: str,
    location: tuple[Node, ...],
    match: Match | None,
    parameters: Mapping[str, Any],
    fail: Any,
) -> Mutator:
    valid = (
        len(location) == 3
        and all(isinstance(node, Field) for node in location)
        and location[:2] in ((Field("metadata"), Field("labels")), (Field("metadata"), Field("annotations")))
    )
    if not valid:
        raise fail(f"invalid location for assignmetadata {name}: {render(location)}", "spec", "location")
    value, from_metadata = _assign_value(parameters.get("assign") or {}, fail)
    if not from_metadata and not isinstance(value, str):
        raise fail("spec.parameters.assign.value field must be a string", "spec", "parameters")
    # Only ever adds: the label or annotation must not exist yet.
    tester = Tester.build(location, [(location, "MustNotExist")])
    return Mutator(kind, name, None, match, location, tester, value, from_metadata, "", (), document)


def _tester(location: tuple[Node, ...], parameters: Mapping[str, Any], fail: Any) -> Tester:
    tests: list[tuple[Sequence[Node], str]] = []
    for test in parameters.get("pathTests") or []:
        sub_path = str(test.get("subPath") or "")
        try:
            tests.append((parse_location(sub_path), str(test.get("condition") or "")))
        except LocationError as error:
            raise fail(f"problem parsing sub path `{sub_path}`: {error}", "spec", "parameters", "pathTests") from None
    if any(condition not in CONDITIONS for _, condition in tests):
        raise fail("pathTests condition must be MustExist or MustNotExist", "spec", "parameters", "pathTests")
    try:
        return Tester.build(location, tests)
    except LocationError as error:
        raise fail(str(error), "spec", "parameters", "pathTests") from None


def _apply_to(entries: Sequence[Any], kind: str, name: str, fail: Any) -> tuple[_ApplyTo, ...]:
    if not entries:
        raise fail(f"applyTo required for {kind} mutator {name}", "spec")
    result: list[_ApplyTo] = []
    for index, entry in enumerate(entries):
        groups, versions, kinds = (tuple(entry.get(key) or ()) for key in ("groups", "versions", "kinds"))
        if not groups or not versions or not kinds:
            raise fail(
                f"invalid applyTo for {kind} mutator {name}, all of group, version and kind must be specified",
                "spec",
                "applyTo",
                index,
            )
        operations = tuple(entry.get("operations") or ())
        if len(set(operations)) != len(operations) or ("*" in operations and len(operations) > 1):
            raise fail(f"invalid applyTo for {kind} mutator {name}: applyTo[{index}].operations", "spec", "applyTo")
        result.append(_ApplyTo(groups, versions, kinds, operations))
    return tuple(result)


def json_equal(left: JSON, right: JSON) -> bool:
    """Equality of decoded JSON as Go compares it: 1 is not 1.0 and true is not 1."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(json_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _same_key(element: JSON, key: str | int | None) -> bool:
    return key is not None and json_equal(element, key)


def _go_type(value: JSON) -> str:
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "<nil>"


class _Setter:
    keyed_lists = True

    def set(self, obj: dict[str, JSON], key: str) -> None:
        raise NotImplementedError

    def keyed_value(self) -> dict[str, JSON]:
        raise NotImplementedError


class _ValueSetter(_Setter):
    def __init__(self, value: JSON) -> None:
        self.value = value

    def set(self, obj: dict[str, JSON], key: str) -> None:
        obj[key] = copy.deepcopy(self.value)

    def keyed_value(self) -> dict[str, JSON]:
        if not isinstance(self.value, dict):
            raise MutationFailure(f"assign.value for keyed list is not an object: {self.value}")
        return copy.deepcopy(self.value)


class _SetSetter(_Setter):
    keyed_lists = False

    def __init__(self, operation: str, values: Sequence[JSON]) -> None:
        self.operation = operation
        self.values = values

    def set(self, obj: dict[str, JSON], key: str) -> None:
        if key not in obj:
            if self.operation == "merge":
                obj[key] = copy.deepcopy(list(self.values))
            return
        current = obj[key]
        if not isinstance(current, list):
            raise MutationFailure(f"{current} is not a list of values, cannot treat it as a set")
        if self.operation == "merge":
            added = [v for v in self.values if not any(json_equal(v, existing) for existing in current)]
            obj[key] = current + copy.deepcopy(added)
        else:
            obj[key] = [e for e in current if not any(json_equal(v, e) for v in self.values)]


class _Walker:
    """`core.Mutate`: follow the location through `obj`, creating what is missing, and set the value at its end."""

    def __init__(self, location: tuple[Node, ...], tester: Tester, setter: _Setter) -> None:
        self.location = location
        self.tester = tester
        self.setter = setter
        self.last = len(location) - 1

    def walk(self, current: JSON, depth: int) -> tuple[bool, JSON]:
        node = self.location[depth]
        if isinstance(node, Field):
            return self._field(current, node, depth)
        return self._list(current, node, depth)

    def _field(self, current: JSON, node: Field, depth: int) -> tuple[bool, JSON]:
        if not isinstance(current, dict):
            raise MutationFailure(
                f"mismatch between path entry (type: object) and received object (type: {_go_type(current)}) "
                f"at {render(self.location[: depth + 1])}"
            )
        exists = node.name in current
        if not (self.tester.exists_okay(depth) if exists else self.tester.missing_okay(depth)):
            return False, None
        if depth == self.last:
            self.setter.set(current, node.name)
            return True, current
        following = current[node.name] if exists else self._missing(depth)
        mutated, following = self.walk(following, depth + 1)
        if mutated:
            current[node.name] = following
        return mutated, current

    def _list(self, current: JSON, node: Key, depth: int) -> tuple[bool, JSON]:
        if not isinstance(current, list):
            raise MutationFailure(
                f"mismatch between path entry (type: List) and received object (type: {_go_type(current)}) "
                f"at {render(self.location[: depth + 1])}"
            )
        items = list(current)
        if depth == self.last:
            if not self.setter.keyed_lists:
                raise MutationFailure("mutator does not understand keyed lists")
            return self._set_element(items, node, depth)
        if node.glob and not self.tester.exists_okay(depth):
            return False, None
        mutated = found = False
        for item in items:
            if node.glob:
                changed, _ = self.walk(item, depth + 1)
            elif isinstance(item, dict) and node.field in item and _same_key(item[node.field], node.value):
                if not self.tester.exists_okay(depth):
                    return False, None
                changed, _ = self.walk(item, depth + 1)
            else:
                continue
            mutated = mutated or changed
            found = True
        if not node.glob and not found:
            if not self.tester.missing_okay(depth):
                return False, None
            item = self._missing(depth)
            items.append(item)
            changed, _ = self.walk(item, depth + 1)
            mutated = mutated or changed
        return mutated, items

    def _set_element(self, items: list[JSON], node: Key, depth: int) -> tuple[bool, JSON]:
        if node.glob:
            raise MutationFailure("last path entry can not be globbed")
        value = self.setter.keyed_value()
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise MutationFailure(f"cast error, unable to case {_go_type(item)} to map[string]interface{{}}")
            if node.field in item and _same_key(item[node.field], node.value):
                if not _same_key(value.get(node.field), node.value):
                    raise MutationFailure("key value of replaced object must not change")
                if not self.tester.exists_okay(depth):
                    return False, None
                items[index] = value
                return True, items
        if not self.tester.missing_okay(depth):
            return False, None
        return True, [*items, value]

    def _missing(self, depth: int) -> JSON:
        """The element to create where the location goes on but the object has nothing."""
        node, following = self.location[depth], self.location[depth + 1]
        created: dict[str, JSON] | list[JSON] = {} if isinstance(following, Field) else []
        if isinstance(node, Key):
            if not isinstance(created, dict):
                raise MutationFailure("two consecutive list path entries not allowed")
            if node.value is None:
                raise MutationFailure("list entry has no key value")
            created[node.field] = node.value
        return created


def mutate(
    obj: Mapping[str, Any],
    namespace: Mapping[str, Any] | None,
    mutators: Sequence[Mutator],
    *,
    source: str = "Original",
    operation: str = "CREATE",
) -> dict[str, JSON]:
    """The object after Gatekeeper's mutation system (a copy; `obj` itself is unchanged).

    `operation` is the admission operation ("" for an object expansion generates). Raises MutationFailure.
    """
    current: dict[str, JSON] = copy.deepcopy(dict(obj))
    ordered = sorted(mutators, key=lambda m: m.sort_key)
    for _ in range(len(ordered) + 1):
        before = copy.deepcopy(current)
        applied = False
        for mutator in ordered:
            if mutator.schema_conflict:
                continue  # still counted in the passes allowed, as Gatekeeper counts it
            try:
                if not mutator.applies(current, namespace, source, operation):
                    continue
                applied = mutator.apply(current) or applied
            except MatchError as error:
                raise MutationFailure(f"matching for mutator {mutator.kind} {mutator.name} failed: {error}") from None
            except MutationFailure as error:
                raise MutationFailure(f"mutator {mutator.kind} {mutator.name} failed: {error}") from None
        if not applied or json_equal(before, current):
            return current
    group, _, kind = group_version_kind(current)
    raise MutationFailure(
        f"mutation not converging for {group} {kind} {meta(current, 'namespace')} {meta(current, 'name')}"
    )
