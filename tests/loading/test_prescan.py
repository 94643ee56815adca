"""The prescan that lets `eval --jobs` leave workload-only files to the workers: it must never say "workloads
only" of a text in which the YAML reader finds anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from boundary_policy.k8s import group_version_kind
from boundary_policy.loading import Deferred, LoadLimits, load_paths, read_deferred
from boundary_policy.loading.convert import AliasBudget
from boundary_policy.loading.prescan import WORKLOAD_KINDS, workload_documents
from boundary_policy.loading.sources import Source

ROOT = Path(__file__).resolve().parents[2]
POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"
WORKLOAD_GVKS = {group_version_kind({"apiVersion": api, "kind": kind}) for api, kind in WORKLOAD_KINDS}

# YAML breaks lines at a lone CR, NEL, LS and PS too: a key or a `---` after one is a line of its own for the reader.
HIDDEN_LINES = [
    *(f"apiVersion: v1\nkind: Pod\nmetadata: x{brk}kind: ConstraintTemplate\n" for brk in "\r\x85\u2028\u2029"),
    "apiVersion: v1\nkind: Pod\nmetadata: x\r---\rapiVersion: v1\rkind: Namespace\rmetadata:\r  name: t\n",
    "apiVersion: v1\nkind: Pod\nmetadata: x\u2028---\u2028apiVersion: v1\u2028kind: Namespace\n",
]
# A plain value goes on over indented lines: `kind: Pod` then `  Extra` is the kind "Pod Extra".
CONTINUED_VALUES = [
    "apiVersion: v1\nkind: Pod\n  Extra\nmetadata:\n  name: a\n",
    "apiVersion: v1\n  beta\nkind: Pod\n",
    "apiVersion: v1\nkind: Pod\n\n  x\n",
    "apiVersion: v1\nkind: Pod\n  # indented comment\n",
]


@pytest.mark.parametrize(
    ("text", "documents"),
    [
        (POD, 1),
        (POD + "---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  x: |\n    kind: ConstraintTemplate\n", 2),
        ("# header\n---\n" + POD + "---\n# trailing\n", 1),
        (POD.replace("\n", "\r\n"), 1),
        ("# only a comment\n", 0),
    ],
)
def test_plain_workload_documents_are_counted(text: str, documents: int) -> None:
    assert workload_documents(text) == documents


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\n",
        "apiVersion: v1\nkind: Namespace\n",
        "apiVersion: example.com/v1\nkind: Pod\n",  # a custom resource of that name
        "{apiVersion: v1, kind: Pod}\n",
        '{"apiVersion": "v1", "kind": "Pod"}\n',
        "---\n  apiVersion: v1\n  kind: ConstraintTemplate\n",  # a document indented as a whole
        POD + "...\n  apiVersion: templates.gatekeeper.sh/v1\n  kind: ConstraintTemplate\n",  # begun after `...`
        'apiVersion: v1\nkind: "Pod"\n',
        "apiVersion: v1\nkind: Pod # a comment\n",
        POD + "kind: Namespace\n",  # a duplicate key: the last one wins
        "<<: *base\n" + POD,
        "--- !tagged\n" + POD,
        "%YAML 1.2\n---\n" + POD,
        "apiVersion: v1\nx: [\nkind: Pod\n]\n",  # a flow collection continued at column 0
        "apiVersion: v1\nmetadata:\n  name: a\n",  # no kind
        "- apiVersion: v1\n  kind: Pod\n",
        "? kind\n: Pod\napiVersion: v1\n",
        *HIDDEN_LINES,
        *CONTINUED_VALUES,
        POD + "---#c\n" + POD,  # `---#c` starts no document
        "apiVersion: v1\nkind: Pod\n---#x: y\napiVersion: apps/v1\nkind: Deployment\n",
    ],
)
def test_anything_else_is_not_taken_for_workloads(text: str) -> None:
    assert workload_documents(text) is None


def test_the_reader_agrees_on_every_odd_text_the_prescan_takes() -> None:
    """Of the odd texts above, those the prescan takes hold only workloads for the reader (as many as counted
    unless it reports a problem)."""
    texts = [
        POD + "spec:\n  x: |\n    kind: Namespace\n    ---\n    apiVersion: v1\n",
        POD + "spec:\n  x: [\nkind: Pod\n  ]\n",  # a second kind inside a flow collection at column 0
        POD + 'spec:\n  x: "a\nkind: Pod"\n',  # and inside a quoted scalar
        "apiVersion: v1\nmetadata:\n  x: 'a\nkind: Pod\nc: d'\n",  # a kind where there is none
        POD + "# kind: Namespace\n---\n# c\n" + POD,
        POD.replace("\n", "\r\n") + "---\r\n" + POD,
        POD + "spec:\n  x: &a [1]\n  y: *a\n",  # anchors: pipeline charges what the aliases add
    ]
    taken = 0
    for text in texts:
        counted = workload_documents(text)
        if counted is None:
            continue
        taken += 1
        read = read_deferred([Deferred(Source("f.yaml", text), counted)], LoadLimits(), AliasBudget(1_000))
        assert {group_version_kind(d.obj) for d in read.documents} <= WORKLOAD_GVKS, text
        assert len(read.documents) == counted or read.problems, text
    assert taken >= 5


def _yaml_files() -> list[Path]:
    roots = [ROOT / "examples", ROOT / "tests" / "fixtures", ROOT / "gatekeeper"]
    return sorted(path for root in roots for path in root.rglob("*") if path.suffix in (".yaml", ".yml"))


def test_the_reader_agrees_on_every_file_of_the_repository_it_takes() -> None:
    """Every YAML file of the examples, fixtures and bundle the prescan takes holds only workloads as the real
    reader reads it, as many as counted unless the reader stops at a problem (a Helm template is not YAML yet:
    the worker reports that as the parent would); and it takes some files (else this would check nothing)."""
    taken = 0
    for path in _yaml_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        counted = workload_documents(text)
        if counted is None:
            continue
        taken += 1
        loaded = load_paths([str(path)])
        assert {group_version_kind(d.obj) for d in loaded.documents} <= WORKLOAD_GVKS, path
        assert len(loaded.documents) == counted or loaded.problems, path
    assert taken >= 10


def test_deferred_files_read_later_give_what_a_direct_read_gives(tmp_path: Path) -> None:
    """load_paths(defer=...) lists the file without parsing it; read_deferred then gives the same documents, lines
    and problems (a syntax error still ends that file), and the file counts once."""
    (tmp_path / "a.yaml").write_text(POD + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: [\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n", encoding="utf-8")
    direct = load_paths([str(tmp_path)])

    def defer(source: Source) -> int | None:
        return workload_documents(source.text)

    first = load_paths([str(tmp_path)], defer=defer)
    assert [item.source.file for item in first.deferred] == [str(tmp_path / "a.yaml")]
    assert [d.obj["kind"] for d in first.documents] == ["Namespace"]
    assert (first.files, first.sources) == (direct.files, direct.sources)
    later = read_deferred(first.deferred, LoadLimits(), AliasBudget(LoadLimits().max_alias_expansion_per_run))
    assert [(d.obj, d.line, dict(d.lines)) for d in later.documents] == [
        (d.obj, d.line, dict(d.lines)) for d in direct.documents if d.obj["kind"] == "Pod"
    ]
    assert later.problems == direct.problems != []
