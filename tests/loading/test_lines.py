"""Every field has its line; lines are absolute in the file across documents and List items."""

from __future__ import annotations

from pathlib import Path

from boundary_policy.loading import load_paths
from tests.loading.helpers import load, problems, write

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "loading"
ROOT = Path(__file__).resolve().parent.parent.parent


def test_multi_document_lines_are_absolute_and_empty_documents_skipped() -> None:
    result = load_paths(["tests/fixtures/loading/workspace.yaml"], cwd=ROOT)
    assert problems(result) == []
    service, deployment = result.documents
    assert (service.file, service.obj["kind"], service.line) == ("tests/fixtures/loading/workspace.yaml", "Service", 4)
    assert (deployment.obj["kind"], deployment.line) == ("Deployment", 15)
    container = ("spec", "template", "spec", "containers", 0)
    assert deployment.line_of((*container, "securityContext", "capabilities", "add", 1)) == 39
    assert deployment.line_of((*container, "securityContext", "capabilities", "add", 0)) == 38
    assert deployment.line_of((*container, "securityContext", "seccompProfile", "type")) == 41
    assert deployment.line_of((*container, "name")) == 33
    assert deployment.line_of(container) == 33
    assert deployment.line_of(("spec", "replicas")) == 23
    assert service.line_of(("spec", "ports", 0, "port")) == 13


def test_missing_paths_fall_back_to_the_longest_existing_prefix() -> None:
    deployment = load_paths([str(FIXTURES / "workspace.yaml")]).documents[1]
    container = ("spec", "template", "spec", "containers", 0)
    assert deployment.line_of((*container, "securityContext", "privileged")) == 35
    assert deployment.line_of((*container, "securityContext", "capabilities", "drop", 0)) == 36
    assert deployment.line_of(("spec", "template", "spec", "initContainers", 0, "image")) == 31
    assert deployment.line_of(("status",)) == deployment.line == 15
    assert deployment.line_of(()) == 15


def test_list_items_become_objects_with_their_own_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "list.yaml",
        "apiVersion: v1\n"
        "kind: List\n"
        "items:\n"
        "  - apiVersion: v1\n"
        "    kind: Pod\n"
        "    metadata: {name: a}\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: dev\n"
        "  - apiVersion: v1\n"
        "    kind: Pod\n"
        "    metadata:\n"
        "      name: b\n",
    )
    result = load(tmp_path, "list.yaml")
    assert problems(result) == []
    a, b = result.documents
    assert (a.obj["metadata"], a.line, b.obj["metadata"], b.line) == ({"name": "a"}, 4, {"name": "b"}, 10)
    assert a.line_of(("spec", "containers", 0, "name")) == 9
    assert a.line_of(("spec", "containers", 0, "image")) == 9
    assert b.line_of(("metadata", "name")) == 13
    assert b.line_of(("spec",)) == 10
    assert dict(a.lines) == {
        ("apiVersion",): 4,
        ("kind",): 5,
        ("metadata",): 6,
        ("metadata", "name"): 6,
        ("spec",): 7,
        ("spec", "containers"): 8,
        ("spec", "containers", 0): 9,
        ("spec", "containers", 0, "name"): 9,
    }


def test_typed_lists_from_the_api_give_items_their_kind() -> None:
    result = load_paths([str(FIXTURES / "nodes-api.json")])
    assert problems(result) == []
    (node,) = result.documents
    assert (node.obj["apiVersion"], node.obj["kind"], node.obj["metadata"]["name"]) == (
        "v1",
        "Node",
        "fargate-ip-10-0-3-7.ec2.internal",
    )
    assert node.line == 2
    assert node.line_of(("status", "nodeInfo", "osImage")) == 3


def test_json_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "m.json",
        '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "spec": {\n    "containers": [\n    ]\n  }\n}\n',
    )
    (pod,) = load(tmp_path, "m.json").documents
    assert (pod.line, pod.line_of(("kind",)), pod.line_of(("spec", "containers"))) == (1, 3, 5)


def test_crlf_and_byte_order_mark(tmp_path: Path) -> None:
    text = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: a\r\n---\r\napiVersion: v1\r\nkind: Pod\r\n"
    write(tmp_path, "m.yaml", b"\xef\xbb\xbf" + text.encode())
    result = load(tmp_path, "m.yaml")
    assert problems(result) == []
    first, second = result.documents
    assert first.obj == {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}
    assert (first.line, first.line_of(("metadata", "name")), second.line) == (1, 4, 6)


def test_aliased_fields_have_the_line_of_the_anchor(tmp_path: Path) -> None:
    write(tmp_path, "m.yaml", "apiVersion: v1\nkind: Pod\nx: &a\n  k: 1\nz: *a\n")
    (pod,) = load(tmp_path, "m.yaml").documents
    assert (pod.line_of(("x", "k")), pod.line_of(("z",)), pod.line_of(("z", "k"))) == (4, 5, 4)
