"""The v0 -> v1 rewrite: OPA parses the rewritten text to the same AST, on the same lines, as the v0 original."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from boundary_policy.engine import Module, OpaCliEngine, open_engine
from boundary_policy.regov0 import v0_to_v1

SAMPLES = {
    "partial set, multi-line head, comment in head": """package a

violation[{"msg": msg, # the message
           "details": {"x": x}}] {
  x := input.x
  msg := sprintf("%v", [x])
}
""",
    "multi-body rule, same line and next line": """package a

p { input.a } { input.b }
q[x] { x := input.c }
{ x := input.d }
r = 1 { input.e } { input.f }
""",
    "else chains on functions and booleans": """package a

f(x) = "big" {
  x > 10
} else = "small" {
  x < 3
} else = "medium" {
  true
}

g(x) {
  x == 1
} else {
  x == 2
}

h(x) = y { y := x * 2 }
""",
    "partial object, default, bodyless set member, constants": """package a

default allow = false
allow { input.ok }
m[k] = v { v := input.m[k] }
n[k] := v { some k; v := input.n[k] }
deny["constant"]
deny[sprintf("%v", [1])]
obj := {"a": {"b": [1, 2, {"c": 3}]}}
s := {1, 2}
""",
    "future keywords already in use": """package a

import future.keywords.in
import future.keywords.if
import future.keywords.contains

v contains x if { some x in input.xs }
w[x] if { some x in input.ys }
t if { 1 in [1] }
u := 1 if { true } else := 2
""",
    "strings and raw strings with braces": """package a

p[msg] {
  msg := "a { b } [c]"
  re := `^\\{[a-z]+\\}$`
  regex.match(re, "{ab}")
}
""",
    "lib with imports and duplicates": """package lib.a

import data.lib.b
import data.lib.b
import future.keywords

q(x) = y {
  y := b.helper(x)
}
""",
    "ref heads": """package a

a.b.c[x] { x := input.d }
a.b.e = 1 { true }
""",
}


def _strip(node: Any) -> Any:
    """Drop columns and source text from locations: only rows must survive the rewrite.

    Locations inside a rule head are dropped too: a head repeated for a split multi-body rule sits
    on the line of its body, and errors point at rules and expressions, not at head terms.
    """
    if isinstance(node, dict):
        if "head" in node and "body" in node:
            node = {**node, "head": _strip_locations(node["head"])}
        return {
            k: ({"row": v["row"]} if k == "location" and isinstance(v, dict) else _strip(v))
            for k, v in node.items()
            if k != "text"
        }
    if isinstance(node, list):
        return [_strip(x) for x in node]
    return node


def _strip_locations(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_locations(v) for k, v in node.items() if k not in ("location", "text")}
    if isinstance(node, list):
        return [_strip_locations(x) for x in node]
    return node


def _parse(opa: str, tmp: Path, source: str, v0: bool) -> Any:
    path = tmp / "m.rego"
    path.write_text(source)
    args = [opa, "parse", "--format", "json", "--json-include", "locations", str(path)]
    completed = subprocess.run([*args, *(["--v0-compatible"] if v0 else [])], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return _strip(json.loads(completed.stdout))


@pytest.mark.opa
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_same_ast_and_rows_as_v0(name: str, opa_bin: str, tmp_path: Path) -> None:
    source = SAMPLES[name]
    rewritten = v0_to_v1(source)
    assert rewritten.count("\n") == source.count("\n")
    expected = _parse(
        opa_bin, tmp_path, source.replace("import data.lib.b\nimport data.lib.b", "import data.lib.b\n"), True
    )
    actual = _parse(opa_bin, tmp_path, rewritten, False)
    assert actual["rules"] == expected["rules"]
    assert actual.get("imports") == expected.get("imports")


def test_rewrites_read_as_expected() -> None:
    out = v0_to_v1(SAMPLES["multi-body rule, same line and next line"])
    assert "p if { input.a } p if { input.b }" in out
    assert "q contains x if { x := input.c }\nq contains x if { x := input.d }" in out
    assert "r = 1 if { input.e } r = 1 if { input.f }" in out
    assert 'deny contains "constant"' in v0_to_v1(SAMPLES["partial object, default, bodyless set member, constants"])
    # `w[x] if` is already the ref-head rule w[x] = true in v0: it must not become a set.
    assert "w[x] if" in v0_to_v1(SAMPLES["future keywords already in use"])


def test_v1_modules_are_left_alone() -> None:
    source = "package a\n\nimport rego.v1\n\np contains 1 if { true }\n"
    assert v0_to_v1(source) == source


DEPRECATED = """package a

r := {
  "any_true": any([false, true]),
  "any_empty": any([]),
  "all_true": all([true, true]),
  "all_mixed": all({true, false}),
  "all_empty": all([]),
  "set_diff": set_diff({1, 2, 3}, {2}),
  "cast_array": cast_array({1}),
  "cast_set": cast_set([1, 1, 2]),
  "re_match": re_match("^a+$", "aaa"),
  "cidr": net.cidr_overlap("10.0.0.0/8", "10.1.2.3"),
}
"""


@pytest.mark.opa
def test_deprecated_builtins_keep_their_results(opa_bin: str) -> None:
    original = OpaCliEngine(opa_bin).compile([Module("m.rego", DEPRECATED)], rego_version="v0")
    rewritten = open_engine("embedded").compile([Module("m.rego", v0_to_v1(DEPRECATED))])
    try:
        v0 = original.evaluate("data.a.r", [{}])
        v1 = rewritten.evaluate("data.a.r", [{}])
    finally:
        original.close()
        rewritten.close()
    assert v0[0].defined
    assert v1 == v0
    assert v0[0].value["any_true"] is True and v0[0].value["all_mixed"] is False
