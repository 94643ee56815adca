"""A broken inventory never turns errors into passes (issue 12): exit 2 with the file and line, as the API server
refuses such Nodes (tests/cluster/test_inventory.py sends the same Nodes to the real kube-apiserver), and an
inventory without any Node is a warning that names it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_eval import EXAMPLES, run

NODES: dict[str, Any] = json.loads((EXAMPLES / "inventory" / "nodes.json").read_text(encoding="utf-8"))
NAMESPACES = str(EXAMPLES / "inventory" / "namespaces.yaml")
# A workspace that gets BND020 (user namespaces off on its Bottlerocket nodes) with the real inventory.
WORKSPACE = str(EXAMPLES / "manifests" / "06-bottlerocket-userns-off.yaml")


def _tainted() -> tuple[dict[str, Any], int]:
    nodes = copy.deepcopy(NODES)
    index = next(i for i, node in enumerate(nodes["items"]) if node.get("spec", {}).get("taints"))
    return nodes, index


def _taints_as_string() -> dict[str, Any]:
    nodes, index = _tainted()
    nodes["items"][index]["spec"]["taints"] = "dedicated=boundary:NoSchedule"
    return nodes


def _labels_as_list() -> dict[str, Any]:
    nodes = copy.deepcopy(NODES)
    for node in nodes["items"]:
        node["metadata"]["labels"] = [f"{k}={v}" for k, v in node["metadata"]["labels"].items()]
    return nodes


def _duplicate_names() -> dict[str, Any]:
    nodes = copy.deepcopy(NODES)
    nodes["items"][1]["metadata"]["name"] = nodes["items"][0]["metadata"]["name"]
    return nodes


def _bad_taint_effect() -> dict[str, Any]:
    nodes, index = _tainted()
    nodes["items"][index]["spec"]["taints"][0]["effect"] = "NoScheduleAtAll"
    return nodes


def _numeric_kernel() -> dict[str, Any]:
    nodes = copy.deepcopy(NODES)
    nodes["items"][0]["status"]["nodeInfo"]["kernelVersion"] = 6.1
    return nodes


def test_the_real_inventory_gives_the_error() -> None:
    result = run("eval", WORKSPACE, "--inventory", str(EXAMPLES / "inventory"))
    assert result.returncode == 1 and "BND020" in result.stdout, result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no Kubernetes objects in this inventory file"),
        ('{"apiVersion": "v1", "kind": "List", "items": []}', "no Kubernetes objects in this inventory file"),
        (_taints_as_string(), "spec.taints must be a list"),
        (_labels_as_list(), "metadata.labels must be a map of strings, not a list"),
        (_duplicate_names(), "is in the inventory twice (first at nodes.json:"),
        (_bad_taint_effect(), "effect: Unsupported value: 'NoScheduleAtAll'"),
        (_numeric_kernel(), "status.nodeInfo.kernelVersion must be a string"),
    ],
    ids=[
        "zero-bytes",
        "empty-list",
        "taints-string",
        "labels-list",
        "duplicate-names",
        "taint-effect",
        "kernel-number",
    ],
)
def test_a_broken_inventory_exits_2_at_its_line(tmp_path: Path, content: Any, message: str) -> None:
    text = content if isinstance(content, str) else json.dumps(content, indent=2)
    (tmp_path / "nodes.json").write_text(text, encoding="utf-8")
    result = run("eval", WORKSPACE, "--inventory", "nodes.json", "--inventory", NAMESPACES, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert message in result.stderr, result.stderr
    located = [line for line in result.stderr.splitlines() if line.strip().startswith("nodes.json")]
    assert located, result.stderr
    if text:
        assert all(line.strip().startswith("nodes.json:") for line in located), located  # with a line


def test_an_inventory_without_a_node_is_a_warning_naming_it() -> None:
    result = run("eval", WORKSPACE, "--inventory", NAMESPACES)
    assert result.returncode in (0, 1), result.stderr
    assert f"warning: the inventory ({NAMESPACES}) holds no Node" in result.stderr
    with_nodes = run("eval", WORKSPACE, "--inventory", str(EXAMPLES / "inventory"))
    assert "holds no Node" not in with_nodes.stderr
