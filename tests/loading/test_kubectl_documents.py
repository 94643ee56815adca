"""Documents kubectl reads are read (issue 12): a JSON stream of one object per line, UTF-16 surrogate escapes in JSON,
a byte order mark after `---`, the files `kubectl apply -R -f dir/` finds, and the namespace kubectl gives an
object that names none. tests/cluster/test_kubectl_reading.py checks the same directory with the real kubectl."""

from __future__ import annotations

from pathlib import Path

from boundary_policy.loading import load_paths
from boundary_policy.model import Document
from boundary_policy.scope import crd_scopes, with_default_namespace

KUBECTL = Path(__file__).resolve().parent.parent / "fixtures" / "kubectl"

EXPECTED = {
    # (name, namespace kubectl gives it): what `kubectl apply -R -f tests/fixtures/kubectl` creates
    ("after-bom", "default"),
    ("before-bom", "default"),
    ("elsewhere", "kube-public"),
    ("hidden-dir", "default"),
    ("hidden-file", "default"),
    ("stream-a", "default"),
    ("stream-b", "default"),
    ("stream-c", "default"),
    ("surrogates", "default"),
}


def identities(documents: list[Document]) -> set[tuple[str, str]]:
    return {(d.obj["metadata"]["name"], d.obj["metadata"].get("namespace", "")) for d in documents}


def test_the_directory_reads_as_kubectl_reads_it() -> None:
    result = load_paths([str(KUBECTL)])
    assert result.problems == []
    placed = with_default_namespace(result.documents, "default", {})
    assert identities(placed) == EXPECTED  # UPPER.YAML is not read: kubectl compares extensions case-sensitively


def test_a_json_stream_keeps_its_lines() -> None:
    result = load_paths([str(KUBECTL / "stream.json")])
    assert [(d.obj["metadata"]["name"], d.line, d.line_of(("data", "k"))) for d in result.documents] == [
        ("stream-a", 1, 1),
        ("stream-b", 2, 2),
        ("stream-c", 3, 3),
    ]


def test_surrogate_escapes_read_as_go_reads_them() -> None:
    (document,) = load_paths([str(KUBECTL / "surrogates.json")]).documents
    assert document.obj["data"] == {"pair": "\U0001f600", "lone": "a\ufffdb", "slash": "/", "escaped": "\\ud83d"}


def test_objects_on_one_line_and_a_broken_stream(tmp_path: Path) -> None:
    one = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}'
    (tmp_path / "line.json").write_text(one + one.replace('"a"', '"b"') + "\n", encoding="utf-8")
    assert [d.obj["metadata"]["name"] for d in load_paths([str(tmp_path / "line.json")]).documents] == ["a", "b"]
    (tmp_path / "broken.json").write_text(one + "\n{oops\n", encoding="utf-8")
    broken = load_paths([str(tmp_path / "broken.json")])
    assert [d.obj["metadata"]["name"] for d in broken.documents] == ["a"]
    assert [(p.line, p.message.split(":")[0]) for p in broken.problems] == [(2, "invalid JSON")]


def test_namespaces_follow_the_kind_and_the_crds() -> None:
    def doc(api_version: str, kind: str) -> Document:
        return Document({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}, "f.yaml", 1)

    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "spec": {"group": "example.com", "names": {"kind": "Widget"}, "scope": "Namespaced"},
    }
    documents = [doc("v1", "Pod"), doc("v1", "Node"), doc("example.com/v1", "Widget"), doc("other.io/v1", "Thing")]
    placed = with_default_namespace(documents, "team-a", crd_scopes([crd]))
    assert [d.obj["metadata"].get("namespace") for d in placed] == ["team-a", None, "team-a", None]
    assert documents[0].obj["metadata"] == {"name": "x"}  # the object as written is unchanged
