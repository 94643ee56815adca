"""Issue 12: mutators in a schema conflict, in the real Gatekeeper and in eval.

The ModifySet of tests/cluster/test_mutation.py prunes NET_ADMIN from example 03's Pod (BND010 then denies it) and
keys the Pod's containers by `name`; an Assign that keys them by `image` puts both in a schema conflict. The
cluster then applies neither (the Pod is admitted as before the ModifySet) and reports ErrConflictingSchema in
both mutators' status; once the Assign is deleted the ModifySet applies again. eval must give the same verdict at
each step. A module of its own: test_mutation.py's mutators stay installed until that module ends, and its
ModifySet would join the conflict.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.harness import ROOT, Cluster, constraints
from tests.cluster.identity import Group, extras_file, judged, run_eval, verdict_of_admission, verdict_of_findings
from tests.cluster.inventory import Inventory, read_objects, wait_for_sync
from tests.cluster.processes import wait_until
from tests.cluster.test_mutation import CASES, INVENTORY, MUTATORS, NAMESPACE

pytestmark = pytest.mark.cluster

PRUNE = copy.deepcopy(MUTATORS["modifyset-prune-net-admin"])
PRUNE["metadata"]["name"] = "boundary-policy-test-conflict-prune"
PULL_BY_IMAGE: dict[str, Any] = {
    "apiVersion": "mutations.gatekeeper.sh/v1",
    "kind": "Assign",
    "metadata": {"name": "boundary-policy-test-conflict-pull"},
    "spec": {
        "applyTo": PRUNE["spec"]["applyTo"],
        "match": PRUNE["spec"]["match"],
        "location": "spec.containers[image: busybox].imagePullPolicy",
        "parameters": {"assign": {"value": "Always"}},
    },
}


def _status_errors(cluster: Cluster, mutator: dict[str, Any]) -> list[dict[str, Any]]:
    current = cluster.api.get(mutator) or {}
    return [e for pod in (current.get("status") or {}).get("byPod") or [] for e in pod.get("errors") or []]


def _eval(paths: list[Path], inventory: tuple[Path, ...]) -> tuple[Any, str]:
    """eval's verdict and its stderr (run_eval keeps only the findings)."""
    args = [sys.executable, "-m", "boundary_policy", "eval", *map(str, paths), "-o", "json"]
    for path in inventory:
        args += ["--inventory", str(path)]
    completed = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)
    assert completed.returncode in (0, 1), completed.stderr
    return verdict_of_findings(json.loads(completed.stdout)["findings"]), completed.stderr


def test_gatekeeper_and_eval_skip_mutators_in_a_schema_conflict(
    cluster: Cluster, inventory: Inventory, tmp_path: Path
) -> None:
    obj = next(o for o in read_objects(CASES["modifyset-prune-net-admin"]) if o["kind"] == "Pod")
    obj["metadata"]["namespace"] = NAMESPACE
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
    prune_file, pull_file = tmp_path / "prune.yaml", tmp_path / "pull.yaml"
    prune_file.write_text(yaml.safe_dump(PRUNE, sort_keys=False), encoding="utf-8")
    pull_file.write_text(yaml.safe_dump(PULL_BY_IMAGE, sort_keys=False), encoding="utf-8")
    inventory.replace([o for path in INVENTORY for o in read_objects(path)], workloads=[obj])
    wait_for_sync(cluster)
    names = {c["metadata"]["name"] for c in constraints(cluster.api)}
    extras = extras_file(cluster, Group("conflict", INVENTORY, (manifest,)), tmp_path)

    def verdict() -> Any:
        return verdict_of_admission(judged(cluster, obj), names)

    as_written = verdict()
    assert as_written == verdict_of_findings(run_eval([manifest], (*INVENTORY, extras)))
    cluster.api.create(PRUNE)
    try:
        wait_until("the prune in effect", lambda: verdict() != as_written, cluster.gatekeeper, 60)
        pruned = verdict()
        assert pruned.outcome == "denied"
        cluster.api.create(PULL_BY_IMAGE)
        try:
            # Conflicting: neither applies, and both say so in their status.
            wait_until("the conflict in effect", lambda: verdict() == as_written, cluster.gatekeeper, 60)
            for mutator in (PRUNE, PULL_BY_IMAGE):

                def reported(mutator: dict[str, Any] = mutator) -> bool:
                    return any(e.get("type") == "ErrConflictingSchema" for e in _status_errors(cluster, mutator))

                wait_until(f"{mutator['metadata']['name']}'s status", reported, cluster.gatekeeper, 60)
            ours, stderr = _eval([prune_file, pull_file, manifest], (*INVENTORY, extras))
            assert ours == as_written
            assert stderr.count("is not applied") == 2, stderr
        finally:
            cluster.api.delete(PULL_BY_IMAGE)
        # The conflict is gone with the Assign: the prune applies again.
        wait_until("the prune in effect again", lambda: verdict() == pruned, cluster.gatekeeper, 60)
        ours, stderr = _eval([prune_file, manifest], (*INVENTORY, extras))
        assert ours == pruned and "is not applied" not in stderr
    finally:
        cluster.api.delete(PRUNE)
