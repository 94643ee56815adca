"""The evaluation client beyond what the differential fixtures show: errors, eval mode, batching."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from boundary_policy.engine import CompiledPolicy, Engine, Module, RegoVersion
from boundary_policy.gatekeeper import client as client_module
from boundary_policy.gatekeeper.client import Client, Evaluation, evaluate
from boundary_policy.gatekeeper.policy_set import build_policy_set, split_documents
from boundary_policy.loading import load_paths
from boundary_policy.model import Document
from tests.gatekeeper.conftest import FIXTURES

ECHO = FIXTURES / "match" / "template.yaml"


def load(*paths: Path) -> list[Document]:
    loaded = load_paths([str(p) for p in paths])
    assert not loaded.problems
    return loaded.documents


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


NON_STRING = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8snonstring}
spec:
  crd:
    spec:
      names: {kind: K8sNonString}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package k8snonstring

              violation contains {"msg": input.review.object.data.value} if input.review.kind.kind == "ConfigMap"
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sNonString
metadata: {name: nonstring}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: apps}
data:
  value: VALUE
"""


@pytest.mark.gator
@pytest.mark.parametrize("value", ["5", "[1, a]", "true", "{a: 1, b: [x]}"])
def test_non_string_msg_is_the_error_gator_stops_on(value: str, engine: Engine, gator_bin: str, tmp_path: Path) -> None:
    path = write(tmp_path, "all.yaml", NON_STRING.replace("VALUE", value))
    gator = subprocess.run([gator_bin, "test", "-f", str(path)], capture_output=True, text=True, check=False)
    templates, constraints, _, others = split_documents(load(path))
    result = evaluate(engine, templates=templates, constraints=constraints, manifests=others, gator_test=True)
    [violation] = result.violations
    assert violation.msg.startswith("extracting message binding: .msg accessor error: ")
    assert gator.returncode == 1 and f"Rego: {violation.msg}" in gator.stderr


BROKEN = """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata: {name: k8sbroken}
spec:
  crd:
    spec:
      names: {kind: K8sBroken}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: "v1"
            rego: |
              package k8sbroken

              violation contains {"msg": "x"} if {
                y := 1
                z
              }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sBroken
metadata: {name: broken}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sMissing
metadata: {name: orphan}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: apps}
"""


def test_compile_errors_and_orphan_constraints_are_problems(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "all.yaml", BROKEN)
    templates, constraints, _, others = split_documents(load(path))
    result = evaluate(engine, templates=templates, constraints=constraints, manifests=others)
    assert result.violations == []
    problems = {(p.line, p.message) for p in result.problems}
    lines = BROKEN.splitlines()
    compile_problem = next(p for p in result.problems if "unsafe" in p.message)
    assert compile_problem.file == str(path)
    assert compile_problem.line is not None and lines[compile_problem.line - 1].strip() == "z"
    assert compile_problem.message == 'template "k8sbroken": rego_unsafe_var_error: var z is unsafe'
    orphan_line = lines.index("kind: K8sMissing")  # the document starts on the line before
    assert (orphan_line, 'no ConstraintTemplate for Constraint kind "K8sMissing" (constraint "orphan")') in problems


EVAL_MODE = """apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sEcho
metadata: {name: selected}
spec:
  match:
    kinds: [{kinds: [Pod]}]
    namespaceSelector: {matchLabels: {env: prod}}
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sEcho
metadata: {name: cluster}
spec:
  match: {scope: Cluster, kinds: [{kinds: [Node]}]}
"""

MANIFESTS = """apiVersion: v1
kind: Pod
metadata: {name: in-prod, namespace: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: in-dev, namespace: dev}
"""

INVENTORY = """apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev}
---
apiVersion: v1
kind: Node
metadata: {name: node-1}
"""


def test_eval_mode_reviews_manifests_with_namespaces_from_the_inventory(engine: Engine, tmp_path: Path) -> None:
    templates = load(ECHO)
    constraints = load(write(tmp_path, "constraints.yaml", EVAL_MODE))
    manifests = load(write(tmp_path, "manifests.yaml", MANIFESTS))
    inventory = load(write(tmp_path, "inventory.yaml", INVENTORY))
    result = evaluate(engine, templates=templates, constraints=constraints, manifests=manifests, inventory=inventory)
    assert [(v.constraint.name, v.msg) for v in result.violations] == [("selected", "Pod prod/in-prod")]
    assert result.problems == []


