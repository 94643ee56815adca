"""What a policy shares across inputs (native/fold.go) changes no answer, and is shared.

Rules that cannot read the input and read data become constants, such functions are memoised by their
arguments. Every answer must be the one the policy gives without sharing: values, undefined, and errors (code,
message, location). tests/identity runs every suite and example with sharing from the first input as well.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from boundary_policy.engine import EmbeddedEngine, EngineError, Module, Outcome
from boundary_policy.engine.embedded import SHARING_ENV, EmbeddedPolicy
from boundary_policy.gatekeeper.client import shared_engine_groups, shared_modules, shared_query
from boundary_policy.gatekeeper.expansion import expand
from boundary_policy.gatekeeper.review import build_inventory, object_review
from boundary_policy.loading import load_inventory, load_paths
from boundary_policy.pipeline import load_policies

ROOT = Path(__file__).resolve().parents[2]

POLICY = """package t

import rego.v1

# Constants: read data, never the input.
nodes := data.inventory.nodes

default flag := false

flag if data.inventory.flag

# Undefined: left to each input, which meets it as before.
missing := data.inventory.nope

# Two values: an evaluation error wherever it is read.
clash := 1 if data.inventory.flag

clash := 2 if data.inventory.flag

# Memoised functions: the same arguments over and over, and new arguments every time.
count_of(kind) := count([n | some n in nodes; n.kind == kind])

echo(x) := [x, count(nodes)]

# 1 and 1.0 are equal to OPA, but not to sprintf: a memo must tell them apart.
printed(n) := sprintf("%v of %d", [n, count(nodes)])

conflict(x) := data.inventory.one if x == 1

conflict(x) := data.inventory.two if x == 1

result := {"n": count(nodes), "flag": flag, "k": count_of(input.kind), "echo": echo(input.i)}

with_missing := missing if input.i == 3

with_clash := clash if input.i == 5

with_conflict := conflict(input.c)

