"""The generated artifacts run in the pinned gator: real violations come out, the sync annotation is accepted."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from boundary_policy.authoring.catalog import load_catalog
from boundary_policy.authoring.generate import render, write
from tests.authoring.conftest import NET_ADMIN_POLICY
from tests.authoring.conftest import write as write_file

pytestmark = pytest.mark.gator

WORKLOADS = """\
apiVersion: v1
kind: Pod
metadata: {name: ws, namespace: coder}
spec:
  containers:
  - name: dev
    image: codercom/enterprise-base:ubuntu
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: Coder-WS, namespace: coder}
spec:
  selector: {matchLabels: {app: ws}}
  template:
    metadata: {labels: {app: ws}}
    spec:
      containers:
      - name: agent
        image: codercom/enterprise-base:ubuntu
        securityContext: {capabilities: {add: [net_admin]}}
      - name: sidecar
        image: busybox
---
apiVersion: v1
kind: Pod
metadata: {name: system, namespace: kube-system}
spec:
  containers:
  - name: dev
    image: busybox
"""

NODE = """\
apiVersion: v1
kind: Node
metadata:
  name: ip-10-0-1-5.ec2.internal
  labels: {boundary-policy/max-user-namespaces: "0"}
"""


@pytest.fixture
def generated(project: Path) -> Path:
    write(render(load_catalog(project / "policies")), project)
    return project


def _gator(gator_bin: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([gator_bin, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_gator_test_reports_pods_and_expanded_workloads(gator_bin: str, generated: Path) -> None:
    write_file(generated / "manifests/workloads.yaml", WORKLOADS)
    result = _gator(
        gator_bin,
        "test",
        "-o",
        "json",
        *("-f", "gatekeeper/templates", "-f", "gatekeeper/constraints", "-f", "gatekeeper/expansion.yaml"),
        *("-f", "manifests"),
        cwd=generated,
    )
    assert result.returncode == 1, result.stderr  # a deny result
    found = sorted(
        (r["constraint"]["metadata"]["name"], r["enforcementAction"], r["msg"]) for r in json.loads(result.stdout)
    )
    assert found == [
        ("bnd010-net-admin-missing", "deny", "Pod <ws> container <dev> lacks NET_ADMIN"),
        (
            "bnd010-net-admin-missing",
            "deny",
            "[Implied by boundary-expand-workloads] Pod <coder-ws-pod> container <sidecar> lacks NET_ADMIN",
        ),
    ]


def test_gator_test_reads_synced_nodes_with_warn_action(gator_bin: str, generated: Path) -> None:
    write_file(generated / "manifests/node.yaml", NODE)
    write_file(generated / "manifests/pod.yaml", WORKLOADS.split("---")[0])
    result = _gator(
        gator_bin,
        "test",
        "-o",
        "json",
        *("-f", "gatekeeper/templates/bnd020.yaml", "-f", "gatekeeper/constraints/bnd020.yaml", "-f", "manifests"),
        cwd=generated,
    )
    assert result.returncode == 0, result.stderr  # warn does not fail gator
    [violation] = json.loads(result.stdout)
    assert violation["enforcementAction"] == "warn"
    assert violation["msg"] == "Pod <ws>: node <ip-10-0-1-5.ec2.internal> has user namespaces disabled"
    assert violation["metadata"]["details"] == {"rule": "BND020", "node": "ip-10-0-1-5.ec2.internal"}


def test_gator_verify_runs_a_suite_against_the_generated_template(gator_bin: str, generated: Path) -> None:
    suite = generated / "gatekeeper/suites/bnd010/suite.yaml"
    write_file(
        suite,
        """\
kind: Suite
apiVersion: test.gatekeeper.sh/v1alpha1
tests:
- name: bnd010
  template: ../../templates/bnd010.yaml
  constraint: ../../constraints/bnd010.yaml
  cases:
  - name: missing-net-admin
    object: pod.yaml
    assertions:
    - violations: 1
      message: "container <dev> lacks NET_ADMIN"
""",
    )
    write_file(suite.parent / "pod.yaml", WORKLOADS.split("---")[0])
    result = _gator(gator_bin, "verify", "gatekeeper/suites/...", cwd=generated)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


def test_gator_sync_test_accepts_the_sync_set(gator_bin: str, generated: Path) -> None:
    args = ("sync", "test", "--force-omit-gvk-manifest", "-n", "gatekeeper/templates", "-n", "gatekeeper/sync.yaml")
    assert _gator(gator_bin, *args, cwd=generated).returncode == 0
    sync = generated / "gatekeeper/sync.yaml"
    sync.write_text(sync.read_text().replace("kind: Namespace", "kind: ConfigMap"))
    broken = _gator(gator_bin, *args, cwd=generated)
    assert broken.returncode == 1
    assert "/v1:Namespace" in broken.stdout + broken.stderr


def test_kubectl_kustomize_renders_the_generated_bundle(generated: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed")
    result = subprocess.run(
        [kubectl, "kustomize", "gatekeeper"], cwd=generated, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    documents = list(yaml.safe_load_all(result.stdout))
    assert sorted(doc["kind"] for doc in documents) == [
        "BoundaryNetAdminMissing",
        "BoundaryUserNamespacesDisabled",
        "ConstraintTemplate",
        "ConstraintTemplate",
        "ExpansionTemplate",
        "ExpansionTemplate",
        "ExpansionTemplate",
        "SyncSet",
    ]
    assert all(doc["metadata"]["labels"] == {"app.kubernetes.io/part-of": "boundary-policy"} for doc in documents)
    template = next(doc for doc in documents if doc["metadata"].get("name") == "boundarynetadminmissing")
    assert template["spec"]["targets"][0]["code"][0]["source"]["rego"] == NET_ADMIN_POLICY
