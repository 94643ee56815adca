"""Where the policy set is read from: the bundled gatekeeper/ folder, overridden by the user's files.

A user template replaces the bundled one of the same kind; a user Constraint the bundled one of the same
kind and name; a user ExpansionTemplate the bundled one of the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from boundary_policy import bundle
from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.gatekeeper.policy_set import split_documents
from boundary_policy.k8s import meta
from boundary_policy.loading import load_paths
from boundary_policy.model import Document, LoadProblem

__all__ = ["PolicyDocuments", "PolicyFilesError", "describe_problems", "load_policy_documents"]

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


def describe_problems(problems: Sequence[LoadProblem]) -> str:
    """One indented `file:line: message` line per problem."""
    return "\n".join(f"  {p.file}:{p.line}: {p.message}" if p.line else f"  {p.file}: {p.message}" for p in problems)


def _template_kind(document: Document) -> tuple[str, ...]:
    return (str(((document.obj.get("spec") or {}).get("crd") or {}).get("spec", {}).get("names", {}).get("kind")),)


def _last_wins(documents: list[Document], key: Callable[[Document], tuple[str, ...]]) -> list[Document]:
    chosen: dict[tuple[str, ...], Document] = {}
    for document in documents:
        chosen[key(document)] = document
    return list(chosen.values())


def load_policy_documents(templates: Sequence[str], constraints: Sequence[str]) -> PolicyDocuments:
    """The bundled templates, Constraints and ExpansionTemplates, with the user's added or replacing them."""
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
    found_templates, found_constraints, found_expansions, others = split_documents(loaded)
    others = [d for d in others if d.obj.get("kind") not in IGNORED_KINDS]
    if not found_templates or not found_constraints:
        raise PolicyFilesError(
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
        raise PolicyFilesError("unexpected objects among templates/constraints:\n" + describe_problems(strays))
    return PolicyDocuments(
        templates=_last_wins(found_templates, _template_kind),
        constraints=_last_wins(found_constraints, lambda d: (str(d.obj.get("kind")), meta(d.obj, "name"))),
        expansions=_last_wins(found_expansions, lambda d: (meta(d.obj, "name"),)),
    )
