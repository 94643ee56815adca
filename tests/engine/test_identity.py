"""The same modules and inputs give identical results through every backend: embedded, `opa eval`, OPA server.

Each backend runs OPA as Gatekeeper does: v0 and v1 parsed natively, builtin errors undefined, http.send and
net.lookup_ip_addr refused at compile, opa.runtime() empty. No backend falls back on another.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boundary_policy.engine import (
    EmbeddedEngine,
    Engine,
    EngineError,
    EngineUnavailable,
    Module,
    OpaCliEngine,
    OpaServerEngine,
    Outcome,
    RegoVersion,
    embedded_opa_version,
    native,
    open_engine,
)
from boundary_policy.engine.restrictions import DISABLED_BUILTINS

FIXTURES = Path(__file__).parent.parent / "fixtures" / "engine"
MODULES = [
    Module("identity.rego", (FIXTURES / "identity.rego").read_text()),
    Module("lib/helpers.rego", (FIXTURES / "helpers.rego").read_text()),
]
DATA = {
    "inventory": {
        "cluster": {
            "v1": {
                "Node": {
                    "ip-10-0-2-7": {
                        "metadata": {"labels": {"boundary-policy/max-user-namespaces": "65536"}},
                        "status": {"nodeInfo": {"kernelVersion": "6.1.112-122.189.amzn2023.x86_64"}},
                    },
                    "fargate-ip-10-0-1-1": {"status": {"nodeInfo": {"kernelVersion": "5.10.234"}}},
                    # Written by hand: a label and a kernelVersion that are numbers, not strings.
                    "hand-made": {
                        "metadata": {"labels": {"boundary-policy/max-user-namespaces": 65536}},
                        "status": {"nodeInfo": {"kernelVersion": 6}},
                    },
                }
            }
        }
    }
}

VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -3,
    7,
    2**53,
    1.5,
    1.0,
    -0.25,
    1e21,
    "",
    "plain",
    "ws-12",
    'quote"d',
    "new\nline",
    "ünïcödé ✓",
    "%v %s",
    [],
    [1, "a", None],
    {},
    {"b": 1, "a": [True]},
]
QUERIES = [
    "data.identity.allowed",
    "data.identity.echo",
    "data.identity.mode",
    "data.identity.number",
    "data.identity.size",
    "data.identity.shout",
    "data.identity.names",
    "data.identity.lengths",
    "data.identity.joined",
    "data.identity.formatted",
    "data.identity.formatted_v",
    "data.identity.described",
    '[{"msg": r.msg, "details": object.get(r, "details", {})} | r := data.identity.violation[_]]',
    "data.identity.node_names",
    "data.identity.kernel",
    "data.identity.semver_ok",
    "data.identity.regex_ok",
    "data.identity.every_positive",
    "data.identity.arith",
    "data.identity.obj_get",
    "data.identity.unioned",
    "data.identity.userns_label_numeric",
    "data.identity.kernel_major",
    "data.identity.not_prefixed",
    "data.identity.uppered",
    "data.identity.runtime",
    "data.identity.runtime_env",
]


def _inputs() -> list[Any]:
    inputs: list[Any] = [{"value": value, "int": 3} for value in VALUES]
    inputs += [
        None,
        {},
        {"user": "admin"},
        {"user": "guest"},
        {"a": True},
        {"b": True},
        {"a": True, "b": True},
        {"text": "12.5"},
        {"text": "not a number"},
        {"text": 12},
        {"names": ["zeta", "alpha", "mid", "alpha"]},
        {"names": []},
        {"names": "not-a-list"},
        {"items": [{"name": "a", "bad": True}, {"name": "b"}, {"name": {"x": 1}, "bad": True}]},
        {"items": [{"name": "dup", "bad": True}, {"name": "dup", "bad": True}]},
        {"node": "ip-10-0-2-7"},
        {"node": "missing"},
        {"node": "hand-made"},
        {"names": ["ok", 3, "also-ok"]},
        {"version": "0.8.1"},
        {"version": "0.7.9"},
        {"version": "v0.9"},
        {"numbers": [1, 2, 3]},
        {"numbers": [1, -2]},
        {"numbers": []},
        {"int": 7, "divisor": 2},
        {"int": 7, "divisor": 0},
        {"int": 7, "divisor": "x"},
        {"deep": {"path": "found"}},
        {"deep": "not-an-object"},
        {"value": "abc-123", "int": 1.5},
    ]
    return inputs


INPUTS = _inputs()


@pytest.fixture(scope="module")
def backends(opa_bin: str, opa_server: str) -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {
        "embedded": EmbeddedEngine(),
        "opa-eval": OpaCliEngine(opa_bin),
        "opa-server": OpaServerEngine(opa_server),
    }
    yield engines
    for engine in engines.values():
        engine.close()


@pytest.fixture(scope="module")
def backends_v0(opa_bin: str, opa_server_v0: str) -> Iterator[dict[str, Engine]]:
    """The same backends for Rego v0; a server parses in one version, so this one runs --v0-compatible."""
    engines: dict[str, Engine] = {
        "embedded": EmbeddedEngine(),
        "opa-eval": OpaCliEngine(opa_bin),
        "opa-server": OpaServerEngine(opa_server_v0),
    }
    yield engines
    for engine in engines.values():
        engine.close()


def _comparable(outcome: Outcome) -> tuple[Any, ...]:
    if outcome.error is not None:
        error = outcome.error
        return ("error", error.kind, error.message, error.file, error.line)
    return ("value", outcome.defined, json.dumps(outcome.value, sort_keys=True))


def _results(
    engine: Engine, query: str, modules: list[Module] = MODULES, rego_version: RegoVersion = "v1"
) -> list[tuple[Any, ...]]:
    policy = engine.compile(modules, DATA, rego_version=rego_version)
    try:
        return [_comparable(outcome) for outcome in policy.evaluate(query, INPUTS)]
    finally:
        policy.close()


def _assert_agree(results: dict[str, list[tuple[Any, ...]]], query: str) -> None:
    reference = results["opa-eval"]
    for name, result in results.items():
        pairs = zip(result, reference, strict=True)
        mismatches = [(INPUTS[i], got, want) for i, (got, want) in enumerate(pairs) if got != want]
        assert not mismatches, f"{name} differs from opa eval on {query}: {mismatches[:3]}"


def test_enough_inputs() -> None:
    assert len(INPUTS) >= 50


@pytest.mark.opa
@pytest.mark.parametrize("query", QUERIES)
def test_backends_agree(backends: dict[str, Engine], query: str) -> None:
    _assert_agree({name: _results(engine, query) for name, engine in backends.items()}, query)


@pytest.mark.opa
def test_results_are_meaningful(backends: dict[str, Engine]) -> None:
    """Spot checks that the shared answers are OPA's, so agreement cannot come from all backends failing alike."""
    policy = backends["embedded"].compile(MODULES, DATA)
    try:
        names = policy.evaluate("data.identity.names", [{"names": ["zeta", "alpha", "mid"]}])[0]
        assert names.value == ["alpha", "mid", "zeta"]
        mode = policy.evaluate("data.identity.mode", [{"a": True, "b": True}])[0]
        assert mode.error is not None and "eval_conflict_error" in mode.error.message
        assert mode.error.file == "identity.rego"
        number = policy.evaluate("data.identity.number", [{"text": "abc"}, {"text": "2"}])
        assert [o.defined for o in number] == [False, True]
        assert number[1].value == 2
        fmt = policy.evaluate("data.identity.formatted", [{"value": "x", "int": 3}])[0]
        assert fmt.value == "v=x d=3"
        echo = policy.evaluate("data.identity.echo", [{}])[0]
        assert echo == Outcome()
        kernel = policy.evaluate("data.identity.kernel", [{"node": "ip-10-0-2-7"}])[0]
        assert kernel.value == "6.1.112-122.189.amzn2023.x86_64"
        # Builtin errors on a hand-made inventory: undefined, where a quoted inventory gives values.
        nodes = [{"node": "ip-10-0-2-7"}, {"node": "hand-made"}]
        assert policy.evaluate("data.identity.kernel_major", nodes) == [Outcome(6, True), Outcome()]
        assert policy.evaluate("data.identity.userns_label_numeric", nodes) == [Outcome(True, True), Outcome()]
        assert policy.evaluate("data.identity.not_prefixed", [{"value": 3}, {"value": "ws-1"}]) == [
            Outcome(True, True),
            Outcome(),
        ]
        uppered = policy.evaluate("data.identity.uppered", [{"names": ["a", 3, "b"]}])[0]
        assert uppered.value == ["A", "B"]
    finally:
        policy.close()


