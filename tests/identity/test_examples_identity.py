"""Issue: for every example the violations of `boundary-policy eval` equal those of `gator test`, on every engine.

examples/manifests with examples/inventory go through the real CLI (`eval -o json`) with the embedded engine,
the `opa` CLI and two worker processes, and through `gator test` with the bundled templates, Constraints and
ExpansionTemplates and the same inventory (flattened: gator does not unwrap `kind: List`). The findings must be
the same multiset of (rule, Constraint, resource, message, enforcementAction) in all four.

tests/suites/test_examples.py checks the examples against their documented expectations and compares the
default run with gator on fewer fields; this module is the strict, all-engines comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from boundary_policy.engine.embedded import SHARING_ENV
from tests.conftest import ROOT, tool
from tests.identity.suite_batches import flatten_inventory

pytestmark = pytest.mark.gator

EXAMPLES = ROOT / "examples"
GATEKEEPER = ROOT / "gatekeeper"
MANIFESTS = sorted((EXAMPLES / "manifests").glob("*.yaml"))
INVENTORY = tuple(sorted((EXAMPLES / "inventory").iterdir()))
VARIANTS = {
    "embedded": ("--engine", "embedded"),
    "opa": ("--engine", "opa", "--opa-bin", str(ROOT / ".tools" / "bin" / "opa")),
    "jobs-2": ("--jobs", "2"),
    # Rules and functions that cannot read the input shared from the first input on (native/fold.go).
    "embedded-shared": ("--engine", "embedded"),
}
SHARING = {"embedded-shared": "always"}

Key = tuple[str, str, str, str, str, str, str, str]
"""(rule, constraint kind, constraint name, resource kind, namespace, name, message, enforcementAction)."""


def _gator(directory: Path) -> Counter[Key]:
    inventory = flatten_inventory(INVENTORY, directory / "inventory.yaml")
    assert inventory is not None
    args = [tool("gator"), "test", "-o", "json"]
    for path in (GATEKEEPER / "templates", GATEKEEPER / "constraints", GATEKEEPER / "expansion.yaml", inventory):
        args += ["-f", str(path)]
    for path in MANIFESTS:
        args += ["-f", str(path)]
    completed = subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)
    assert completed.returncode == 1 and not completed.stderr.strip(), completed.stderr  # the examples hold denials
    found: Counter[Key] = Counter()
    for item in json.loads(completed.stdout):
        obj, constraint = item["violatingObject"], item["constraint"]
        found[
            (
                item["metadata"]["details"]["rule"],
                constraint["kind"],
                constraint["metadata"]["name"],
                obj["kind"],
                obj["metadata"].get("namespace") or "",
                obj["metadata"]["name"],
                item["msg"],
                item["enforcementAction"],
            )
        ] += 1
    return found


def _eval(variant: tuple[str, ...], sharing: str = "auto") -> Counter[Key]:
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "boundary_policy", "eval", "examples/manifests"),
            *("--inventory", "examples/inventory", "-o", "json", *variant),
        ],
        cwd=ROOT,
        env={**os.environ, SHARING_ENV: sharing},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 1, completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout)
    found: Counter[Key] = Counter()
    for finding in report["findings"]:
        resource, constraint = finding["resource"], finding["constraint"]
        found[
            (
                finding["rule"],
                constraint["kind"],
                constraint["name"],
                resource["kind"],
                resource["namespace"] or "",
                resource["name"],
                finding["message"],
                finding["enforcementAction"],
            )
        ] += 1
    return found


@pytest.fixture(scope="module")
def gator_results(tmp_path_factory: pytest.TempPathFactory) -> Counter[Key]:
    return _gator(tmp_path_factory.mktemp("examples"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_eval_equals_gator_test(variant: str, gator_results: Counter[Key]) -> None:
    ours = _eval(VARIANTS[variant], SHARING.get(variant, "auto"))
    assert ours == gator_results, (
        f"only ours: {sorted((ours - gator_results).elements())}\n"
        f"only gator: {sorted((gator_results - ours).elements())}"
    )


def test_fixture_counts(gator_results: Counter[Key]) -> None:
    """How much is compared (the numbers the lead reports)."""
    summary = (
        f"{len(MANIFESTS)} example manifests + {len(INVENTORY)} inventory files: "
        f"{sum(gator_results.values())} violations compared with gator test, x{len(VARIANTS)} eval variants"
    )
    print(summary)
    assert len(MANIFESTS) >= 20 and sum(gator_results.values()) >= 30, summary
