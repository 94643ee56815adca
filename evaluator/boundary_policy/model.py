"""Plain data passed between the pipeline stages: load -> review -> match -> engine -> findings -> report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ENFORCEMENT_SEVERITY",
    "JSON",
    "SEVERITY_RANK",
    "Document",
    "Finding",
    "JSONPath",
    "LoadNote",
    "LoadProblem",
    "ResourceRef",
    "RuleInfo",
    "Severity",
    "compact_json",
]

JSON = Any
"""A JSON-compatible value: dict, list, str, int, float, bool or None. Kubernetes objects stay plain dicts."""

_COMPACT = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def compact_json(value: JSON) -> str:
    """JSON text without spaces, and without the check for circular references: a JSON tree from the loader has
    none, and unchecked its encoding takes a quarter less time."""
    return _COMPACT.encode(value)


JSONPath = tuple[str | int, ...]
"""A path into a document: mapping keys and sequence indexes, e.g. ("spec", "containers", 0, "image")."""

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: Mapping[str, int] = {"info": 0, "warning": 1, "error": 2}

ENFORCEMENT_SEVERITY: Mapping[str, Severity] = {"deny": "error", "warn": "warning", "dryrun": "info"}
"""Severity is the Constraint's enforcementAction: deny = error, warn = warning, dryrun = info."""


@dataclass(frozen=True)
class Document:
    """One Kubernetes object read from a file, with the line of every field it holds."""

    obj: dict[str, JSON]
    file: str
    """Display path: relative to the working directory, with '/'; '-' (or '<stdin>') for standard input."""
    line: int
    """1-based line where the document's mapping starts."""
    lines: Mapping[JSONPath, int] = field(default_factory=dict, compare=False, repr=False)
    """1-based line of each field (key of a mapping, item of a sequence), by its path in `obj`."""

    def line_of(self, path: JSONPath) -> int:
        """Line of `path`, or of its longest prefix that exists in the document."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return self.line


@dataclass(frozen=True)
class LoadProblem:
    """A file or document that could not be read as a Kubernetes object; reported as a finding."""

    file: str
    line: int | None
    message: str


@dataclass(frozen=True)
class LoadNote:
    """What a reader found worth telling that is not a broken input, e.g. a Terraform value unknown offline;
    reported as a finding of its own rule and severity."""

    file: str
    line: int | None
    rule: str
    severity: Severity
    message: str
    resource: ResourceRef | None = None
    container: str | None = None


@dataclass(frozen=True)
class ResourceRef:
    api_version: str
    kind: str
    namespace: str | None
    name: str


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    enforcement_action: str
    message: str
    constraint_kind: str | None
    constraint_name: str | None
    resource: ResourceRef | None
    container: str | None
    node: str | None
    file: str
    line: int | None

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line or 0, self.rule, self.message)


@dataclass(frozen=True)
class RuleInfo:
    """A rule's catalog entry, read from the METADATA block of its policy."""

    id: str
    title: str
    description: str
    severity: Severity
    fix: str
    related_resources: tuple[str, ...] = ()
    help_uri: str | None = None
