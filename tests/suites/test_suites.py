"""The hand-written gator Suites under gatekeeper/suites/: complete, well-formed, and passing in the pinned gator."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from boundary_policy.authoring.catalog import load_catalog
from tests.conftest import ROOT

SUITES = ROOT / "gatekeeper" / "suites"
GATEKEEPER = ROOT / "gatekeeper"


@cache
def _enforced_stems() -> tuple[str, ...]:
    return tuple(rule.file_stem for rule in load_catalog(ROOT / "policies").enforced())


def _suite_dirs() -> list[Path]:
    return sorted(path.parent for path in SUITES.glob("*/suite.yaml"))


def _load(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def _suite(directory: Path) -> dict[str, Any]:
    (suite,) = _load(directory / "suite.yaml")
    assert isinstance(suite, dict)
    return suite


def test_every_enforced_rule_has_a_suite_and_nothing_else_does() -> None:
    stems = set(_enforced_stems())
    assert stems, "no enforced rules in policies/"
    assert {path.name for path in _suite_dirs()} == stems


@pytest.mark.parametrize("directory", _suite_dirs(), ids=lambda path: path.name)
def test_suite_is_well_formed(directory: Path) -> None:
    suite = _suite(directory)
    assert suite["apiVersion"] == "test.gatekeeper.sh/v1alpha1"
    assert suite["kind"] == "Suite"
    referenced: set[Path] = set()
    workload_cases = 0
    for test in suite["tests"]:
        template = (directory / test["template"]).resolve()
        assert template == GATEKEEPER / "templates" / f"{directory.name}.yaml", test["name"]
        (template_doc,) = _load(template)
        constraint = (directory / test["constraint"]).resolve()
        (constraint_doc,) = _load(constraint)
        # A parameter variant must be a Constraint of the rule's own template.
        assert constraint_doc["kind"] == template_doc["spec"]["crd"]["spec"]["names"]["kind"], test["name"]
        if "expansion" in test:
            assert (directory / test["expansion"]).resolve() == GATEKEEPER / "expansion.yaml"
        allowed = disallowed = 0
        for case in test["cases"]:
            sample = directory / case["object"]
            referenced.add(sample.resolve())
            objects = _load(sample)
            assert len(objects) == 1, f"{sample} must hold exactly one object (gator verify rule)"
            if objects[0]["kind"] != "Pod":
                workload_cases += 1
            for inventory in case.get("inventory", []):
                assert (directory / inventory).is_file(), inventory
            assertions = case["assertions"]
            if assertions[0]["violations"] == "no":
                allowed += 1
                assert sample.name.startswith("allowed-"), sample
            else:
                disallowed += 1
                assert sample.name.startswith("disallowed-"), sample
                # A disallowed case pins the message, not only the count.
                assert any("message" in assertion for assertion in assertions), case["name"]
        if test["name"] == "default":
            assert allowed and disallowed, "the default test needs allowed and disallowed samples"
    assert workload_cases, "no Deployment/StatefulSet/CronJob sample goes through the expansion"
    samples = {path.resolve() for path in (directory / "samples").glob("*.yaml")}
    assert samples == referenced, f"unreferenced samples: {sorted(samples - referenced)}"


@cache
def _verify_output(gator_bin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [gator_bin, "verify", "-v", "gatekeeper/suites/..."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.gator
def test_gator_verify_passes_every_suite(gator_bin: str) -> None:
    result = _verify_output(gator_bin)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = set(re.findall(r"^ok\s+\S*?gatekeeper/suites/(bnd\d{3})/suite\.yaml", result.stdout, re.MULTILINE))
    assert passed == set(_enforced_stems()), result.stdout[-2000:]
