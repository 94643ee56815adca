"""Issue 10: every example, judged by the real webhook and audit with examples/inventory created as real objects,
gets what `boundary-policy eval examples/manifests --inventory examples/inventory` reports (tests/cluster/identity.py
says how the two are compared). Where gator and the cluster differ, the cluster is the reference: this test,
not the gator identity tests, is the promise users rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.cluster.harness import ROOT, Cluster, constraints
from tests.cluster.identity import (
    TALLY,
    Group,
    GroupResult,
    compare_group,
    extras_file,
    judged,
    run_eval,
    verdict_of_admission,
    verdict_of_findings,
)
from tests.cluster.inventory import Inventory, wait_for_sync

pytestmark = pytest.mark.cluster

EXAMPLES = Group(
    "examples",
    inventory=tuple(sorted((ROOT / "examples" / "inventory").iterdir())),
    manifests=tuple(sorted((ROOT / "examples" / "manifests").glob("*.yaml"))),
)
CONFIGMAP_EXAMPLE = ROOT / "examples" / "manifests" / "19-landjail-al2023-configmap.yaml"


@pytest.fixture(scope="module")
def examples(cluster: Cluster, inventory: Inventory, cluster_dir: Path) -> GroupResult:
    result = compare_group(cluster, inventory, EXAMPLES, cluster_dir)
    TALLY.add(result)
    return result


def test_webhook_answers_what_eval_reports(examples: GroupResult) -> None:
    differences = examples.admission_differences()
    assert not differences, "\n\n".join(differences)
    outcomes = [theirs.outcome for _, theirs in examples.admission.values()]
    # The examples are meant to cover every outcome; a cluster that admits everything proves nothing.
    assert {"denied", "warned", "allowed"} <= set(outcomes), outcomes


def test_audit_reports_what_eval_reports(examples: GroupResult) -> None:
    differences = examples.audit_differences()
    assert not differences, "\n\n".join(differences)
    assert examples.audit, "no example was admitted, so audit compared nothing"
    assert any(theirs for _, theirs in examples.audit.values()), "audit found nothing on any admitted example"


def test_a_dry_run_does_not_see_the_configmap_beside_it(
    cluster: Cluster, inventory: Inventory, examples: GroupResult, tmp_path: Path
) -> None:
    """Documented cluster behaviour eval cannot see: `kubectl apply --dry-run=server -f` of example 19 (a
    Deployment mounting a ConfigMap defined in the same file) never stores the ConfigMap, so the webhook judges
    the Deployment without it, which is what eval says of the Deployment alone. eval reads the file's
    ConfigMap into the inventory, as the cluster does once the ConfigMap is really applied (previous tests)."""
    inventory.replace(EXAMPLES.inventory_objects())  # the example inventory, no manifest's ConfigMap stored
    wait_for_sync(cluster)
    deployment = next(case for case in EXAMPLES.cases() if case.file == CONFIGMAP_EXAMPLE)
    alone = tmp_path / "deployment-alone.yaml"
    alone.write_text(yaml.safe_dump(deployment.obj), encoding="utf-8")
    extras = extras_file(cluster, Group("alone", EXAMPLES.inventory, (alone,)), tmp_path)
    names = {constraint["metadata"]["name"] for constraint in constraints(cluster.api)}

    answer = verdict_of_admission(judged(cluster, deployment.obj), names)

    assert answer == verdict_of_findings(run_eval([alone], [*EXAMPLES.inventory, extras]))
    with_configmap, _ = examples.admission[deployment.label]
    assert answer != with_configmap, "the ConfigMap no longer changes the verdict: the example lost its point"
