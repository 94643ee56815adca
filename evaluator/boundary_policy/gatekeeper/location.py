"""A mutator's `location` (`spec.containers[name: *].securityContext`) and its `pathTests`, as Gatekeeper reads them.

Gatekeeper's path grammar (`pkg/mutation/path/token`, `.../parser`): fields separated by '.', a field is an
identifier (letters, digits, '_', '-') or a quoted string, and a field may be followed by one list selector
`[key: value]`, `[key: *]` (every element) or `[key: 123]`. The tester (`.../path/tester`) says, per depth of
the location, whether the node there may already exist or may be missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from boundary_policy.errors import BoundaryPolicyError

__all__ = ["CONDITIONS", "Field", "Key", "LocationError", "Node", "Tester", "parse_location", "render"]

CONDITIONS = ("MustExist", "MustNotExist")


class LocationError(BoundaryPolicyError):
    """A location or pathTest Gatekeeper refuses."""


@dataclass(frozen=True)
class Field:
    """An object field."""

    name: str


@dataclass(frozen=True)
class Key:
    """A list selector: the elements whose `field` equals `value` (or every element for a glob)."""

    field: str
    value: str | int | None
    glob: bool = False


Node = Field | Key


def _is_ident(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "_-")


def _tokens(text: str) -> list[tuple[str, str]]:
    """(type, literal) tokens; the scanner's ERROR token ends the list."""
    tokens: list[tuple[str, str]] = []
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at >= len(text):
            tokens.append(("EOF", ""))
            return tokens
        char = text[at]
        if char.isascii() and char.isdigit():
            end = at
            while end < len(text) and text[end].isascii() and text[end].isdigit():
                end += 1
            tokens.append(("INT", text[at:end]))
            at = end
        elif _is_ident(char):
            end = at
            while end < len(text) and _is_ident(text[end]):
                end += 1
            tokens.append(("IDENT", text[at:end]))
            at = end
        elif char in "\"'":
            out: list[str] = []
            at += 1
            while at < len(text) and text[at] != char:
                if text[at] == "\\":
                    at += 1
                    if at >= len(text):
                        break
                out.append(text[at])
                at += 1
            if at >= len(text):
                raise LocationError(f"error at position {len(text)}: unterminated string")
            tokens.append(("IDENT", "".join(out)))
            at += 1
        elif char in ".[]*:":
            tokens.append(({".": "SEPARATOR", "[": "LBRACKET", "]": "RBRACKET", "*": "GLOB", ":": "COLON"}[char], char))
            at += 1
        else:
            tokens.append(("ERROR", char))
            tokens.append(("EOF", ""))
            return tokens


def parse_location(text: str) -> tuple[Node, ...]:
    """The nodes of a location; raises LocationError with Gatekeeper's reason."""
    tokens = _tokens(text)
    position = 0

    def peek() -> tuple[str, str]:
        return tokens[min(position + 1, len(tokens) - 1)]

    nodes: list[Node] = []
    while tokens[position][0] == "IDENT":
        nodes.append(Field(tokens[position][1]))
        if peek()[0] == "LBRACKET":
            position += 1
            nodes.append(_list_node(tokens, position))
            position += 4  # at the RBRACKET
        following = peek()
        if following[0] == "SEPARATOR":
            position += 1
            if peek()[0] == "EOF":
                raise LocationError("trailing separators are forbidden")
            position += 1
        elif following[0] == "EOF":
            position += 1
        else:
            raise _unexpected("'.' or eof", following)
    if tokens[position][0] != "EOF":
        raise _unexpected("field name or eof", tokens[position])
    return tuple(nodes)


def _unexpected(expected: str, got: tuple[str, str]) -> LocationError:
    return LocationError(f'unexpected token: expected {expected}, got: {got[0]}: "{got[1]}"')


def _list_node(tokens: list[tuple[str, str]], at: int) -> Key:
    """`[key: value]` starting at the LBRACKET token `at`."""

    def token(offset: int) -> tuple[str, str]:
        return tokens[min(at + offset, len(tokens) - 1)]

    if token(1)[0] != "IDENT":
        raise _unexpected("keyField in listSpec", token(1))
    key = token(1)[1]
    if token(2)[0] != "COLON":
        raise _unexpected(f"':' following keyField {key}", token(2))
    kind, literal = token(3)
    if kind == "GLOB":
        node = Key(key, None, glob=True)
    elif kind == "IDENT":
        node = Key(key, literal)
    elif kind == "INT":
        value = int(literal)
        if value >= 2**63:
            raise LocationError(f"overflow in integer string: {literal}: parsing key value for key: {key}")
        node = Key(key, value)
    else:
        raise _unexpected("key value or glob in listSpec", token(3))
    if token(4)[0] != "RBRACKET":
        raise _unexpected("']' following listSpec", token(4))
    return node


def render(nodes: Sequence[Node]) -> str:
    """The location as Gatekeeper prints it."""
    out = ""
    for index, node in enumerate(nodes):
        if isinstance(node, Field):
            out += ("." if index else "") + node.name
        elif node.glob:
            out += f"[{node.field}: *]"
        else:
            out += f"[{node.field}: {node.value}]"
    return out


@dataclass(frozen=True)
class Tester:
    """pathTests by depth of the location: whether the node there may exist, or may be missing."""

    conditions: Mapping[int, str]

    @classmethod
    def build(cls, location: Sequence[Node], tests: Sequence[tuple[Sequence[Node], str]]) -> Tester:
        """As `tester.New`: every subPath a prefix of the location, no depth both MustExist and MustNotExist."""
        conditions: dict[int, str] = {}
        highest_must, lowest_must_not = 0, 2**31 - 1
        for index, (sub_path, condition) in enumerate(tests):
            if tuple(sub_path) != tuple(location[: len(sub_path)]) or len(sub_path) > len(location):
                raise LocationError(
                    "all subpaths must be a prefix of the `location` value of the mutation: "
                    f'subpath "{render(sub_path)}" is not a prefix of location "{render(location)}"'
                )
            conditions[len(sub_path) - 1] = condition
            if condition == "MustNotExist" and index < lowest_must_not:
                lowest_must_not = index
            elif condition == "MustExist" and index > highest_must:
                highest_must = index
        for sub_path, condition in tests:
            if conditions[len(sub_path) - 1] != condition:
                raise LocationError(
                    f'conflicting path test conditions: path "{render(sub_path)}" is marked both MustExist and '
                    "MustNotExist"
                )
        if highest_must > lowest_must_not:
            raise LocationError(
                "conflicting path test conditions: a path is marked MustExist but a parent MustNotExist"
            )
        return cls(conditions)

    def exists_okay(self, depth: int) -> bool:
        return self.conditions.get(depth, "MustExist") == "MustExist"

    def missing_okay(self, depth: int) -> bool:
        return self.conditions.get(depth, "MustNotExist") == "MustNotExist"