BROKEN = [
    ("parse", Module("broken.rego", "package broken\n\nx := 1 +\n")),
    ("parse", Module("broken.rego", "")),
    ("compile", Module("broken.rego", "package broken\n\nx := y\n")),
    ("compile", Module("broken.rego", 'package broken\n\nx := 1 + "a"\n')),
    ("compile", Module("broken.rego", "package broken\n\nx := undefined_function(1)\n")),
]


@pytest.mark.opa
@pytest.mark.parametrize(("kind", "module"), BROKEN, ids=[f"{k}-{i}" for i, (k, _) in enumerate(BROKEN)])
def test_compile_errors_agree(backends: dict[str, Engine], kind: str, module: Module) -> None:
    errors = {}
    for name, engine in backends.items():
        with pytest.raises(EngineError) as raised:
            engine.compile([module])
        errors[name] = (raised.value.kind, raised.value.message, raised.value.file)
    assert len(set(errors.values())) == 1, errors
    assert errors["opa-eval"][0] == kind


# A template calling a builtin Gatekeeper disables is refused at compile, with the file and line of the call.
DISABLED = [
    (
        "v1",
        "http.send",
        'package t\n\n# http.send("in a comment") is not a call\n'
        'x := http.send({"method": "get", "url": "http://example.com"})\n',
    ),
    (
        "v1",
        "net.lookup_ip_addr",
        'package t\n\naddresses contains a if {\n\tsome a in net.lookup_ip_addr("example.com")\n}\n',
    ),
    (
        "v0",
        "http.send",
        'package t\n\nviolation[{"msg": msg}] {\n  msg := "s"\n'
        '  r := http.send({"method": "get", "url": input.url})\n  r.status_code\n}\n',
    ),
]


