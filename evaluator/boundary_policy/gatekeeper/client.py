"""The evaluation client: Gatekeeper's review of objects against templates and Constraints, offline.

It follows frameworks' `Client.Review` and the Rego driver (`drivers/rego/driver.go`, hook module):

- each template is compiled once; all reviews of a template go to the engine in one batch;
- one query per (object, template) runs every matching Constraint of that kind, so a Rego runtime
  error fails them together: one violation per Constraint, `msg` = the error as OPA words it;
- `input.parameters` is the Constraint's spec.parameters (default `{}`), `details` defaults to `{}`,
  identical `{msg, details}` of a Constraint are one violation (the hook's result is a set);
- a `msg` that is not a string is an error (gator stops the whole run there; we report it on the
  Constraint and continue);
- a matcher error is an "autoreject" violation `unable to match constraints: ...`;
- ExpansionTemplate resultants are reviewed with source `Generated`, their results reported on the
  parent with `[Implied by <name>] ` and the template's enforcementAction;
- mutators (Assign, AssignMetadata, ModifySet) change an object before it is reviewed, as the mutating
  webhook does before the validating one, and each resultant before it is reviewed or expanded again.

With `gator_test=True` every input object (templates and Constraints included) is reviewed and put
in `data.inventory`, exactly as `gator test` does (which also reviews each object as written, not
mutated, and mutates only what it expands); otherwise the manifests are reviewed and `data.inventory`
holds the inventory and the manifests.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from boundary_policy.engine import CompiledPolicy, Engine, EngineError, Module, Outcome, RegoVersion
from boundary_policy.engine.base import MEMORY_LIMIT_CODE
from boundary_policy.gatekeeper.constraints import GATOR_ENFORCEMENT_POINT, Constraint, strongest_action
from boundary_policy.gatekeeper.expansion import ExpansionFailure, Resultant, expand
from boundary_policy.gatekeeper.match import CLUSTER_SCOPED, MatchError, matches
from boundary_policy.gatekeeper.mutators import MutationFailure, mutate
from boundary_policy.gatekeeper.policy_set import PolicySet, build_policy_set
from boundary_policy.gatekeeper.review import admission_request_review, build_inventory, object_review
from boundary_policy.gatekeeper.templates import ENTRY_MODULE, Template
from boundary_policy.k8s import is_namespace, meta
from boundary_policy.model import JSON, Document, JSONPath, LoadProblem, compact_json
from boundary_policy.rego.source import package_of, refers_to

__all__ = [
    "AUTOREJECT_PREFIX",
    "IMPLIED_PREFIX",
    "AdmissionRequest",
    "Client",
    "Evaluation",
    "SideQuery",
    "Stopped",
    "Violation",
    "evaluate",
    "namespace_for",
    "shared_engine_groups",
    "shared_modules",
    "shared_query",
    "violation_query",
]

AUTOREJECT_PREFIX = "unable to match constraints: "
IMPLIED_PREFIX = "[Implied by {}] "
REVIEW_SLICE = 2000
"""Objects queued before their reviews are evaluated: memory follows a slice of the input, not all of it."""
PROGRESS_SLICE = 256
"""Evaluations per engine call when progress is reported (none is when nobody watches)."""


@dataclass(frozen=True)
class Violation:
    """One result, as gator reports it, plus where the reviewed object is written."""

    constraint: Constraint
    enforcement_action: str
    """After the scoped choice and the ExpansionTemplate override; `scoped` stays `scoped`."""
    scoped_actions: tuple[str, ...]
    msg: str
    details: JSON
    obj: Mapping[str, Any]
    """The object as written (for an expanded Pod: its Deployment)."""
    document: Document
    path: JSONPath = ()
    """Path of the reviewed resultant inside `document` (() for the object itself)."""

    @property
    def effective_action(self) -> str:
        """The action that decides severity (see Constraint.effective_action)."""
        return strongest_action(self.enforcement_action, self.scoped_actions)


@dataclass(frozen=True)
class AdmissionRequest:
    """An AdmissionReview's `request` to review as written (gator verify): operation, userInfo and
    oldObject reach the policy, the Constraints match its object or oldObject, nothing is expanded."""

    document: Document
    request: Mapping[str, Any]


@dataclass
class Evaluation:
    violations: list[Violation] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    """Templates, Constraints or ExpansionTemplates that cannot run."""
    warnings: list[str] = field(default_factory=list)
    object_problems: list[LoadProblem] = field(default_factory=list)
    """Reviewed objects that cannot be mutated or expanded (Gatekeeper would refuse them)."""
    stopped: list[Stopped] = field(default_factory=list)
    """Evaluations the engine stopped (over its memory limit): no result, and the run must fail."""


@dataclass(frozen=True)
class Stopped:
    """A template's evaluation on one resource that the engine stopped, and why."""

    template: str
    resource: str
    """The object as the template saw it, e.g. `Deployment coder/ws (manifests/ws.yaml:3)`."""
    reason: str
    file: str


