"""Policy objects among the manifests are used as `kubectl apply -f` + Gatekeeper would use them (issue 12).

The oracle is the cluster: tests/cluster/test_mutation.py installs the same kind of mutator in a real Gatekeeper and
requires eval's verdict to equal the webhook's; here the behaviour is pinned without a cluster, through the real
command and the embedded engine. What the webhook does: a mutator changes the object before it is validated, a
Constraint or template applied with the workloads is enforced on them, and a policy object the API server refuses
is not installed (an error at its line; the other manifests are still checked).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_eval import EXAMPLES, run

OPTION_A = EXAMPLES / "manifests" / "03-bottlerocket-option-a.yaml"
INVENTORY = str(EXAMPLES / "inventory")

PRUNE_NET_ADMIN = """\
apiVersion: mutations.gatekeeper.sh/v1
kind: ModifySet
metadata:
  name: prune-net-admin
spec:
  applyTo:
  - groups: [""]
    kinds: ["Pod"]
    versions: ["v1"]
  location: "spec.containers[name: *].securityContext.capabilities.add"
  parameters:
    operation: prune
    values:
      fromList: ["NET_ADMIN"]
"""

DENY_TEAM_LABEL = """\
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sdenyteam
spec:
  crd:
    spec:
      names:
        kind: K8sDenyTeam
  targets:
  - target: admission.k8s.gatekeeper.sh
    code:
    - engine: Rego
      source:
        version: v1
        rego: |
          package k8sdenyteam
          violation contains {"msg": "team label is not allowed"} if input.review.object.metadata.labels.team
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sDenyTeam
metadata:
  name: deny-team
spec:
  match:
    kinds:
    - apiGroups: [""]
      kinds: ["Pod"]
"""

LABEL_TEAM = """\
apiVersion: mutations.gatekeeper.sh/v1
kind: AssignMetadata
metadata:
  name: label-team
spec:
  location: metadata.labels.team
  parameters:
    assign:
      value: platform
"""


def _eval_json(directory: Path) -> tuple[int, dict[str, object], str]:
    result = run("eval", str(directory), "--inventory", INVENTORY, "-o", "json")
    return result.returncode, json.loads(result.stdout or "{}"), result.stderr


def _rules(report: dict[str, object]) -> set[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["rule"] for f in findings}


def test_a_mutator_changes_what_is_validated(tmp_path: Path) -> None:
    shutil.copy(OPTION_A, tmp_path / "pod.yaml")
    code, report, _ = _eval_json(tmp_path)
    assert code == 0 and "BND010" not in _rules(report)
    (tmp_path / "mutator.yaml").write_text(PRUNE_NET_ADMIN, encoding="utf-8")
    code, report, stderr = _eval_json(tmp_path)
    assert code == 1, stderr
    assert "BND010" in _rules(report)  # NET_ADMIN pruned before validation, as the mutating webhook does
    assert report["summary"]["policyObjects"] == {"ModifySet": 1}  # type: ignore[index]
    text = run("eval", str(tmp_path), "--inventory", INVENTORY)
    assert "policy objects from the manifests: 1 ModifySet" in text.stdout


def test_templates_constraints_and_mutators_among_the_manifests_are_installed(tmp_path: Path) -> None:
    shutil.copy(OPTION_A, tmp_path / "pod.yaml")
    (tmp_path / "policy.yaml").write_text(DENY_TEAM_LABEL, encoding="utf-8")
    code, report, stderr = _eval_json(tmp_path)
    assert code == 0 and "K8sDenyTeam" not in _rules(report), stderr  # the Pod has no team label
    (tmp_path / "label.yaml").write_text(LABEL_TEAM, encoding="utf-8")
    code, report, stderr = _eval_json(tmp_path)
    assert code == 1, stderr
    assert "K8sDenyTeam" in _rules(report)
    assert report["summary"]["resources"] == 1  # type: ignore[index]
    assert report["summary"]["policyObjects"] == {  # type: ignore[index]
        "AssignMetadata": 1,
        "Constraint": 1,
        "ConstraintTemplate": 1,
    }


def test_a_policy_object_the_api_server_refuses_is_an_error_at_its_line(tmp_path: Path) -> None:
    shutil.copy(OPTION_A, tmp_path / "pod.yaml")
    refused = DENY_TEAM_LABEL.replace(
        '    kinds:\n    - apiGroups: [""]', '    name: "Not_A_Name"\n    kinds:\n    - apiGroups: [""]'
    )
    (tmp_path / "policy.yaml").write_text(refused, encoding="utf-8")
    code, report, stderr = _eval_json(tmp_path)
    assert code == 1, stderr
    findings = report["findings"]
    assert isinstance(findings, list)
    problem = next(f for f in findings if f["file"].endswith("policy.yaml"))
    assert problem["rule"] == "load-error"
    assert "spec.match.name" in problem["message"] and "should match" in problem["message"]
    assert problem["line"] == refused.splitlines().index("  match:") + 1  # the Constraint's spec.match
    assert "BND032" in _rules(report)  # the Pod is still checked


def test_a_mutation_gatekeeper_cannot_apply_is_an_error_on_the_object(tmp_path: Path) -> None:
    shutil.copy(OPTION_A, tmp_path / "pod.yaml")
    broken = PRUNE_NET_ADMIN.replace("spec.containers[name: *].securityContext.capabilities.add", "spec.containers.x")
    (tmp_path / "mutator.yaml").write_text(broken, encoding="utf-8")
    code, report, stderr = _eval_json(tmp_path)
    assert code == 1, stderr
    findings = report["findings"]
    assert isinstance(findings, list)
    [problem] = [f for f in findings if f["rule"] == "load-error"]
    assert problem["file"].endswith("pod.yaml")
    assert "mismatch between path entry" in problem["message"]
