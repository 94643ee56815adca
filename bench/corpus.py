"""A deterministic benchmark corpus: Coder-like workloads in many files and an inventory of EKS Nodes.

Roughly a third of the workloads run Boundary in the situations of the nsjail-on-Kubernetes page
(Amazon Linux + NET_ADMIN, Bottlerocket Option A/B, user namespaces off/on, Auto Mode with
--no-user-namespace, Fargate with nsjail and landjail); the rest are ordinary workloads.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

WORKLOAD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]
NODE_CLASSES: list[dict[str, Any]] = [
    {
        "pool": "al2023",
        "os": "Amazon Linux 2023.6.20241010",
        "kernel": "6.1.112-122.189.amzn2023.x86_64",
        "runtime": "containerd://1.7.22",
        "kubelet": "v1.32.1-eks-5d632ec",
    },
    {
        "pool": "al2",
        "os": "Amazon Linux 2",
        "kernel": "5.10.210-201.855.amzn2.x86_64",
        "runtime": "containerd://1.7.11",
        "kubelet": "v1.30.4-eks-a737599",
    },
    {
        "pool": "bottlerocket",
        "os": "Bottlerocket OS 1.38.0 (aws-k8s-1.33)",
        "kernel": "6.12.30",
        "runtime": "containerd://2.0.5+bottlerocket",
        "kubelet": "v1.33.1-eks-b9b7a6c",
    },
    {
        "pool": "bottlerocket-userns",
        "os": "Bottlerocket OS 1.26.1 (aws-k8s-1.30)",
        "kernel": "6.1.119",
        "runtime": "containerd://1.7.24+bottlerocket",
        "kubelet": "v1.30.6-eks-7f9249a",
        "labels": {"boundary-policy/max-user-namespaces": "65536"},
    },
    {
        "pool": "auto",
        "os": "Bottlerocket (EKS Auto, Standard) 2025.12.5 (aws-k8s-1.34-standard)",
        "kernel": "6.12.55",
        "runtime": "containerd://2.1.5+bottlerocket",
        "kubelet": "v1.34.2-eks-ecaa3a6",
        "labels": {"eks.amazonaws.com/compute-type": "auto"},
    },
    {
        "pool": "fargate",
        "os": "Amazon Linux 2",
        "kernel": "5.10.234-225.910.amzn2.x86_64",
        "runtime": "containerd://1.7.25",
        "kubelet": "v1.30.8-eks-2d5f260",
        "labels": {"eks.amazonaws.com/compute-type": "fargate"},
        "taints": [{"key": "eks.amazonaws.com/compute-type", "value": "fargate", "effect": "NoSchedule"}],
    },
    {
        "pool": "ubuntu",
        "os": "Ubuntu 22.04.4 LTS",
        "kernel": "6.5.0-1022-aws",
        "runtime": "containerd://1.7.12",
        "kubelet": "v1.31.2",
    },
]
SITUATIONS = [
    "al-net-admin",
    "option-a",
    "option-b",
    "userns-off",
    "userns-on",
    "auto-no-userns",
    "fargate-nsjail",
    "fargate-landjail",
    "cap-prefix",
    "invalid-jail",
]
NAMESPACES = ["coder", "coder-ws", "coder-restricted", "team-a", "team-b"]


def node(index: int, cls: dict[str, Any]) -> dict[str, Any]:
    name = (
        f"fargate-ip-10-1-{index // 250}-{index % 250}.ec2.internal"
        if cls["pool"] == "fargate"
        else f"i-{index:017x}"
        if cls["pool"] == "auto"
        else f"ip-10-0-{index // 250}-{index % 250}.ec2.internal"
    )
    labels = {
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "node.kubernetes.io/instance-type": "m6i.xlarge",
        "topology.kubernetes.io/zone": "us-east-1a",
        "bench/pool": cls["pool"],
        **cls.get("labels", {}),
    }
    if cls["pool"] not in ("fargate", "auto"):
        labels["eks.amazonaws.com/nodegroup"] = f"ng-{cls['pool']}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "spec": {"taints": cls["taints"]} if "taints" in cls else {},
        "status": {
            "nodeInfo": {
                "osImage": cls["os"],
                "kernelVersion": cls["kernel"],
                "containerRuntimeVersion": cls["runtime"],
                "kubeletVersion": cls["kubelet"],
                "operatingSystem": "linux",
                "architecture": "amd64",
            }
        },
    }


def inventory(nodes: int) -> list[dict[str, Any]]:
    items = [node(i, NODE_CLASSES[i % len(NODE_CLASSES)]) for i in range(nodes)]
    namespaces = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": ns,
                "labels": ({"pod-security.kubernetes.io/enforce": "baseline"} if ns == "coder-restricted" else {}),
            },
        }
        for ns in NAMESPACES
    ]
    return items + namespaces


def container(rng: random.Random, index: int, situation: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": f"c{index}",
        "image": rng.choice(
            ["codercom/enterprise-base:ubuntu", "nginx:1.27", "python:3.12-slim", "ghcr.io/example/api:2.3.1"]
        ),
    }
    if situation is None or index > 0:
        if rng.random() < 0.3:
            spec["securityContext"] = {
                "runAsNonRoot": True,
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
            }
        return spec
    spec["image"] = "codercom/enterprise-base:ubuntu"
    spec["command"] = ["sh", "-c", "exec ./coder agent"]
    env = [{"name": "CODER_AGENT_TOKEN", "value": "t"}, {"name": "BOUNDARY_JAIL_TYPE", "value": "nsjail"}]
    caps: list[str] = ["NET_ADMIN"]
    security: dict[str, Any] = {"runAsUser": 0}
    if situation == "option-a":
        security["seccompProfile"] = {"type": "Unconfined"}
    elif situation in ("option-b", "auto-no-userns"):
        caps.append("SYS_ADMIN")
    if situation == "auto-no-userns":
        env.append({"name": "BOUNDARY_NO_USER_NAMESPACE", "value": "true"})
    if situation == "fargate-landjail":
        env[1]["value"] = "landjail"
        caps = []
    if situation == "cap-prefix":
        caps = ["CAP_NET_ADMIN"]
    if situation == "invalid-jail":
        env[1]["value"] = "gvisor"
    spec["env"] = env
    if caps:
        security["capabilities"] = {"add": caps}
    spec["securityContext"] = security
    return spec


def pod_spec(rng: random.Random, situation: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [container(rng, i, situation) for i in range(rng.randint(1, 4))]}
    pools = {
        "al-net-admin": "al2023",
        "option-a": "bottlerocket",
        "option-b": "bottlerocket",
        "userns-off": "bottlerocket",
        "userns-on": "bottlerocket-userns",
        "auto-no-userns": "auto",
    }
    if situation in pools:
        spec["nodeSelector"] = {"bench/pool": pools[situation]}
    elif situation in ("fargate-nsjail", "fargate-landjail"):
        spec["schedulerName"] = "fargate-scheduler"
    return spec


def workload(rng: random.Random, index: int) -> dict[str, Any]:
    kind = WORKLOAD_KINDS[index % len(WORKLOAD_KINDS)]
    situation = SITUATIONS[rng.randrange(len(SITUATIONS))] if rng.random() < 1 / 3 else None
    namespace = rng.choice(NAMESPACES)
    name = f"{'ws' if situation else 'app'}-{index:05d}"
    labels = {"app.kubernetes.io/name": name}
    if situation:
        labels["app.kubernetes.io/part-of"] = "coder"
    metadata = {"name": name, "namespace": namespace, "labels": labels}
    spec = pod_spec(rng, situation)
    template = {"metadata": {"labels": labels}, "spec": spec}
    api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        body: dict[str, Any] = {"selector": {"matchLabels": labels}, "template": template}
        if kind == "StatefulSet":
            body["serviceName"] = name
        return {"apiVersion": api, "kind": kind, "metadata": metadata, "spec": body}
    template["spec"]["restartPolicy"] = "Never"
    if kind == "Job":
        return {"apiVersion": api, "kind": kind, "metadata": metadata, "spec": {"template": template}}
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": metadata,
        "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": template}}},
    }


def batches(workloads: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Mostly one workload per file; every 20th file a large multi-document file of 100 workloads."""
    rng = random.Random(20261128)
    index = file_index = 0
    while index < workloads:
        size = 100 if file_index % 20 == 19 else 1
        docs = [workload(rng, i) for i in range(index, min(index + size, workloads))]
        yield f"team-{file_index % 10}/workloads-{file_index:05d}.yaml", docs
        index += len(docs)
        file_index += 1


def write_corpus(root: Path, workloads: int, nodes: int) -> tuple[Path, Path]:
    manifests, inventory_dir = root / "manifests", root / "inventory"
    for directory in (manifests, inventory_dir):
        directory.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for relative, docs in batches(workloads):
        path = manifests / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.dump_all(docs, Dumper=dumper, sort_keys=False), encoding="utf-8")
    (inventory_dir / "cluster.yaml").write_text(
        yaml.dump_all(inventory(nodes), Dumper=dumper, sort_keys=False), encoding="utf-8"
    )
    return manifests, inventory_dir
