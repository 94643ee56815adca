"""`eval --inventory kube:` against the real API server: reading the inventory from the kubeconfig's cluster gives
the findings that the same objects exported to files give, with client certificates and with a token; a kind the
credentials may not list is a warning; a wrong context or an unreachable cluster ends the run with exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from boundary_policy.kube.inventory import read_cluster_inventory
from tests.cluster.harness import ROOT, Cluster
from tests.cluster.identity import Group, extras_file
from tests.cluster.inventory import Inventory

pytestmark = pytest.mark.cluster

EXAMPLES = Group(
    "examples-kube",
    inventory=tuple(sorted((ROOT / "examples" / "inventory").iterdir())),
    manifests=tuple(sorted((ROOT / "examples" / "manifests").glob("*.yaml"))),
)
READER = "boundary-policy-inventory-reader"


def run_eval(kubeconfig: Path, *inventory: str, extra: tuple[str, ...] = ()) -> tuple[int, list[dict[str, Any]], str]:
    args = [sys.executable, "-m", "boundary_policy", "eval", "examples/manifests", "-o", "json", "--no-config", *extra]
    for item in inventory:
        args += ["--inventory", item]
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    completed = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=600)
    findings = json.loads(completed.stdout)["findings"] if completed.stdout.strip() else []
    return completed.returncode, findings, completed.stderr


def comparable(findings: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (f["file"], f["line"], f["rule"], f["severity"], f["message"], json.dumps(f["resource"])) for f in findings
    )


@pytest.fixture(scope="module")
def example_cluster(cluster: Cluster, inventory: Inventory) -> Cluster:
    inventory.replace(EXAMPLES.inventory_objects())
    return cluster


def test_kube_inventory_gives_the_findings_of_the_exported_files(example_cluster: Cluster, tmp_path: Path) -> None:
    # The files: the example inventory plus what else the cluster holds of the synced kinds (its Namespaces...).
    extras = extras_file(example_cluster, EXAMPLES, tmp_path)
    code_files, from_files, _ = run_eval(example_cluster.kubeconfig, *(str(p) for p in EXAMPLES.inventory), str(extras))
    code_kube, from_kube, stderr = run_eval(example_cluster.kubeconfig, "kube:")
    assert code_kube == code_files == 1, stderr
    assert comparable(from_kube) == comparable(from_files)
    assert any(f["rule"] == "BND020" for f in from_kube)  # the Bottlerocket Nodes were read from the cluster
    assert "inventory from cluster context test:" in stderr


def test_it_reads_every_synced_kind_the_cluster_serves(example_cluster: Cluster) -> None:
    os.environ["KUBECONFIG"] = str(example_cluster.kubeconfig)
    try:
        cluster = read_cluster_inventory("kube:test")
    finally:
        del os.environ["KUBECONFIG"]
    exported = {(o["kind"], o["metadata"]["name"]) for o in EXAMPLES.inventory_objects()}
    read = {(d.obj["kind"], d.obj["metadata"]["name"]) for d in cluster.documents}
    assert exported <= read
    assert set(cluster.counts) == {"Node", "Namespace", "ConfigMap", "Secret", "NodePool", "EC2NodeClass"}
    assert all(d.file == "kube:test" and d.obj["apiVersion"] for d in cluster.documents)


# Two templates of the user's that read kinds no bundled SyncSet names: one says so with requires-sync-data, the
# other reads them through a variable (so only the SyncSet beside it tells), as a user's policy library might.
USER_POLICY = """
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8squotaseen
  annotations:
    metadata.gatekeeper.sh/requires-sync-data: '[[{"groups": [""], "versions": ["v1"], "kinds": ["ResourceQuota"]}]]'
