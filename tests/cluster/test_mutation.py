"""Issues 10 and 12: with a Gatekeeper mutator installed, eval and the cluster agree on the mutated object.

Gatekeeper mutates before it validates: the mutating webhook changes a Pod before the validating webhook sees
it, and expansion applies the mutators to the Pod it generates from a workload. A ModifySet that takes
NET_ADMIN away from a Pod (example 03: then BND010 denies it) and an Assign that makes a Deployment's pods run as
root (example 01: then BND031 no longer warns) are installed, scoped to one namespace the examples are copied
into. eval gets the mutator among the manifests, as `kubectl apply -f` would install it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.harness import ROOT, Cluster, constraints
from tests.cluster.identity import (
    Group,
    Verdict,
    extras_file,
    judged,
    run_eval,
    verdict_of_admission,
    verdict_of_findings,
)
from tests.cluster.inventory import Inventory, read_objects, wait_for_sync
from tests.cluster.processes import wait_until

pytestmark = pytest.mark.cluster

NAMESPACE = "boundary-policy-mutation"
EXAMPLES = ROOT / "examples"
INVENTORY = tuple(sorted((EXAMPLES / "inventory").iterdir()))


def _scope() -> dict[str, Any]:
    return {"scope": "Namespaced", "kinds": [{"apiGroups": ["*"], "kinds": ["Pod"]}], "namespaces": [NAMESPACE]}


MUTATORS: dict[str, dict[str, Any]] = {
    "modifyset-prune-net-admin": {
        "apiVersion": "mutations.gatekeeper.sh/v1",
        "kind": "ModifySet",
        "metadata": {"name": "boundary-policy-test-prune-net-admin"},
        "spec": {
            "applyTo": [{"groups": [""], "kinds": ["Pod"], "versions": ["v1"]}],
            "match": _scope(),
            "location": "spec.containers[name: *].securityContext.capabilities.add",
            "parameters": {"operation": "prune", "values": {"fromList": ["NET_ADMIN"]}},
        },
    },
    "assign-root": {
        "apiVersion": "mutations.gatekeeper.sh/v1",
        "kind": "Assign",
        "metadata": {"name": "boundary-policy-test-run-as-root"},
        "spec": {
            "applyTo": [{"groups": [""], "kinds": ["Pod"], "versions": ["v1"]}],
            "match": _scope(),
            "location": "spec.securityContext",
            "parameters": {"assign": {"value": {"runAsUser": 0}}},
        },
    },
}
CASES = {
    "modifyset-prune-net-admin": EXAMPLES / "manifests" / "03-bottlerocket-option-a.yaml",
    "assign-root": EXAMPLES / "manifests" / "01-al2023-net-admin-nonroot.yaml",
}


@dataclass
class Mutated:
    mutator: Path
    manifest: Path  # the example, moved into NAMESPACE
    inventory: tuple[Path, ...]
    cluster: Verdict
    without_mutator: Verdict  # the cluster's verdict on the same object before the mutator was installed
    returned: dict[str, Any] | None  # the object as the API server returned it from the dry-run


def _moved(source: Path, target: Path) -> dict[str, Any]:
    obj = next(o for o in read_objects(source) if o["kind"] in ("Pod", "Deployment"))
    obj["metadata"]["namespace"] = NAMESPACE
    target.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
    return obj


@pytest.fixture(scope="module")
def mutated(
    cluster: Cluster, inventory: Inventory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Mutated]]:
    directory = tmp_path_factory.mktemp("mutation")
    objects = {name: _moved(path, directory / f"{name}-object.yaml") for name, path in CASES.items()}
    inventory.replace([o for path in INVENTORY for o in read_objects(path)], workloads=list(objects.values()))
    wait_for_sync(cluster)
    names = {c["metadata"]["name"] for c in constraints(cluster.api)}
    before = {name: verdict_of_admission(judged(cluster, obj), names) for name, obj in objects.items()}
    for mutator in MUTATORS.values():
        cluster.api.create(mutator)
    try:
        results: dict[str, Mutated] = {}
        for name, obj in objects.items():
            mutator_file = directory / f"{name}-mutator.yaml"
            mutator_file.write_text(yaml.safe_dump(MUTATORS[name], sort_keys=False), encoding="utf-8")

            # Mutators take effect once Gatekeeper's mutation system has them; nothing reports that per request.
            def changed(obj: dict[str, Any] = obj, name: str = name) -> bool:
                return verdict_of_admission(judged(cluster, obj), names) != before[name]

            wait_until(f"the {name} mutator in effect", changed, cluster.gatekeeper, 60)
            answer = judged(cluster, obj)
            extras = extras_file(cluster, Group(name, INVENTORY, (directory / f"{name}-object.yaml",)), directory)
            results[name] = Mutated(
                mutator_file,
                directory / f"{name}-object.yaml",
                (*INVENTORY, extras),
                verdict_of_admission(answer, names),
                before[name],
                answer.object,
            )
        yield results
    finally:
        for mutator in MUTATORS.values():
            cluster.api.delete(mutator)


@pytest.mark.parametrize("name", MUTATORS)
def test_the_cluster_validates_the_mutated_object(mutated: dict[str, Mutated], name: str) -> None:
    """Not eval's part: the mutator really changes what the webhook says (else the next test proves nothing)."""
    case = mutated[name]
    assert case.cluster != case.without_mutator
    assert case.without_mutator == verdict_of_findings(run_eval([case.manifest], case.inventory))


@pytest.mark.parametrize("name", MUTATORS)
def test_eval_agrees_with_the_cluster_on_the_mutated_object(mutated: dict[str, Mutated], name: str) -> None:
    case = mutated[name]
    installed = [other.mutator for other in mutated.values()]  # the cluster has every mutator installed at once
    assert verdict_of_findings(run_eval([*installed, case.manifest], case.inventory)) == case.cluster
