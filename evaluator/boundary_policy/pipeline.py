"""`eval` end to end: load -> policy set -> review (match, engine) -> findings, with optional worker processes.

It does no I/O of its own beyond reading the inputs: warnings come back in the result and progress goes to
the caller's callback (the command decides what the terminal shows).
"""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from boundary_policy.authoring.catalog import CatalogError, bundled_catalog
from boundary_policy.bundle import BundleNotFoundError
from boundary_policy.bundle import sync_files as bundle_sync_files
from boundary_policy.engine import Engine, open_engine
from boundary_policy.engine.memory import ENV as MEMORY_SETTING
from boundary_policy.engine.memory import share_among
from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.findings import note_finding, to_findings
from boundary_policy.gatekeeper.client import Client, Stopped
from boundary_policy.gatekeeper.constraints import is_constraint
from boundary_policy.gatekeeper.policy_files import (
    PolicyDocuments,
    PolicyFilesError,
    describe_problems,
    load_policy_documents,
    split_policy_documents,
)
from boundary_policy.gatekeeper.policy_set import PolicySet, build_policy_set
from boundary_policy.gatekeeper.sync import GVK, cluster_kinds, declared_sync, inventory_objects, sync_needs
from boundary_policy.inventory import inventory_problems, missing_nodes_warning
from boundary_policy.k8s import group_version_kind
from boundary_policy.loading import (
    STDIN,
    AliasBudget,
    Deferred,
    LoadLimits,
    LoadResult,
    Skip,
    load_inventory,
    load_paths,
    read_deferred,
)
from boundary_policy.loading.prescan import WORKLOAD_KINDS, workload_documents
from boundary_policy.loading.sources import Source
from boundary_policy.model import Document, Finding, LoadProblem, RuleInfo
from boundary_policy.recognition import Recognition, merge, recognise, side_query
from boundary_policy.scope import crd_scopes, with_default_namespace
from boundary_policy.workers import WorkerDied, advance, job_count, run_chunks

__all__ = ["EvalOptions", "EvalResult", "PipelineError", "Progress", "load_policies", "run_eval"]

Progress = Callable[[str], None]
"""Told what the run is doing now (e.g. to update a spinner); the run is over when `run_eval` returns."""


class PipelineError(BoundaryPolicyError):
    """The run cannot complete (exit 2): unreadable inventory, broken templates or constraints."""


@dataclass(frozen=True)
class EvalOptions:
    paths: Sequence[str]
    inventory: Sequence[str] = ()
    constraints: Sequence[str] = ()
    templates: Sequence[str] = ()
    jobs: int = 1
    engine_name: str | None = None
    opa_bin: str | None = None
    opa_url: str | None = None
    skip: Skip | None = None
    """What the manifest walk passes over: --exclude globs and Helm charts (selection.PathFilter)."""
    read_cluster: Callable[[Sequence[GVK]], Sequence[Document]] | None = None
    """Reads inventory objects of these kinds from a cluster (--inventory kube:, kube/inventory.py), beside those
    from files; called once the policy set is known, with the kinds its templates and SyncSets need."""
    exclude: Sequence[str] = ()
    """Files not to read from the manifest directories (this run's own report)."""
    namespace: str = "default"
    """Where a namespaced object that names no namespace goes, as `kubectl apply [--namespace]` puts it."""
    max_file_bytes: int = LoadLimits().max_file_bytes
    """The largest file read (manifests and inventory); --max-file-size."""