@dataclass
class _Pending:
    """Reviews waiting for one template's batch."""

    reviews: list[JSON] = field(default_factory=list)
    owners: list[tuple[Document, Mapping[str, Any], Resultant | None, list[Constraint]]] = field(default_factory=list)

    def add(self, review: JSON, owner: tuple[Document, Mapping[str, Any], Resultant | None, list[Constraint]]) -> None:
        """Queue one review for the Constraints in `owner`."""
        self.reviews.append(review)
        self.owners.append(owner)

    @property
    def inputs(self) -> list[dict[str, JSON]]:
        """The hook's inputs (the review, each Constraint's key and parameters), built only for a template evaluated
        on its own: a shared evaluation (most of them) needs none."""
        return [
            {"review": review, "constraints": [_hook_constraint(c) for c in owner[3]]}
            for review, owner in zip(self.reviews, self.owners, strict=True)
        ]


@dataclass
class SideQuery:
    """One more query asked of every input of a shared evaluation whose templates have these libs (v1 Rego), its
    answers kept by the input's JSON: recognition asks the review's own evaluation instead of a second pass."""

    libs: tuple[str, ...]
    query: str
    answers: dict[bytes, JSON] = field(default_factory=dict)

    @staticmethod
    def key(item: Mapping[str, JSON]) -> bytes:
        """A digest of the input's JSON: a run keeps one per input, so not the JSON itself."""
        return hashlib.blake2b(compact_json(item).encode(), digest_size=16).digest()

    def applies(self, group: Sequence[Template]) -> bool:
        return group[0].libs == self.libs and group[0].rego_version == "v1"


# A template kind cannot hold a slash: the side query's answers cannot be mistaken for a template's.
_SIDE_KEY = "boundary-policy/side"


def _hook_constraint(constraint: Constraint) -> dict[str, JSON]:
    return {"key": {"kind": constraint.kind, "name": constraint.name}, "parameters": constraint.parameters}


def namespace_for(
    obj: Mapping[str, Any],
    namespaces: Mapping[str, Any],
    *,
    gator_cluster_scope: bool = True,
    default_namespace: bool = True,
) -> Mapping[str, Any] | None:
    """What gator knows of the object's Namespace (`NamespaceForResource` plus the match cache).

    `gator verify` knows only the Namespaces of the inventory: pass `gator_cluster_scope=False,
    default_namespace=False` (no empty Namespace for cluster-scoped objects, no synthesised `default`).
    """
    name = meta(obj, "namespace")
    if not name:
        return CLUSTER_SCOPED if gator_cluster_scope else None
    if name in namespaces:
        found: Mapping[str, Any] = namespaces[name]
        return found
    if name == "default" and default_namespace:
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}
    return None


def violation_query(package: str) -> str:
    """The hook module as one query, in syntax both v0 and v1 parse (no `in`/`if`/`contains`)."""
    ref = _data_ref(package)
    # `inp` is bound before `with`, as in the hook module: a `with` value that reads `input` itself
    # would see the replaced input.
    return (
        '{{"key": c.key, "msg": r.msg, "details": object.get(r, "details", {})} | c := input.constraints[_]; '
        'inp := {"review": input.review, "parameters": c.parameters}; ' + ref + ".violation[r] with input as inp}"
    )


