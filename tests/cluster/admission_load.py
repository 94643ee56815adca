"""Admission cost against the number of Nodes in a real kube-apiserver + Gatekeeper (bench/admission.py --cluster).

One cluster for all points: the examples' inventory (14 Nodes, their Namespaces and Karpenter objects), then bench
Nodes added up to each point. At each point, once Gatekeeper has synced the Nodes, two Boundary workspaces that
must be denied are sent as server-side dry-runs, one after the other: example 06 (it selects a node group) and
the same Deployment without its nodeSelector (every Node is a candidate). Per workspace: latency median and p99,
how many were denied, how many were admitted (the webhook timed out: Gatekeeper ships `failurePolicy: Ignore`),
and the webhook process's CPU seconds per request from /proc. Webhook and audit are separate processes, as
Gatekeeper's manifest runs them (two Deployments); the audit is paused (SIGSTOP) while the dry-runs run, because
in a cluster it runs in its own Pod and here it would take this machine's CPU from the webhook. Then, resumed, the
duration of the next audit cycle of its own.

So that the audit evaluates the templates, not only lists objects, `audit_pods` Pods of the same two workspaces
(half of each) are created in namespace bench-audit, which a Gatekeeper Config exempts from the webhook only
(`processes: [webhook]`): no controller runs here to make Pods, and the webhook would deny them. Each audit run
must report them (BND020), which the point records. `audit_flags` go to the audit process, e.g. Gatekeeper's
`--audit-match-kind-only=true` (Helm `auditMatchKindOnly`), which docs/gatekeeper.md recommends.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import corpus

from tests.cluster.harness import ROOT, ensure_namespace, running_cluster
from tests.cluster.inventory import read_objects

EXAMPLES = ROOT / "examples"
TICKS = os.sysconf("SC_CLK_TCK")
IDLE_WINDOW = 10.0  # seconds of Gatekeeper's background CPU measured at each point
AUDITED_NAMESPACE = "bench-audit"


def _documents(path: Path) -> list[dict[str, Any]]:
    """The objects of an inventory file as a client would create them (no server-set metadata)."""
    server_fields = {"resourceVersion", "uid", "selfLink", "generation", "creationTimestamp", "managedFields"}
    return [
        {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k not in server_fields}}
        for obj in read_objects(path)
    ]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _workspaces() -> dict[str, dict[str, Any]]:
    selected = next(
        doc
        for doc in _documents(EXAMPLES / "manifests" / "06-bottlerocket-userns-off.yaml")
        if doc["kind"] == "Deployment"
    )
    anywhere = copy.deepcopy(selected)
    del anywhere["spec"]["template"]["spec"]["nodeSelector"]
    anywhere["metadata"]["name"] += "-anywhere"
    return {"node group (nodeSelector)": selected, "any Node (no nodeSelector)": anywhere}


def _audited_pods(count: int) -> list[dict[str, Any]]:
    """`count` Pods of the two workspaces' templates, alternating, for the audit to review."""
    templates = [workspace["spec"]["template"] for workspace in _workspaces().values()]
    return [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                **copy.deepcopy(templates[i % 2].get("metadata", {})),
                "name": f"workspace-{i}",
                "namespace": AUDITED_NAMESPACE,
            },
            "spec": copy.deepcopy(templates[i % 2]["spec"]),
        }
        for i in range(count)
    ]


def _create_audited_pods(cluster: Any, count: int, timeout: float = 120) -> None:
    """The Pods, in a namespace a Gatekeeper Config exempts from the webhook only (the audit still reviews it)."""
    if count <= 0:
        return
    ensure_namespace(cluster.api, AUDITED_NAMESPACE)
    config = {
        "apiVersion": "config.gatekeeper.sh/v1alpha1",
        "kind": "Config",
        "metadata": {"name": "config", "namespace": "gatekeeper-system"},
        "spec": {"match": [{"excludedNamespaces": [AUDITED_NAMESPACE], "processes": ["webhook"]}]},
    }
    cluster.api.create(config)
    pods = _audited_pods(count)
    deadline = time.monotonic() + timeout
    while not cluster.api.admit(pods[0], dry_run=True).allowed:  # until the webhook has read the Config
        if time.monotonic() > deadline:
            raise TimeoutError(f"the webhook still reviews namespace {AUDITED_NAMESPACE} after {timeout:.0f}s")
        time.sleep(1)
    for pod in pods:
        cluster.api.create(pod)


def _bench_nodes(start: int, stop: int) -> list[dict[str, Any]]:
    nodes = [doc for doc in corpus.inventory(stop) if doc["kind"] == "Node"]
    return nodes[start:stop]


