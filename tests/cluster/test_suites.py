"""Issue 10: every object of every bundled suite (gatekeeper/suites), judged by the real webhook and audit with
its case's inventory created as real objects, gets what `boundary-policy eval` reports for the same files.

Cases are grouped by inventory, so each inventory is created once and all its objects are sent in one go. The
suites' own Constraints (non-default parameters, other enforcement actions) are installed beside the bundle's
for this module, and eval gets the same files with --constraints, so every object meets every Constraint on
both sides, as in tests/identity/test_suites_identity.py. The cluster is the reference: where gator and the
cluster differ, this test decides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.harness import Cluster, constraints, enforced_constraints
from tests.cluster.identity import TALLY, GroupResult, compare_group, suite_groups
from tests.cluster.inventory import Inventory, read_objects
from tests.cluster.processes import wait_until

pytestmark = pytest.mark.cluster


GROUPS, EXTRA_CONSTRAINTS = suite_groups()


@pytest.fixture(scope="module")
def suite_constraints(cluster: Cluster) -> Iterator[None]:
    """The suites' own Constraints, beside the bundle's, for this module only."""
    before = enforced_constraints(cluster.api)
    installed = [obj for path in EXTRA_CONSTRAINTS for obj in read_objects(path)]
    for obj in installed:
        cluster.api.create(obj)
    try:
        wait_until(
            "the suites' Constraints enforced",
            lambda: enforced_constraints(cluster.api) >= before + len(installed),
            cluster.gatekeeper,
            120,
        )
        yield
    finally:
        for obj in installed:
            cluster.api.delete(obj)


@pytest.fixture(scope="module", params=GROUPS, ids=[group.name for group in GROUPS])
def group(
    request: pytest.FixtureRequest, suite_constraints: None, cluster: Cluster, inventory: Inventory, cluster_dir: Path
) -> GroupResult:
    result = compare_group(cluster, inventory, request.param, cluster_dir)
    TALLY.add(result)
    return result


def test_webhook_answers_what_eval_reports(group: GroupResult) -> None:
    differences = group.admission_differences()
    assert not differences, "\n\n".join(differences)


def test_audit_reports_what_eval_reports(group: GroupResult) -> None:
    differences = group.audit_differences()
    assert not differences, "\n\n".join(differences)


def test_every_suite_object_is_compared() -> None:
    objects = {case.label for group in GROUPS for case in group.cases()}
    assert len(GROUPS) >= 20 and len(objects) >= 290, (len(GROUPS), len(objects))
    assert len(EXTRA_CONSTRAINTS) >= 10


def test_suite_constraints_are_in_force(cluster: Cluster, suite_constraints: None) -> None:
    names = {c["metadata"]["name"] for c in constraints(cluster.api)}
    wanted = {obj["metadata"]["name"] for path in EXTRA_CONSTRAINTS for obj in read_objects(path)}
    assert wanted <= names
