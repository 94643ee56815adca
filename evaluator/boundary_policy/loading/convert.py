"""Composed YAML nodes -> the JSON object Kubernetes tools see, with the line of every field.

The nodes come from PyYAML's composer (libyaml when available). Converting them here, rather than with
PyYAML's constructor, gives go-yaml v2 semantics (see scalars.py), merge keys as go-yaml v2 applies them,
duplicate-key detection, and the line index, all in one walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from sys import intern

from yaml.nodes import MappingNode, Node, ScalarNode

from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.loading.scalars import MERGE, STR, ScalarError, key_string, scalar_json
from boundary_policy.model import JSON, JSONPath

__all__ = ["AliasBudget", "ConversionError", "Converted", "convert", "expanded_size", "line_of"]


class ConversionError(BoundaryPolicyError):
    """A document that cannot become a Kubernetes object; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_PATHS: dict[JSONPath, JSONPath] = {}
PATHS_SHARED_AT_MOST = 1 << 16
"""Distinct field paths kept for sharing, at most (then it starts again): a hostile input with endless distinct
keys cannot grow it, and paths deeper than PATH_SHARED_DEPTH are never kept."""
PATH_SHARED_DEPTH = 16


def _shared(path: JSONPath) -> JSONPath:
    """One tuple for a field path met again: the documents of a repository repeat the same few hundred paths, and
    each document's line index holds one per field (with the keys interned, a loaded workload of the bench corpus
    takes 6 KB instead of 10)."""
    found = _PATHS.get(path)
    if found is not None:
        return found
    if len(path) <= PATH_SHARED_DEPTH:
        if len(_PATHS) >= PATHS_SHARED_AT_MOST:
            _PATHS.clear()  # start again: the paths of the documents to come matter, not those of a huge one
        _PATHS[path] = path
    return path


