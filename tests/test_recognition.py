"""recognition.py: which workloads the policies' own recognition counts as running Boundary, and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from boundary_policy import recognition
from boundary_policy.engine import open_engine
from boundary_policy.gatekeeper.expansion import expand
from boundary_policy.gatekeeper.review import build_inventory, object_review
from boundary_policy.loading import load_inventory, load_paths
from boundary_policy.pipeline import load_policies
from boundary_policy.recognition import Recognition, recognise
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"


def _recognise(paths: list[str], constraints: tuple[str, ...] = (), engine: str | None = None) -> Recognition:
    manifests = load_paths(paths, cwd=ROOT)
    inventory = load_inventory([str(EXAMPLES / "inventory")])
    policies, problems = load_policies((), constraints)
    assert problems == []
    opened = open_engine(engine, opa_bin=str(ROOT / ".tools" / "bin" / "opa") if engine == "opa" else None)
    try:
        found = recognise(
            opened, policies, manifests.documents, [d.obj for d in (*inventory.documents, *manifests.documents)]
        )
    finally:
        opened.close()
    assert found is not None
    return found


@pytest.mark.parametrize("engine", ["embedded", "opa"])
def test_the_examples_by_reason(engine: str) -> None:
    found = _recognise([str(EXAMPLES / "manifests")], engine=engine)
    # every example runs Boundary except 20-plain-workspace, a Coder workspace without Agent Firewall
    assert (found.workloads, found.recognised, found.workspaces_unrecognised) == (21, 20, 1)
    assert found.reasons == {"annotation": 12, "env": 5, "command": 2, "flag": 1, "config": 2}


def test_slices_count_what_one_pass_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The documents are asked about a slice at a time (memory); the counts are those of one pass."""
    whole = _recognise([str(EXAMPLES / "manifests")])
    monkeypatch.setattr(recognition, "SLICE", 2)
    assert _recognise([str(EXAMPLES / "manifests")]) == whole


def test_a_terraform_module_is_its_own_reason() -> None:
    found = _recognise([str(EXAMPLES / "terraform")])
    # amazon-linux and bottlerocket write the annotation; fargate's comes from its claude-code module
    assert (found.workloads, found.recognised) == (3, 3)
    assert found.reasons == {"annotation": 2, "module": 1}


def test_boundary_workspaces_parameter(tmp_path: Path) -> None:
    plain = str(EXAMPLES / "manifests" / "20-plain-workspace.yaml")
    assert _recognise([plain]).recognised == 0
    constraint = tmp_path / "bnd032.yaml"
    constraint.write_text(
        """apiVersion: constraints.gatekeeper.sh/v1beta1
kind: BoundaryImagePrerequisites
metadata:
  name: bnd032-image-prerequisites
spec:
  enforcementAction: dryrun
  match:
    kinds: [{apiGroups: [""], kinds: ["Pod"]}]
  parameters:
    boundaryWorkspaces: true
""",
        encoding="utf-8",
    )
    found = _recognise([plain], (str(constraint),))
    assert (found.recognised, found.reasons, found.workspaces_unrecognised) == (1, {"parameter": 1}, 0)


def test_objects_without_pods_are_not_workloads() -> None:
    found = _recognise([str(EXAMPLES / "inventory" / "namespaces.yaml")])
    assert found == Recognition(workloads=0, recognised=0, reasons={}, workspaces_unrecognised=0)


def test_the_query_asked_with_the_templates_answers_as_the_one_asked_alone() -> None:
    """SIDE_QUERY reads the templates' own recognised containers (for a Pod): the same answer as RECOGNITION_QUERY,
    for every example Pod and workload, with parameters that exempt, wrap and declare, and for a non-Pod."""
    manifests = load_paths([str(EXAMPLES / "manifests")], cwd=ROOT)
    inventory = load_inventory([str(EXAMPLES / "inventory")])
    policies, _ = load_policies((), ())
    template = next(t for t in policies.templates.values() if t.libs)
    pods = []
    for document in manifests.documents:
        if document.obj.get("kind") == "Pod":
            pods.append(document.obj)
        pods += [r.obj for r in expand(document.obj, None, policies.expansions)]
    non_pod = {"kind": "PodTemplate", "metadata": {"name": "t"}, "spec": pods[0]["spec"]}
    parameter_sets = [
        {},
        {"exemptImages": ["ghcr.io/coder/*"]},
        {"wrapperNames": ["agent-run"]},
        {"boundaryWorkspaces": True},
    ]
    inputs = [{"review": object_review(o), "parameters": p} for o in [*pods, non_pod] for p in parameter_sets]
    data = {"inventory": build_inventory([d.obj for d in (*inventory.documents, *manifests.documents)])}
    engine = open_engine("embedded")
    policy = engine.compile(template.modules(), data)
    try:
        alone = policy.evaluate(recognition.RECOGNITION_QUERY, inputs)
        along = policy.evaluate(recognition.SIDE_QUERY, inputs)
    finally:
        policy.close()
        engine.close()
    assert len(pods) >= 20
    assert all(o.error is None for o in alone)
    assert [o.value for o in along] == [o.value for o in alone]
    assert sum(1 for o in alone if o.value) >= 40  # recognised containers among them, not only empty answers
