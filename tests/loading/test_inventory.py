"""load_inventory: the cluster objects a manifest does not show, in the shapes people have them."""

from __future__ import annotations

import io
from pathlib import Path

from boundary_policy.loading import load_inventory
from tests.loading.helpers import problems, write

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "loading"
ROOT = Path(__file__).resolve().parent.parent.parent


def kinds_and_names(paths: list[str]) -> list[tuple[str, str, str]]:
    result = load_inventory(paths, cwd=ROOT)
    assert problems(result) == []
    return [(d.obj["apiVersion"], d.obj["kind"], d.obj["metadata"]["name"]) for d in result.documents]


def test_kubectl_get_nodes_json_is_a_list_of_nodes() -> None:
    assert kinds_and_names(["tests/fixtures/loading/nodes-kubectl.json"]) == [
        ("v1", "Node", "ip-10-0-1-5.ec2.internal"),
        ("v1", "Node", "ip-10-0-2-9.ec2.internal"),
    ]
    second = load_inventory(["tests/fixtures/loading/nodes-kubectl.json"], cwd=ROOT).documents[1]
    assert (second.line, second.line_of(("status", "nodeInfo", "osImage"))) == (27, 39)


def test_a_node_list_from_the_api_and_yaml_objects_of_every_inventory_kind() -> None:
    assert kinds_and_names(["tests/fixtures/loading/nodes-api.json", "tests/fixtures/loading/inventory.yaml"]) == [
        ("v1", "Node", "fargate-ip-10-0-3-7.ec2.internal"),
        ("v1", "Namespace", "coder"),
        ("v1", "Node", "ip-10-0-4-2.ec2.internal"),
        ("karpenter.sh/v1", "NodePool", "workspaces"),
        ("karpenter.k8s.aws/v1", "EC2NodeClass", "bottlerocket"),
        ("v1", "ConfigMap", "boundary-config"),
    ]
    (node_class,) = [
        d for d in load_inventory([str(FIXTURES / "inventory.yaml")]).documents if d.obj["kind"] == "EC2NodeClass"
    ]
    assert '"user.max_user_namespaces" = "16384"' in node_class.obj["spec"]["userData"]


def test_inventory_from_stdin() -> None:
    nodes = (FIXTURES / "nodes-kubectl.json").read_bytes()
    result = load_inventory(["-"], stdin=io.BytesIO(nodes), cwd=ROOT)
    assert [(d.file, d.obj["metadata"]["name"]) for d in result.documents] == [
        ("<stdin>", "ip-10-0-1-5.ec2.internal"),
        ("<stdin>", "ip-10-0-2-9.ec2.internal"),
    ]


def test_inventory_objects_need_a_name_and_loader_problems_are_kept(tmp_path: Path) -> None:
    write(
        tmp_path,
        "nodes.yaml",
        "apiVersion: v1\nkind: Node\nmetadata:\n  generateName: ip-\n---\n"
        "apiVersion: v1\nkind: Node\n---\n"
        "apiVersion: v1\nkind: Node\nmetadata: {name: good}\n---\n"
        "kind: [\n",
    )
    result = load_inventory(["nodes.yaml", "missing.json"], cwd=tmp_path)
    assert [d.obj["metadata"]["name"] for d in result.documents] == ["good"]
    assert problems(result) == [
        (
            "nodes.yaml",
            14,
            "invalid YAML: did not find expected node content while parsing a flow node (line 14, column 1)",
        ),
        ("missing.json", None, "no such file or directory"),
        ("nodes.yaml", 3, "inventory Node has no metadata.name"),
        ("nodes.yaml", 6, "inventory Node has no metadata.name"),
    ]
