"""The policy set: templates, the Constraints that run at an enforcement point, and ExpansionTemplates.

`build_policy_set` is the one place documents become a policy set: each template, Constraint and
ExpansionTemplate is parsed and checked as Gatekeeper would check it when it is added, and what
Gatekeeper would refuse becomes a problem with its file and line instead of an entry in the set. Mutators in a
schema conflict stay in the set but are never applied, with a warning each (`mutation_schema`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from boundary_policy.gatekeeper.constraints import (
    GATOR_ENFORCEMENT_POINT,
    Constraint,
    ConstraintError,
    is_constraint,
    parse_constraint,
)
from boundary_policy.gatekeeper.expansion import (
    ExpansionError,
    ExpansionTemplate,
    is_expansion_template,
    parse_expansion_template,
)
from boundary_policy.gatekeeper.mutation_schema import conflict_warning, schema_conflicts
from boundary_policy.gatekeeper.mutators import Mutator, MutatorError, is_mutator, parse_mutator
from boundary_policy.gatekeeper.templates import Template, TemplateError, is_template, parse_template
from boundary_policy.gatekeeper.validation import parameter_errors
from boundary_policy.k8s import meta
from boundary_policy.model import Document, LoadProblem

__all__ = ["PolicySet", "build_policy_set", "is_policy_object", "split_documents"]


@dataclass(frozen=True)
class PolicySet:
    templates: Mapping[str, Template]
    """By the Constraint kind each defines."""
    constraints: Mapping[str, tuple[Constraint, ...]]
    """By kind; only those with an action at the enforcement point (a later one replaces one of the same name)."""
    expansions: tuple[ExpansionTemplate, ...]
    warnings: tuple[str, ...] = ()
    mutators: tuple[Mutator, ...] = ()
    """Assign, AssignMetadata and ModifySet, applied before validation as Gatekeeper's webhook applies them."""
    files: frozenset[str] = frozenset()
    """The files the set was read from: a problem there is the policy's, not a reviewed object's."""


def build_policy_set(
    templates: Iterable[Document | Template] = (),
    constraints: Iterable[Document] = (),
    expansion_templates: Iterable[Document] = (),
    mutators: Iterable[Document] = (),
    *,
    enforcement_point: str = GATOR_ENFORCEMENT_POINT,
) -> tuple[PolicySet, list[LoadProblem]]:
    """The policy set of these documents (a template may come already parsed) and what Gatekeeper would refuse."""
    problems: list[LoadProblem] = []
    files: set[str] = set()
    warnings: list[str] = []
    by_kind: dict[str, Template] = {}
    for item in templates:
        files.add(item.document.file if isinstance(item, Template) else item.file)
        try:
            template = item if isinstance(item, Template) else parse_template(item)
        except TemplateError as error:
            problems.append(LoadProblem(error.file, error.line, error.message))
            continue
        by_kind[template.kind] = template
        warnings.extend(template.warnings)
    runnable: dict[str, list[Constraint]] = {}
    for document in constraints:
        files.add(document.file)
        constraint, problem = _constraint(document, by_kind, enforcement_point)
        if problem is not None:
            problems.append(problem)
        if constraint is None or (constraint.enforcement_action == "scoped" and not constraint.scoped_actions):
            continue  # refused, or no action at this enforcement point: the Constraint does not run here
        same_kind = runnable.setdefault(constraint.kind, [])
        same_kind[:] = [c for c in same_kind if c.name != constraint.name] + [constraint]
    expansions: list[ExpansionTemplate] = []
    for document in expansion_templates:
        files.add(document.file)
        try:
            expansions.append(parse_expansion_template(document))
        except ExpansionError as error:
            problems.append(LoadProblem(error.file, error.line, error.message))
    parsed_mutators: dict[tuple[str, str], Mutator] = {}
    for document in mutators:
        files.add(document.file)
        try:
            mutator = parse_mutator(document)
        except MutatorError as error:
            problems.append(LoadProblem(error.file, error.line, error.message))
            continue
        parsed_mutators[mutator.sort_key] = mutator  # a later one of the same kind and name replaces it
    conflicts = schema_conflicts(parsed_mutators.values())
    for key in sorted(conflicts, key=lambda k: _position(parsed_mutators[k])):
        # Never silent: a cluster shows it only in the status of the mutator, whose change is then missing.
        warnings.append(conflict_warning(parsed_mutators[key], conflicts[key]))
        parsed_mutators[key] = replace(parsed_mutators[key], schema_conflict=True)
    policies = PolicySet(
        templates=by_kind,
        constraints={kind: tuple(same) for kind, same in runnable.items()},
        expansions=tuple(expansions),
        warnings=tuple(warnings),
        files=frozenset(files),
        mutators=tuple(parsed_mutators.values()),
    )
    return policies, problems


def _position(mutator: Mutator) -> tuple[str, int]:
    document = mutator.document
    return (document.file, document.line) if document is not None else ("", 0)


def _constraint(
    document: Document, templates: Mapping[str, Template], enforcement_point: str
) -> tuple[Constraint | None, LoadProblem | None]:
    kind = document.obj.get("kind")
    template = templates.get(kind) if isinstance(kind, str) else None
    if template is None:
        name = meta(document.obj, "name")
        message = f'no ConstraintTemplate for Constraint kind "{kind}" (constraint "{name}")'
        return None, LoadProblem(document.file, document.line, message)
    try:
        constraint = parse_constraint(document, template.parameter_schema, enforcement_point)
    except ConstraintError as error:
        return None, LoadProblem(error.file, error.line, error.message)
    invalid = parameter_errors(document.obj, template)
    if invalid:
        # The API server (and gator) refuse a Constraint whose parameters do not fit the schema.
        line = document.line_of(("spec", "parameters"))
        return None, LoadProblem(document.file, line, f'constraint "{constraint.name}": ' + "; ".join(invalid))
    return constraint, None


def is_policy_object(obj: dict[str, object]) -> bool:
    """A ConstraintTemplate, Constraint, ExpansionTemplate or mutator: what Gatekeeper uses rather than reviews."""
    return is_template(obj) or is_constraint(obj) or is_expansion_template(obj) or is_mutator(obj)


def split_documents(
    documents: Iterable[Document],
) -> tuple[list[Document], list[Document], list[Document], list[Document]]:
    """(templates, constraints, expansion templates, other objects) of a mixed list of documents."""
    templates: list[Document] = []
    constraints: list[Document] = []
    expansions: list[Document] = []
    others: list[Document] = []
    for document in documents:
        obj = document.obj
        if is_template(obj):
            templates.append(document)
        elif is_constraint(obj):
            constraints.append(document)
        elif is_expansion_template(obj):
            expansions.append(document)
        else:
            others.append(document)
    return templates, constraints, expansions, others
