"""The control plane is what docs/gatekeeper.md installs, on loopback only, and its admission is Gatekeeper's."""

from __future__ import annotations

import pytest
import yaml

from tests.cluster.harness import ROOT, Cluster, constraints, gatekeeper_manifest
from tests.cluster.inventory import read_objects

pytestmark = pytest.mark.cluster


def test_nothing_listens_beyond_loopback(cluster: Cluster) -> None:
    addresses = cluster.listening()
    assert addresses, "found no listening socket at all: the check would prove nothing"
    assert all(address.startswith("127.0.0.1:") for address in addresses), sorted(addresses)
    assert f"127.0.0.1:{cluster.ports['webhook']}" in addresses


def test_every_template_and_constraint_of_the_bundle_is_in_force(cluster: Cluster) -> None:
    shipped = {
        (obj["kind"], obj["metadata"]["name"])
        for path in (ROOT / "gatekeeper" / "constraints").glob("*.yaml")
        for obj in read_objects(path)
    }
    enforced = {
        (c["kind"], c["metadata"]["name"])
        for c in constraints(cluster.api)
        if all(pod.get("enforced") for pod in c["status"]["byPod"])
    }
    assert shipped <= enforced
    for template in cluster.api.list("templates.gatekeeper.sh/v1", "ConstraintTemplate"):
        errors = [error for pod in template["status"].get("byPod", []) for error in pod.get("errors") or []]
        assert template["status"].get("created") and not errors, (template["metadata"]["name"], errors)
    for path, api_version in (
        ("sync.yaml", "syncset.gatekeeper.sh/v1alpha1"),
        ("expansion.yaml", "expansion.gatekeeper.sh/v1beta1"),
    ):
        shipped_objects = read_objects(ROOT / "gatekeeper" / path)
        installed = cluster.api.list(api_version, shipped_objects[0]["kind"])
        assert {o["metadata"]["name"] for o in installed} == {o["metadata"]["name"] for o in shipped_objects}, path


def test_kubectl_lists_the_constraints_as_the_docs_say(cluster: Cluster) -> None:
    listed = cluster.kubectl("get", "constraints", "-o", "name").stdout.split()
    assert len(listed) >= len(list((ROOT / "gatekeeper" / "constraints").glob("*.yaml"))), listed


def test_webhooks_are_gatekeepers_own_pointed_at_the_local_process(cluster: Cluster) -> None:
    shipped = {
        doc["metadata"]["name"]: doc
        for doc in yaml.safe_load_all(gatekeeper_manifest().read_text(encoding="utf-8"))
        if doc and doc["kind"].endswith("WebhookConfiguration")
    }
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        for configuration in cluster.api.list("admissionregistration.k8s.io/v1", kind):
            original = shipped[configuration["metadata"]["name"]]
            for ours, theirs in zip(configuration["webhooks"], original["webhooks"], strict=True):
                assert ours["clientConfig"]["url"].startswith(f"https://127.0.0.1:{cluster.ports['webhook']}/")
                for setting in ("failurePolicy", "timeoutSeconds", "namespaceSelector", "sideEffects", "matchPolicy"):
                    assert ours[setting] == theirs[setting], (ours["name"], setting)
                # The API server adds the default `scope: "*"` to each rule.
                assert [{k: v for k, v in r.items() if k != "scope"} for r in ours["rules"]] == theirs["rules"]
