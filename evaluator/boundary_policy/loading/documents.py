"""One file's text -> Kubernetes objects (Documents) and the problems of the parts that are not."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from boundary_policy.loading.compose import Composer, PythonComposer
from boundary_policy.loading.convert import AliasBudget, ConversionError, convert, line_of
from boundary_policy.loading.scalars import NULL
from boundary_policy.loading.streams import kubectl_text
from boundary_policy.model import JSON, Document, JSONPath, LoadProblem

__all__ = ["PrefixedLines", "read_documents"]


class PrefixedLines(Mapping[JSONPath, int]):
    """The line index of an item of a List, as a view into the List's index: no copy per item."""

    __slots__ = ("_lines", "_prefix")

    def __init__(self, lines: Mapping[JSONPath, int], prefix: JSONPath) -> None:
        self._lines = lines
        self._prefix = prefix

    def __getitem__(self, path: JSONPath) -> int:
        return self._lines[self._prefix + path]

    def __iter__(self) -> Iterator[JSONPath]:
        size = len(self._prefix)
        return (path[size:] for path in self._lines if path[:size] == self._prefix and len(path) > size)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def read_documents(
    file: str,
    text: str,
    *,
    max_documents: int,
    max_alias_expansion: int,
    composer_class: type[Any] = Composer,
    budget: AliasBudget | None = None,
) -> Iterator[Document | LoadProblem]:
    """Every object of a YAML or JSON stream, in order; a syntax error ends the file, other problems one document."""
    text = kubectl_text(text)
    # Aliases need an anchor ('&'): a text without one is converted without watching for them.
    may_alias = "&" in text
    count = 0
    composer = None
    try:
        while True:
            try:
                composer = composer or composer_class(text)  # the pure-Python reader checks characters here
                if not composer.check_node():
                    return
                node = composer.get_node()
            except yaml.MarkedYAMLError as error:
                yield _syntax_problem(file, error)
                return
            except yaml.reader.ReaderError as error:
                yield _reader_problem(file, text, error, counts_bytes=composer_class is not PythonComposer)
                return
            except yaml.YAMLError as error:
                yield LoadProblem(file, None, f"{_invalid(file)}: {error}")
                return
            count += 1
            if count > max_documents:
                yield LoadProblem(
                    file, line_of(node), f"more than {max_documents} documents in one file; the rest is not read"
                )
                return
            yield from _document_objects(file, node, may_alias, max_alias_expansion, budget)
    finally:
        if composer is not None:
            composer.dispose()


def _invalid(file: str) -> str:
    return "invalid JSON" if file.lower().endswith(".json") else "invalid YAML"


def _syntax_problem(file: str, error: yaml.MarkedYAMLError) -> LoadProblem:
    mark = error.problem_mark or error.context_mark
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    context = f" {error.context}" if error.context else ""
    problem = error.problem or "syntax error"
    line = mark.line + 1 if mark is not None else None
    return LoadProblem(file, line, f"{_invalid(file)}: {problem}{context}{where}")


def _reader_problem(file: str, text: str, error: yaml.reader.ReaderError, *, counts_bytes: bool) -> LoadProblem:
    """Characters YAML forbids (control characters); the error only knows the position."""
    # libyaml counts bytes of the UTF-8 text, the pure-Python reader counts characters.
    before = text.encode()[: error.position].decode(errors="replace") if counts_bytes else text[: error.position]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    character = error.character if isinstance(error.character, str) else chr(error.character)
    return LoadProblem(
        file,
        line,
        f"{_invalid(file)}: control character U+{ord(character):04X} is not allowed (line {line}, column {column})",
    )


def _document_objects(
    file: str, node: Node, may_alias: bool, max_alias_expansion: int, budget: AliasBudget | None = None
) -> Iterator[Document | LoadProblem]:
    if isinstance(node, ScalarNode) and node.tag == NULL:
        return  # an empty document, e.g. between two '---'
    if not isinstance(node, MappingNode):
        yield LoadProblem(file, line_of(node), f"document is {_describe(node)}, not a Kubernetes object (a mapping)")
        return
    try:
        converted = convert(node, may_alias=may_alias, max_alias_expansion=max_alias_expansion, budget=budget)
    except ConversionError as error:
        yield LoadProblem(file, error.line, error.message)
        return
    for line, message in converted.warnings:
        yield LoadProblem(file, line, message)
    assert isinstance(converted.value, dict)
    yield from _objects(file, converted.value, converted.lines, (), line_of(node))


def _describe(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    text = str(node.value)
    return f"the value '{text[:40]}…'" if len(text) > 40 else f"the value '{text}'"


def _objects(
    file: str, obj: dict[str, JSON], lines: dict[JSONPath, int], prefix: JSONPath, line: int
) -> Iterator[Document | LoadProblem]:
    """The object itself, or the items of a List (`kind: List`, or a typed list such as NodeList)."""
    missing = [name for name in ("apiVersion", "kind") if name not in obj]
    if missing:
        yield LoadProblem(file, line, f"not a Kubernetes object: no {' and no '.join(missing)}")
        return
    for name in ("apiVersion", "kind"):
        if not isinstance(obj[name], str) or not obj[name]:
            yield LoadProblem(file, lines.get((*prefix, name), line), f"{name} must be a non-empty string")
            return
    kind: str = obj["kind"]
    items = obj.get("items")
    if kind == "List" or (kind.endswith("List") and isinstance(items, list)):
        if items is None:
            return
        if not isinstance(items, list):
            yield LoadProblem(file, lines.get((*prefix, "items"), line), f"the items of a {kind} must be a list")
            return
        # Items of a typed list read from the API (GET /api/v1/nodes) carry no apiVersion and kind.
        implied = {"apiVersion": obj["apiVersion"], "kind": kind[: -len("List")]} if kind != "List" else {}
        for index, item in enumerate(items):
            item_prefix = (*prefix, "items", index)
            item_line = lines.get(item_prefix, line)
            if not isinstance(item, dict):
                yield LoadProblem(file, item_line, f"item {index} of the {kind} is not an object")
                continue
            if implied and not ("apiVersion" in item and "kind" in item):
                item = {**implied, **item}
            yield from _objects(file, item, lines, item_prefix, item_line)
        return
    yield Document(obj, file, line, PrefixedLines(lines, prefix) if prefix else lines)
