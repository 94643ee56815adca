"""Expansion: the resultants we build are the objects `gator expand` prints, and results map to the parent."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from boundary_policy.gatekeeper.client import evaluate, namespace_for
from boundary_policy.gatekeeper.expansion import (
    ExpansionError,
    ExpansionFailure,
    expand,
    is_expansion_template,
    parse_expansion_template,
)
from boundary_policy.gatekeeper.match import CLUSTER_SCOPED
from boundary_policy.loading import load_paths
from boundary_policy.model import Document
from tests.gatekeeper.conftest import FIXTURES

OBJECTS = FIXTURES / "expansion" / "objects.yaml"


def _canonical(objs: list[Any]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objs)


@pytest.mark.gator
def test_resultants_equal_gator_expand(gator_bin: str) -> None:
    completed = subprocess.run(
        [gator_bin, "expand", "-n", str(OBJECTS), "-f", "json"], capture_output=True, text=True, check=True
    )
    expected = [json.loads(chunk) for chunk in re.split(r"(?<=\})---\n?", completed.stdout.strip()) if chunk.strip()]
    documents = load_paths([str(OBJECTS)]).documents
    templates = [parse_expansion_template(d) for d in documents if is_expansion_template(d.obj)]
    namespaces = {d.obj["metadata"]["name"]: d.obj for d in documents if d.obj["kind"] == "Namespace"}
    ours = [r.obj for d in documents for r in expand(d.obj, namespace_for(d.obj, namespaces), templates)]
    assert len(expected) == 4
    assert _canonical(ours) == _canonical(expected)


def test_resultant_paths_lead_back_into_the_parent() -> None:
    documents = load_paths([str(OBJECTS)]).documents
    templates = [parse_expansion_template(d) for d in documents if is_expansion_template(d.obj)]
    cronjob = next(d for d in documents if d.obj["kind"] == "CronJob")
    found = {(r.obj["kind"], r.template.name): r.path for r in expand(cronjob.obj, None, templates)}
    assert found == {
        ("Job", "expand-cronjobs"): ("spec", "jobTemplate"),
        ("Pod", "expand-workloads"): ("spec", "jobTemplate", "spec", "template"),
    }
    image_line = cronjob.line_of((*found[("Pod", "expand-workloads")], "spec", "containers", 0, "image"))
    assert "image: busybox" in OBJECTS.read_text().splitlines()[image_line - 1]


def test_cluster_scoped_parent_gets_no_namespace() -> None:
    template = parse_expansion_template(
        Document(
            {
                "apiVersion": "expansion.gatekeeper.sh/v1beta1",
                "kind": "ExpansionTemplate",
                "metadata": {"name": "t"},
                "spec": {
                    "applyTo": [{"groups": ["example.com"], "versions": ["v1"], "kinds": ["Pool"]}],
                    "templateSource": "spec.template",
                    "generatedGVK": {"group": "", "version": "v1", "kind": "Pod"},
                },
            },
            "t.yaml",
            1,
        )
    )
    parent = {
        "apiVersion": "example.com/v1",
        "kind": "Pool",
        "metadata": {"name": "P"},
        "spec": {"template": {"metadata": {"namespace": "x"}, "spec": {}}},
    }
    [child] = expand(parent, CLUSTER_SCOPED, [template])
    assert child.obj["metadata"] == {
        "name": "p-pod",
        "ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Pool", "name": "P", "uid": ""}],
    }
    with pytest.raises(ExpansionFailure, match=r'could not find source field "spec\.template" in resource P'):
        expand({**parent, "spec": {}}, None, [template])


def test_template_without_source_is_refused() -> None:
    document = Document(
        {
            "apiVersion": "expansion.gatekeeper.sh/v1beta1",
            "kind": "ExpansionTemplate",
            "metadata": {"name": "t"},
            "spec": {},
        },
        "t.yaml",
        4,
    )
    with pytest.raises(ExpansionError, match="no source"):
        parse_expansion_template(document)


def test_missing_source_is_a_problem_not_a_crash(engine: Any) -> None:
    documents = load_paths([str(FIXTURES / "expansion")]).documents
    templates = [d for d in documents if d.obj["kind"] == "ConstraintTemplate"]
    constraints = [d for d in documents if d.obj["apiVersion"].startswith("constraints.")]
    expansions = [d for d in documents if is_expansion_template(d.obj)]
    broken = Document(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "empty", "namespace": "prod"}, "spec": {}},
        "broken.yaml",
        1,
    )
    result = evaluate(
        engine, templates=templates, constraints=constraints, expansion_templates=expansions, manifests=[broken]
    )
    assert [(p.file, p.message) for p in result.object_problems] == [
        ("broken.yaml", 'expanding resource empty: could not find source field "spec.template" in resource empty')
    ]


LIMITS = FIXTURES / "_expansion-limits"


def _gator_expand(gator_bin: str, path: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([gator_bin, "expand", "-n", str(path), "-f", "json"], capture_output=True, text=True)


@pytest.mark.gator
def test_a_chain_deeper_than_seven_expands_like_gator(gator_bin: str) -> None:
    """Gatekeeper's maxRecursionDepth is 30 (eval stopped at 7): eleven templates, each expanding the last's output."""
    completed = _gator_expand(gator_bin, LIMITS / "chain.yaml")
    expected = [json.loads(chunk) for chunk in re.split(r"(?<=\})---\n?", completed.stdout.strip()) if chunk.strip()]
    documents = load_paths([str(LIMITS / "chain.yaml")]).documents
    templates = [parse_expansion_template(d) for d in documents if is_expansion_template(d.obj)]
    root = next(d for d in documents if d.obj["kind"] == "Kind0")
    ours = [r.obj for r in expand(root.obj, None, templates)]
    assert len(expected) == 11
    assert _canonical(ours) == _canonical(expected)


@pytest.mark.gator
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("self.yaml", "ExpansionTemplate self generates GVK /v1, Kind=Pod, but also applies to that same GVK"),
        ("long.yaml", "name must be less than 64 characters"),
    ],
)
def test_templates_gator_refuses_are_refused(gator_bin: str, name: str, reason: str) -> None:
    assert reason in _gator_expand(gator_bin, LIMITS / name).stderr
    (document,) = [d for d in load_paths([str(LIMITS / name)]).documents if is_expansion_template(d.obj)]
    with pytest.raises(ExpansionError, match=re.escape(reason)):
        parse_expansion_template(document)
