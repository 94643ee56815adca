"""data.inventory holds what the cluster would sync for the templates: read from requires-sync-data, else from the
Rego's literal refs, else everything (as gator test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from boundary_policy.engine import Engine
from boundary_policy.gatekeeper.policy_set import build_policy_set
from boundary_policy.gatekeeper.sync import (
    cluster_kinds,
    declared_sync,
    inventory_objects,
    read_sync_annotation,
    sync_needs,
)
from boundary_policy.gatekeeper.templates import Template
from boundary_policy.loading import load_paths
from boundary_policy.pipeline import EvalOptions, load_policies, run_eval

NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"}}
CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "apps"}}

TEMPLATE = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sreplicas
  annotations: ANNOTATIONS
spec:
  crd:
    spec:
      names: {kind: K8sReplicas}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package k8sreplicas

              violation contains {"msg": sprintf("%d Deployments in %s", [count(found), ns])} if {
                ns := input.review.object.metadata.namespace
                found := READ
                count(found) > 0
              }
              EXTRA
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sReplicas
metadata: {name: replicas}
spec:
  match:
    kinds: [{apiGroups: [""], kinds: [ConfigMap]}]
"""

LITERAL = 'data.inventory.namespace[ns]["apps/v1"].Deployment'
ALIASED = 'object.get(inv.namespace, [ns, "apps/v1", "Deployment"], {})'
ALIAS = "inv := data.inventory"


def template(tmp_path: Path, read: str = LITERAL, annotations: str = "{}") -> Template:
    path = tmp_path / "template.yaml"
    extra = ALIAS if read == ALIASED else ""
    path.write_text(TEMPLATE.replace("READ", read).replace("ANNOTATIONS", annotations).replace("EXTRA", extra))
    loaded = load_paths([str(path)])
    policies, problems = build_policy_set(loaded.documents[:1], loaded.documents[1:], [])
    assert not problems
    return policies.templates["K8sReplicas"]


def test_annotation_as_gatekeeper_reads_it() -> None:
    library_style = '"[\n  [{"groups": [""], "versions": ["v1"], "kinds": ["Node"]}],\n'
    library_style += (
        '  [{"groups": ["apps", "extensions"], "versions": ["v1"], "kinds": ["Deployment", "ReplicaSet"]}]\n]"\n'
    )
    assert read_sync_annotation(library_style) == frozenset(
        {
            ("", "v1", "Node"),
            ("apps", "v1", "Deployment"),
            ("apps", "v1", "ReplicaSet"),
            ("extensions", "v1", "Deployment"),
            ("extensions", "v1", "ReplicaSet"),
        }
    )
    assert read_sync_annotation("null") == frozenset()
    # Gatekeeper refuses unknown fields and anything that is not [[clause]]: the annotation then says nothing.
    assert read_sync_annotation('[[{"groups": [""], "versions": ["v1"], "kinds": ["Node"], "x": 1}]]') is None
    assert read_sync_annotation('[{"groups": [""]}]') is None
    assert read_sync_annotation("[[") is None


def test_needs_from_annotation_then_literal_refs_then_unknown(tmp_path: Path) -> None:
    node = '[[{"groups": [""], "versions": ["v1"], "kinds": ["Node"]}]]'
    declared = f"{{metadata.gatekeeper.sh/requires-sync-data: '\"{node}\"'}}"
    # The annotation wins over the Rego (the cluster syncs what it declares).
    assert sync_needs(template(tmp_path, annotations=declared)) == frozenset({("", "v1", "Node")})
    assert sync_needs(template(tmp_path)) == frozenset({("apps", "v1", "Deployment")})
    cluster = 'data.inventory.cluster["v1"]["Node"]'
    assert sync_needs(template(tmp_path, read=cluster)) == frozenset({("", "v1", "Node")})
    assert sync_needs(template(tmp_path, read=ALIASED)) is None
    assert sync_needs(template(tmp_path, read='data.inventory.namespace[ns]["apps/v1"][input.parameters.kind]')) is None
    assert sync_needs(template(tmp_path, read="{1}")) == frozenset()


