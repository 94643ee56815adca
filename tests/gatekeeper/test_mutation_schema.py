"""Mutator schema conflicts: the mutators Gatekeeper's mutation system refuses because their locations disagree
about an object's schema (oracle: the pinned `gator expand`, which builds Gatekeeper's mutation system and stops
with the conflicting mutators' IDs), and that eval then applies none of them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from boundary_policy.gatekeeper.mutation_schema import schema_conflicts
from boundary_policy.gatekeeper.mutators import mutate, parse_mutator
from boundary_policy.gatekeeper.policy_set import build_policy_set
from boundary_policy.model import Document

POD = {"groups": [""], "kinds": ["Pod"], "versions": ["v1"]}
DEPLOYMENT = {"groups": ["apps"], "kinds": ["Deployment"], "versions": ["v1"]}
POD_AND_DEPLOYMENT = {"groups": ["", "apps"], "kinds": ["Pod", "Deployment"], "versions": ["v1"]}


def _assign(name: str, location: str, value: Any = "x", apply_to: dict[str, Any] = POD) -> dict[str, Any]:
    spec = {"applyTo": [apply_to], "location": location, "parameters": {"assign": {"value": value}}}
    return {"apiVersion": "mutations.gatekeeper.sh/v1", "kind": "Assign", "metadata": {"name": name}, "spec": spec}


def _modify_set(name: str, location: str, apply_to: dict[str, Any] = POD) -> dict[str, Any]:
    parameters = {"operation": "merge", "values": {"fromList": ["NET_ADMIN"]}}
    spec = {"applyTo": [apply_to], "location": location, "parameters": parameters}
    return {"apiVersion": "mutations.gatekeeper.sh/v1", "kind": "ModifySet", "metadata": {"name": name}, "spec": spec}


def _documents(objs: list[dict[str, Any]]) -> list[Document]:
    return [Document(obj, "mutators.yaml", 1 + 20 * index) for index, obj in enumerate(objs)]


def _conflicting(objs: list[dict[str, Any]]) -> set[str]:
    return {name for _, name in schema_conflicts(parse_mutator(d) for d in _documents(objs))}


# Each case in the order gator adds them: it stops at the first mutator that conflicts, so the last one completes
# the conflict for the oracle to see all of it.
CASES: dict[str, tuple[list[dict[str, Any]], set[str]]] = {
    "a keyed list and an object": (
        [_assign("list", "spec.containers[name: app].imagePullPolicy"), _assign("object", "spec.containers.foo")],
        {"list", "object"},
    ),
    "one list keyed by two fields": (
        [_assign("by-name", "spec.containers[name: app].a"), _assign("by-image", "spec.containers[image: nginx].b")],
        {"by-name", "by-image"},
    ),
    "a set and a keyed list": (
        [_assign("list", "spec.x[name: a].b"), _modify_set("set", "spec.x")],
        {"list", "set"},
    ),
    "a set and an object": (
        [_modify_set("set", "spec.containers[name: *].args"), _assign("object", "spec.containers[name: a].args.x")],
        {"set", "object"},
    ),
    "same path, same types, other key values and a glob": (
        [
            _assign("app", "spec.containers[name: app].imagePullPolicy"),
            _assign("sidecar", "spec.containers[name: sidecar].imagePullPolicy"),
            _modify_set("caps", "spec.containers[name: *].securityContext.capabilities.add"),
        ],
        set(),
    ),
    "an Assign's last node has no type": (
        [_assign("whole", "spec.securityContext", {"runAsUser": 0}), _assign("field", "spec.securityContext.fsGroup")],
        set(),
    ),
    "an Assign's last node against a set": (
        [_assign("whole", "spec.x", ["a"]), _modify_set("set", "spec.x")],
        set(),
    ),
    "the same path on other kinds": (
        [_assign("pod", "spec.containers[name: app].a"), _assign("deployment", "spec.containers.foo", "x", DEPLOYMENT)],
        set(),
    ),
    "only where the operations overlap": (
        [
            _assign("create", "spec.containers[name: app].a", "x", dict(POD, operations=["CREATE"])),
            _assign("update", "spec.containers.foo", "x", dict(POD, operations=["UPDATE"])),
        ],
        set(),
    ),
    "one conflicting kind among several": (
        [
            _assign("deployment", "spec.containers[name: app].a", "x", DEPLOYMENT),
            _assign("both", "spec.containers.foo", "x", POD_AND_DEPLOYMENT),
        ],
        {"deployment", "both"},
    ),
    "an agreeing mutator joins the conflict through the node": (
        [
            _assign("list", "spec.containers[name: app].a"),
            _assign("list-too", "spec.containers[name: b].c"),
            _assign("object", "spec.containers.foo"),
        ],
        {"list", "list-too", "object"},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_conflicts_are_those_gatekeeper_finds(case: str) -> None:
    objs, expected = CASES[case]
    assert _conflicting(objs) == expected


@pytest.mark.gator
@pytest.mark.parametrize("case", CASES)
def test_gator_finds_the_same_conflicts(gator_bin: str, tmp_path: Path, case: str) -> None:
    objs, expected = CASES[case]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]}}
    (tmp_path / "objects.yaml").write_text(yaml.safe_dump_all([*objs, pod]), encoding="utf-8")
    completed = subprocess.run(
        [gator_bin, "expand", "-n", str(tmp_path / "objects.yaml")], capture_output=True, text=True, check=False
    )
    listed = re.search(r"conflicting schemas: \[(.*)\]", completed.stderr)
    found = {entry.rsplit("/", 1)[1] for entry in listed.group(1).split(",")} if listed else set()
    assert found == expected, completed.stderr
    assert (completed.returncode != 0) == bool(expected)


def test_only_the_mutators_that_disagree_are_named() -> None:
    objs = CASES["an agreeing mutator joins the conflict through the node"][0]
    conflicts = schema_conflicts(parse_mutator(d) for d in _documents(objs))
    assert [c.other.name for c in conflicts[("Assign", "list")]] == ["object"]
    assert [c.other.name for c in conflicts[("Assign", "object")]] == ["list", "list-too"]
    [clash] = conflicts[("Assign", "list")]
    assert (clash.depth, clash.gvk) == (1, ("", "v1", "Pod"))


def test_the_conflicting_mutators_are_not_applied_and_each_is_a_warning() -> None:
    objs = [
        _assign("list", "spec.containers[name: app].imagePullPolicy", "Always"),
        _assign("object", "spec.containers.foo"),
        _assign("other", "spec.priority", 7),
    ]
    policies, problems = build_policy_set(mutators=_documents(objs))
    assert problems == []
    assert {m.name for m in policies.mutators if m.schema_conflict} == {"list", "object"}
    assert policies.warnings == (
        'mutators.yaml:1: Assign "list" is not applied: its location spec.containers[name: app].imagePullPolicy '
        'disagrees with Assign "object" (mutators.yaml:21: spec.containers.foo) about spec.containers of v1 Pod; '
        "Gatekeeper applies none of the mutators in a schema conflict (ErrConflictingSchema in their status)",
        'mutators.yaml:21: Assign "object" is not applied: its location spec.containers.foo disagrees with Assign '
        '"list" (mutators.yaml:1: spec.containers[name: app].imagePullPolicy) about spec.containers of v1 Pod; '
        "Gatekeeper applies none of the mutators in a schema conflict (ErrConflictingSchema in their status)",
    )
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]}}
    # Without the check `object` would fail the whole mutation (a list is no object); Gatekeeper skips both.
    assert mutate(pod, None, policies.mutators)["spec"] == {"containers": [{"name": "app"}], "priority": 7}


def test_the_conflict_is_gone_when_one_mutator_is_deleted() -> None:
    objs = [_assign("list", "spec.containers[name: app].imagePullPolicy", "Always"), _assign("object", "spec.x.y")]
    conflicting = [*objs, _assign("object-too", "spec.containers.foo")]
    assert {m.name for m in build_policy_set(mutators=_documents(conflicting))[0].mutators if m.schema_conflict} == {
        "list",
        "object-too",
    }
    policies, _ = build_policy_set(mutators=_documents(objs))
    assert policies.warnings == () and not any(m.schema_conflict for m in policies.mutators)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app"}]}}
    mutated = mutate(pod, None, policies.mutators)
    assert mutated["spec"]["containers"] == [{"name": "app", "imagePullPolicy": "Always"}]


def test_a_replaced_mutator_no_longer_conflicts() -> None:
    """A later mutator of the same kind and name replaces the first, as `kubectl apply` does: its old location is
    gone from the schema, as Gatekeeper removes it before adding the new one."""
    objs = [
        _assign("list", "spec.containers[name: app].a"),
        _assign("object", "spec.containers.foo"),
        _assign("object", "spec.other.foo"),
    ]
    policies, _ = build_policy_set(mutators=_documents(objs))
    assert policies.warnings == ()
