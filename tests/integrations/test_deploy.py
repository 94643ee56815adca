"""deploy/node-facts: every manifest parses, the DaemonSet and RBAC are least-privilege, kustomize renders
it, the admission policy's CEL does what it says (through gator's CEL driver), and eval accepts it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "node-facts"
SERVICE_ACCOUNT = "system:serviceaccount:boundary-policy-system:node-facts"


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(DEPLOY.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in documents(path):
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in found, f"{key} twice"
            found[key] = doc
    return found


@pytest.fixture(scope="module")
def objects() -> dict[tuple[str, str], dict[str, Any]]:
    return manifests()


@pytest.fixture(scope="module")
def pod(objects: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = objects[("DaemonSet", "node-facts")]["spec"]["template"]["spec"]
    return spec


def test_every_manifest_parses_and_is_listed_in_the_kustomization() -> None:
    for path in DEPLOY.rglob("*.yaml"):
        for doc in documents(path):
            assert isinstance(doc.get("apiVersion"), str), path
            assert isinstance(doc.get("kind"), str), path
    kustomization = documents(DEPLOY / "kustomization.yaml")[0]
    listed = set(kustomization["resources"])
    assert listed == {path.name for path in DEPLOY.glob("*.yaml")} - {"kustomization.yaml"}


def test_expected_objects(objects: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert set(objects) == {
        ("Namespace", "boundary-policy-system"),
        ("ServiceAccount", "node-facts"),
        ("ClusterRole", "boundary-policy-node-facts"),
        ("ClusterRoleBinding", "boundary-policy-node-facts"),
        ("ValidatingAdmissionPolicy", "boundary-policy-node-facts"),
        ("ValidatingAdmissionPolicyBinding", "boundary-policy-node-facts"),
        ("DaemonSet", "node-facts"),
    }
    for (kind, _), doc in objects.items():
        if kind in {"ServiceAccount", "DaemonSet"}:
            assert doc["metadata"]["namespace"] == "boundary-policy-system"


def test_cluster_role_grants_only_get_and_patch_on_nodes(objects: dict[tuple[str, str], dict[str, Any]]) -> None:
    role = objects[("ClusterRole", "boundary-policy-node-facts")]
    assert role["rules"] == [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "patch"]}]
    binding = objects[("ClusterRoleBinding", "boundary-policy-node-facts")]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "boundary-policy-node-facts",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "node-facts", "namespace": "boundary-policy-system"}
    ]


def test_admission_policy_matches_exactly_the_service_account(objects: dict[tuple[str, str], dict[str, Any]]) -> None:
    policy = objects[("ValidatingAdmissionPolicy", "boundary-policy-node-facts")]["spec"]
    assert policy["failurePolicy"] == "Fail"
    assert [condition["expression"] for condition in policy["matchConditions"]] == [
        f'request.userInfo.username == "{SERVICE_ACCOUNT}"'
    ]
    assert policy["matchConstraints"]["resourceRules"] == [
        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["UPDATE"], "resources": ["nodes"]}
    ]
    binding = objects[("ValidatingAdmissionPolicyBinding", "boundary-policy-node-facts")]["spec"]
    assert binding == {"policyName": "boundary-policy-node-facts", "validationActions": ["Deny"]}


def test_namespace_enforces_restricted(objects: dict[tuple[str, str], dict[str, Any]]) -> None:
    labels = objects[("Namespace", "boundary-policy-system")]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_pod_is_least_privilege(pod: dict[str, Any]) -> None:
    assert pod["serviceAccountName"] == "node-facts"
    assert not any(pod.get(key) for key in ("hostNetwork", "hostPID", "hostIPC"))
    assert pod.get("hostUsers", True) is True  # must see the node's user namespace limits
    assert not any("hostPath" in volume for volume in pod.get("volumes", []))
    security = pod["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] > 0
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    assert "initContainers" not in pod
    context = container["securityContext"]
    assert context["allowPrivilegeEscalation"] is False
    assert context["privileged"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    resources = container["resources"]
    for section in ("requests", "limits"):
        assert set(resources[section]) == {"cpu", "memory"}


def test_pod_runs_node_facts_on_every_linux_node_but_fargate(pod: dict[str, Any]) -> None:
    (container,) = pod["containers"]
    argv = container["command"] + container["args"]
    assert argv[:3] == ["boundary-policy", "node-facts", "--apply"]
    assert int(argv[argv.index("--interval") + 1]) > 0
    assert container["env"] == [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["tolerations"] == [{"operator": "Exists"}]
    terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [
        {"matchExpressions": [{"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate"]}]}
    ]


def test_the_daemonset_command_exists_with_those_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "boundary_policy", "node-facts", "--help"], capture_output=True, text=True, check=True
    )
    for flag in ("--apply", "--interval", "--seccomp-default", "--node"):
        assert flag in result.stdout


def kubectl() -> str:
    found = shutil.which("kubectl")
    if not found:
        pytest.skip("kubectl is not installed (Debian: apt-get install kubernetes-client)")
    return found


@pytest.mark.parametrize("directory", [DEPLOY, DEPLOY.parent], ids=["deploy/node-facts", "deploy"])
def test_kubectl_kustomize_renders_everything(directory: Path) -> None:
    rendered = subprocess.run([kubectl(), "kustomize", str(directory)], capture_output=True, text=True, check=True)
    kinds = sorted(doc["kind"] for doc in yaml.safe_load_all(rendered.stdout))
    assert kinds == sorted(kind for kind, _ in manifests())


def test_securityfs_component_adds_a_read_only_hostpath(tmp_path: Path) -> None:
    shutil.copytree(DEPLOY, tmp_path / "base")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources: [../base]\ncomponents: [../base/components/securityfs]\n")
    rendered = subprocess.run([kubectl(), "kustomize", str(overlay)], capture_output=True, text=True, check=True)
    docs = {doc["kind"]: doc for doc in yaml.safe_load_all(rendered.stdout)}
    spec = docs["DaemonSet"]["spec"]["template"]["spec"]
    assert spec["volumes"] == [
        {"name": "securityfs", "hostPath": {"path": "/sys/kernel/security", "type": "Directory"}}
    ]
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": "securityfs", "mountPath": "/sys/kernel/security", "readOnly": True}
    ]
    assert docs["Namespace"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


# --- the admission policy's CEL, evaluated by gator's Kubernetes-native validation driver ----------------


def _node(name: str, labels: dict[str, str] | None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels is not None:
        metadata["labels"] = labels
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Node", "metadata": metadata, "spec": {"providerID": "aws:///x"}}


def _review(user: str, caller_node: str | None, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    extra = {} if caller_node is None else {"authentication.kubernetes.io/node-name": [caller_node]}
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "1",
            "kind": {"group": "", "version": "v1", "kind": "Node"},
            "resource": {"group": "", "version": "v1", "resource": "nodes"},
            "name": new["metadata"]["name"],
            "operation": "UPDATE",
            "userInfo": {"username": user, "extra": extra},
            "object": new,
            "oldObject": old,
        },
    }


BASE = {"kubernetes.io/hostname": "n1", "team": "ws"}
FACTS = {"boundary-policy/max-user-namespaces": "65536", "boundary-policy/landlock": "true"}
CEL_CASES: list[tuple[str, dict[str, Any], list[tuple[int, str]]]] = [
    (
        "own-node-sets-facts",
        _review(
            SERVICE_ACCOUNT, "n1", _node("n1", BASE, {"a": "1"}), _node("n1", {**BASE, **FACTS}, {"a": "1", **FACTS})
        ),
        [(0, ".*")],
    ),
    (
        "own-node-without-labels-before",
        _review(SERVICE_ACCOUNT, "n1", _node("n1", None), _node("n1", FACTS, FACTS)),
        [(0, ".*")],
    ),
    (
        "other-node",
        _review(SERVICE_ACCOUNT, "n2", _node("n1", BASE), _node("n1", {**BASE, **FACTS})),
        [(1, "^node-facts on node n2 may not change node n1$")],
    ),
    (
        "token-without-node",
        _review(SERVICE_ACCOUNT, None, _node("n1", BASE), _node("n1", {**BASE, **FACTS})),
        [(2, ".*"), (1, "bound service account token")],
    ),
    (
        "changes-another-label",
        _review(SERVICE_ACCOUNT, "n1", _node("n1", BASE), _node("n1", {**BASE, "team": "x", **FACTS})),
        [(1, "only change labels under boundary-policy/")],
    ),
    (
        "adds-another-label",
        _review(SERVICE_ACCOUNT, "n1", _node("n1", BASE), _node("n1", {**BASE, "node-role.kubernetes.io/x": ""})),
        [(1, "only change labels under boundary-policy/")],
    ),
    (
        "removes-an-annotation",
        _review(SERVICE_ACCOUNT, "n1", _node("n1", BASE, {"a": "1"}), _node("n1", BASE, {})),
        [(1, "only change annotations under boundary-policy/")],
    ),
    (
        "changes-spec",
        _review(
            SERVICE_ACCOUNT,
            "n1",
            _node("n1", BASE),
            {**_node("n1", BASE), "spec": {"providerID": "aws:///x", "unschedulable": True}},
        ),
        [(1, "may not change a Node's spec")],
    ),
    (
        "another-user-is-not-matched",
        _review("system:serviceaccount:kube-system:other", None, _node("n1", BASE), _node("n1", {"x": "y"})),
        [(0, ".*")],
    ),
]


def run_cel_suite(
    gator_bin: str, directory: Path, cases: list[tuple[str, dict[str, Any], list[tuple[int, str]]]]
) -> subprocess.CompletedProcess[str]:
    """The admission policy as a Gatekeeper K8sNativeValidation template, and a gator Suite of admission
    requests. Gatekeeper's source takes the same variables and validations as a ValidatingAdmissionPolicy
    (`reason` is the API server's only extra field); its match conditions field is spelled `matchCondition`."""
    policy = documents(DEPLOY / "admission-policy.yaml")[0]["spec"]
    validations = [{k: v for k, v in rule.items() if k != "reason"} for rule in policy["validations"]]
    source = {
        "matchCondition": policy["matchConditions"],
        "variables": policy["variables"],
        "validations": validations,
    }
    template = {
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "nodefactsadmission"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "NodeFactsAdmission"}}},
            "targets": [
                {"target": "admission.k8s.gatekeeper.sh", "code": [{"engine": "K8sNativeValidation", "source": source}]}
            ],
        },
    }
    constraint = {
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "NodeFactsAdmission",
        "metadata": {"name": "node-facts"},
        "spec": {},
    }
    (directory / "template.yaml").write_text(json.dumps(template))
    (directory / "constraint.yaml").write_text(json.dumps(constraint))
    suite_cases = []
    for name, review, assertions in cases:
        (directory / f"{name}.json").write_text(json.dumps(review))
        suite_cases.append(
            {
                "name": name,
                "object": f"{name}.json",
                "assertions": [{"violations": count, "message": message} for count, message in assertions],
            }
        )
    test = {"name": "node-facts", "template": "template.yaml", "constraint": "constraint.yaml", "cases": suite_cases}
    suite = {"kind": "Suite", "apiVersion": "test.gatekeeper.sh/v1alpha1", "tests": [test]}
    (directory / "suite.yaml").write_text(json.dumps(suite))
    return subprocess.run([gator_bin, "verify", "-v", str(directory)], capture_output=True, text=True)