def test_bundled_templates_need_only_what_the_sync_sets_name() -> None:
    policies, problems = load_policies((), ())
    assert not problems
    objects = [NODE, NAMESPACE, DEPLOYMENT, CONFIGMAP]
    assert inventory_objects(policies.templates.values(), objects) == [NODE, NAMESPACE, CONFIGMAP]


def test_namespaces_are_kept_and_unknown_needs_keep_everything(tmp_path: Path) -> None:
    objects = [NODE, NAMESPACE, DEPLOYMENT, CONFIGMAP]
    assert inventory_objects([template(tmp_path)], objects) == [NAMESPACE, DEPLOYMENT]
    assert inventory_objects([template(tmp_path, read=ALIASED)], objects) == objects


@pytest.mark.parametrize("read", [LITERAL, ALIASED])
def test_a_users_template_still_sees_the_kinds_it_reads(read: str, engine: Engine, tmp_path: Path) -> None:
    """Through eval: a template reading Deployments (literally, or through an alias) gets the manifests' ones."""
    template(tmp_path, read=read)
    manifests = tmp_path / "manifests.yaml"
    manifests.write_text(
        "\n---\n".join(
            [
                "{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: apps}}",
                "{apiVersion: apps/v1, kind: Deployment, metadata: {name: api, namespace: apps}}",
                "{apiVersion: v1, kind: ConfigMap, metadata: {name: cm, namespace: apps}}",
            ]
        )
    )
    options = EvalOptions(paths=[str(manifests)], templates=[str(tmp_path / "template.yaml")])
    result = run_eval(options, engine)
    assert [f.message for f in result.findings if f.constraint_kind == "K8sReplicas"] == ["2 Deployments in apps"]


def test_declared_sync_reads_syncsets_and_the_config() -> None:
    objects = [
        {
            "apiVersion": "syncset.gatekeeper.sh/v1alpha1",
            "kind": "SyncSet",
            "spec": {
                "gvks": [
                    {"group": "", "version": "v1", "kind": "LimitRange"},
                    {"group": "apps", "version": "v1", "kind": "Deployment"},
                ]
            },
        },
        {
            "apiVersion": "config.gatekeeper.sh/v1alpha1",
            "kind": "Config",
            "spec": {
                "sync": {
                    "syncOnly": [
                        {"version": "v1", "kind": "LimitRange"},
                        {"group": "policy", "version": "v1", "kind": "PodDisruptionBudget"},
                    ]
                }
            },
        },
        {"apiVersion": "v1", "kind": "ConfigMap", "spec": {"gvks": [{"version": "v1", "kind": "Secret"}]}},
        {"apiVersion": "syncset.gatekeeper.sh/v1alpha1", "kind": "SyncSet", "spec": {"gvks": "broken"}},
    ]
    assert declared_sync(objects) == [
        ("", "v1", "LimitRange"),
        ("apps", "v1", "Deployment"),
        ("policy", "v1", "PodDisruptionBudget"),
    ]


def test_cluster_kinds_adds_what_the_templates_need_to_the_syncsets(tmp_path: Path) -> None:
    needs_deployments = template(tmp_path)  # its literal refs name apps/v1 Deployment
    wanted = cluster_kinds([needs_deployments], [("", "v1", "ConfigMap"), ("", "v1", "Node")])
    core = [("", "v1", "Node"), ("", "v1", "Namespace"), ("", "v1", "ConfigMap")]
    assert wanted.kinds == [*core, ("apps", "v1", "Deployment")]
    assert wanted.untold == []
    untold = template(tmp_path, read=ALIASED)  # read through an alias: which kinds cannot be told
    wanted = cluster_kinds([untold], [("", "v1", "ConfigMap")])
    assert wanted.kinds == core
    assert wanted.untold == ["k8sreplicas"]
