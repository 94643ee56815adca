"""`gator verify` offline: Suites of ConstraintTemplate tests, run with the evaluation client.

A Suite (`test.gatekeeper.sh/v1alpha1`, kind `Suite`) lists tests (template, Constraint, optional
ExpansionTemplate, `invalid`, `skip`) and their cases (one object, inventory files, assertions on the
violations). Semantics follow gator's `pkg/gator/verify`:

- paths are relative to the Suite file; a case object file holds exactly one object; an AdmissionReview
  object is reviewed as its request (operation, userInfo, oldObject);
- only the case's inventory files go to data.inventory (not the object itself), and only their Namespaces
  are known to the matcher (no `default` is synthesised, cluster-scoped objects get no Namespace);
- an assertion counts the violations whose message matches `message` (a Go regular expression; all of
  them when absent): `violations: yes` (default) wants at least one, `no` none, N exactly N;
- `invalid: true` wants the Constraint to fail schema validation.

Unlike gator, a template is parsed and compiled once per test and all cases with the same inventory are
reviewed in one batch, so a whole Suite costs a few compilations instead of one per case.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from boundary_policy.engine import Engine, EngineError
from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.gatekeeper.client import AdmissionRequest, Client, Evaluation
from boundary_policy.gatekeeper.constraints import is_constraint
from boundary_policy.gatekeeper.policy_set import build_policy_set
from boundary_policy.gatekeeper.templates import Template, TemplateError, is_template, parse_template
from boundary_policy.gatekeeper.validation import non_schema_failure, schema_failure
from boundary_policy.loading import LoadResult, load_paths
from boundary_policy.model import Document
from boundary_policy.suites.admission import InvalidAdmissionReview, admission_request, is_admission_review
from boundary_policy.suites.assertions import check_assertion
from boundary_policy.suites.filter import Filter
from boundary_policy.suites.model import Case, Suite, Test
from boundary_policy.suites.results import CaseResult, SuiteResult, TestResult

__all__ = ["Runner"]


class _CaseFailure(BoundaryPolicyError):
    """Why a case (or a test) cannot run; becomes its error."""


@dataclass
class _Prepared:
    case: Case
    item: Document | AdmissionRequest
    inventory: tuple[Document, ...]
    inventory_key: tuple[Path, ...]


class Runner:
    """Runs Suites on one engine; files are read and templates checked once per run."""

    def __init__(self, engine: Engine, run: str | None = None) -> None:
        self.engine = engine
        self.filter = Filter(run)
        self._files: dict[Path, LoadResult] = {}
        self._templates: dict[Path, Template | str] = {}

    def run(self, suite: Suite) -> SuiteResult:
        if suite.skip:
            return SuiteResult(suite.path, skipped=True)
        start = time.perf_counter()
        tests = [
            TestResult(test.name, skipped=True, cases=[CaseResult(case.name, skipped=True) for case in test.cases])
            if test.skip or not self.filter.matches_test(test)
            else self._run_test(suite.file.parent, test)
            for test in suite.tests
        ]
        return SuiteResult(suite.path, runtime=time.perf_counter() - start, tests=tests)

    def _load(self, path: Path, what: str) -> list[Document]:
        if not path.is_file():
            raise _CaseFailure(f"reading {what} {os.path.relpath(path)}: no such file")
        key = path.resolve()
        if key not in self._files:
            self._files[key] = load_paths([str(path)])
        loaded = self._files[key]
        if loaded.problems:
            problem = loaded.problems[0]
            where = f"{problem.file}:{problem.line}" if problem.line else problem.file
            raise _CaseFailure(f"reading {what}: {where}: {problem.message}")
        if not loaded.documents:
            raise _CaseFailure(f"{what} {os.path.relpath(path)} defines no objects")
        return loaded.documents

    def _template(self, path: Path) -> Template:
        key = path.resolve()
        if key not in self._templates:
            self._templates[key] = self._check_template(path)
        checked = self._templates[key]
        if isinstance(checked, str):
            raise _CaseFailure(checked)
        return checked

    def _check_template(self, path: Path) -> Template | str:
        try:
            documents = self._load(path, "template")
        except _CaseFailure as error:
            return str(error)
        if not is_template(documents[0].obj):
            return f"adding template: {os.path.relpath(path)} is not a ConstraintTemplate"
        try:
            template = parse_template(documents[0])
        except TemplateError as error:
            return f"adding template: {error}"
        # Gatekeeper compiles the template when it is added, whether or not a case reaches it.
        try:
            self.engine.compile(template.modules(), {"inventory": {}}, rego_version=template.rego_version).close()
        except EngineError as error:
            return f'adding template: template "{template.name}": {error}'
        return template

    def _run_test(self, base: Path, test: Test) -> TestResult:
        start = time.perf_counter()
        result = TestResult(test.name)
        try:
            client = self._client(base, test)
        except _CaseFailure as error:
            result.error = str(error)
            result.runtime = time.perf_counter() - start
            return result
        if client is None:  # an `invalid` test that passed
            result.runtime = time.perf_counter() - start
            return result
        prepared: list[_Prepared] = []
        by_name: dict[int, CaseResult] = {}
        for case in test.cases:
            case_result = CaseResult(case.name)
            result.cases.append(case_result)
            if case.skip or not self.filter.matches_case(test.name, case.name):
                case_result.skipped = True
                continue
            try:
                prepared.append(self._prepare(base, case))
            except _CaseFailure as error:
                case_result.error = str(error)
                continue
            by_name[id(prepared[-1])] = case_result
        groups: dict[tuple[Path, ...], list[_Prepared]] = {}
        for item in prepared:
            groups.setdefault(item.inventory_key, []).append(item)
        for members in groups.values():
            failure = self._review(client, members, by_name)
            if failure is not None:
                result.error, result.cases = failure, []
                break
        result.runtime = time.perf_counter() - start
        return result

    def _client(self, base: Path, test: Test) -> Client | None:
        if not test.template:
            raise _CaseFailure("invalid Suite: missing template")
        template = self._template(base / test.template)
        if not test.constraint:
            raise _CaseFailure("invalid Suite: missing constraint")
        constraint = self._load(base / test.constraint, "constraint")[0]
        if not is_constraint(constraint.obj):
            raise _CaseFailure(f"adding constraint: {test.constraint} is not a Constraint")
        expansions = self._load(base / test.expansion, "expansion") if test.expansion else []
        schema = schema_failure(constraint.obj, template)
        policies, problems = build_policy_set([template], [constraint], expansions)
        other = non_schema_failure(constraint.obj, template) or next((p.message for p in problems), None)
        if test.invalid:
            if schema is not None:
                return None
            got = f"got {other}" if other else "the Constraint is valid"
            raise _CaseFailure(f"want the Constraint to fail schema validation, but {got}")
        if schema is not None:
            raise _CaseFailure(f"adding constraint: schema validation failed: {schema}")
        if other is not None:
            raise _CaseFailure(f"adding constraint: {other}")
        return Client(self.engine, policies, gator_cluster_scope=False, default_namespace=False)

    def _prepare(self, base: Path, case: Case) -> _Prepared:
        if not case.object:
            raise _CaseFailure("invalid case: must define object")
        if not case.assertions:
            raise _CaseFailure("invalid case: assertions must be non-empty")
        objects = self._load(base / case.object, "object")
        if len(objects) != 1:
            raise _CaseFailure(f"{case.object} defines {len(objects)} objects; a case reviews exactly one")
        inventory: list[Document] = []
        for path in case.inventory:
            inventory.extend(self._load(base / path, "inventory"))
        document = objects[0]
        item: Document | AdmissionRequest = document
        if is_admission_review(document.obj):
            try:
                item = AdmissionRequest(document, admission_request(document.obj))
            except InvalidAdmissionReview as error:
                raise _CaseFailure(str(error)) from None
        key = tuple((base / path).resolve() for path in case.inventory)
        return _Prepared(case, item, tuple(inventory), key)

    def _review(self, client: Client, members: list[_Prepared], results: dict[int, CaseResult]) -> str | None:
        """Review one inventory group in one batch; a message when the template itself fails."""
        unique: dict[int, Document | AdmissionRequest] = {}
        for member in members:
            unique.setdefault(id(_document(member.item)), member.item)
        evaluation = client.review(list(unique.values()), [d.obj for d in members[0].inventory])
        files = {_document(item).file for item in unique.values()}
        for problem in evaluation.problems:
            if problem.file not in files:
                return f"adding template: {problem.message}"
        for member in members:
            case_result = results[id(member)]
            document = _document(member.item)
            case_result.messages = sorted(v.msg for v in evaluation.violations if v.document is document)
            case_result.error = _case_error(member.case, document, evaluation, case_result.messages)
        return None


def _document(item: Document | AdmissionRequest) -> Document:
    return item.document if isinstance(item, AdmissionRequest) else item


def _case_error(case: Case, document: Document, evaluation: Evaluation, messages: list[str]) -> str | None:
    for problem in (*evaluation.problems, *evaluation.object_problems):
        if problem.file == document.file:
            return problem.message
    for stopped in evaluation.stopped:
        if stopped.file == document.file:
            return f'template "{stopped.template}": {stopped.reason}'
    for assertion in case.assertions:
        error = check_assertion(assertion, messages)
        if error is not None:
            return error
    return None