spec:
  crd: {spec: {names: {kind: K8sQuotaSeen}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8squotaseen
        violation[{"msg": msg}] {
          input.review.object.metadata.name == "coder-dave-agent-ws"
          data.inventory.namespace["default"]["v1"]["ResourceQuota"][name]
          msg := sprintf("quota default/%v", [name])
        }
---
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8slimitseen}
spec:
  crd: {spec: {names: {kind: K8sLimitSeen}}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8slimitseen
        violation[{"msg": msg}] {
          input.review.object.metadata.name == "coder-dave-agent-ws"
          data.inventory.namespace["default"][gv]["LimitRange"][name]
          msg := sprintf("limits default/%v", [name])
        }
---
apiVersion: syncset.gatekeeper.sh/v1alpha1
kind: SyncSet
metadata: {name: user-limits}
spec:
  gvks: [{group: "", version: v1, kind: LimitRange}]
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sQuotaSeen
metadata: {name: quota-seen}
spec: {match: {kinds: [{apiGroups: [apps], kinds: [Deployment]}]}}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sLimitSeen
metadata: {name: limit-seen}
spec: {match: {kinds: [{apiGroups: [apps], kinds: [Deployment]}]}}
"""


def test_it_reads_the_kinds_the_users_templates_and_syncsets_need(example_cluster: Cluster, tmp_path: Path) -> None:
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "ws-quota", "namespace": "default"},
        "spec": {"hard": {"pods": "10"}},
    }
    limits = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "ws-limits", "namespace": "default"},
        "spec": {"limits": [{"type": "Container", "default": {"cpu": "1"}}]},
    }
    policy = tmp_path / "policy.yaml"
    policy.write_text(USER_POLICY)
    example_cluster.kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all([quota, limits]))
    try:
        extra = ("--templates", str(policy), "--constraints", str(policy))
        code, findings, stderr = run_eval(example_cluster.kubeconfig, "kube:", extra=extra)
        _, _, bundled_only = run_eval(example_cluster.kubeconfig, "kube:")
    finally:
        example_cluster.kubectl("delete", "-f", "-", stdin=yaml.safe_dump_all([quota, limits]))
    assert code == 1, stderr
    messages = {f["message"] for f in findings if f["rule"] in ("K8sQuotaSeen", "K8sLimitSeen")}
    assert messages == {"quota default/ws-quota", "limits default/ws-limits"}, stderr
    assert " ResourceQuota" in stderr and "1 LimitRange" in stderr
    assert "template k8slimitseen reads data.inventory without saying which kinds" in stderr
    assert any(f["rule"] == "BND020" for f in findings)  # the bundled kinds are still read
    assert "ResourceQuota" not in bundled_only and "LimitRange" not in bundled_only  # only what is needed


def test_a_token_that_may_not_list_secrets_gets_a_warning(example_cluster: Cluster, tmp_path: Path) -> None:
    """A ServiceAccount allowed to list everything synced but Secrets, through a bearer token."""
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": READER},
        "rules": [
            {"apiGroups": [""], "resources": ["nodes", "namespaces", "configmaps"], "verbs": ["list"]},
            {"apiGroups": ["karpenter.sh", "karpenter.k8s.aws"], "resources": ["*"], "verbs": ["list"]},
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": READER},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": READER},
        "subjects": [{"kind": "ServiceAccount", "name": READER, "namespace": "default"}],
    }
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": READER, "namespace": "default"}}
    example_cluster.kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all([account, role, binding]))
    token = example_cluster.kubectl("create", "token", READER, "-n", "default").stdout.strip()
    token_file = tmp_path / "token"
    token_file.write_text(token)
    config = yaml.safe_load(example_cluster.kubeconfig.read_text())
    config["users"] = [{"name": "user", "user": {"tokenFile": "token"}}]  # relative to the kubeconfig
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))

    code, findings, stderr = run_eval(kubeconfig, "kube:")
    assert code == 1, stderr
    assert "may not list secrets" in stderr
    assert any(f["rule"] == "BND020" for f in findings)


@pytest.mark.parametrize(
    ("spec", "message"),
    [("kube:nowhere", "no context 'nowhere' in the kubeconfig (contexts: test)")],
)
def test_an_unknown_context_exits_2(example_cluster: Cluster, spec: str, message: str) -> None:
    code, _, stderr = run_eval(example_cluster.kubeconfig, spec)
    assert code == 2
    assert message in stderr
    assert "Traceback" not in stderr


def test_an_unreachable_cluster_exits_2(example_cluster: Cluster, tmp_path: Path) -> None:
    config = yaml.safe_load(example_cluster.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config))
    code, _, stderr = run_eval(kubeconfig, "kube:")
    assert code == 2
    assert "cannot reach the cluster of context test" in stderr
    assert "Traceback" not in stderr
