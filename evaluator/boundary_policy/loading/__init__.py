"""Stage 1 of `boundary-policy eval`: paths and stdin -> Kubernetes objects with the line of every field.

Objects get the values Gatekeeper sees (go-yaml v2 via sigs.k8s.io/yaml, see scalars.py). Anything that
cannot be read is a LoadProblem with the file and, where known, the line; nothing escapes as an exception
and one bad file or document never hides the others.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from boundary_policy.loading.convert import AliasBudget
from boundary_policy.loading.documents import read_documents
from boundary_policy.loading.sources import MANIFEST_SUFFIXES, STDIN, Skip, Source, Unreadable, iter_sources
from boundary_policy.loading.terraform import (
    TERRAFORM_JSON_MESSAGE,
    TERRAFORM_JSON_SUFFIX,
    TERRAFORM_SUFFIX,
    read_terraform,
)
from boundary_policy.model import Document, LoadNote, LoadProblem

__all__ = [
    "MANIFEST_SUFFIXES",
    "STDIN",
    "AliasBudget",
    "Deferred",
    "LoadLimits",
    "LoadResult",
    "Skip",
    "load_inventory",
    "load_paths",
    "read_deferred",
]


@dataclass(frozen=True)
class LoadLimits:
    """Bounds that keep a hostile or accidental input from exhausting time or memory."""

    max_file_bytes: int = 16 * 2**20
    max_documents_per_file: int = 10_000
    max_alias_expansion: int = 100_000
    """Nodes that YAML aliases may add to one document once expanded (stops "billion laughs" bombs)."""
    max_alias_expansion_per_run: int = 1_000_000
    """The same for all the documents of one load together (many small bombs are one big one)."""


@dataclass(frozen=True)
class Deferred:
    """A file found and read from disk but not parsed yet, left to whoever reviews it (`defer` of load_paths)."""

    source: Source
    documents: int
    """How many documents it holds, as the `defer` test counted them."""
    at: int = 0
    """How many documents of the load come before it: where its own go, in input order."""


@dataclass(frozen=True)
class LoadResult:
    documents: list[Document]
    problems: list[LoadProblem]
    files: int
    """Files found (and standard input), whether or not they could be read or held objects."""
    notes: list[LoadNote] = field(default_factory=list)
    """Not problems, but worth a finding: e.g. a Terraform value unknown offline (loading/terraform.py)."""
    sources: list[str] = field(default_factory=list)
    """Display paths of the files (and standard input) that were read, in order."""
    deferred: list[Deferred] = field(default_factory=list)
    """Files `defer` took, counted in `files` and `sources`: their documents and problems are not in this result."""


def load_paths(
    paths: Sequence[str],
    *,
    stdin: BinaryIO | None = None,
    limits: LoadLimits = LoadLimits(),
    cwd: Path | None = None,
    exclude: Collection[str] = (),
    skip: Skip | None = None,
    defer: Callable[[Source], int | None] | None = None,
    budget: AliasBudget | None = None,
) -> LoadResult:
    """Load manifests from files, directories (recursive: .yaml, .yml, .json) and '-' (standard input);
    files in `exclude` are skipped, and what `skip` passes over (--exclude globs, Helm charts). A file for which
    `defer` gives a number of documents is not parsed but listed in `deferred` (read_deferred reads it later).
    `budget` is what YAML aliases may still add, when this load shares it with another."""
    documents: list[Document] = []
    problems: list[LoadProblem] = []
    notes: list[LoadNote] = []
    sources: list[str] = []
    deferred: list[Deferred] = []
    files = 0
    budget = budget or AliasBudget(limits.max_alias_expansion_per_run)
    for item in _load(paths, stdin, limits, cwd or Path.cwd(), exclude, skip, defer, budget):
        if isinstance(item, Document):
            documents.append(item)
        elif isinstance(item, LoadProblem):
            problems.append(item)
        elif isinstance(item, LoadNote):
            notes.append(item)
        elif isinstance(item, Deferred):
            deferred.append(replace(item, at=len(documents)))
        else:
            files += 1
            if isinstance(item, Source):
                sources.append(item.file)
    return LoadResult(documents, problems, files, notes, sources, deferred)


def read_deferred(deferred: Sequence[Deferred], limits: LoadLimits, budget: AliasBudget) -> LoadResult:
    """The documents and problems of files load_paths deferred (already counted there as files)."""
    documents: list[Document] = []
    problems: list[LoadProblem] = []
    for item in deferred:
        for read in _read(item.source, limits, budget):
            if isinstance(read, Document):
                documents.append(read)
            else:
                problems.append(read)
    return LoadResult(documents, problems, 0)


def load_inventory(
    paths: Sequence[str],
    *,
    stdin: BinaryIO | None = None,
    limits: LoadLimits = LoadLimits(),
    cwd: Path | None = None,
) -> LoadResult:
    """Load cluster objects the manifests do not show (Nodes, Namespaces, NodePools, ...), e.g. the output of
    `kubectl get nodes -o json`. Inventory objects are keyed by name, so each needs metadata.name."""
    result = load_paths(paths, stdin=stdin, limits=limits, cwd=cwd)
    documents: list[Document] = []
    problems = list(result.problems)
    for document in result.documents:
        metadata = document.obj.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if isinstance(name, str) and name:
            documents.append(document)
        else:
            problems.append(
                LoadProblem(
                    document.file,
                    document.line_of(("metadata", "name")),
                    f"inventory {document.obj['kind']} has no metadata.name",
                )
            )
    return LoadResult(documents, problems, result.files, result.notes, result.sources)


def _load(
    paths: Sequence[str],
    stdin: BinaryIO | None,
    limits: LoadLimits,
    cwd: Path,
    exclude: Collection[str],
    skip: Skip | None,
    defer: Callable[[Source], int | None] | None,
    budget: AliasBudget,
) -> Iterator[object]:
    """Documents and problems in input order, plus one marker (Source or Unreadable) per file found, and a
    Deferred after the marker of each file `defer` takes.

    Terraform files are read last, together per directory (a directory is one Terraform module)."""
    terraform: list[tuple[str, str]] = []
    sources = iter_sources(paths, stdin=stdin, max_bytes=limits.max_file_bytes, cwd=cwd, exclude=exclude, skip=skip)
    for source in sources:
        if isinstance(source, (LoadProblem, LoadNote)):
            yield source
            continue
        if isinstance(source, Source) and source.hidden:
            # A hidden file counts only when it holds Kubernetes objects (.pre-commit-config.yaml does not).
            items = list(_read(source, limits, budget))
            if any(isinstance(item, Document) for item in items):
                yield source
                yield from items
            continue
        yield source
        if isinstance(source, Unreadable):
            yield source.problem
        elif source.file.lower().endswith(TERRAFORM_SUFFIX):
            terraform.append((source.file, source.text))
        elif source.file.lower().endswith(TERRAFORM_JSON_SUFFIX):
            yield LoadProblem(source.file, None, TERRAFORM_JSON_MESSAGE)
        elif defer is not None and (documents := defer(source)) is not None:
            yield Deferred(source, documents)
        else:
            yield from _read(source, limits, budget)
    if terraform:
        yield from read_terraform(terraform)  # a reader bug ends its own module only, as a LoadProblem


def _read(source: Source, limits: LoadLimits, budget: AliasBudget) -> Iterator[Document | LoadProblem]:
    try:
        yield from read_documents(
            source.file,
            source.text,
            max_documents=limits.max_documents_per_file,
            max_alias_expansion=limits.max_alias_expansion,
            budget=budget,
        )
    except Exception as error:  # a loader bug must still not end the run or hide the other files
        yield LoadProblem(source.file, None, f"internal error while reading this file: {type(error).__name__}: {error}")