@pytest.mark.opa
@pytest.mark.parametrize(("version", "builtin", "source"), DISABLED, ids=[f"{v}-{b}" for v, b, _ in DISABLED])
def test_disabled_builtins_are_refused_with_file_and_line(
    backends: dict[str, Engine], backends_v0: dict[str, Engine], version: RegoVersion, builtin: str, source: str
) -> None:
    line = next(i for i, text in enumerate(source.splitlines(), 1) if f"{builtin}(" in text and "#" not in text)
    errors = {}
    for name, engine in (backends if version == "v1" else backends_v0).items():
        with pytest.raises(EngineError) as raised:
            engine.compile([Module("template", source)], rego_version=version)
        errors[name] = (raised.value.kind, raised.value.message, raised.value.file, raised.value.line)
    refused = ("compile", f"rego_type_error: undefined function {builtin}", "template", line)
    assert errors == dict.fromkeys(errors, refused)


def test_the_library_and_the_python_side_disable_the_same_builtins() -> None:
    assert tuple(native.load().version()["disabled_builtins"]) == DISABLED_BUILTINS


@pytest.mark.opa
def test_runtime_is_empty_and_the_environment_out_of_reach(
    backends: dict[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """opa.runtime() is {} everywhere, as in Gatekeeper: a secret in the caller's environment stays there."""
    monkeypatch.setenv("BP_TEST_SECRET", "s3cr3t")
    query = '[opa.runtime(), object.get(opa.runtime(), ["env", "BP_TEST_SECRET"], "hidden")]'
    for name, engine in backends.items():
        policy = engine.compile(MODULES, DATA)
        try:
            assert policy.evaluate(query, [{}]) == [Outcome([{}, "hidden"], True)], name
        finally:
            policy.close()


V0_MODULES = [
    Module("template", (FIXTURES / "identity_v0.rego").read_text()),
    Module('libs["lib_0"]', (FIXTURES / "helpers_v0.rego").read_text()),
]
V0_QUERIES = [
    '[{"msg": r.msg, "details": object.get(r, "details", {})} | r := data.identity_v0.violation[_]]',
    "data.identity_v0.keywords",
    "data.identity_v0.either",
    "data.identity_v0.sized",
    "data.identity_v0.allow",
    "data.identity_v0.pairs",
    "data.identity_v0.deprecated",
    "data.identity_v0.upper_value",
    "data.identity_v0.helper",
    "data.identity_v0.is_admin",
]


@pytest.mark.opa
@pytest.mark.parametrize("query", V0_QUERIES)
def test_backends_agree_on_v0(backends_v0: dict[str, Engine], query: str) -> None:
    _assert_agree({name: _results(engine, query, V0_MODULES, "v0") for name, engine in backends_v0.items()}, query)


@pytest.mark.opa
def test_v0_results_are_meaningful(backends_v0: dict[str, Engine]) -> None:
    policy = backends_v0["embedded"].compile(V0_MODULES, DATA, rego_version="v0")
    try:
        item = {"value": "ws-1", "flag": True, "a": True, "int": 12}
        messages = policy.evaluate("[r.msg | r := data.identity_v0.violation[_]]", [item])[0]
        assert sorted(messages.value) == ["after a comment", "next-line body: ws-1"]
        whole = policy.evaluate("data.identity_v0", [item])[0].value
        assert (whole["keywords"], whole["sized"], whole["either"], whole["helper"]) == (10, "big", True, 24)
        assert whole["deprecated"]["cast_set"] == [1, 2] and whole["deprecated"]["re_match"] is True
        assert policy.evaluate("data.identity_v0.upper_value", [{"value": 3}])[0] == Outcome()
        assert policy.evaluate("data.identity_v0.is_admin", [{"user": "root"}])[0] == Outcome(True, True)
    finally:
        policy.close()


def test_a_v1_server_refuses_v0_modules_instead_of_misreading_them(opa_server: str) -> None:
    engine = OpaServerEngine(opa_server)
    try:
        with pytest.raises(EngineError, match="parses Rego v1 and these modules are Rego v0"):
            engine.compile(V0_MODULES, rego_version="v0")
    finally:
        engine.close()


def test_a_closed_policy_reports_an_error_instead_of_crashing() -> None:
    policy = EmbeddedEngine().compile(MODULES, DATA)
    policy.close()
    policy.close()
    (outcome,) = policy.evaluate("data.identity.echo", [{"value": 1}])
    assert outcome.error is not None and "closed" in outcome.error.message
    # Below the Python wrapper, the library itself turns a Go panic (a stale handle) into an error reply.
    reply = native.load().evaluate(2**40, "x := 1", [None])
    assert "panic" in reply["errors"][0]["message"]


def test_open_engine_is_embedded_without_opa_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    assert open_engine().name == "embedded"
    assert open_engine("embedded").name == "embedded"
    with pytest.raises(EngineUnavailable):
        open_engine("opa")


def test_open_engine_opa(opa_bin: str) -> None:
    assert open_engine("opa", opa_bin=opa_bin).name == "opa"


def test_the_embedded_engine_is_gatekeepers_opa() -> None:
    """The library is built from the OPA release Gatekeeper v3.23 ships, the one the `opa` CLI is pinned to."""
    root = Path(__file__).resolve().parents[2]
    pinned = re.search(r"^OPA_VERSION=v(\S+)$", (root / "scripts" / "versions.sh").read_text(), re.M)
    required = re.search(r"github\.com/open-policy-agent/opa v(\S+)", (root / "native" / "go.mod").read_text())
    assert pinned and required
    assert embedded_opa_version() == pinned[1] == required[1] == "1.17.1"


@pytest.mark.opa
def test_sprintf_verb_mismatch_reads_as_in_gatekeeper(backends: dict[str, Engine]) -> None:
    """`sprintf("%s", [number])` is a policy bug, but its text is Go's fmt error as OPA v1.17.1 writes it.

    The previous embedded engine (OPA v1.20.2) wrote `%!s(int64=0)` and `1e+21` here; every backend now runs
    Gatekeeper's OPA and writes the same.
    """
    values: list[Any] = [None, True, "s", [1], {"a": 1}, 0, 1.0, 1.5, 1e21]
    inputs = [{"value": value} for value in values]
    got = {}
    for name, engine in backends.items():
        policy = engine.compile(MODULES, DATA)
        got[name] = [o.value for o in policy.evaluate("data.identity.misformatted", inputs)]
        policy.close()
    same = ["null", "true", "s", "[1]", '{"a": 1}']
    expected = [*same, "%!s(int=0)", "%!s(float64=1)", "%!s(float64=1.5)", "%!s(float64=1e+21)"]
    assert got == dict.fromkeys(got, expected)


def test_a_policy_used_across_a_fork_fails_instead_of_hanging() -> None:
    """The Go runtime does not survive fork(): a child that inherited a loaded library gets an error."""
    policy = EmbeddedEngine().compile(MODULES, DATA)
    try:
        reader, writer = os.pipe()
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a process with threads (Go's) is unsafe: that is the point here.
            warnings.simplefilter("ignore", DeprecationWarning)
            child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child
            os.close(reader)
            (outcome,) = policy.evaluate("data.identity.echo", [{"value": 1}])
            os.write(writer, str(outcome.error).encode())
            os._exit(0)
        os.close(writer)
        with os.fdopen(reader) as stream:
            message = stream.read()
        os.waitpid(child, 0)
        assert "forked" in message
        assert policy.evaluate("data.identity.echo", [{"value": 1}]) == [Outcome(1, True)]
    finally:
        policy.close()
