"""The documents eval reads are the ones the real kubectl applies (issue 12): `kubectl apply -R -f` with a
server-side dry-run on tests/fixtures/kubectl (a JSON stream, surrogate escapes, a BOM after `---`, hidden
files and directories, a `.YAML` file, objects without a namespace) creates exactly the objects, namespaces and
values the loader gives."""

from __future__ import annotations

import json

import pytest

from boundary_policy.loading import load_paths
from boundary_policy.scope import with_default_namespace
from tests.cluster.harness import Cluster
from tests.loading.test_kubectl_documents import KUBECTL, identities

pytestmark = pytest.mark.cluster


def test_kubectl_applies_what_eval_reads(cluster: Cluster) -> None:
    completed = cluster.kubectl("apply", "--dry-run=server", "-R", "-f", str(KUBECTL), "-o", "json")
    answer = json.loads(completed.stdout)
    applied = answer["items"] if answer.get("kind") == "List" else [answer]
    kubectl = {(o["metadata"]["name"], o["metadata"].get("namespace", "")): o.get("data") for o in applied}
    ours = with_default_namespace(load_paths([str(KUBECTL)]).documents, "default", {})
    assert identities(ours) == set(kubectl)
    assert {(d.obj["metadata"]["name"], d.obj["metadata"]["namespace"]): d.obj.get("data") for d in ours} == kubectl