with_printed := [printed(input.n), printed({"n": input.n}), printed({input.n})]
"""

DATA = {
    "inventory": {
        "nodes": [{"kind": k} for k in ("a", "b", "a", "c")],
        "flag": True,
        "one": 1,
        "two": 2,
    }
}

QUERIES = ["data.t.result", "data.t.with_missing", "data.t.with_clash", "data.t.with_conflict", "data.t.with_printed"]

INPUTS = [{"kind": "abc"[i % 3], "i": i, "c": 1 if i % 7 == 0 else 0, "n": (1, 1.0)[i % 2]} for i in range(200)]


# Two definitions of `conflict` give an input two values: OPA reports the conflict at either definition, which
# one varies from compile to compile of the same policy, with or without sharing.
CONFLICT_LINES = {f"t.rego:{n}: " for n, line in enumerate(POLICY.splitlines(), 1) if line.startswith("conflict(x)")}


def _outcomes(policy: EmbeddedPolicy, query: str, inputs: Sequence[Any]) -> list[tuple[Any, ...]]:
    def key(outcome: Outcome) -> tuple[Any, ...]:
        error = outcome.error
        detail = None if error is None else (error.kind, str(error))
        if detail is not None and "functions must not produce multiple outputs" in detail[1]:
            where = detail[1][: detail[1].index(" ") + 1]
            assert where in CONFLICT_LINES, detail
            detail = (detail[0], "either definition: " + detail[1][len(where) :])
        return (outcome.defined, json.dumps(outcome.value, sort_keys=True), detail)

    return [key(o) for o in policy.evaluate(query, list(inputs))]


def _compile(sharing: str, source: str = POLICY) -> EmbeddedPolicy:
    policy = EmbeddedEngine(sharing=sharing).compile([Module("t.rego", source)], DATA)  # type: ignore[arg-type]
    assert isinstance(policy, EmbeddedPolicy)
    return policy


@pytest.mark.parametrize("query", QUERIES)
def test_every_answer_is_the_one_without_sharing(query: str) -> None:
    plain, shared = _compile("off"), _compile("always")
    try:
        expected = _outcomes(plain, query, INPUTS)
        assert _outcomes(shared, query, INPUTS) == expected
        assert plain.sharing()["shared"] is False
        assert shared.sharing()["shared"] is True
    finally:
        plain.close()
        shared.close()


def test_the_errors_are_the_policys_own() -> None:
    shared = _compile("always")
    try:
        clash = shared.evaluate("data.t.with_clash", [{"i": 5}])[0].error
        conflict = shared.evaluate("data.t.with_conflict", [{"c": 1}])[0].error
    finally:
        shared.close()
    assert clash is not None and "complete rules must not produce multiple outputs" in str(clash)
    assert conflict is not None and "functions must not produce multiple outputs" in str(conflict)
    assert "t.rego" in str(clash) and "t.rego" in str(conflict)


def test_what_is_shared_and_how_often_it_is_used() -> None:
    shared = _compile("always")
    try:
        _outcomes(shared, "data.t.result", INPUTS)
        stats = shared.sharing()
    finally:
        shared.close()
    assert stats["constants"] == ["data.t.flag", "data.t.nodes"]  # missing is undefined, clash an error
    assert stats["functions"] == ["data.t.conflict", "data.t.count_of", "data.t.echo", "data.t.printed"]
    # count_of is asked about 3 kinds 200 times; echo gets a new argument each time and stops being kept.
    assert stats["calls"] == 400 and stats["hits"] >= 197


def test_a_memo_that_does_not_pay_is_compiled_away() -> None:
    """echo gets a new argument every time: once its memo is off, the next evaluation calls it in place."""
    plain, shared = _compile("off"), _compile("always")
    try:
        expected = _outcomes(plain, "data.t.result", INPUTS)
        assert _outcomes(shared, "data.t.result", INPUTS) == expected
        assert "data.t.echo" in shared.sharing()["functions"]
        assert _outcomes(shared, "data.t.result", INPUTS) == expected
        stats = shared.sharing()
    finally:
        plain.close()
        shared.close()
    assert stats["functions"] == ["data.t.conflict", "data.t.count_of", "data.t.printed"]
    # The counts go on from the first form: count_of's 200 more calls all hit, echo's are no longer counted.
    assert stats["calls"] == 600 and stats["hits"] >= 397


def test_auto_shares_only_after_some_inputs() -> None:
    auto = _compile("auto")
    try:
        _outcomes(auto, "data.t.result", INPUTS[:10])
        assert auto.sharing()["shared"] is False
        _outcomes(auto, "data.t.result", INPUTS)
        assert auto.sharing()["shared"] is True
    finally:
        auto.close()


def test_a_policy_replacing_data_with_with_shares_nothing() -> None:
    source = POLICY + '\nreplaced := n if n := count_of("a") with data.inventory.nodes as []\n'
    plain, shared = _compile("off", source), _compile("always", source)
    try:
        assert _outcomes(shared, "data.t.replaced", INPUTS[:3]) == _outcomes(plain, "data.t.replaced", INPUTS[:3])
        assert shared.sharing()["shared"] is False
    finally:
        plain.close()
        shared.close()


def test_a_query_replacing_data_is_answered_without_sharing() -> None:
    query = '[n | n := data.t.count_of("a") with data.inventory.nodes as [{"kind": "a"}]]'
    shared = _compile("always")
    try:
        _outcomes(shared, "data.t.result", INPUTS[:3])
        assert [o.value for o in shared.evaluate(query, INPUTS[:2])] == [[1], [1]]
    finally:
        shared.close()


def test_a_template_cannot_call_the_memo() -> None:
    source = 'package t\n\nimport rego.v1\n\nx := __boundary_policy_memo("1/data.t.x", [])\n'
    with pytest.raises(EngineError, match="undefined function __boundary_policy_memo"):
        _compile("always", source)


def test_a_bad_setting_is_refused() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "boundary_policy", "eval", "examples/manifests/06-bottlerocket-userns-off.yaml"],
        cwd=ROOT,
        env={**os.environ, SHARING_ENV: "sometimes"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == (
        f"boundary-policy: error: {SHARING_ENV}='sometimes': use auto, always or off"
    ), completed.stderr


def test_the_bench_corpus_report_is_the_same_with_and_without_sharing(tmp_path: Path) -> None:
    """The bundled templates on 300 generated workloads and 50 Nodes: byte for byte the same report."""
    sys.path.insert(0, str(ROOT))
    from bench.corpus import write_corpus
    from bench.run import eval_argv

    manifests, inventory = write_corpus(tmp_path, workloads=300, nodes=50)
    reports = []
    for sharing in ("off", "auto"):
        completed = subprocess.run(
            eval_argv(manifests, inventory),
            cwd=ROOT,
            env={**os.environ, SHARING_ENV: sharing},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert completed.returncode == 1, completed.stderr
        reports.append(completed.stdout)
    assert reports[0] == reports[1]
    assert json.loads(reports[0])["summary"]["findings"] > 100


def test_the_bundled_templates_share_the_node_search() -> None:
    """Sharing that silently fell back (a recompile the type checker refused, say) would still give the right
    answers: this checks the bundled templates are shared, and what."""
    policies, _ = load_policies((), ())
    group = max(shared_engine_groups(list(policies.templates.values())), key=len)
    manifests = load_paths([str(ROOT / "examples" / "manifests")], cwd=ROOT)
    inventory = load_inventory([str(ROOT / "examples" / "inventory")])
    pods = [r.obj for d in manifests.documents for r in expand(d.obj, None, policies.expansions)]
    inputs = [{"review": object_review(pod), "parameters": {}} for pod in pods]
    data = {"inventory": build_inventory([d.obj for d in (*inventory.documents, *manifests.documents)])}
    query = shared_query(group)
    plain = EmbeddedEngine(sharing="off").compile(shared_modules(group), data)
    shared = EmbeddedEngine(sharing="always").compile(shared_modules(group), data)
    try:
        assert [o.value for o in shared.evaluate(query, inputs)] == [o.value for o in plain.evaluate(query, inputs)]
        assert isinstance(shared, EmbeddedPolicy)
        stats = shared.sharing()
    finally:
        plain.close()
        shared.close()
    assert len(group) == 25 and len(pods) >= 15
    assert {"data.lib.k8s.inventory", "data.lib.nodes.inventory_nodes", "data.lib.candidates._all_names"} <= set(
        stats["constants"]
    )
    assert {"data.lib.candidates._keys_by", "data.lib.candidates._schedulable_groups"} <= set(stats["functions"])
    assert stats["hits"] > 0