def test_in_cluster_scope_lets_cluster_scoped_objects_match_scope_cluster(engine: Engine, tmp_path: Path) -> None:
    constraints = load(write(tmp_path, "constraints.yaml", EVAL_MODE))
    nodes = [d for d in load(write(tmp_path, "inventory.yaml", INVENTORY)) if d.obj["kind"] == "Node"]
    policies, _ = build_policy_set(load(ECHO), constraints)
    gator_like = Client(engine, policies).review(nodes, [])
    in_cluster = Client(engine, policies, gator_cluster_scope=False).review(nodes, [])
    assert gator_like.violations == []
    assert [v.msg for v in in_cluster.violations] == ["Node -/node-1"]


class CountingEngine:
    """The real engine, with its compile and evaluate calls counted."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = engine.name
        self.compiles = 0
        self.evaluations: list[int] = []

    def compile(
        self, modules: Sequence[Module], data: Any = None, *, rego_version: RegoVersion = "v1"
    ) -> CompiledPolicy:
        self.compiles += 1
        policy = self.engine.compile(modules, data, rego_version=rego_version)
        outer = self

        class Counted:
            def evaluate(self, query: str, inputs: Sequence[Any]) -> Any:
                outer.evaluations.append(len(inputs))
                return policy.evaluate(query, inputs)

            def close(self) -> None:
                policy.close()

        return Counted()

    def close(self) -> None:
        self.engine.close()


def test_one_compile_and_one_batch_per_template(engine: Engine) -> None:
    counting = CountingEngine(engine)
    documents = load(FIXTURES / "match")
    templates, constraints, _, others = split_documents(documents)
    result = evaluate(counting, templates=templates, constraints=constraints, manifests=others, gator_test=True)
    assert counting.compiles == 1
    assert len(counting.evaluations) == 1 and counting.evaluations[0] > 10
    assert len(result.violations) > 10


def test_constraints_sharing_a_match_block_each_get_their_result(engine: Engine, tmp_path: Path) -> None:
    """A match block is decided once per object, whichever Constraints share it: each still gets its violation,
    and a matcher error is an autoreject on each."""
    second = EVAL_MODE.split("---")[0].replace("name: selected", "name: selected-too")
    constraints = load(write(tmp_path, "constraints.yaml", EVAL_MODE + "---\n" + second))
    nowhere = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: lost, namespace: nowhere}\n"
    manifests = load(write(tmp_path, "manifests.yaml", MANIFESTS + nowhere))
    inventory = load(write(tmp_path, "inventory.yaml", INVENTORY))
    result = evaluate(engine, templates=load(ECHO), constraints=constraints, manifests=manifests, inventory=inventory)
    found = sorted((v.constraint.name, v.msg.split(":")[0]) for v in result.violations)
    assert found == [
        ("selected", "Pod prod/in-prod"),
        ("selected", "unable to match constraints"),
        ("selected-too", "Pod prod/in-prod"),
        ("selected-too", "unable to match constraints"),
    ]


def _violations(result: Evaluation) -> list[tuple[str, str, str, int, tuple[str | int, ...]]]:
    return sorted((v.constraint.name, v.msg, v.document.file, v.document.line, v.path) for v in result.violations)


def test_slices_compile_once_and_find_what_one_pass_finds(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Objects are evaluated a slice at a time (memory), with each policy compiled once (and a template that does
    not compile reported once), and the result is the one of a single pass."""
    templates, constraints, _, others = split_documents(load(FIXTURES / "match", write(tmp_path, "b.yaml", BROKEN)))
    once = CountingEngine(engine)
    whole = evaluate(once, templates=templates, constraints=constraints, manifests=others, gator_test=True)
    monkeypatch.setattr(client_module, "REVIEW_SLICE", 3)
    counting = CountingEngine(engine)
    sliced = evaluate(counting, templates=templates, constraints=constraints, manifests=others, gator_test=True)
    assert len(others) > 3 * 3 and len(counting.evaluations) > 3 * len(once.evaluations)
    assert counting.compiles == once.compiles == 3  # echo and broken together (refused), then each alone
    assert _violations(sliced) == _violations(whole) and len(whole.violations) > 10
    assert sliced.problems == whole.problems
    assert sum("unsafe" in p.message for p in sliced.problems) == 1
