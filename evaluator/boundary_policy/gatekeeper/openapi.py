"""Validation of Constraint parameters against the template's openAPIV3Schema, as the API server does for a CRD.

Gatekeeper (frameworks `crds.ValidateCR`) refuses a Constraint whose parameters fail the schema with
`schema validation failed`; a gator Suite test with `invalid: true` expects exactly that. This covers the
keywords a structural schema uses: type, nullable, enum, properties, required, additionalProperties, items,
min/max (exclusive), length, pattern, item counts, uniqueItems, allOf/anyOf/oneOf/not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping

from boundary_policy.gatekeeper.goregex import GoRegexError, compile_go
from boundary_policy.model import JSON

__all__ = ["schema_errors", "unknown_fields"]

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def schema_errors(value: JSON, schema: Mapping[str, JSON] | None, path: str = "spec.parameters") -> list[str]:
    """Every way `value` fails `schema` (empty when it conforms or there is no schema)."""
    if not isinstance(schema, Mapping):
        return []
    return list(_errors(value, schema, path))


def _show(value: JSON) -> str:
    return json.dumps(value, sort_keys=True)


def _errors(value: JSON, schema: Mapping[str, JSON], path: str) -> Iterator[str]:
    if value is None:
        if not schema.get("nullable") and "type" in schema:
            yield f'{path}: Invalid value: "null": {path} in body must be of type {schema["type"]}: "null"'
        return
    kind = schema.get("type")
    check = _TYPES.get(kind) if isinstance(kind, str) else None
    if check is not None and not check(value):
        yield f"{path}: Invalid value: {_show(value)}: {path} in body must be of type {kind}"
        return
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        yield f"{path}: Unsupported value: {_show(value)}: supported values: {', '.join(map(_show, enum))}"
    if isinstance(value, dict):
        yield from _object_errors(value, schema, path)
    elif isinstance(value, list):
        yield from _array_errors(value, schema, path)
    elif isinstance(value, str):
        yield from _string_errors(value, schema, path)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield from _number_errors(value, schema, path)
    yield from _combinator_errors(value, schema, path)


def _object_errors(value: dict[str, JSON], schema: Mapping[str, JSON], path: str) -> Iterator[str]:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    for name in schema.get("required") or []:
        if name not in value:
            yield f"{path}.{name}: Required value"
    additional = schema.get("additionalProperties")
    for key, item in value.items():
        if key in properties and isinstance(properties[key], Mapping):
            yield from _errors(item, properties[key], f"{path}.{key}")
        elif isinstance(additional, Mapping):
            yield from _errors(item, additional, f"{path}.{key}")
        elif additional is False:
            yield f'{path}: Invalid value: "{key}": {path}.{key} in body is a forbidden property'
    for bound, compare, text in (("minProperties", int.__lt__, "at least"), ("maxProperties", int.__gt__, "at most")):
        limit = schema.get(bound)
        if isinstance(limit, int) and compare(len(value), limit):
            yield f"{path}: Invalid value: {len(value)}: {path} in body should have {text} {limit} properties"


def _array_errors(value: list[JSON], schema: Mapping[str, JSON], path: str) -> Iterator[str]:
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(value):
            yield from _errors(item, items, f"{path}[{index}]")
    for bound, compare, text in (("minItems", int.__lt__, "at least"), ("maxItems", int.__gt__, "at most")):
        limit = schema.get(bound)
        if isinstance(limit, int) and compare(len(value), limit):
            yield f"{path}: Invalid value: {len(value)}: {path} in body should have {text} {limit} items"
    if schema.get("uniqueItems") and len({_show(v) for v in value}) != len(value):
        yield f"{path}: Duplicate value: {path} in body shouldn't contain duplicates"


def _string_errors(value: str, schema: Mapping[str, JSON], path: str) -> Iterator[str]:
    length = len(value)
    for bound, compare, text in (("minLength", int.__lt__, "at least"), ("maxLength", int.__gt__, "at most")):
        limit = schema.get(bound)
        if isinstance(limit, int) and compare(length, limit):
            yield f"{path}: Invalid value: {_show(value)}: {path} in body should be {text} {limit} chars long"
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            compiled: re.Pattern[str] | None = compile_go(pattern)
        except GoRegexError:
            compiled = None  # the API server refuses such a CRD; the template check reports it
        if compiled is not None and not compiled.search(value):
            yield f"{path}: Invalid value: {_show(value)}: {path} in body should match '{pattern}'"


def _number_errors(value: float, schema: Mapping[str, JSON], path: str) -> Iterator[str]:
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    if isinstance(minimum, (int, float)):
        exclusive = bool(schema.get("exclusiveMinimum"))
        if value < minimum or (exclusive and value == minimum):
            relation = "greater than" if exclusive else "greater than or equal to"
            yield f"{path}: Invalid value: {_show(value)}: {path} in body should be {relation} {minimum}"
    if isinstance(maximum, (int, float)):
        exclusive = bool(schema.get("exclusiveMaximum"))
        if value > maximum or (exclusive and value == maximum):
            relation = "less than" if exclusive else "less than or equal to"
            yield f"{path}: Invalid value: {_show(value)}: {path} in body should be {relation} {maximum}"
    multiple = schema.get("multipleOf")
    if isinstance(multiple, (int, float)) and multiple and (value / multiple) % 1:
        yield f"{path}: Invalid value: {_show(value)}: {path} in body should be a multiple of {multiple}"


def _combinator_errors(value: JSON, schema: Mapping[str, JSON], path: str) -> Iterator[str]:
    for sub in schema.get("allOf") or []:
        if isinstance(sub, Mapping):
            yield from _errors(value, sub, path)
    any_of = [s for s in schema.get("anyOf") or [] if isinstance(s, Mapping)]
    if any_of and all(list(_errors(value, s, path)) for s in any_of):
        yield f"{path}: Invalid value: {_show(value)}: {path} in body must match at least one schema in anyOf"
    one_of = [s for s in schema.get("oneOf") or [] if isinstance(s, Mapping)]
    if one_of and sum(1 for s in one_of if not list(_errors(value, s, path))) != 1:
        yield f"{path}: Invalid value: {_show(value)}: {path} in body must match exactly one schema in oneOf"
    negated = schema.get("not")
    if isinstance(negated, Mapping) and not list(_errors(value, negated, path)):
        yield f"{path}: Invalid value: {_show(value)}: {path} in body must not match the schema in not"


def unknown_fields(value: JSON, schema: Mapping[str, JSON] | None, path: str = "spec.parameters") -> list[str]:
    """Fields structural pruning would drop (Gatekeeper refuses such a Constraint: `unknown fields`)."""
    if not isinstance(schema, Mapping):
        return [path] if value is not None else []
    return list(_unknown(value, schema, path))


def _unknown(value: JSON, schema: Mapping[str, JSON], path: str) -> Iterator[str]:
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            for index, item in enumerate(value):
                yield from _unknown(item, items, f"{path}[{index}]")
        return
    if not isinstance(value, dict):
        return
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    additional = schema.get("additionalProperties")
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    for key, item in value.items():
        if isinstance(properties.get(key), Mapping):
            yield from _unknown(item, properties[key], f"{path}.{key}")
        elif isinstance(additional, Mapping):
            yield from _unknown(item, additional, f"{path}.{key}")
        elif not preserve and additional is not True:
            yield f"{path}.{key}"
