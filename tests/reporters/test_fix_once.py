"""On the real examples, every format gives each finding's fix exactly once: the bundled messages end with
their fix, so no reporter may append the catalogue's fix again (reporters/base.fix_to_append)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from typing import Any

import pytest

from boundary_policy.model import Finding
from boundary_policy.reporters.junit import failure_message
from tests.conftest import ROOT
from tests.reporters.samples import finding

ARGS = ("eval", "examples/manifests", "--inventory", "examples/inventory", "--no-config")
FIX = re.compile(r"(?<![A-Za-z])fix:")  # not "prefix:"


def render(fmt: str) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    completed = subprocess.run(
        [sys.executable, "-m", "boundary_policy", *ARGS, "-o", fmt], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert completed.returncode == 1, completed.stderr
    return completed.stdout


@cache
def findings() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(render("json"))["findings"]
    assert found and all(len(FIX.findall(f["message"])) == 1 for f in found)
    return found


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "json"])
def test_each_finding_gives_its_fix_once(fmt: str) -> None:
    assert len(FIX.findall(render(fmt))) == len(findings())


def test_sarif_results_give_the_message_fix_once_and_rules_the_catalogue_fix() -> None:
    run = json.loads(render("sarif"))["runs"][0]
    assert [len(FIX.findall(r["message"]["text"])) for r in run["results"]] == [1] * len(findings())
    for rule in run["tool"]["driver"]["rules"]:
        assert not FIX.search(rule["help"]["text"])  # the rule's help is the catalogue fix, given once per rule


@pytest.mark.parametrize(
    ("message", "attribute"),
    [
        ("no NET_ADMIN; fix: add NET_ADMIN.", "no NET_ADMIN"),
        ("no NET_ADMIN, fix: add it", "no NET_ADMIN"),
        ("no fix here", "no fix here"),
        ("fix: only a fix", "fix: only a fix"),
    ],
)
def test_the_junit_failure_attribute_leaves_the_fix_to_the_failure_text(message: str, attribute: str) -> None:
    sample: Finding = finding("BND010", "error", message)
    assert failure_message(sample) == attribute
