"""Issue 10: `boundary-policy node-facts --apply` against the real API server, as the DaemonSet's pod runs it.

deploy/node-facts/ is applied with `kubectl apply -k` (as its README says), so its RBAC and its
ValidatingAdmissionPolicy are what the API server enforces. A pod of the DaemonSet is placed on a Node by hand
(no scheduler here) and the command gets that pod's bound service account token, which the API server extends
with the pod's node name (ServiceAccountTokenPodNodeInfo): allowed on its own Node's boundary-policy/ keys,
denied on another Node and on any other key."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.cluster.api import Api
from tests.cluster.harness import ROOT, Cluster
from tests.cluster.processes import wait_until

pytestmark = pytest.mark.cluster

NAMESPACE = "boundary-policy-system"
OWN, OTHER = "node-facts-own.test", "node-facts-other.test"
POD = "node-facts-test"
MEASURED = {"boundary-policy/max-user-namespaces": "65536", "boundary-policy/landlock": "true"}


def _node(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "team": "ws"}},
    }


@dataclass
class Setup:
    cluster: Cluster
    account: Path  # the service account directory a pod gets: token and ca.crt
    root: Path  # a node's /proc and /sys as node-facts reads them

    def run(self, node: str, account: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                *(sys.executable, "-m", "boundary_policy", "node-facts", "--apply"),
                *("--root", str(self.root), "--service-account-dir", str(account or self.account)),
            ],
            env={
                **self.cluster.env(),
                "KUBERNETES_SERVICE_HOST": "127.0.0.1",
                "KUBERNETES_SERVICE_PORT": str(self.cluster.ports["kube-apiserver"]),
                "NODE_NAME": node,
            },
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    def as_pod(self) -> httpx.Client:
        """The API as the node-facts pod: its bound token, the cluster CA."""
        return self.with_token((self.account / "token").read_text(encoding="utf-8"))

    def with_token(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.cluster.api_url,
            verify=ssl.create_default_context(cafile=str(self.account / "ca.crt")),
            headers={"Authorization": f"Bearer {token.strip()}"},
            timeout=30,
        )


def _pod_from_daemonset(node: str) -> dict[str, Any]:
    """The DaemonSet's pod template as a Pod on `node`, as the DaemonSet controller would create it."""
    rendered = subprocess.run(
        [str(ROOT / ".tools" / "bin" / "kustomize"), "build", str(ROOT / "deploy" / "node-facts")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    daemonset = next(d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "DaemonSet")
    template = daemonset["spec"]["template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": POD, "namespace": NAMESPACE, "labels": template["metadata"]["labels"]},
        "spec": {**template["spec"], "nodeName": node},
    }


def _patch_denied_by_policy(api: httpx.Client, node: str) -> bool:
    response = api.patch(
        f"/api/v1/nodes/{node}",
        params={"dryRun": "All"},
        content=json.dumps({"metadata": {"labels": {"boundary-policy/landlock": "true"}}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    return response.status_code == 403 and "boundary-policy-node-facts" in response.text


@pytest.fixture(scope="module")
def setup(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    api: Api = cluster.api
    cluster.kubectl("apply", "-k", "deploy/node-facts/")
    for name in (OWN, OTHER):
        api.create(_node(name))
    pod = _pod_from_daemonset(OWN)
    api.create(pod)
    directory = tmp_path_factory.mktemp("node-facts")
    account = directory / "serviceaccount"
    account.mkdir()
    token = cluster.kubectl(
        *("create", "token", "node-facts", "-n", NAMESPACE),
        *("--bound-object-kind", "Pod", "--bound-object-name", POD, "--duration", "1h"),
    ).stdout.strip()
    (account / "token").write_text(token + "\n", encoding="utf-8")
    (account / "ca.crt").write_bytes((cluster.pki_dir / "ca.crt").read_bytes())
    root = directory / "root"
    for relative, content in {
        "proc/sys/user/max_user_namespaces": "65536\n",
        "sys/kernel/security/lsm": "lockdown,capability,landlock,selinux\n",
        "proc/sys/kernel/osrelease": "6.1.129\n",
    }.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    found = Setup(cluster, account, root)
    with found.as_pod() as client:
        # The policy is enforced once the API server has loaded it (its informer), a second or so after apply.
        wait_until("the node-facts admission policy in force", lambda: _patch_denied_by_policy(client, OTHER), None, 60)
    yield found
    api.delete(pod)
    for name in (OWN, OTHER):
        api.delete(_node(name))


def _metadata(cluster: Cluster, name: str) -> dict[str, Any]:
    node = cluster.api.get(_node(name))
    assert node is not None
    metadata: dict[str, Any] = node["metadata"]
    return metadata


def test_writes_its_own_nodes_facts(setup: Setup) -> None:
    completed = setup.run(OWN)
    assert completed.returncode == 0, completed.stderr
    metadata = _metadata(setup.cluster, OWN)
    assert metadata["labels"] == {"kubernetes.io/hostname": OWN, "team": "ws", **MEASURED}
    assert metadata["annotations"] == MEASURED
    assert f"node {OWN}: set labels" in completed.stderr
    again = setup.run(OWN)
    assert again.returncode == 0 and f"node {OWN}: up to date" in again.stderr, again.stderr


def test_another_node_is_refused_by_the_admission_policy(setup: Setup) -> None:
    completed = setup.run(OTHER)
    assert completed.returncode == 2
    assert "HTTP 403" in completed.stderr
    assert f"node-facts on node {OWN} may not change node {OTHER}" in completed.stderr
    assert "get and patch on nodes" not in completed.stderr  # RBAC allowed it: more RBAC would not help
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
    metadata = _metadata(setup.cluster, OTHER)
    assert not any(key.startswith("boundary-policy/") for key in metadata.get("labels", {}))
    assert not metadata.get("annotations")


def test_an_rbac_denial_names_the_rbac_it_needs(setup: Setup, tmp_path: Path) -> None:
    """A service account without the ClusterRole has no rights on Nodes: the authorizer refuses the GET."""
    account = tmp_path / "other-account"
    account.mkdir()
    (account / "ca.crt").write_bytes((setup.account / "ca.crt").read_bytes())
    setup.cluster.kubectl("create", "serviceaccount", "node-facts-no-rbac", "-n", NAMESPACE)
    try:
        token = setup.cluster.kubectl("create", "token", "node-facts-no-rbac", "-n", NAMESPACE, "--duration", "1h")
        (account / "token").write_text(token.stdout, encoding="utf-8")
        completed = setup.run(OWN, account)
    finally:
        setup.cluster.kubectl("delete", "serviceaccount", "node-facts-no-rbac", "-n", NAMESPACE, "--wait=false")
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert f"get node {OWN}: HTTP 403" in lines[0]
    assert 'cannot get resource "nodes"' in lines[0]
    assert lines[0].endswith("(the service account needs get and patch on nodes: see deploy/node-facts/rbac.yaml)")


def test_keys_outside_boundary_policy_are_refused(setup: Setup) -> None:
    with setup.as_pod() as client:
        for section in ("labels", "annotations"):
            response = client.patch(
                f"/api/v1/nodes/{OWN}",
                content=json.dumps({"metadata": {section: {"team": "platform"}}}),
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert response.status_code == 403, response.text
            assert f"node-facts may only change {section} under boundary-policy/" in response.json()["message"]
        spec = client.patch(
            f"/api/v1/nodes/{OWN}",
            content=json.dumps({"spec": {"unschedulable": True}}),
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert spec.status_code == 403, spec.text
    assert _metadata(setup.cluster, OWN)["labels"]["team"] == "ws"


def test_a_token_not_bound_to_a_pod_is_refused(setup: Setup) -> None:
    token = setup.cluster.kubectl("create", "token", "node-facts", "-n", NAMESPACE, "--duration", "1h").stdout
    with setup.with_token(token) as client:
        response = client.patch(
            f"/api/v1/nodes/{OWN}",
            content=json.dumps({"metadata": {"labels": {"boundary-policy/landlock": "false"}}}),
            headers={"Content-Type": "application/merge-patch+json"},
        )
    assert response.status_code == 403, response.text
    assert "bound service account token" in response.json()["message"]


def test_rbac_grants_only_get_and_patch_on_nodes(setup: Setup) -> None:
    with setup.as_pod() as client:
        assert client.get(f"/api/v1/nodes/{OWN}").status_code == 200
        assert client.get("/api/v1/nodes").status_code == 403  # no list
        assert client.delete(f"/api/v1/nodes/{OTHER}").status_code == 403
        assert client.get(f"/api/v1/namespaces/{NAMESPACE}/pods").status_code == 403
