"""Bad input becomes a LoadProblem with the message a user sees, the file and the line; the run goes on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from boundary_policy.loading import LoadLimits
from tests.loading.helpers import load, only_problem, problems, write

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"


@pytest.mark.parametrize(
    ("name", "content", "line", "message"),
    [
        (
            "indent.yaml",
            POD + "   bad: indent\n",
            5,
            "invalid YAML: mapping values are not allowed in this context (line 5, column 7)",
        ),
        (
            "quote.yaml",
            'a: "unterminated\n',
            2,
            "invalid YAML: found unexpected end of stream while scanning a quoted scalar (line 2, column 1)",
        ),
        (
            "tab.yaml",
            "a: b\n\tc: d\n",
            2,
            "invalid YAML: found a tab character that violates indentation while scanning a plain scalar"
            " (line 2, column 1)",
        ),
        ("alias.yaml", "a: *nope\n", 1, "invalid YAML: found undefined alias (line 1, column 4)"),
        ("control.yaml", "a: é\x07\n", 1, "invalid YAML: control character U+0007 is not allowed (line 1, column 5)"),
        (
            "deep.yaml",
            "[" * 1200 + "]" * 1200,
            1,
            "invalid YAML: exceeded maximum nesting depth while increasing flow level (line 1, column 1001)",
        ),
        (
            "broken.json",
            '{"apiVersion": "v1" "kind": "Pod"}',
            1,
            "invalid JSON: did not find expected ',' or '}' while parsing a flow mapping (line 1, column 21)",
        ),
    ],
)
def test_syntax_errors_give_line_and_column(tmp_path: Path, name: str, content: str, line: int, message: str) -> None:
    assert only_problem(tmp_path, name, content) == (name, line, message)


def test_a_syntax_error_keeps_the_documents_before_it_and_other_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", POD + "---\napiVersion: v1\nkind: [\n---\n" + POD)
    write(tmp_path, "b.yaml", POD)
    result = load(tmp_path, "a.yaml", "b.yaml")
    assert [(d.file, d.line) for d in result.documents] == [("a.yaml", 1), ("b.yaml", 1)]
    assert problems(result) == [
        ("a.yaml", 8, "invalid YAML: did not find expected node content while parsing a flow node (line 8, column 1)")
    ]
    assert result.files == 2


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("- a\n- b\n", 1, "document is a list, not a Kubernetes object (a mapping)"),
        ("\n\nhello world\n", 3, "document is the value 'hello world', not a Kubernetes object (a mapping)"),
        ("x" * 50, 1, f"document is the value '{'x' * 40}…', not a Kubernetes object (a mapping)"),
        ("metadata:\n  name: a\n", 1, "not a Kubernetes object: no apiVersion and no kind"),
        ("kind: Pod\n", 1, "not a Kubernetes object: no apiVersion"),
        ("apiVersion: v1\n", 1, "not a Kubernetes object: no kind"),
        ("apiVersion: v1\nkind:\n", 2, "kind must be a non-empty string"),
        ("apiVersion: 1\nkind: Pod\n", 1, "apiVersion must be a non-empty string"),
        ("apiVersion: v1\nkind: List\nitems: {}\n", 3, "the items of a List must be a list"),
    ],
)
def test_documents_that_are_not_kubernetes_objects(tmp_path: Path, content: str, line: int, message: str) -> None:
    assert only_problem(tmp_path, "m.yaml", content) == ("m.yaml", line, message)


def test_list_items_that_are_not_objects_are_reported_one_by_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        "l.yaml",
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: a}\n  - 5\n  - {}\n",
    )
    result = load(tmp_path, "l.yaml")
    assert [d.obj["metadata"]["name"] for d in result.documents] == ["a"]
    assert problems(result) == [
        ("l.yaml", 7, "item 1 of the List is not an object"),
        ("l.yaml", 8, "not a Kubernetes object: no apiVersion and no kind"),
    ]


def test_duplicate_keys_are_reported_and_the_last_value_wins_as_in_gator(tmp_path: Path) -> None:
    write(
        tmp_path,
        "m.yaml",
        POD + "spec:\n  containers:\n    - name: a\n      image: one\n      image: two\n  true: 1\n  y: 2\n  name: x\n",
    )
    result = load(tmp_path, "m.yaml")
    assert problems(result) == [
        ("m.yaml", 9, "duplicate key 'image' (first at line 8)"),
        ("m.yaml", 11, "duplicate key 'y' (read as 'true', first at line 10)"),
    ]
    (pod,) = result.documents
    assert pod.obj["spec"] == {"containers": [{"name": "a", "image": "two"}], "true": 2, "name": "x"}


def test_a_merge_does_not_count_as_a_duplicate_but_a_repeated_key_does(tmp_path: Path) -> None:
    write(tmp_path, "m.yaml", POD + "b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n  p: 3\n  p: 4\n")
    result = load(tmp_path, "m.yaml")
    assert problems(result) == [("m.yaml", 10, "duplicate key 'p' (first at line 9)")]
    assert result.documents[0].obj["c"] == {"x": 2, "p": 4}


def test_alias_bombs_are_rejected_fast(tmp_path: Path) -> None:
    levels = ['lol0: &lol0 "lol"'] + [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 10)]
    write(tmp_path, "bomb.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n" + "".join(f"  {x}\n" for x in levels))
    started = time.perf_counter()
    result = load(tmp_path, "bomb.yaml")
    assert time.perf_counter() - started < 1
    assert result.documents == []
    assert problems(result) == [
        ("bomb.yaml", 1, "YAML aliases expand this document by more than 100000 nodes (an alias bomb?)")
    ]


def test_the_alias_limit_is_configurable_and_normal_anchors_pass(tmp_path: Path) -> None:
    write(tmp_path, "m.yaml", POD + "a: &a [1, 2, 3]\nb: [*a, *a]\n")
    assert problems(load(tmp_path, "m.yaml")) == []
    limited = load(tmp_path, "m.yaml", limits=LoadLimits(max_alias_expansion=7))
    assert problems(limited) == [
        ("m.yaml", 1, "YAML aliases expand this document by more than 7 nodes (an alias bomb?)")
    ]


def test_recursive_alias(tmp_path: Path) -> None:
    message = "YAML anchor refers to itself (a recursive alias cannot be JSON)"
    assert only_problem(tmp_path, "m.yaml", POD + "spec: &s\n  self: *s\n") == ("m.yaml", 5, message)


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("v: .inf", 5, "'.inf' is not a JSON number (infinity and NaN cannot be sent to the API server)"),
        ("v: [1, -.Inf]", 5, "'-.Inf' is not a JSON number (infinity and NaN cannot be sent to the API server)"),
        ("v:\n  w: .nan", 6, "'.nan' is not a JSON number (infinity and NaN cannot be sent to the API server)"),
        ("~: x", 5, "mapping key null cannot be converted to a JSON key"),
        (
            "9223372036854775808: x",
            5,
            "mapping key '9223372036854775808' (too large for int64) cannot be converted to a JSON key",
        ),
        ("? [a]\n: x", 5, "a list cannot be a mapping key in a Kubernetes object"),
        ("? {a: 1}\n: x", 5, "a mapping cannot be a mapping key in a Kubernetes object"),
        ("v: !!int abc", 5, "cannot decode !!str `abc` as a !!int"),
        ("v: !!bool 1", 5, "cannot decode !!int `1` as a !!bool"),
        ("v: !!null x", 5, "cannot decode !!str `x` as a !!null"),
        ("v: !!timestamp 2001-13-01", 5, "cannot decode !!str `2001-13-01` as a !!timestamp"),
        ("v: !!binary aGVsbG8", 5, "!!binary value contains invalid base64 data"),
        ("v:\n  <<: 5", 6, "a merge key '<<' needs a mapping or a list of mappings"),
    ],
)
def test_values_json_or_go_yaml_cannot_hold(tmp_path: Path, extra: str, line: int, message: str) -> None:
    assert only_problem(tmp_path, "m.yaml", POD + extra + "\n") == ("m.yaml", line, message)


def test_too_many_documents(tmp_path: Path) -> None:
    write(tmp_path, "m.yaml", "---\n".join([POD] * 4))
    result = load(tmp_path, "m.yaml", limits=LoadLimits(max_documents_per_file=3))
    assert len(result.documents) == 3
    assert problems(result) == [("m.yaml", 16, "more than 3 documents in one file; the rest is not read")]


def test_nesting_beyond_python_recursion_is_a_problem(tmp_path: Path) -> None:
    # libyaml allows 1000 levels, which is deeper than the converter may recurse.
    body = "".join("  " * level + f"k{level}:\n" for level in range(990)) + "  " * 990 + "v: 1\n"
    problem = only_problem(
        tmp_path, "m.yaml", POD + "deep:\n" + "".join("  " + line + "\n" for line in body.splitlines())
    )
    assert problem == ("m.yaml", 1, "document is nested too deeply")
