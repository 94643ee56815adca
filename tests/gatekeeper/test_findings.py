"""Violations -> findings: rule, severity, the object as written, and the line of the offending field."""

from __future__ import annotations

from pathlib import Path

from boundary_policy.engine import Engine
from boundary_policy.findings import LOAD_ERROR_RULE, parse_field, problem_finding, severity_of, to_findings
from boundary_policy.gatekeeper.client import evaluate
from boundary_policy.gatekeeper.policy_set import split_documents
from boundary_policy.loading import load_paths
from boundary_policy.model import LoadProblem, ResourceRef

TEMPLATE = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8simages}
spec:
  crd:
    spec:
      names: {kind: K8sImages}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package k8simages

              violation contains {"msg": msg, "details": details} if {
                some i, c in input.review.object.spec.containers
                details := {"rule": "IMG001", "container": c.name, "field": sprintf("spec.containers[%d].image", [i])}
                endswith(c.image, ":latest")
                msg := sprintf("container %v uses a latest tag", [c.name])
              }

              violation contains {"msg": "no details"} if input.review.object.metadata.labels.bare == "yes"
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sImages
metadata: {name: images}
spec:
  enforcementAction: warn
  match: {kinds: [{kinds: [Pod]}]}
---
apiVersion: expansion.gatekeeper.sh/v1beta1
kind: ExpansionTemplate
metadata: {name: expand-deployments}
spec:
  applyTo: [{groups: [apps], versions: [v1], kinds: [Deployment]}]
  templateSource: spec.template
  enforcementAction: deny
  generatedGVK: {group: "", version: v1, kind: Pod}
"""

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  template:
    metadata:
      labels: {bare: "yes"}
    spec:
      containers:
        - name: sidecar
          image: envoy:1.30
        - name: app
          image: web:latest
"""


def test_findings_point_at_the_field_in_the_parent(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(TEMPLATE)
    (tmp_path / "web.yaml").write_text(MANIFEST)
    templates, constraints, expansions, _ = split_documents(load_paths([str(tmp_path / "policy.yaml")]).documents)
    manifests = load_paths([str(tmp_path / "web.yaml")]).documents
    result = evaluate(
        engine, templates=templates, constraints=constraints, expansion_templates=expansions, manifests=manifests
    )
    findings = to_findings(result.violations, [LoadProblem("broken.yaml", 3, "not YAML")])
    by_rule = {f.rule: f for f in findings}
    image = by_rule["IMG001"]
    assert image.message == "[Implied by expand-deployments] container app uses a latest tag"
    assert (image.severity, image.enforcement_action) == ("error", "deny")
    assert image.resource == ResourceRef("apps/v1", "Deployment", "apps", "web")
    assert image.container == "app" and image.node is None
    assert (image.file, image.line) == (
        str(tmp_path / "web.yaml"),
        MANIFEST.splitlines().index("          image: web:latest") + 1,
    )
    bare = by_rule["K8sImages"]
    assert bare.line == MANIFEST.splitlines().index("  template:") + 1, "no field: the line of the template source"
    assert by_rule[LOAD_ERROR_RULE] == problem_finding(LoadProblem("broken.yaml", 3, "not YAML"))
    assert findings == sorted(findings, key=lambda f: f.sort_key())


def test_field_paths_and_severities() -> None:
    assert parse_field("spec.containers[0].image") == ("spec", "containers", 0, "image")
    assert parse_field('metadata.annotations["boundary-policy/jail-type"]') == (
        "metadata",
        "annotations",
        "boundary-policy/jail-type",
    )
    assert parse_field(["spec", "containers", 1, True]) == ("spec", "containers", 1)
    assert parse_field(None) == ()
    assert [severity_of(a) for a in ("deny", "warn", "dryrun", "notify")] == ["error", "warning", "info", "warning"]
