"""Where the policy set is read from: the bundled gatekeeper/ folder, overridden by the user's files.

A user template replaces the bundled one of the same kind; a user Constraint the bundled one of the same
kind and name; a user ExpansionTemplate (or mutator) the bundled one of the same name. Policy objects found
among the manifests come last, as `kubectl apply -f` of the manifests would install them over the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from boundary_policy import bundle
from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.gatekeeper.mutators import is_mutator
from boundary_policy.gatekeeper.policy_set import split_documents
from boundary_policy.k8s import meta
from boundary_policy.loading import load_paths
from boundary_policy.model import Document, LoadProblem

__all__ = [
    "PolicyDocuments",
    "PolicyFilesError",
    "describe_problems",
    "load_policy_documents",
    "split_policy_documents",
]

IGNORED_KINDS = ("SyncSet", "Config")
"""Sync configuration only matters in a cluster (data.inventory comes from --inventory offline), so the output
of `kubectl kustomize` on a gatekeeper/ overlay can be passed as it is."""


class PolicyFilesError(BoundaryPolicyError):
    """The templates or Constraints cannot be read, or hold objects that are neither."""


@dataclass(frozen=True)
class PolicyDocuments:
    templates: list[Document]
    constraints: list[Document]
    expansions: list[Document]
    mutators: list[Document] = field(default_factory=list)

    def all(self) -> list[Document]:
        return [*self.templates, *self.constraints, *self.expansions, *self.mutators]


def split_policy_documents(documents: list[Document]) -> tuple[PolicyDocuments, list[Document]]:
    """The policy objects among `documents`, and the other objects."""
    templates, constraints, expansions, others = split_documents(documents)
    mutators = [d for d in others if is_mutator(d.obj)]
    others = [d for d in others if not is_mutator(d.obj)]
    return PolicyDocuments(templates, constraints, expansions, mutators), others


def describe_problems(problems: Sequence[LoadProblem]) -> str:
    """One indented `file:line: message` line per problem."""
    return "\n".join(f"  {p.file}:{p.line}: {p.message}" if p.line else f"  {p.file}: {p.message}" for p in problems)


def _template_kind(document: Document) -> tuple[str, ...]:
    value: object = document.obj
    for key in ("spec", "crd", "spec", "names", "kind"):
        value = value.get(key) if isinstance(value, dict) else None
    return (str(value),)


def _last_wins(documents: list[Document], key: Callable[[Document], tuple[str, ...]]) -> list[Document]:
    chosen: dict[tuple[str, ...], Document] = {}
    for document in documents:
        chosen[key(document)] = document
    return list(chosen.values())


def load_policy_documents(
    templates: Sequence[str], constraints: Sequence[str], from_manifests: PolicyDocuments | None = None
) -> PolicyDocuments:
    """The bundled templates, Constraints and ExpansionTemplates, with the user's added or replacing them, then
    the policy objects found among the manifests."""
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
            raise PolicyFilesError("cannot read templates or constraints:\n" + describe_problems(result.problems))
        loaded += result.documents
    if from_manifests is not None:
        loaded += from_manifests.all()
    found, others = split_policy_documents(loaded)
    others = [d for d in others if d.obj.get("kind") not in IGNORED_KINDS]
    if not found.templates or not found.constraints:
        raise PolicyFilesError(
            f"no ConstraintTemplates or Constraints found (bundle: {gatekeeper}); "
            "run `boundary-policy generate` in a checkout, or pass --templates/--constraints"
        )
    if others:
        strays = [
            LoadProblem(
                d.file,
                d.line,
                f"{d.obj.get('kind')} is not a ConstraintTemplate, Constraint, ExpansionTemplate or mutator",
            )
            for d in others
        ]
        raise PolicyFilesError("unexpected objects among templates/constraints:\n" + describe_problems(strays))
    return PolicyDocuments(
        templates=_last_wins(found.templates, _template_kind),
        constraints=_last_wins(found.constraints, lambda d: (str(d.obj.get("kind")), meta(d.obj, "name"))),
        expansions=_last_wins(found.expansions, lambda d: (meta(d.obj, "name"),)),
        mutators=_last_wins(found.mutators, lambda d: (str(d.obj.get("kind")), meta(d.obj, "name"))),
    )
