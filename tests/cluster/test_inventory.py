"""The inventory checks refuse what the real kube-apiserver refuses (issue 12): each broken Node of
tests/cli/test_broken_inventory.py is sent to the API server (server-side dry-run) and must be refused there,
and eval must refuse it too; the Nodes as exported are accepted by both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from boundary_policy.inventory import inventory_problems
from boundary_policy.model import Document
from tests.cli.test_broken_inventory import (
    NODES,
    _bad_taint_effect,
    _labels_as_list,
    _numeric_kernel,
    _taints_as_string,
)
from tests.cluster.harness import Cluster

pytestmark = pytest.mark.cluster


def _bad_name() -> dict[str, Any]:
    nodes = {"items": [dict(NODES["items"][0], metadata={**NODES["items"][0]["metadata"], "name": "Not_A_Node"})]}
    return nodes


def _broken_node(nodes: dict[str, Any]) -> dict[str, Any]:
    """The Node the variant changed (the first that differs from the exported one)."""
    return next(n for n, original in zip(nodes["items"], NODES["items"], strict=False) if n != original)


def _exported(node: dict[str, Any]) -> dict[str, Any]:
    """A Node as a client sends it: without the fields the server sets."""
    metadata = {k: v for k, v in node["metadata"].items() if k not in ("uid", "resourceVersion", "creationTimestamp")}
    return {**node, "metadata": metadata}


@pytest.mark.parametrize(
    "variant",
    [_taints_as_string, _labels_as_list, _bad_taint_effect, _numeric_kernel, _bad_name],
    ids=["taints-string", "labels-list", "taint-effect", "kernel-number", "node-name"],
)
def test_the_api_server_and_eval_refuse_the_same_nodes(cluster: Cluster, variant: Callable[[], dict[str, Any]]) -> None:
    node = _exported(_broken_node(variant()))
    answer = cluster.api.admit(node, dry_run=True)
    assert not answer.allowed and answer.status in (400, 422), (answer.status, answer.message)
    assert inventory_problems([Document(node, "nodes.json", 1)], ["nodes.json"])


def test_the_exported_nodes_are_accepted_by_both(cluster: Cluster) -> None:
    for node in NODES["items"]:
        answer = cluster.api.admit(_exported(node), dry_run=True)
        assert answer.allowed or answer.status == 409, (answer.status, answer.message)  # 409: already there
        assert inventory_problems([Document(node, "nodes.json", 1)], ["nodes.json"]) == []
