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
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from boundary_policy.constraints import is_constraint
from boundary_policy.engine import Engine, EngineError
from boundary_policy.gatekeeper import AdmissionRequest, Client, Evaluation
from boundary_policy.goregex import GoRegexError, compile_go
from boundary_policy.loading import LoadResult, load_paths
from boundary_policy.model import JSON, Document
from boundary_policy.openapi import schema_errors, unknown_fields
from boundary_policy.templates import Template, TemplateError, is_template, parse_template

SUITE_GROUP = "test.gatekeeper.sh"
SUITE_KIND = "Suite"
SUITE_SUFFIXES = (".yaml", ".yml")
ADMISSION_GROUP = "admission.k8s.io"

_REVIEW_FIELDS = {"apiVersion", "kind", "request", "response"}
_REQUEST_FIELDS = {
    "uid",
    "kind",
    "resource",
    "subResource",
    "requestKind",
    "requestResource",
    "requestSubResource",
    "name",
    "namespace",
    "operation",
    "userInfo",
    "object",
    "oldObject",
    "dryRun",
    "options",
}
_USER_INFO_FIELDS = {"username", "uid", "groups", "extra"}


class SuiteError(Exception):
    """A path or Suite file that cannot be read; the run cannot complete."""


# --- Suites ---


@dataclass(frozen=True)
class Assertion:
    violations: JSON
    """"yes", "no" or a count; anything else is reported when the case runs, as gator does."""
    message: str | None


@dataclass(frozen=True)
class Case:
    name: str
    object: str
    inventory: tuple[str, ...]
    assertions: tuple[Assertion, ...]
    skip: bool


@dataclass(frozen=True)
class Test:
    name: str
    template: str
    constraint: str
    expansion: str
    cases: tuple[Case, ...]
    invalid: bool
    skip: bool


@dataclass(frozen=True)
class Suite:
    path: str
    """As shown: the path given on the command line joined with the file's place below it."""
    file: Path
    tests: tuple[Test, ...]
    skip: bool


def find_suite_files(paths: Sequence[str]) -> list[tuple[Path, str]]:
    """(file, display path) of every YAML file under `paths`; `dir/...` and directories are walked."""
    found: dict[Path, str] = {}
    for given in paths:
        recursive = given.endswith("/...") or given == "..."
        base = given[: -len("...")] if recursive else given
        root = Path(base or ".")
        if not root.exists():
            raise SuiteError(f"{given}: no such file or directory")
        if root.is_dir():
            for directory, subdirs, files in os.walk(root):
                subdirs.sort()
                for name in sorted(files):
                    if name.endswith(SUITE_SUFFIXES):
                        path = Path(directory, name)
                        found.setdefault(path.resolve(), _display(base, root, path))
        elif recursive:
            raise SuiteError(f"{given}: can only traverse directories recursively")
        elif root.suffix in SUITE_SUFFIXES:
            found.setdefault(root.resolve(), given)
        else:
            raise SuiteError(f"{given}: a Suite file must end in .yaml or .yml")
    return sorted(found.items(), key=lambda item: item[1])


def _display(base: str, root: Path, path: Path) -> str:
    below = path.relative_to(root).as_posix()
    return below if base in ("", ".", "./") else f"{base.rstrip('/')}/{below}"


def read_suite(file: Path, display: str) -> Suite | None:
    """The Suite in `file`, or None when the file is some other YAML (ignored, as gator does)."""
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise SuiteError(f"{display}: {error.strerror or error}") from None
    if SUITE_KIND not in text or SUITE_GROUP not in text:
        return None  # cheap: most YAML files in a Suite tree are samples
    loaded = load_paths([str(file)])
    first = loaded.documents[0].line if loaded.documents else None
    if loaded.problems and (first is None or (loaded.problems[0].line or 0) < first):
        problem = loaded.problems[0]
        raise SuiteError(f"{display}{f':{problem.line}' if problem.line else ''}: {problem.message}")
    if not loaded.documents:
        return None
    obj = loaded.documents[0].obj
    if obj.get("kind") != SUITE_KIND or str(obj.get("apiVersion")).split("/")[0] != SUITE_GROUP:
        return None
    return _parse_suite(obj, file, display)


