"""Values are what gator/kubectl (sigs.k8s.io/yaml, go-yaml v2) give, since objects go to Rego as JSON."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

from boundary_policy.loading import load_paths
from boundary_policy.loading.scalars import _go_float32_g
from tests.loading.helpers import load, problems, write

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "loading"
HEADER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"


def data_of(tmp_path: Path, body: str) -> object:
    write(tmp_path, "m.yaml", HEADER + body)
    result = load(tmp_path, "m.yaml")
    assert problems(result) == []
    assert len(result.documents) == 1
    return result.documents[0].obj["data"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),  # timestamps stay the text
        ("2002-12-14", "2002-12-14"),
        ("!!timestamp 2001-01-01", "2001-01-01"),
        ("!!binary aGVsbG8=", "hello"),  # go-yaml decodes !!binary into a string
        ("!!binary |\n    aGVs\n    bG8=", "hello"),
        ("y", True),
        ("Y", True),
        ("N", False),
        ("on", True),
        ("Off", False),
        ("yes", True),
        ("~", None),
        ("", None),
        ("0755", 493),
        ("0o17", 15),
        ("0x1F", 31),
        ("-0x1F", -31),
        ("0b101", 5),
        ("+12", 12),
        ("1_000", 1000),
        ("1e3", 1000),  # PyYAML reads this as a string
        ("1.5e-3", 0.0015),
        ("+.5", 0.5),
        (".5", 0.5),
        ("1.0", 1),  # integral floats come back from the JSON round trip as int64
        ("-0.0", 0),
        ("1e21", 1e21),
        ("9223372036854775807", 9223372036854775807),
        ("9223372036854775808", 9.223372036854776e18),  # uint64: a float64 after the JSON round trip
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("0xFFFFFFFFFFFFFFFFFF", "0xFFFFFFFFFFFFFFFFFF"),  # too large for any Go integer
        ("1e400", "1e400"),  # float overflow: a string
        ("08", 8),  # not octal, but a valid float
        ("1:20", "1:20"),  # PyYAML: base-60 integer 80
        ("=", "="),  # PyYAML: an unconstructable value tag
        ("'5'", "5"),
        ('"yes"', "yes"),
        ("!!str 5", "5"),
        ("!!float 1", 1),
        ('!!int "0x10"', 16),
        ("!foo bar", "bar"),  # unknown tags keep the text, as in go-yaml
        ("!!set {a, b}", {"a": None, "b": None}),
        ("[1, two, 3.5]", [1, "two", 3.5]),
    ],
)
def test_scalar_values_match_go_yaml(tmp_path: Path, written: str, expected: object) -> None:
    value = data_of(tmp_path, f"  v: {written}\n")
    assert value == {"v": expected}
    assert type(value["v"]) is type(expected)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1", "1"),
        ("0x10", "16"),
        ("true", "true"),
        ("y", "true"),
        ("no", "false"),
        ("1.5", "1.5"),
        (".5", "0.5"),
        ("1e3", "1000"),
        ("0.1", "0.1"),
        ("1e20", "1e+20"),
        ("123456789.0", "1.2345679e+08"),  # Go formats float keys at float32 precision
        ("-0.0", "-0"),
        (".inf", ".inf"),
        ("2001-01-01", "2001-01-01"),
        ("'1'", "1"),
    ],
)
def test_mapping_keys_become_strings_as_in_sigs_k8s_yaml(tmp_path: Path, written: str, expected: str) -> None:
    assert data_of(tmp_path, f"  {written}: v\n") == {expected: "v"}


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1e6, "1e+06"), (100000.0, "100000"), (12.0, "12"), (1.25e-5, "1.25e-05"), (0.0001, "0.0001"), (3e38, "3e+38")],
)
def test_float_keys_use_go_float32_g_format(number: float, expected: str) -> None:
    assert _go_float32_g(number) == expected
    assert _go_float32_g(-number) == "-" + expected
    assert _go_float32_g(1e300) == ".inf"
    assert _go_float32_g(math.nan) == ".nan"


def test_merge_keys_follow_go_yaml_v2(tmp_path: Path) -> None:
    body = (
        "  base: &base {a: 1, b: 2}\n"
        "  after: {a: 10, <<: *base}\n"
        "  before: {<<: *base, a: 10}\n"
        "  list:\n    <<: [{a: 1, c: 1}, {a: 2, d: 2}]\n"
        "  quoted: {'<<': x}\n"
    )
    assert data_of(tmp_path, body) == {
        "base": {"a": 1, "b": 2},
        "after": {"a": 1, "b": 2},  # v2 applies the merge where it stands: it overrides a key written before it
        "before": {"a": 10, "b": 2},
        "list": {"a": 1, "c": 1, "d": 2},  # earlier maps in the list win
        "quoted": {"<<": "x"},
    }


def test_aliases_are_expanded_into_independent_copies(tmp_path: Path) -> None:
    data = data_of(tmp_path, "  a: &x {k: [1]}\n  b: *x\n")
    assert isinstance(data, dict)
    assert data == {"a": {"k": [1]}, "b": {"k": [1]}}
    assert data["a"] is not data["b"]


def test_json_files_load_like_yaml(tmp_path: Path) -> None:
    write(
        tmp_path,
        "m.json",
        '{"apiVersion":"v1","kind":"ConfigMap",\n\t"metadata":{"name":"x"},"data":{"a":"1","n":1.0}}',
    )
    result = load(tmp_path, "m.json")
    assert problems(result) == []
    assert result.documents[0].obj == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x"},
        "data": {"a": "1", "n": 1},
    }


def test_the_whole_fixture_against_python_expectations() -> None:
    result = load_paths([str(FIXTURES / "go-yaml-values.yaml")])
    assert [(p.line, p.message) for p in result.problems] == [(36, "duplicate key 'dup' (first at line 35)")]
    data = result.documents[0].obj["data"]
    assert data["dup"] == "second"  # the last value wins, as in go-yaml and gator
    assert data["true"] == "y-key"


DUMP_TEMPLATE = """\
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sloaddump
spec:
  crd:
    spec:
      names:
        kind: K8sLoadDump
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sloaddump
        violation[{"msg": msg}] {
          msg := json.marshal(input.review.object)
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sLoadDump
metadata:
  name: dump
"""


@pytest.mark.gator
def test_objects_equal_what_gator_sends_to_rego(tmp_path: Path, gator_bin: str) -> None:
    """The real gator reads the fixture; a template echoes the object it received as JSON."""
    fixture = FIXTURES / "go-yaml-values.yaml"
    template = write(tmp_path, "dump.yaml", DUMP_TEMPLATE)
    run = subprocess.run(
        [gator_bin, "test", "-f", str(template), "-f", str(fixture), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # gator reviews every object it reads, the template and constraint included
    objects = [json.loads(result["msg"]) for result in json.loads(run.stdout or "[]")]
    seen_by_rego = [obj for obj in objects if obj["kind"] == "ConfigMap"]
    assert len(seen_by_rego) == 1, run.stderr
    loaded = load_paths([str(fixture)]).documents[0].obj
    # compared as text, so that 1 and 1.0 or a float and an int differ
    assert canonical(loaded) == canonical(seen_by_rego[0])


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
