"""Mutators: the objects we mutate are the ones Gatekeeper's mutation system makes (oracle: the pinned `gator expand`,
which mutates what it generates), and the mutators Gatekeeper refuses are refused with its reason."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from boundary_policy.gatekeeper.client import namespace_for
from boundary_policy.gatekeeper.expansion import expand, is_expansion_template, parse_expansion_template
from boundary_policy.gatekeeper.location import Field, Key, LocationError, parse_location
from boundary_policy.gatekeeper.mutators import (
    MutationFailure,
    MutatorError,
    is_mutator,
    mutate,
    parse_mutator,
)
from boundary_policy.loading import load_paths
from boundary_policy.model import Document
from tests.gatekeeper.conftest import FIXTURES

OBJECTS = FIXTURES / "mutation" / "objects.yaml"
POD_TYPE = {"groups": [""], "kinds": ["Pod"], "versions": ["v1"]}


def _canonical(objs: list[Any]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objs)


def _mutator(kind: str, spec: dict[str, Any], name: str = "m") -> Document:
    obj = {"apiVersion": "mutations.gatekeeper.sh/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}
    return Document(obj, "mutators.yaml", 1)


@pytest.mark.gator
def test_mutated_resultants_equal_gator_expand(gator_bin: str) -> None:
    completed = subprocess.run(
        [gator_bin, "expand", "-n", str(OBJECTS), "-f", "json"], capture_output=True, text=True, check=True
    )
    expected = [json.loads(chunk) for chunk in re.split(r"(?<=\})---\n?", completed.stdout.strip()) if chunk.strip()]
    documents = load_paths([str(OBJECTS)]).documents
    templates = [parse_expansion_template(d) for d in documents if is_expansion_template(d.obj)]
    mutators = [parse_mutator(d) for d in documents if is_mutator(d.obj)]
    namespaces = {d.obj["metadata"]["name"]: d.obj for d in documents if d.obj["kind"] == "Namespace"}
    ours = []
    for document in documents:
        if document.obj["kind"] != "Deployment":
            continue
        namespace = namespace_for(document.obj, namespaces)

        def generated(child: dict[str, Any], namespace: Any = namespace) -> dict[str, Any]:
            return mutate(child, namespace, mutators, source="Generated", operation="")

        base = mutate(document.obj, namespace, mutators)
        ours += [r.obj for r in expand(base, namespace, templates, mutate=generated)]
    assert len(expected) == 2
    assert _canonical(ours) == _canonical(expected)


def test_locations_parse_as_gatekeeper_parses_them() -> None:
    assert parse_location('spec.containers[name: *].securityContext."a.b"') == (
        Field("spec"),
        Field("containers"),
        Key("name", None, glob=True),
        Field("securityContext"),
        Field("a.b"),
    )
    assert parse_location("spec.ports[containerPort: 80].protocol")[2] == Key("containerPort", 80)
    for bad, reason in (
        ("metadata.labels.a/b", "expected '.' or eof"),
        ("spec.", "trailing separators"),
        ("spec.containers[name]", "expected ':'"),
        ("[name: a]", "expected field name or eof"),
        ('spec."open', "unterminated string"),
    ):
        with pytest.raises(LocationError, match=re.escape(reason)):
            parse_location(bad)


@pytest.mark.parametrize(
    ("kind", "spec", "reason"),
    [
        ("Assign", {"location": "spec.x", "parameters": {"assign": {"value": 1}}}, "applyTo required"),
        (
            "Assign",
            {"applyTo": [POD_TYPE], "location": "metadata.labels.a", "parameters": {"assign": {"value": "b"}}},
            "can't change metadata",
        ),
        ("Assign", {"applyTo": [POD_TYPE], "location": "spec.x", "parameters": {}}, "must set one of"),
        (
            "Assign",
            {
                "applyTo": [POD_TYPE],
                "location": "spec.containers[name: a]",
                "parameters": {"assign": {"value": {"name": "b"}}},
            },
            "different key",
        ),
        (
            "Assign",
            {
                "applyTo": [POD_TYPE],
                "location": "spec.containers[name: a].name",
                "parameters": {"assign": {"value": "b"}},
            },
            "changing the item key is not allowed",
        ),
        (
            "Assign",
            {
                "applyTo": [POD_TYPE],
                "location": "spec.x",
                "parameters": {"assign": {"externalData": {"provider": "p"}}},
            },
            "cannot do offline",
        ),
        (
            "Assign",
            {
                "applyTo": [POD_TYPE],
                "location": "spec.x.y",
                "parameters": {"assign": {"value": 1}, "pathTests": [{"subPath": "spec.z", "condition": "MustExist"}]},
            },
            "must be a prefix",
        ),
        (
            "Assign",
            {
                "applyTo": [{"groups": [""], "kinds": ["Pod"]}],
                "location": "spec.x",
                "parameters": {"assign": {"value": 1}},
            },
            "all of group, version and kind must be specified",
        ),
        (
            "ModifySet",
            {
                "applyTo": [POD_TYPE],
                "location": "spec.containers[name: a]",
                "parameters": {"values": {"fromList": [1]}},
            },
            "cannot be a keyed list",
        ),
        (
            "ModifySet",
            {"applyTo": [POD_TYPE], "location": "spec.x", "parameters": {"operation": "replace"}},
            'Unsupported value: "replace"',
        ),
        ("AssignMetadata", {"location": "metadata.name", "parameters": {"assign": {"value": "x"}}}, "invalid location"),
        (
            "AssignMetadata",
            {"location": "metadata.labels.a", "parameters": {"assign": {"value": 1}}},
            "must be a string",
        ),
        (
            "Assign",
            {
                "applyTo": [POD_TYPE],
                "match": {"namespaces": ["Team_A"]},
                "location": "spec.x",
                "parameters": {"assign": {"value": 1}},
            },
            "should match",
        ),
    ],
)
def test_mutators_gatekeeper_refuses_are_refused(kind: str, spec: dict[str, Any], reason: str) -> None:
    with pytest.raises(MutatorError, match=re.escape(reason)):
        parse_mutator(_mutator(kind, spec))


def test_a_long_name_is_refused_like_the_crd_does() -> None:
    spec = {"applyTo": [POD_TYPE], "location": "spec.x", "parameters": {"assign": {"value": 1}}}
    with pytest.raises(MutatorError, match="may not be more than 63"):
        parse_mutator(_mutator("Assign", spec, name="a" * 64))


def test_a_type_mismatch_on_the_way_fails_the_mutation() -> None:
    mutator = parse_mutator(
        _mutator(
            "Assign", {"applyTo": [POD_TYPE], "location": "spec.containers.x", "parameters": {"assign": {"value": 1}}}
        )
    )
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a"}]},
    }
    with pytest.raises(MutationFailure, match="mismatch between path entry"):
        mutate(pod, None, [mutator])
    assert pod["spec"]["containers"] == [{"name": "a"}]  # the object as written is never changed


def test_mutators_that_undo_each_other_settle_in_name_order() -> None:
    add = parse_mutator(
        _mutator(
            "ModifySet",
            {
                "applyTo": [POD_TYPE],
                "location": "spec.x",
                "parameters": {"operation": "merge", "values": {"fromList": ["a"]}},
            },
            "add",
        )
    )
    remove = parse_mutator(
        _mutator(
            "ModifySet",
            {
                "applyTo": [POD_TYPE],
                "location": "spec.x",
                "parameters": {"operation": "prune", "values": {"fromList": ["a"]}},
            },
            "remove",
        )
    )
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"x": []}}
    # add then remove (order by name) leaves [] each pass: converged, as Gatekeeper finds.
    assert mutate(pod, None, [add, remove])["spec"]["x"] == []


def test_operations_decide_what_a_generated_object_gets() -> None:
    create_only = dict(POD_TYPE, operations=["CREATE"])
    mutator = parse_mutator(
        _mutator("Assign", {"applyTo": [create_only], "location": "spec.x", "parameters": {"assign": {"value": 1}}})
    )
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
    assert mutate(pod, None, [mutator])["spec"] == {"x": 1}
    # Expansion mutates with no operation: only mutators for every operation apply (Gatekeeper's rule).
    assert mutate(pod, None, [mutator], source="Generated", operation="")["spec"] == {}