@dataclass
class EvalResult:
    findings: list[Finding]
    resources: int
    files: int
    rules: Mapping[str, RuleInfo]
    paths: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Distinct, in the order first seen: for the caller to show (e.g. a template with CEL code)."""
    policy_objects: dict[str, int] = field(default_factory=dict)
    """Policy objects found among the manifests and used as `kubectl apply` would install them, by kind
    (every Constraint counts as "Constraint")."""
    recognition: Recognition | None = None
    """The workloads recognised as running Boundary, and why (recognition.py)."""
    errors: list[str] = field(default_factory=list)
    """What failed without stopping the run (an evaluation the engine stopped): the report is still written,
    and the command exits 2 with one line each."""


def load_policies(
    templates: Sequence[str], constraints: Sequence[str], from_manifests: PolicyDocuments | None = None
) -> tuple[PolicySet, list[LoadProblem]]:
    """The bundled policy set with the user's templates and Constraints (then the policy objects among the
    manifests), and what Gatekeeper would refuse."""
    try:
        documents = load_policy_documents(templates, constraints, from_manifests)
    except PolicyFilesError as error:
        raise PipelineError(str(error)) from None
    return build_policy_set(documents.templates, documents.constraints, documents.expansions, documents.mutators)


def _policy_kinds(found: PolicyDocuments) -> dict[str, int]:
    counts = Counter("Constraint" if is_constraint(d.obj) else str(d.obj.get("kind")) for d in found.all())
    return dict(sorted(counts.items()))


def _catalog_rules() -> dict[str, RuleInfo]:
    try:
        return {info.id: info for info in bundled_catalog().infos()}
    except (CatalogError, BundleNotFoundError):
        return {}


_Reviewed = tuple[list[Finding], list[LoadProblem], list[str], list[Stopped], Recognition | None]
"""Findings on the objects, problems of the policy set that stop the run, warnings, stopped evaluations, and the
workloads recognised as running Boundary."""


def _review(
    engine: Engine,
    policies: PolicySet,
    manifests: Sequence[Document],
    data: Sequence[Any],
    manifest_files: frozenset[str],
    counted: Callable[[int, int], None] | None = None,
) -> _Reviewed:
    """`counted(evaluations done, of total)` is told how far the review is. Recognition is asked along with the
    templates, and only what they did not answer is evaluated after."""
    side = side_query(policies)
    evaluation = Client(engine, policies, progress=counted, side=side).review(manifests, data)
    # A template among the manifests that cannot run is a finding there, like any broken manifest.
    fatal = [p for p in evaluation.problems if p.file not in manifest_files]
    in_manifests = [p for p in evaluation.problems if p.file in manifest_files]
    findings = to_findings(evaluation.violations, [*in_manifests, *evaluation.object_problems])
    recognition = None if fatal else recognise(engine, policies, manifests, data, side)
    return findings, fatal, evaluation.warnings, evaluation.stopped, recognition


def _ignore(_: str) -> None:
    pass


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


class _Counted:
    """Resources done of all, and the rate, shown a few times a second at most."""

    def __init__(self, progress: Progress, resources: int) -> None:
        self.progress = progress
        self.resources = resources
        self.start = self.shown = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        """The client's (evaluations done, total), as resources."""
        self.show(self.resources * done // total if total else self.resources)

    def show(self, finished: int) -> None:
        now = time.monotonic()
        if now - self.shown < 0.2 and finished < self.resources:
            return
        self.shown = now
        rate = finished / (now - self.start) if now > self.start else 0.0
        self.progress(f"evaluated {finished:,} of {_plural(self.resources, 'resource')} ({rate:,.0f}/s)")


class _Advancing:
    """In a worker: the client's (evaluations done, total) over its chunk, added to the workers' shared count as
    resources (workers.advance), so the parent can show the run's count."""

    def __init__(self, resources: int) -> None:
        self.resources = resources
        self.reported = 0

    def __call__(self, done: int, total: int) -> None:
        finished = self.resources * done // total if total else self.resources
        advance(finished - self.reported)
        self.reported = finished


def _declared_sync(options: EvalOptions, manifests: Sequence[Document]) -> list[GVK]:
    """The kinds the SyncSets and Gatekeeper Config replicate: the bundle's, those among the user's --templates/
    --constraints files, and those among the manifests (which `kubectl apply -f` would install)."""
    bundled = load_paths([str(path) for path in bundle_sync_files()])
    # Standard input was read for the policy set already; what it held is not seen here.
    paths = [path for path in (*options.templates, *options.constraints) if path != "-"]
    user = load_paths(paths).documents if paths else []
    objects = [d.obj for d in (*bundled.documents, *user, *manifests)]
    return declared_sync(objects)


def _untold_warning(template: str) -> str:
    return (
        f"template {template} reads data.inventory without saying which kinds (no "
        "metadata.gatekeeper.sh/requires-sync-data, refs that name no kind): --inventory kube: read only the "
        "kinds the other templates and the SyncSets name; annotate it, or pass a SyncSet with --templates"
    )


def _limits(options: EvalOptions) -> LoadLimits:
    return LoadLimits(max_file_bytes=options.max_file_bytes)


def _stdin_places(options: EvalOptions) -> list[str]:
    """The options given standard input ('-')."""
    return [
        name
        for name, paths in (
            ("PATHS", options.paths),
            ("--inventory", options.inventory),
            ("--templates", options.templates),
            ("--constraints", options.constraints),
        )
        if "-" in paths
    ]


def _stdin_once(options: EvalOptions) -> None:
    """Standard input can be read once: '-' in two places would leave the second one empty."""
    places = _stdin_places(options)
    if len(places) > 1:
        raise PipelineError(f"standard input ('-') can be read only once, and is given to {' and '.join(places)}")


def run_eval(
    options: EvalOptions, engine: Engine, *, stdin: BinaryIO | None = None, progress: Progress = _ignore
) -> EvalResult:
    progress("loading manifests and inventory…")
    _stdin_once(options)
    if options.read_cluster is not None:
        options = replace(options, read_cluster=_read_once(options.read_cluster))
    with _rare_full_collections():
        inventory = LoadResult([], [], 0)
        if options.inventory:
            inventory = load_inventory(list(options.inventory), stdin=stdin, limits=_limits(options))
        # A second reading (_AliasOrder) cannot read standard input again: with it anywhere, no file is deferred.
        defer = _workload_file if _may_use_workers(options) and not _stdin_places(options) else None
        budget = AliasBudget(_limits(options).max_alias_expansion_per_run)
        manifests = _load_manifests(options, stdin, defer, budget)
        try:
            with _kept_out_of_collections():
                return _evaluate_loaded(options, engine, inventory, manifests, progress, budget)
        except _AliasOrder:
            pass
        del manifests  # the first reading goes before the second comes
        progress("YAML aliases spent more than the run allows: reading the manifests again in one process…")
        budget = AliasBudget(_limits(options).max_alias_expansion_per_run)
        manifests = _load_manifests(options, stdin, None, budget)
        with _kept_out_of_collections():
            return _evaluate_loaded(options, engine, inventory, manifests, progress, budget)


def _read_once(read: Callable[[Sequence[GVK]], Sequence[Document]]) -> Callable[[Sequence[GVK]], Sequence[Document]]:
    """The cluster read once per run: a second reading of the manifests (_AliasOrder) asks for the same kinds
    and gets the same objects, without asking the cluster (or saying so on stderr) again."""
    done: dict[tuple[GVK, ...], Sequence[Document]] = {}

    def once(kinds: Sequence[GVK]) -> Sequence[Document]:
        key = tuple(kinds)
        if key not in done:
            done[key] = read(kinds)
        return done[key]

    return once


def _load_manifests(
    options: EvalOptions, stdin: BinaryIO | None, defer: Callable[[Source], int | None] | None, budget: AliasBudget
) -> LoadResult:
    return load_paths(
        list(options.paths),
        stdin=stdin,
        limits=_limits(options),
        exclude=options.exclude,
        skip=options.skip,
        defer=defer,
        budget=budget,
    )


class _AliasOrder(Exception):
    """The deferred files' aliases spent more of the run's budget than the other files had left. One process,
    reading every file in input order, would then refuse some document's aliases, and not necessarily the same one:
    the manifests are read again without deferring any file, as one process reads them."""


def _spent_past(left: int, spent: int) -> bool:
    """Whether spending `spent` when `left` was left refuses aliases that would not be refused anyway."""
    return left - spent < min(left, 0)


DEFER_AT_MOST = 500
"""Documents in a file that a worker may read (parse) itself; a larger file is read first and split up."""


def _may_use_workers(options: EvalOptions) -> bool:
    return not options.opa_url and job_count(options.jobs, sys.maxsize) > 1


def _workload_file(source: Source) -> int | None:
    """The documents of a file that plainly holds workloads only (loading/prescan.py), to be read by the worker
    that reviews them: with --jobs, most of the parsing then runs in the workers rather than before them."""
    if source.file == STDIN or not source.file.lower().endswith((".yaml", ".yml")):
        return None
    documents = workload_documents(source.text)
    return documents if documents and documents <= DEFER_AT_MOST else None


def _workers_may_read(policies: PolicySet) -> bool:
    """Whether deferred files may stay unread until the workers review them: when no template syncs a workload
    kind, nothing the parent builds (the policy set, data.inventory, CRD scopes) comes from them."""
    needed: set[GVK] = set()
    for template in policies.templates.values():
        needs = sync_needs(template)
        if needs is None:
            return False  # every object goes to data.inventory
        needed |= needs
    return not _WORKLOAD_GVKS & needed


_WORKLOAD_GVKS = frozenset(group_version_kind({"apiVersion": api, "kind": kind}) for api, kind in WORKLOAD_KINDS)


def _checked_workloads(documents: list[Document]) -> list[Document]:
    """Documents read from deferred files, which can only be workloads (anything else would have been missed by
    what the parent built from the other files): a mistake of the prescan stops the run instead."""
    for document in documents:
        if group_version_kind(document.obj) not in _WORKLOAD_GVKS:
            raise PipelineError(
                f"internal error: {document.file}:{document.line} was taken for workloads only but holds a "
                f"{document.obj.get('kind')}; run with --jobs 1"
            )
    return documents


def _read_here(manifests: LoadResult, limits: LoadLimits, budget: AliasBudget) -> LoadResult:
    """The load with its deferred files read in this process, each file's documents where they were found."""
    documents = list(manifests.documents)
    problems = list(manifests.problems)
    left = budget.left
    reads = [read_deferred([item], limits, budget) for item in manifests.deferred]
    if _spent_past(left, left - budget.left):
        raise _AliasOrder
    for item, read in reversed(list(zip(manifests.deferred, reads, strict=True))):  # the earlier positions hold
        documents[item.at : item.at] = _checked_workloads(read.documents)
    problems += [problem for read in reads for problem in read.problems]
    return replace(manifests, documents=documents, problems=problems, deferred=[])


def _in_load_order(
    manifests: LoadResult, others: list[Document], reviewed: list[Document]
) -> list[Document | Deferred]:
    """The documents to review and the deferred files in input order, so that the workers' parts, joined, list
    warnings and stopped evaluations as one process does. `others` are the documents that are not policy
    objects, in order, and `reviewed` the same given their namespace."""
    as_reviewed = {id(other): document for other, document in zip(others, reviewed, strict=True)}
    units: list[Document | Deferred] = []
    waiting = list(reversed(manifests.deferred))
    for index, document in enumerate(manifests.documents):
        while waiting and waiting[-1].at == index:
            units.append(waiting.pop())
        if id(document) in as_reviewed:
            units.append(as_reviewed[id(document)])
    units.extend(reversed(waiting))
    return units


@dataclass(frozen=True)
class _WorkerReads:
    """What the workers read of the deferred files: the parent never holds those documents."""

    problems: list[LoadProblem] = field(default_factory=list)
    documents: int = 0
    files: frozenset[str] = frozenset()
    """The files that held documents."""
    alias_nodes: int = 0
    """What their aliases added, all workers together."""


FULL_COLLECTIONS_AFTER = 100
"""Collections of the younger generations between two full ones during a run (CPython's default: 10)."""


@contextlib.contextmanager
def _rare_full_collections() -> Iterator[None]:
    """A run allocates millions of objects that live until it ends (the documents) or are freed by their reference
    counts (the reviews, the engine's replies), and hardly any cycles: a full collection, which walks every live
    object, finds next to nothing, so it runs a tenth as often while the block lasts."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], max(thresholds[2], FULL_COLLECTIONS_AFTER))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@contextlib.contextmanager
def _kept_out_of_collections() -> Iterator[None]:
    """What exists now (the loaded documents above all) is left out of the garbage collector's collections until
    the block ends: it lives for the whole run and holds no cycles, and a full collection would otherwise walk its
    millions of objects again. Forked workers inherit the frozen objects untouched (no copy-on-write from the
    collector)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _evaluate_loaded(
    options: EvalOptions,
    engine: Engine,
    inventory: LoadResult,
    manifests: LoadResult,
    progress: Progress,
    budget: AliasBudget,
) -> EvalResult:
    """run_eval once the inputs are loaded: the policy set, the review, the findings."""
    # Templates, Constraints, ExpansionTemplates and mutators among the manifests are what `kubectl apply -f`
    # would install: they join the policy set instead of being reviewed.
    found, documents = split_policy_documents(manifests.documents)
    policies, policy_problems = load_policies(options.templates, options.constraints, found)
    deferred = manifests.deferred
    pending = sum(item.documents for item in deferred)
    # One OPA server holds one policy at a time: workers sharing it would replace each other's.
    jobs = 1 if options.opa_url else job_count(options.jobs, len(documents) + pending)
    if deferred and (jobs <= 1 or not _workers_may_read(policies)):
        manifests = _read_here(manifests, _limits(options), budget)
        _, documents = split_policy_documents(manifests.documents)  # the same policy documents: none were deferred
        deferred, pending = [], 0
    others = documents
    untold: list[str] = []
    if options.read_cluster is not None:
        wanted = cluster_kinds(policies.templates.values(), _declared_sync(options, manifests.documents))
        inventory = replace(inventory, documents=[*inventory.documents, *options.read_cluster(wanted.kinds)])
        untold = [_untold_warning(name) for name in wanted.untold]
    broken = inventory.problems + inventory_problems(inventory.documents, inventory.sources)
    if broken:
        raise PipelineError("the inventory cannot be used:\n" + describe_problems(broken))
    no_nodes = missing_nodes_warning(inventory.documents, options.inventory)
    scopes = crd_scopes(d.obj for d in (*inventory.documents, *manifests.documents))
    documents = with_default_namespace(documents, options.namespace, scopes)
    manifest_files = frozenset(d.file for d in manifests.documents) | {item.source.file for item in deferred}
    # data.inventory holds the inventory and manifest objects of the kinds the cluster would sync for these
    # templates (gatekeeper/sync.py), not every manifest as under gator test: that is memory and compile time.
    data = inventory_objects(policies.templates.values(), [d.obj for d in (*inventory.documents, *documents)])
    resources = len(documents) + pending
    progress(f"evaluating {_plural(resources, 'resource')} with {_plural(len(policies.templates), 'template')}…")
    reads = _WorkerReads()
    if jobs <= 1:
        counted = _Counted(progress, resources)
        findings, fatal, warnings, stopped, recognition = _review(
            engine, policies, documents, data, manifest_files, counted
        )
    else:
        units = _in_load_order(manifests, others, documents)
        work = _Work(policies, units, data, manifest_files, scopes, budget)
        (findings, fatal, warnings, stopped, recognition), reads = _review_parallel(
            options, work, jobs, _Counted(progress, resources)
        )
        if _spent_past(budget.left, reads.alias_nodes):
            raise _AliasOrder
    findings += to_findings([], [p for p in policy_problems if p.file in manifest_files])
    fatal = [p for p in policy_problems if p.file not in manifest_files] + fatal
    if fatal:
        raise PipelineError("templates or constraints cannot run:\n" + describe_problems(fatal))
    findings += to_findings([], [*manifests.problems, *reads.problems])
    findings += [note_finding(note) for note in manifests.notes]
    if not manifests.documents and not manifests.deferred and not manifests.problems:
        findings += to_findings([], [LoadProblem(", ".join(options.paths), None, "no Kubernetes objects found")])
    return EvalResult(
        findings=sorted(findings, key=Finding.sort_key),
        resources=len(documents) + reads.documents,
        files=manifests.files,
        rules=_catalog_rules(),
        paths=sorted(
            {d.file for d in manifests.documents}
            | {p.file for p in (*manifests.problems, *reads.problems)}
            | reads.files
        ),
        warnings=list(dict.fromkeys([*([no_nodes] if no_nodes else []), *untold, *warnings])),
        policy_objects=_policy_kinds(found),
        recognition=recognition,
        errors=_stopped_lines(stopped),
    )


def _stopped_lines(stopped: Sequence[Stopped]) -> list[str]:
    """One line per template whose evaluations the engine stopped, naming the first resource."""
    by_template: dict[str, list[Stopped]] = {}
    for entry in stopped:
        by_template.setdefault(entry.template, []).append(entry)
    lines = []
    for template, entries in by_template.items():
        first = entries[0]
        more = f" and {_plural(len(entries) - 1, 'other resource')}" if len(entries) > 1 else ""
        lines.append(f'template "{template}" on {first.resource}{more}: {first.reason} ({MEMORY_SETTING} sets it)')
    return lines


@dataclass(frozen=True)
class _Work:
    """What the workers of --jobs share (inherited through the fork): the documents read in the parent and the
    files left for them to read, and everything needed to review both."""

    policies: PolicySet
    units: list[Document | Deferred]
    data: list[Any]
    manifest_files: frozenset[str]
    scopes: Mapping[tuple[str, str], bool]
    budget: AliasBudget


def _review_parallel(options: EvalOptions, work: _Work, jobs: int, counted: _Counted) -> tuple[_Reviewed, _WorkerReads]:
    """Split the work across forked workers; each reads its deferred files, opens its own engine (Go does not
    survive a fork) and adds the resources it has done to a shared count, which `counted` shows."""

    def review_chunk(chunk: tuple[int, int]) -> tuple[_Reviewed, _WorkerReads]:
        units = work.units[chunk[0] : chunk[1]]
        # Each chunk may spend all that is left; the parent adds up what they spent (_AliasOrder).
        share = AliasBudget(work.budget.limit)
        share.left = work.budget.left
        read = read_deferred([u for u in units if isinstance(u, Deferred)], _limits(options), share)
        read_documents = _checked_workloads(read.documents)
        documents = [u for u in units if isinstance(u, Document)]
        documents += with_default_namespace(read_documents, options.namespace, work.scopes)
        engine = open_engine(options.engine_name, opa_bin=options.opa_bin, opa_url=options.opa_url)
        advancing = _Advancing(len(documents))
        try:
            reviewed = _review(engine, work.policies, documents, work.data, work.manifest_files, advancing)
        finally:
            engine.close()
        files = frozenset(d.file for d in read_documents)
        return reviewed, _WorkerReads(read.problems, len(read_documents), files, work.budget.left - share.left)

    weights = [1 if isinstance(unit, Document) else max(unit.documents, 1) for unit in work.units]
    share_among(jobs)  # the workers' engines share the run's memory bound (they inherit this when they fork)
    try:
        parts = run_chunks(review_chunk, len(work.units), jobs, counted.show, weights=weights)
    except WorkerDied as error:
        raise PipelineError(str(error)) from None
    finally:
        share_among(1)
    reviewed = [part[0] for part in parts]
    findings = [f for part in reviewed for f in part[0]]
    fatal = list(dict.fromkeys(p for part in reviewed for p in part[1]))
    warnings = [w for part in reviewed for w in part[2]]
    stopped = [s for part in reviewed for s in part[3]]
    reads = _WorkerReads(
        [p for part in parts for p in part[1].problems],
        sum(part[1].documents for part in parts),
        frozenset().union(*(part[1].files for part in parts)),
        sum(part[1].alias_nodes for part in parts),
    )
    return (findings, fatal, warnings, stopped, merge([part[4] for part in reviewed])), reads
