"""Suites are read as gator reads them (yaml v3): unquoted yes/no, as the gatekeeper-library writes them, work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from boundary_policy.engine import open_engine
from boundary_policy.suites import Runner, find_suite_files, read_suite
from boundary_policy.suites.suite_yaml import SuiteYamlError, first_document
from tests.conftest import ROOT
from tests.suites.gator_output import our_outcomes, parse_gator_verify

SUITE = "tests/fixtures/suites/yaml11/suite.yaml"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("y", "y"),
        ("true", True),
        ("FALSE", False),
        ("~", None),
        ("2", 2),
        ("0x1F", 31),
        ("0o17", 15),
        ("0755", 493),  # strconv.ParseInt with base 0: a leading 0 is octal
        ("-0b11", -3),
        ("1_000", 1000),
        ("09", 9.0),  # not octal, but a YAML-style float
        ("1e3", 1000.0),
        ('"yes"', "yes"),
        ("!!str 4", "4"),
    ],
)
def test_scalars_resolve_as_yaml_v3(text: str, value: object) -> None:
    assert first_document(f"key: {text}\n") == {"key": value}


def test_a_duplicate_key_is_an_error_with_its_line() -> None:
    with pytest.raises(SuiteYamlError) as raised:
        first_document("a: 1\nb: 2\na: 3\n")
    assert (raised.value.line, raised.value.message) == (3, 'mapping key "a" already defined')


def test_an_alias_bomb_is_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(6)
    )
    with pytest.raises(SuiteYamlError, match="aliases are expanded"):
        first_document(bomb)


def test_unquoted_yes_and_no_assertions_run() -> None:
    ((file, shown),) = find_suite_files([SUITE])
    suite = read_suite(file, shown)
    assert suite is not None
    assert [a.violations for a in suite.tests[0].cases[1].assertions] == ["yes", 1, "no"]
    assert suite.tests[1].name == "on"  # a name, not the boolean YAML 1.1 would make of it
    engine = open_engine("embedded")
    try:
        result = Runner(engine).run(suite)
    finally:
        engine.close()
    assert not result.failed


@pytest.mark.gator
def test_outcomes_equal_gator_verify(gator_bin: str) -> None:
    completed = subprocess.run(
        [gator_bin, "verify", "-v", SUITE], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    ((file, shown),) = find_suite_files([SUITE])
    suite = read_suite(file, shown)
    assert suite is not None
    engine = open_engine("embedded")
    try:
        ours = our_outcomes([Runner(engine).run(suite)])
    finally:
        engine.close()
    assert ours == parse_gator_verify(completed.stdout)
    assert set(ours.values()) == {"pass"}


def test_a_yes_where_a_boolean_is_wanted_exits_2(tmp_path: Path) -> None:
    suite = (ROOT / SUITE).read_text(encoding="utf-8").replace("- name: on\n", "- name: on\n  skip: yes\n")
    suite = suite.replace("../policy/", f"{ROOT}/tests/fixtures/suites/policy/").replace(
        "../suites/", f"{ROOT}/tests/fixtures/suites/suites/"
    )
    (tmp_path / "suite.yaml").write_text(suite, encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "boundary_policy", "verify", "suite.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert "suite.yaml: tests[1].skip: must be true or false" in completed.stderr
    assert "Traceback" not in completed.stderr