class AliasBudget:
    """Nodes YAML aliases may still add, shared by every document of a run: one small file of many documents,
    each just under the per-document limit, must not add up to gigabytes."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, nodes: int, line: int) -> None:
        self.left -= nodes
        if self.left < 0:
            raise ConversionError(
                line,
                f"YAML aliases expand the documents read so far by more than {self.limit} nodes in all; "
                "this document's aliases are refused (an alias bomb?)",
            )


@dataclass
class Converted:
    value: JSON
    lines: dict[JSONPath, int]
    warnings: list[tuple[int, str]] = field(default_factory=list)
    """(line, message) of recoverable problems: duplicate keys, where the last value wins as in go-yaml."""


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def expanded_size(node: Node, sizes: dict[int, int], active: set[int]) -> int:
    """Nodes under `node` once its aliases are written out; memoized, so linear in the text; rejects cycles."""
    node_id = id(node)
    known = sizes.get(node_id)
    if known is not None:
        return known
    if isinstance(node, ScalarNode):
        return 1
    if node_id in active:
        raise ConversionError(line_of(node), "YAML anchor refers to itself (a recursive alias cannot be JSON)")
    active.add(node_id)
    children = [child for pair in node.value for child in pair] if isinstance(node, MappingNode) else node.value
    total = 1 + sum(expanded_size(child, sizes, active) for child in children)
    active.discard(node_id)
    sizes[node_id] = total
    return total


def convert(
    root: Node, *, may_alias: bool = True, max_alias_expansion: int = 100_000, budget: AliasBudget | None = None
) -> Converted:
    """Convert one document's root node; raises ConversionError for what go-yaml or JSON would reject.

    `may_alias=False` (the text has no anchor) skips watching for shared nodes; `budget` bounds what aliases
    add across documents, beside the per-document `max_alias_expansion`.
    """
    converter = _Converter(root, max_alias_expansion if may_alias else None, budget)
    try:
        value = converter.value(root, ())
    except RecursionError:
        raise ConversionError(line_of(root), "document is nested too deeply") from None
    return Converted(value, converter.lines, converter.warnings)


class _Converter:
    __slots__ = ("added", "budget", "lines", "max_alias_expansion", "root", "seen", "sizes", "warnings")

    def __init__(self, root: Node, max_alias_expansion: int | None, budget: AliasBudget | None = None) -> None:
        self.budget = budget
        self.lines: dict[JSONPath, int] = {}
        self.warnings: list[tuple[int, str]] = []
        self.root = root
        self.max_alias_expansion = max_alias_expansion or 0
        # Collections converted so far: meeting one again means an alias. Aliases are shared nodes after
        # composing, so a few lines can stand for billions of nodes ("billion laughs"); each alias is measured
        # before it is expanded. Aliased scalars cost one node and are not tracked.
        self.seen: set[int] | None = set() if max_alias_expansion is not None else None
        self.sizes: dict[int, int] = {}
        self.added = 0

    def aliased(self, node: Node) -> bool:
        assert self.seen is not None
        if id(node) in self.seen:
            return True
        self.seen.add(id(node))
        return False

    def expand(self, node: Node, path: JSONPath) -> JSON:
        """Convert a collection met again through an alias, once its size is known to be within the limit."""
        size = expanded_size(node, self.sizes, set())
        self.added += size
        if self.added > self.max_alias_expansion:
            raise ConversionError(
                line_of(self.root),
                f"YAML aliases expand this document by more than {self.max_alias_expansion} nodes (an alias bomb?)",
            )
        if self.budget is not None:
            self.budget.spend(size, line_of(self.root))
        seen, self.seen = self.seen, None  # the nodes inside were seen and are counted already
        try:
            return self.value(node, path)
        finally:
            self.seen = seen

    def value(self, node: Node, path: JSONPath) -> JSON:
        kind = node.__class__
        if kind is ScalarNode:
            if node.tag == STR:
                return node.value
            try:
                return scalar_json(node.tag, node.value)
            except ScalarError as error:
                raise ConversionError(line_of(node), str(error)) from None
        if self.seen is not None and self.aliased(node):
            return self.expand(node, path)
        if kind is MappingNode:
            return self.mapping(node, path)
        lines = self.lines
        items = []
        for index, item in enumerate(node.value):
            item_path = _shared((*path, index))
            lines[item_path] = item.start_mark.line + 1
            items.append(self.value(item, item_path))
        return items

    def mapping(self, node: Node, path: JSONPath) -> dict[str, JSON]:
        lines = self.lines
        result: dict[str, JSON] = {}
        explicit: set[str] | None = None  # keys written in this mapping, once a merge has added others
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode and key_node.tag == STR:
                key = key_node.value
            elif key_node.__class__ is ScalarNode and key_node.tag == MERGE:
                if explicit is None:
                    explicit = set(result)
                self.merge(value_node, result, path)
                continue
            else:
                key = self.key(key_node)
            key = intern(key)
            if key in (result if explicit is None else explicit):
                self.duplicate(node, key_node, key)
            if explicit is not None:
                explicit.add(key)
            key_path = _shared((*path, key))
            lines[key_path] = key_node.start_mark.line + 1
            result[key] = self.value(value_node, key_path)
        return result

    def merge(self, node: Node, result: dict[str, JSON], path: JSONPath) -> None:
        """`<<: *base` as go-yaml v2 does it: applied where it stands, so it overrides keys written before it;
        in a list of maps the earlier maps win."""
        sources = [node] if isinstance(node, MappingNode) else list(reversed(node.value))
        if isinstance(node, ScalarNode) or not all(isinstance(source, MappingNode) for source in sources):
            raise ConversionError(line_of(node), "a merge key '<<' needs a mapping or a list of mappings")
        for source in sources:
            merged = self.value(source, path)
            assert isinstance(merged, dict)
            result.update(merged)

    def key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            kind = "mapping" if isinstance(node, MappingNode) else "list"
            raise ConversionError(line_of(node), f"a {kind} cannot be a mapping key in a Kubernetes object")
        try:
            return key_string(node.tag, node.value)
        except ScalarError as error:
            raise ConversionError(line_of(node), str(error)) from None

    def duplicate(self, mapping: Node, key_node: Node, key: str) -> None:
        first = next(
            line_of(other)
            for other, _ in mapping.value
            if isinstance(other, ScalarNode) and other.tag != MERGE and self.key(other) == key
        )
        read_as = "" if key_node.value == key else f"read as '{key}', "
        self.warnings.append((line_of(key_node), f"duplicate key '{key_node.value}' ({read_as}first at line {first})"))
