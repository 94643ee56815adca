"""Suite files (`test.gatekeeper.sh/v1alpha1`, kind `Suite`): found under paths, read into plain data.

A Suite lists tests (template, Constraint, optional ExpansionTemplate, `invalid`, `skip`) and their cases
(one object, inventory files, assertions on the violations); paths in it are relative to the Suite file.
Other YAML files under the paths are not Suites and are passed over, as gator does. A Suite's fields are read
with yaml v3's scalars, as gator reads them (suite_yaml.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.k8s import api_group
from boundary_policy.loading import load_paths
from boundary_policy.model import JSON
from boundary_policy.suites.suite_yaml import SuiteYamlError, first_document

__all__ = [
    "SUITE_GROUP",
    "SUITE_KIND",
    "SUITE_SUFFIXES",
    "Assertion",
    "Case",
    "Suite",
    "SuiteError",
    "Test",
    "find_suite_files",
    "read_suite",
]

SUITE_GROUP = "test.gatekeeper.sh"
SUITE_KIND = "Suite"
SUITE_SUFFIXES = (".yaml", ".yml")


class SuiteError(BoundaryPolicyError):
    """A path or Suite file that cannot be read; the run cannot complete."""


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
    if obj.get("kind") != SUITE_KIND or api_group(obj) != SUITE_GROUP:
        return None
    # The Suite's own fields are read as gator reads them (yaml v3: `violations: yes` is the string "yes").
    try:
        suite = first_document(text)
    except SuiteYamlError as error:
        raise SuiteError(f"{display}{f':{error.line}' if error.line else ''}: {error.message}") from None
    if not isinstance(suite, dict):
        raise SuiteError(f"{display}: a Suite must be a mapping")
    return _parse_suite(suite, file, display)


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
                if isinstance(violations, float) and violations.is_integer():
                    violations = int(violations)  # gator passes the value through JSON, where 2.0 is 2
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
