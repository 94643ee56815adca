"""`eval` end to end: load -> review/match/engine (gatekeeper) -> findings, with optional worker processes."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from boundary_policy import bundle
from boundary_policy.catalog import CatalogError, bundled_catalog
from boundary_policy.engine import Engine, open_engine
from boundary_policy.findings import to_findings
from boundary_policy.gatekeeper import Client, split_documents
from boundary_policy.loading import LoadResult, load_inventory, load_paths
from boundary_policy.model import Document, Finding, LoadProblem, RuleInfo


class PipelineError(Exception):
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
    progress: bool = False


@dataclass
class EvalResult:
    findings: list[Finding]
    resources: int
    files: int
    rules: Mapping[str, RuleInfo]
    paths: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PolicySet:
    templates: list[Document]
    constraints: list[Document]
    expansions: list[Document]


def _describe(problems: Sequence[LoadProblem]) -> str:
    return "\n".join(f"  {p.file}:{p.line}: {p.message}" if p.line else f"  {p.file}: {p.message}" for p in problems)


def _key(document: Document) -> tuple[str, str]:
    metadata = document.obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return str(document.obj.get("kind")), str(name)


def load_policies(templates: Sequence[str], constraints: Sequence[str]) -> PolicySet:
    """Bundled templates, constraints and expansion templates, with the user's added or replacing them.

    A user template replaces the bundled one of the same kind; a user constraint the bundled one of the
    same kind and name; a user ExpansionTemplate the bundled one of the same name.
    """
    gatekeeper = bundle.gatekeeper_dir()
    bundled = [
        str(p)
        for p in (
            *bundle.template_files(gatekeeper),
            *bundle.expansion_files(gatekeeper),
            *bundle.constraint_files(gatekeeper),
        )
    ]
    loaded: list[Document] = []
    for paths in (bundled, list(templates), list(constraints)):
        if not paths:
            continue
        result = load_paths(paths)
        if result.problems:
            raise PipelineError("cannot read templates or constraints:\n" + _describe(result.problems))
        loaded += result.documents
    found_templates, found_constraints, found_expansions, others = split_documents(loaded)
    # Sync configuration only matters in a cluster (data.inventory comes from --inventory here), so the
    # output of `kubectl kustomize` on a gatekeeper/ overlay can be passed as it is.
    others = [d for d in others if d.obj.get("kind") not in ("SyncSet", "Config")]
    if not found_templates or not found_constraints:
        raise PipelineError(
            f"no ConstraintTemplates or Constraints found (bundle: {gatekeeper}); "
            "run `boundary-policy generate` in a checkout, or pass --templates/--constraints"
        )
    if others:
        strays = [
            LoadProblem(
                d.file, d.line, f"{d.obj.get('kind')} is not a ConstraintTemplate, Constraint or ExpansionTemplate"
            )
            for d in others
        ]
        raise PipelineError("unexpected objects among templates/constraints:\n" + _describe(strays))

    def last_wins(documents: list[Document], key: Callable[[Document], tuple[str, ...]]) -> list[Document]:
        chosen: dict[tuple[str, ...], Document] = {}
        for document in documents:
            chosen[key(document)] = document
        return list(chosen.values())

    template_kind: Callable[[Document], tuple[str, ...]] = lambda d: (  # noqa: E731
        str(((d.obj.get("spec") or {}).get("crd") or {}).get("spec", {}).get("names", {}).get("kind")),
    )
    return PolicySet(
        templates=last_wins(found_templates, template_kind),
        constraints=last_wins(found_constraints, _key),
        expansions=last_wins(found_expansions, lambda d: (_key(d)[1],)),
    )


def _catalog_rules() -> dict[str, RuleInfo]:
    try:
        return {info.id: info for info in bundled_catalog().infos()}
    except (CatalogError, bundle.BundleNotFoundError):
        return {}


# Worker state, set before the pool forks (the engine is opened inside each worker, after the fork).
_WORK: dict[str, Any] = {}


def _review_chunk(chunk: tuple[int, int]) -> tuple[list[Finding], list[LoadProblem], list[str]]:
    options: EvalOptions = _WORK["options"]
    engine = open_engine(options.engine_name, opa_bin=options.opa_bin, opa_url=options.opa_url)
    try:
        return _review(engine, _WORK["policies"], _WORK["manifests"][chunk[0] : chunk[1]], _WORK["data"])
    finally:
        engine.close()


def _review(
    engine: Engine, policies: PolicySet, manifests: Sequence[Document], data: Sequence[Any]
) -> tuple[list[Finding], list[LoadProblem], list[str]]:
    client = Client(engine, policies.templates, policies.constraints, policies.expansions)
    evaluation = client.review(manifests, data)
    policy_files = {d.file for d in (*policies.templates, *policies.constraints, *policies.expansions)}
    fatal = [p for p in evaluation.problems if p.file in policy_files]
    object_problems = [p for p in evaluation.problems if p.file not in policy_files]
    return to_findings(evaluation.violations, object_problems), fatal, evaluation.warnings


def _status(enabled: bool, message: str) -> AbstractContextManager[Any]:
    if not enabled:
        return nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(message)


def run_eval(options: EvalOptions, engine: Engine, *, stdin: BinaryIO | None = None) -> EvalResult:
    with _status(options.progress, "loading manifests and inventory…"):
        inventory = load_inventory(list(options.inventory), stdin=stdin) if options.inventory else LoadResult([], [], 0)
        if inventory.problems:
            raise PipelineError("the inventory cannot be used:\n" + _describe(inventory.problems))
        manifests = load_paths(list(options.paths), stdin=stdin)
        policies = load_policies(options.templates, options.constraints)
    # As gator test does (and a synced cluster would), every manifest object is also in data.inventory.
    data = [d.obj for d in (*inventory.documents, *manifests.documents)]
    documents = manifests.documents
    jobs = min(options.jobs, max(1, len(documents) // 50))
    message = f"evaluating {len(documents)} resources with {len(policies.templates)} templates…"
    with _status(options.progress, message):
        if jobs <= 1:
            findings, fatal, warnings = _review(engine, policies, documents, data)
        else:
            findings, fatal, warnings = _review_parallel(options, policies, documents, data, jobs)
    if fatal:
        raise PipelineError("templates or constraints cannot run:\n" + _describe(fatal))
    for warning in dict.fromkeys(warnings):
        print(f"boundary-policy: warning: {warning}", file=sys.stderr)
    findings += to_findings([], manifests.problems)
    if not documents and not manifests.problems:
        findings += to_findings([], [LoadProblem(", ".join(options.paths), None, "no Kubernetes objects found")])
    return EvalResult(
        findings=sorted(findings, key=Finding.sort_key),
        resources=len(documents),
        files=manifests.files,
        rules=_catalog_rules(),
        paths=sorted({d.file for d in documents} | {p.file for p in manifests.problems}),
        warnings=list(dict.fromkeys(warnings)),
    )


def _review_parallel(
    options: EvalOptions, policies: PolicySet, documents: list[Document], data: list[Any], jobs: int
) -> tuple[list[Finding], list[LoadProblem], list[str]]:
    """Split the documents across forked workers; each opens its own engine (Go does not survive a fork)."""
    _WORK.update(options=options, policies=policies, manifests=documents, data=data)
    size = -(-len(documents) // jobs)
    chunks = [(start, min(start + size, len(documents))) for start in range(0, len(documents), size)]
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_review_chunk, chunks)
    finally:
        _WORK.clear()
    findings = [f for part in parts for f in part[0]]
    fatal = list(dict.fromkeys(p for part in parts for p in part[1]))
    warnings = [w for part in parts for w in part[2]]
    return findings, fatal, warnings


__all__ = ["EvalOptions", "EvalResult", "PipelineError", "load_policies", "run_eval"]