def _reads_inventory(template: Template) -> bool:
    return any(refers_to(source, "data", "inventory") for source in (template.rego, *template.libs))


class Client:
    """Reviews objects against a policy set (see policy_set.build_policy_set); it never changes the set."""

    _kept: _KeptPolicies | None = None

    def __init__(
        self,
        engine: Engine,
        policies: PolicySet,
        *,
        gator_cluster_scope: bool = True,
        default_namespace: bool = True,
        mutate_originals: bool = True,
        progress: Callable[[int, int], None] | None = None,
        side: SideQuery | None = None,
    ) -> None:
        """`mutate_originals=False` reviews each object as written, as `gator test` does (it mutates only the
        base of an expansion and what it generates); the webhook reviews the mutated object. `progress(done,
        total)` is told how many of a review's evaluations are done, every PROGRESS_SLICE of them."""
        self.engine = engine
        self.policies = policies
        self.templates = policies.templates
        self.constraints = policies.constraints
        self.expansions = policies.expansions
        self.mutators = policies.mutators
        self.gator_cluster_scope = gator_cluster_scope
        self.default_namespace = default_namespace
        self.mutate_originals = mutate_originals
        self.progress = progress
        self.side = side
        self._done = self._total = 0

    def review(
        self, documents: Sequence[Document | AdmissionRequest], data_objects: Iterable[Mapping[str, Any]]
    ) -> Evaluation:
        """Review `documents`; `data_objects` become data.inventory (and the Namespaces for matching).

        Objects are queued and evaluated REVIEW_SLICE at a time; each policy is compiled once for all slices.
        """
        result = Evaluation(warnings=list(self.policies.warnings))
        data_list = list(data_objects)
        namespaces = {meta(o, "name"): o for o in data_list if is_namespace(o)}
        inventory = build_inventory(data_list)
        self._kept = _KeptPolicies(self.engine)
        self._done = self._total = 0
        try:
            for start in range(0, len(documents), REVIEW_SLICE):
                part = documents[start : start + REVIEW_SLICE]
                pending: dict[str, _Pending] = {kind: _Pending() for kind in self.constraints}
                for document in part:
                    self._queue_document(pending, result, document, namespaces)
                # The evaluations still to come are estimated from those queued so far (for progress).
                queued = sum(len(batch.owners) for batch in pending.values())
                self._total = self._done + round(queued * (len(documents) - start) / len(part))
                self._run_pending(pending, inventory, result)
        finally:
            self._kept.close()
            self._kept = None
        return result

    def _queue_document(
        self,
        pending: dict[str, _Pending],
        result: Evaluation,
        document: Document | AdmissionRequest,
        namespaces: Mapping[str, Any],
    ) -> None:
        """Queue the reviews of one object: itself (mutated) and what the ExpansionTemplates generate from it."""
        if isinstance(document, AdmissionRequest):
            self._queue_request(pending, result, document, namespaces)
            return
        obj = document.obj
        namespace = self._namespace(obj, namespaces)
        try:
            base = mutate(obj, namespace, self.mutators) if self.mutators else obj
        except MutationFailure as error:
            # The mutating webhook fails the request: nothing is validated.
            result.object_problems.append(
                LoadProblem(document.file, document.line, f"mutating resource {meta(obj, 'name')}: {error}")
            )
            return
        self._queue(pending, result, document, base if self.mutate_originals else obj, None, namespace, "Original")
        if not self.expansions:
            return
        try:
            resultants = expand(base, namespace, self.expansions, mutate=self._generated_mutation(namespace))
        except (ExpansionFailure, MutationFailure) as error:
            result.object_problems.append(
                LoadProblem(document.file, document.line, f"expanding resource {meta(obj, 'name')}: {error}")
            )
            return
        for resultant in resultants:
            self._queue(pending, result, document, resultant.obj, resultant, namespace, "Generated")

    def _run_pending(self, pending: Mapping[str, _Pending], inventory: JSON, result: Evaluation) -> None:
        """Evaluate the queued reviews, one engine (and batch) per group of templates that can share one."""
        busy = [self.templates[kind] for kind, batch in pending.items() if batch.owners]
        for group in shared_engine_groups(busy):
            if len(group) == 1:
                self._run(group[0], pending[group[0].kind], inventory, result)
            else:
                self._run_shared(group, pending, inventory, result)

    def _generated_mutation(self, namespace: Mapping[str, Any] | None) -> Callable[[dict[str, JSON]], dict[str, JSON]]:
        """Mutation of a resultant: source Generated, no admission operation (Gatekeeper's expansion)."""
        if not self.mutators:
            return lambda child: child
        return lambda child: mutate(child, namespace, self.mutators, source="Generated", operation="")

    def _namespace(self, obj: Mapping[str, Any], namespaces: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return namespace_for(
            obj, namespaces, gator_cluster_scope=self.gator_cluster_scope, default_namespace=self.default_namespace
        )

    def _queue_request(
        self,
        pending: dict[str, _Pending],
        result: Evaluation,
        request: AdmissionRequest,
        namespaces: Mapping[str, Any],
    ) -> None:
        """An AdmissionReview's request: its own input.review, matched on object or oldObject, not expanded."""
        review = admission_request_review(request.request)
        candidates = [o for o in (review["object"], review["oldObject"]) if isinstance(o, dict)]
        if not candidates:
            raise ValueError("an AdmissionRequest needs an object or an oldObject")
        name = review.get("namespace")
        namespace = self._namespace({"metadata": {"namespace": name if isinstance(name, str) else ""}}, namespaces)
        self._queue(pending, result, request.document, candidates[0], None, namespace, "Original", review, candidates)

    @functools.cached_property
    def _match_keys(self) -> dict[int, int]:
        """By Constraint id, a number per distinct match block (hashing a block per object would cost more)."""
        distinct: dict[object, int] = {}
        return {id(c): distinct.setdefault(c.match, len(distinct)) for cs in self.constraints.values() for c in cs}

    def _queue(
        self,
        pending: dict[str, _Pending],
        result: Evaluation,
        document: Document,
        reviewed: Mapping[str, Any],
        resultant: Resultant | None,
        namespace: Mapping[str, Any] | None,
        source: str,
        review: dict[str, JSON] | None = None,
        candidates: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Queue one review; a Constraint applies when it matches `reviewed` (or any of `candidates`)."""
        # Constraints often share one match block (the bundled ones all do): each distinct one is decided once.
        decided: dict[int, bool | MatchError] = {}
        objects = candidates or (reviewed,)
        for kind, constraints in self.constraints.items():
            matched: list[Constraint] = []
            for constraint in constraints:
                key = self._match_keys[id(constraint)]
                outcome = decided.get(key)
                if outcome is None:
                    try:
                        outcome = any(matches(constraint.match, o, namespace, source) for o in objects)
                    except MatchError as error:
                        outcome = error
                    decided[key] = outcome
                if isinstance(outcome, MatchError):
                    self._add(result, constraint, AUTOREJECT_PREFIX + str(outcome), None, document, resultant)
                    continue
                if outcome:
                    matched.append(constraint)
            if not matched:
                continue
            if review is None:
                review = object_review(reviewed)
            batch = pending[kind]
            batch.add(review, (document, reviewed, resultant, matched))

    def _add(
        self,
        result: Evaluation,
        constraint: Constraint,
        msg: str,
        details: JSON,
        document: Document,
        resultant: Resultant | None,
    ) -> None:
        action = constraint.enforcement_action
        path: JSONPath = ()
        if resultant is not None:
            msg = IMPLIED_PREFIX.format(resultant.template.name) + msg
            action = resultant.template.enforcement_action or action
            path = resultant.path
        result.violations.append(
            Violation(constraint, action, constraint.scoped_actions, msg, details, document.obj, document, path)
        )

    def _compile(self, modules: Sequence[Module], data: JSON, rego_version: RegoVersion) -> CompiledPolicy:
        if self._kept is None:
            return self.engine.compile(modules, data, rego_version=rego_version)
        return self._kept.compile(modules, data, rego_version)

    def _run_shared(
        self, group: Sequence[Template], pending: Mapping[str, _Pending], inventory: JSON, result: Evaluation
    ) -> None:
        """Several templates with the same libs in one engine, one query per (object, parameters).

        A template's violations depend only on its input ({review, parameters}) and data, so templates
        whose libs are identical can share one compiled engine and one evaluation per distinct input:
        the libs' rules are then evaluated once per object instead of once per template. Anything
        unusual (a compile error, a runtime error) is redone the exact way, template by template.
        """
        units: dict[tuple[int, str], _Unit] = {}
        # Encoded once per Constraint, not once per review and Constraint.
        encoded = {id(c): json.dumps(c.parameters, sort_keys=True) for t in group for c in self.constraints[t.kind]}
        for template in group:
            batch = pending[template.kind]
            for index, (review, owner) in enumerate(zip(batch.reviews, batch.owners, strict=True)):
                for constraint in owner[3]:
                    parameters = constraint.parameters
                    key = (id(review), encoded[id(constraint)])
                    unit = units.get(key)
                    if unit is None:
                        unit = units[key] = _Unit({"review": review, "parameters": parameters})
                    unit.parts.append((template, index, constraint))
        try:
            policy = self._compile(shared_modules(group), {"inventory": inventory}, group[0].rego_version)
        except EngineError:
            for template in group:
                self._run(template, pending[template.kind], inventory, result)
            return
        by_query: dict[str, list[_Unit]] = {}
        queries: dict[frozenset[str], str] = {}
        side = self.side if self.side is not None and self.side.applies(group) else None
        for unit in units.values():
            kinds = frozenset(template.kind for template, _, _ in unit.parts)
            if kinds not in queries:
                queries[kinds] = shared_query([t for t in group if t.kind in kinds], side.query if side else None)
            by_query.setdefault(queries[kinds], []).append(unit)
        retry: dict[str, _Pending] = {}
        try:
            for query, same in by_query.items():
                weights = [len({(template.kind, index) for template, index, _ in unit.parts}) for unit in same]
                outcomes = self._evaluate(policy, query, [unit.input for unit in same], weights)
                for unit, outcome in zip(same, outcomes, strict=True):
                    if side is not None and isinstance(outcome.value, dict) and _SIDE_KEY in outcome.value:
                        side.answers[SideQuery.key(unit.input)] = outcome.value[_SIDE_KEY]
                    if outcome.error is not None or not isinstance(outcome.value, dict):
                        for template, index, constraint in unit.parts:
                            batch = pending[template.kind]
                            document, reviewed, resultant, _ = batch.owners[index]
                            subset = retry.setdefault(template.kind, _Pending())
                            subset.add(unit.input["review"], (document, reviewed, resultant, [constraint]))
                        continue
                    for template, index, constraint in unit.parts:
                        document, _reviewed, resultant, _ = pending[template.kind].owners[index]
                        for response in outcome.value.get(template.kind) or []:
                            self._add(
                                result, constraint, _message(response["msg"]), response["details"], document, resultant
                            )
        finally:
            policy.close()
        for kind, subset in retry.items():
            self._run(self.templates[kind], subset, inventory, result)

    def _run(self, template: Template, batch: _Pending, inventory: JSON, result: Evaluation) -> None:
        data = {"inventory": inventory} if _reads_inventory(template) else None
        try:
            policy = self._compile(template.modules(), data, template.rego_version)
        except EngineError as error:
            _add_problem(result, _compile_problem(template, error))
            return
        try:
            outcomes = self._evaluate(policy, violation_query(template.package), batch.inputs)
        finally:
            policy.close()
        # A backend that compiles lazily reports parse/compile errors per input: they are the template's.
        compile_error = next((o.error for o in outcomes if o.error and o.error.kind in ("parse", "compile")), None)
        if compile_error is not None:
            _add_problem(result, _compile_problem(template, compile_error))
            return
        for outcome, (document, reviewed, resultant, matched) in zip(outcomes, batch.owners, strict=True):
            if outcome.error is not None and outcome.error.kind == "memory":
                # Not Gatekeeper's answer but the engine giving up: no violation, the run fails.
                reason = outcome.error.message.removeprefix(f"{MEMORY_LIMIT_CODE}: ")
                stopped = Stopped(template.name, _described(reviewed, document), reason, document.file)
                result.stopped.append(stopped)
                continue
            if outcome.error is not None:
                for constraint in matched:
                    self._add(result, constraint, str(outcome.error), None, document, resultant)
                continue
            by_name = {c.name: c for c in matched}
            for response in outcome.value or []:
                constraint = by_name[response["key"]["name"]]
                self._add(result, constraint, _message(response["msg"]), response["details"], document, resultant)

    def _evaluate(
        self, policy: CompiledPolicy, query: str, inputs: list[dict[str, JSON]], weights: list[int] | None = None
    ) -> list[Outcome]:
        """_evaluate, in slices that tell `progress` how far the review is; `weights` are the template inputs
        each input stands for (a shared evaluation serves several templates)."""
        if self.progress is None:
            return _evaluate(policy, query, inputs)
        outcomes: list[Outcome] = []
        for start in range(0, len(inputs), PROGRESS_SLICE):
            outcomes += _evaluate(policy, query, inputs[start : start + PROGRESS_SLICE])
            self._done += sum(weights[start : start + PROGRESS_SLICE]) if weights else len(outcomes) - start
            self.progress(min(self._done, self._total), self._total)
        return outcomes


class _KeptPolicies:
    """The policies compiled during one review, by what they are compiled from: compiled (or refused) once for
    all its slices, and closed together when it ends."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.compiled: dict[tuple[tuple[Module, ...], RegoVersion, bool], CompiledPolicy | EngineError] = {}

    def compile(self, modules: Sequence[Module], data: JSON, rego_version: RegoVersion) -> CompiledPolicy:
        # Within one review the data is always the same inventory, or none.
        key = (tuple(modules), rego_version, data is not None)
        found = self.compiled.get(key)
        if found is None:
            try:
                found = self.engine.compile(modules, data, rego_version=rego_version)
            except EngineError as error:
                found = error
            self.compiled[key] = found
        if isinstance(found, EngineError):
            raise found
        return _Kept(found)

    def close(self) -> None:
        for policy in self.compiled.values():
            if not isinstance(policy, EngineError):
                policy.close()


class _Kept:
    """A kept policy as its users see it: they close it after each slice, it stays open for the next."""

    def __init__(self, policy: CompiledPolicy) -> None:
        self.policy = policy

    def evaluate(self, query: str, inputs: Sequence[JSON]) -> list[Outcome]:
        return self.policy.evaluate(query, inputs)

    def close(self) -> None:
        pass


def _add_problem(result: Evaluation, problem: LoadProblem) -> None:
    """A template's problem, once however many slices meet it."""
    if problem not in result.problems:
        result.problems.append(problem)


@dataclass
class _Unit:
    """One distinct engine input of a shared group and the (template, batch index, Constraint) it answers."""

    input: dict[str, JSON]
    parts: list[tuple[Template, int, Constraint]] = field(default_factory=list)


def _message(msg: JSON) -> str:
    """The violation's msg; Gatekeeper fails on a non-string one with this text."""
    if isinstance(msg, str):
        return msg
    return (
        f"extracting message binding: .msg accessor error: {_go_value(msg)} "
        f"is of the type {_go_type(msg)}, expected string"
    )


def _data_ref(package: str) -> str:
    return "data" + "".join(
        f".{p}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p) else f'["{p}"]' for p in package.split(".")
    )


def shared_engine_groups(templates: Sequence[Template]) -> list[list[Template]]:
    """Templates that can share one engine: the same libs and Rego version, and no package of one that
    is, contains or is contained in another's (so no rule can see or clash with another template's)."""
    by_libs: dict[tuple[tuple[str, ...], str], list[Template]] = {}
    for template in templates:
        by_libs.setdefault((template.libs, template.rego_version), []).append(template)
    groups: list[list[Template]] = []
    for candidates in by_libs.values():
        lib_packages = {package_of(lib) or "" for lib in candidates[0].libs}
        shared: list[Template] = []
        for template in candidates:
            taken = lib_packages | {t.package for t in shared}
            if any(_overlaps(template.package, other) for other in taken):
                groups.append([template])
            else:
                shared.append(template)
        if shared:
            groups.append(shared)
    return groups


def _overlaps(package: str, other: str) -> bool:
    return package == other or package.startswith(other + ".") or other.startswith(package + ".")


def shared_modules(group: Sequence[Template]) -> list[Module]:
    """The modules of a shared group: every template's own and the libs they all have."""
    first = group[0].modules()
    return [Module(f"{ENTRY_MODULE}:{t.kind}", t.rego) for t in group] + first[1:]


def shared_query(group: Sequence[Template], side: str | None = None) -> str:
    """{kind: [{msg, details}]} for every template of a shared group, on input {review, parameters} (and the
    side query's answer under _SIDE_KEY)."""
    parts = [
        # A set, as in the hook: elements that differ only outside msg/details are one violation.
        f'"{t.kind}": {{{{"msg": r.msg, "details": object.get(r, "details", {{}})}} | r := {_data_ref(t.package)}'
        ".violation[_]}"
        for t in group
    ]
    if side is not None:
        parts.append(f'"{_SIDE_KEY}": {side}')
    return "{" + ", ".join(parts) + "}"


def _described(reviewed: Mapping[str, Any], document: Document) -> str:
    name = "/".join(part for part in (meta(reviewed, "namespace"), meta(reviewed, "name")) if part)
    where = f"{document.file}:{document.line}" if document.line else document.file
    return f"{reviewed.get('kind') or 'object'} {name or '(unnamed)'} ({where})"


def _compile_problem(template: Template, error: EngineError) -> LoadProblem:
    line = template.source_line(error.file, error.line)
    return LoadProblem(template.document.file, line, f'template "{template.name}": {error.message}')


def _evaluate(policy: CompiledPolicy, query: str, inputs: list[dict[str, JSON]]) -> list[Outcome]:
    """One batch; should a backend raise for one input's error, evaluate one by one to attribute it."""
    try:
        return policy.evaluate(query, inputs)
    except EngineError as error:
        if len(inputs) == 1:
            return [Outcome(error=error)]
    outcomes: list[Outcome] = []
    for item in inputs:
        try:
            outcomes.extend(policy.evaluate(query, [item]))
        except EngineError as error:
            outcomes.append(Outcome(error=error))
    return outcomes


def _go_type(value: JSON) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "json.Number"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    return "<nil>"


def _go_value(value: JSON) -> str:
    """Go's %v of a JSON value decoded into interface{}: how gator prints a non-string msg."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_value(v)}" for k, v in sorted(value.items())) + "]"
    return str(value)


def evaluate(
    engine: Engine,
    *,
    templates: Sequence[Document] = (),
    constraints: Sequence[Document] = (),
    expansion_templates: Sequence[Document] = (),
    manifests: Sequence[Document] = (),
    inventory: Sequence[Document] = (),
    enforcement_point: str = GATOR_ENFORCEMENT_POINT,
    gator_test: bool = False,
    mutators: Sequence[Document] = (),
) -> Evaluation:
    """Build the policy set and review the manifests (or, with `gator_test`, every input object).

    The set's problems come first in the result, then the review's.
    """
    policies, problems = build_policy_set(
        templates, constraints, expansion_templates, mutators, enforcement_point=enforcement_point
    )
    client = Client(engine, policies, mutate_originals=not gator_test)
    if gator_test:
        everything = [*templates, *constraints, *expansion_templates, *mutators, *inventory, *manifests]
        result = client.review(everything, [d.obj for d in everything])
    else:
        result = client.review(manifests, [d.obj for d in (*inventory, *manifests)])
    result.problems[:0] = problems
    return result