def _parse_suite(obj: Mapping[str, Any], file: Path, display: str) -> Suite:
    def fail(where: str, message: str) -> SuiteError:
        return SuiteError(f"{display}: {where}: {message}")

    def text(value: JSON, where: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise fail(where, "must be a string")
        return value

    def flag(value: JSON, where: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise fail(where, "must be true or false")
        return value

    def items(value: JSON, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise fail(where, "must be a list")
        return value

    def mapping(value: JSON, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise fail(where, "must be a mapping")
        return value

    tests: list[Test] = []
    for t_index, raw_test in enumerate(items(obj.get("tests"), "tests")):
        where = f"tests[{t_index}]"
        test = mapping(raw_test, where)
        cases: list[Case] = []
        for c_index, raw_case in enumerate(items(test.get("cases"), f"{where}.cases")):
            case_where = f"{where}.cases[{c_index}]"
            case = mapping(raw_case, case_where)
            assertions: list[Assertion] = []
            for a_index, raw in enumerate(items(case.get("assertions"), f"{case_where}.assertions")):
                assertion_where = f"{case_where}.assertions[{a_index}]"
                assertion = mapping(raw, assertion_where)
                violations = assertion.get("violations", "yes")
                if isinstance(violations, bool) or not isinstance(violations, (int, str)):
                    raise fail(f"{assertion_where}.violations", 'must be a nonnegative integer, "yes" or "no"')
                message = assertion.get("message")
                assertions.append(
                    Assertion(violations, None if message is None else text(message, f"{assertion_where}.message"))
                )
            inventory = tuple(
                text(p, f"{case_where}.inventory[{i}]")
                for i, p in enumerate(items(case.get("inventory"), f"{case_where}.inventory"))
            )
            cases.append(
                Case(
                    text(case.get("name"), f"{case_where}.name"),
                    text(case.get("object"), f"{case_where}.object"),
                    inventory,
                    tuple(assertions),
                    flag(case.get("skip"), f"{case_where}.skip"),
                )
            )
        tests.append(
            Test(
                text(test.get("name"), f"{where}.name"),
                text(test.get("template"), f"{where}.template"),
                text(test.get("constraint"), f"{where}.constraint"),
                text(test.get("expansion"), f"{where}.expansion"),
                tuple(cases),
                flag(test.get("invalid"), f"{where}.invalid"),
                flag(test.get("skip"), f"{where}.skip"),
            )
        )
    return Suite(display, file, tuple(tests), flag(obj.get("skip"), "skip"))


# --- Filter ---


class Filter:
    """gator's `--run`: `REGEX` selects tests or cases by name, `TEST//CASE` both (unanchored, Go syntax)."""

    def __init__(self, run: str | None) -> None:
        self.test_pattern: re.Pattern[str] | None = None
        self.case_pattern: re.Pattern[str] | None = None
        self.either = False
        if not run:
            return
        parts = run.split("//")
        if len(parts) > 2:
            raise GoRegexError('a filter may include at most one "//"')
        if len(parts) == 1:
            self.either = True
            self.test_pattern = self.case_pattern = compile_go(parts[0])
        else:
            self.test_pattern, self.case_pattern = compile_go(parts[0]), compile_go(parts[1])

    def matches_test(self, test: Test) -> bool:
        if self.test_pattern is None:
            return True
        if self.test_pattern.search(test.name):
            return True
        return self.either and any(self.matches_case(test.name, case.name) for case in test.cases)

    def matches_case(self, test_name: str, case_name: str) -> bool:
        if self.test_pattern is None or self.case_pattern is None:
            return True
        if self.either:
            return bool(self.case_pattern.search(case_name) or self.test_pattern.search(test_name))
        return bool(self.case_pattern.search(case_name) and self.test_pattern.search(test_name))


# --- Results ---


@dataclass
class CaseResult:
    name: str
    skipped: bool = False
    error: str | None = None
    messages: list[str] = field(default_factory=list)
    """Every violation message the object produced (for -v and failures)."""


@dataclass
class TestResult:
    name: str
    skipped: bool = False
    error: str | None = None
    """Why the test could not run its cases (template, Constraint, `invalid` expectation)."""
    runtime: float = 0.0
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error is not None or any(case.error is not None for case in self.cases)


@dataclass
class SuiteResult:
    path: str
    skipped: bool = False
    runtime: float = 0.0
    tests: list[TestResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(test.failed for test in self.tests)


# --- Running ---


class _CaseFailure(Exception):
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
        schema_failure = _schema_failure(constraint.obj, template)
        client = Client(
            self.engine,
            [template.document],
            [constraint],
            expansions,
            gator_cluster_scope=False,
            default_namespace=False,
        )
        other = _other_failure(constraint.obj, template) or next((str(p.message) for p in client.problems), None)
        if test.invalid:
            if schema_failure is not None:
                return None
            got = f"got {other}" if other else "the Constraint is valid"
            raise _CaseFailure(f"want the Constraint to fail schema validation, but {got}")
        if schema_failure is not None:
            raise _CaseFailure(f"adding constraint: schema validation failed: {schema_failure}")
        if other is not None:
            raise _CaseFailure(f"adding constraint: {other}")
        return client

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
        if _is_admission_review(document.obj):
            item = AdmissionRequest(document, _admission_request(document.obj))
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
    for problem in evaluation.problems:
        if problem.file == document.file:
            return problem.message
    for assertion in case.assertions:
        error = check_assertion(assertion, messages)
        if error is not None:
            return error
    return None


def check_assertion(assertion: Assertion, messages: Sequence[str]) -> str | None:
    """None when the messages satisfy the assertion, else why not (gator's wording)."""
    pattern = None
    if assertion.message is not None:
        try:
            pattern = compile_go(assertion.message)
        except GoRegexError as error:
            return f"invalid message regex: {error}"
    matching = sum(1 for m in messages if pattern is None or pattern.search(m))
    want = assertion.violations
    containing = f" matching {_quote(assertion.message)}" if assertion.message is not None else ""
    seen = "; messages seen: " + (", ".join(_quote(m) for m in messages) if messages else "none")
    if isinstance(want, int):
        if want < 0:
            return 'assertion.violations, if set, must be a nonnegative integer, "yes", or "no"'
        if matching != want:
            return f"got {matching} violations{containing} but want exactly {want}{seen}"
        return None
    if want == "yes":
        return None if matching else f"got 0 violations{containing} but want at least 1{seen}"
    if want == "no":
        return None if not matching else f"got {matching} violations{containing} but want none{seen}"
    return f'assertion.violations, if set, must be a nonnegative integer, "yes", or "no" (got {_quote(str(want))})'


def _quote(text: str | None) -> str:
    escaped = (text or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _schema_failure(constraint: Mapping[str, Any], template: Template) -> str | None:
    """frameworks' ValidateCR schema step (ErrSchema): name length, enforcementAction type, parameters."""
    errors: list[str] = []
    name = (constraint.get("metadata") or {}).get("name")
    if isinstance(name, str) and len(name) > 63:
        errors.append(f"metadata.name: Too long: may not be more than 63 bytes (got {len(name)})")
    spec = constraint.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    action = spec.get("enforcementAction")
    if action is not None and not isinstance(action, str):
        errors.append("spec.enforcementAction: must be of type string")
    if "parameters" in spec:
        errors.extend(schema_errors(spec["parameters"], template.parameter_schema))
    return "; ".join(errors) or None


def _other_failure(constraint: Mapping[str, Any], template: Template) -> str | None:
    """The Constraint errors that are not schema errors (unknown fields, wrong kind)."""
    if constraint.get("kind") != template.kind:
        return f'wrong kind "{constraint.get("kind")}" for the template\'s kind "{template.kind}"'
    spec = constraint.get("spec")
    if isinstance(spec, dict) and "parameters" in spec:
        unknown = unknown_fields(spec["parameters"], template.parameter_schema)
        if unknown:
            return f"unknown fields: {', '.join(unknown)}"
    return None


def _is_admission_review(obj: Mapping[str, Any]) -> bool:
    api_version = obj.get("apiVersion")
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else ""
    return obj.get("kind") == "AdmissionReview" and group == ADMISSION_GROUP


def _admission_request(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The AdmissionReview's request, checked as strictly as gator converts it."""
    problems = [*_unknown(obj, _REVIEW_FIELDS, "")]
    request = obj.get("request")
    if request is None:
        raise _CaseFailure("invalid AdmissionReview: it has no request")
    if not isinstance(request, dict):
        raise _CaseFailure("invalid AdmissionReview: request must be a mapping")
    problems.extend(_unknown(request, _REQUEST_FIELDS, "request."))
    user = request.get("userInfo")
    if isinstance(user, dict):
        problems.extend(_unknown(user, _USER_INFO_FIELDS, "request.userInfo."))
    if problems:
        raise _CaseFailure(f"invalid AdmissionReview: unknown field {', '.join(problems)}")
    present = [key for key in ("object", "oldObject") if request.get(key) is not None]
    if not present:
        raise _CaseFailure('invalid AdmissionReview: the request has no "object" or "oldObject" to review')
    for key in present:
        value = request[key]
        if not isinstance(value, dict) or not value.get("kind"):
            raise _CaseFailure(f"invalid AdmissionReview: request.{key} must be an object with a kind")
    return request


def _unknown(obj: Mapping[str, Any], known: set[str], prefix: str) -> Iterator[str]:
    for key in obj:
        if key not in known:
            yield f'"{prefix}{key}"'


def count(results: Sequence[SuiteResult]) -> tuple[int, int, int]:
    """(passed, failed, skipped): cases, plus tests that end without cases (`invalid` ones, errors)."""
    passed = failed = skipped = 0
    for suite in results:
        for test in suite.tests:
            if test.skipped:
                skipped += max(1, len(test.cases))
                continue
            if test.error is not None:
                failed += 1
            elif not test.cases:
                passed += 1
            for case in test.cases:
                if case.skipped:
                    skipped += 1
                elif case.error is not None:
                    failed += 1
                else:
                    passed += 1
    return passed, failed, skipped