def test_admission_policy_cel_with_gator(gator_bin: str, tmp_path: Path) -> None:
    result = run_cel_suite(gator_bin, tmp_path, CEL_CASES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("--- PASS") == len(CEL_CASES) + 1


def test_a_wrong_expectation_fails_in_gator(gator_bin: str, tmp_path: Path) -> None:
    """Guards the test above: the other-node request is denied, so asserting no violation must fail."""
    name, review, _ = CEL_CASES[2]
    result = run_cel_suite(gator_bin, tmp_path, [(name, review, [(0, ".*")])])
    assert result.returncode != 0
    assert "--- FAIL" in result.stdout


def eval_available() -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "boundary_policy", "eval", "--help"], capture_output=True, text=True, check=False
    )
    return result.returncode == 0


@pytest.mark.skipif(not eval_available(), reason="`boundary-policy eval` is not in this build yet")
def test_eval_accepts_the_node_facts_daemonset() -> None:
    """The project's own DaemonSet runs no Boundary jail, so no rule may fail it."""
    result = subprocess.run(
        [sys.executable, "-m", "boundary_policy", "eval", str(DEPLOY), "-o", "json", "--fail-on", "info"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    report = json.loads(result.stdout)
    assert report["findings"] == [], report["findings"]
    assert report["summary"]["resources"] >= 1
    assert result.returncode == 0, result.stderr