def _wait_synced(cluster: Any, name: str, timeout: float = 300) -> None:
    """Until a pod pinned to Node `name` (a Bottlerocket one) is denied naming it: Gatekeeper has synced it."""
    probe = copy.deepcopy(_workspaces()["any Node (no nodeSelector)"])
    probe["metadata"]["name"] = "sync-probe"
    probe["spec"]["template"]["spec"]["nodeName"] = name
    deadline = time.monotonic() + timeout
    while name not in cluster.api.admit(probe, dry_run=True).message:
        if time.monotonic() > deadline:
            raise TimeoutError(f"Gatekeeper did not sync Node {name} within {timeout:.0f}s")
        time.sleep(1)


def _dry_runs(cluster: Any, workspace: dict[str, Any], requests: int, idle_rate: float) -> dict[str, Any]:
    pid = cluster.gatekeeper.pid
    latencies, denied, admitted = [], 0, 0
    cpu_before, started = _cpu_seconds(pid), time.monotonic()
    for _ in range(requests):
        sent = time.monotonic()
        answer = cluster.api.admit(workspace, dry_run=True)
        latencies.append(time.monotonic() - sent)
        denied += answer.denied_by_gatekeeper
        admitted += answer.allowed
    elapsed = time.monotonic() - started
    spent = _cpu_seconds(pid) - cpu_before
    latencies.sort()
    return {
        "requests": requests,
        "denied": denied,
        "admitted_fail_open": admitted,
        "timeouts": sum(latency >= 3.0 for latency in latencies),
        "latency_median_s": round(statistics.median(latencies), 3),
        "latency_p99_s": round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 3),
        # The webhook process does nothing else, so this is the requests' CPU (and its idle rate, e.g. watches of
        # synced objects, subtracted in the second figure).
        "gatekeeper_cpu_per_request_s": round(spent / requests, 3),
        "gatekeeper_cpu_per_request_s_less_idle": round(max(spent - idle_rate * elapsed, 0.0) / requests, 3),
    }


def measure(
    node_counts: list[int],
    *,
    requests: int = 100,
    audit_pods: int = 20,
    audit_flags: tuple[str, ...] = (),
    workdir: Path | None = None,
) -> dict[str, Any]:
    del workdir  # the harness keeps its own temporary directory
    inventory = [
        *_documents(EXAMPLES / "inventory" / "namespaces.yaml"),
        *_documents(EXAMPLES / "inventory" / "nodes.json"),
        *_documents(EXAMPLES / "inventory" / "karpenter.yaml"),
    ]
    base = sum(doc["kind"] == "Node" for doc in inventory)
    points = []
    with running_cluster(audit_flags=audit_flags) as cluster:
        for doc in inventory:
            if cluster.api.get(doc) is None:
                cluster.api.create(doc)
        _create_audited_pods(cluster, audit_pods)
        created = 0
        for count in sorted(node_counts):
            extra = _bench_nodes(created, max(count - base, 0))
            for node in extra:
                cluster.api.create(node)
            created += len(extra)
            # A Node the probe's BND020 denial names once Gatekeeper has synced it.
            last_bottlerocket = next(
                (
                    n["metadata"]["name"]
                    for n in reversed(extra)
                    if n["metadata"]["labels"]["bench/pool"] == "bottlerocket"  # user namespaces off
                ),
                "ip-10-20-15-36.us-west-2.compute.internal",  # an examples Bottlerocket Node
            )
            _wait_synced(cluster, last_bottlerocket)
            pid = cluster.gatekeeper.pid
            idle_before = _cpu_seconds(pid)
            time.sleep(IDLE_WINDOW)
            idle_rate = (_cpu_seconds(pid) - idle_before) / IDLE_WINDOW
            point: dict[str, Any] = {"nodes": base + created, "gatekeeper_idle_cpu_per_s": round(idle_rate, 3)}
            audit = cluster.gatekeeper_audit.pid
            os.kill(audit, signal.SIGSTOP)
            try:
                point["workspaces"] = {
                    label: _dry_runs(cluster, workspace, requests, idle_rate)
                    for label, workspace in _workspaces().items()
                }
            finally:
                os.kill(audit, signal.SIGCONT)
            # A run that starts once the audit is back and the dry-runs are over: the cycle on its own.
            since = time.time()
            run = cluster.audit_log.run_started_after(since, timeout=600)
            point["audit_cycle"] = run.duration
            # Proof that the cycle reviewed the Pods with the templates: every one is denied by BND020.
            point["audit_pods_reported_by_bnd020"] = len(
                {
                    violation[4]
                    for violation, _ in run.violations
                    if violation[0] == "BoundaryUserNamespacesDisabled" and violation[3] == AUDITED_NAMESPACE
                }
            )
            points.append(point)
            print(json.dumps(point), file=sys.stderr, flush=True)  # a long run keeps what it measured
    return {"audit_pods": audit_pods, "audit_flags": list(audit_flags), "points": points}
