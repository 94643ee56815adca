"""`boundary-policy exempt`: the narrowed Constraint exempts the same objects in eval and in gator (the cluster's
engine), by label or by namespace, and its kustomize form renders to the same Constraint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from boundary_policy.authoring.exemption import exempt, exempt_label
from tests.conftest import ROOT, tool
from tests.gatekeeper.conftest import gator_results

EXAMPLE = ROOT / "examples" / "manifests" / "06-bottlerocket-userns-off.yaml"
NODES = ROOT / "examples" / "inventory" / "nodes.json"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boundary_policy", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def _workloads(tmp_path: Path) -> Path:
    """The example's Deployment twice: as written, and a copy whose pod template carries the exemption label."""
    (deployment,) = [d for d in yaml.safe_load_all(EXAMPLE.read_text()) if d and d["kind"] == "Deployment"]
    accepted = json.loads(json.dumps(deployment))
    accepted["metadata"]["name"] += "-accepted"
    accepted["spec"]["template"]["metadata"].setdefault("labels", {})[exempt_label("BND020")] = "accepted"
    path = tmp_path / "manifests" / "workloads.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump_all([deployment, accepted]))
    return path


def _eval_bnd020(manifests: Path, *constraints: Path) -> set[str]:
    args = ["eval", str(manifests), "--inventory", str(NODES), "-o", "json"]
    for constraint in constraints:
        args += ["--constraints", str(constraint)]
    result = cli(*args)
    assert result.returncode in (0, 1), result.stderr
    return {f["resource"]["name"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "BND020"}


def test_the_label_exempts_in_eval_and_in_gator(tmp_path: Path) -> None:
    manifests = _workloads(tmp_path)
    original, accepted = "coder-dave-agent-ws", "coder-dave-agent-ws-accepted"
    assert _eval_bnd020(manifests) == {original, accepted}
    generated = cli("exempt", "BND020")
    assert generated.returncode == 0, generated.stderr
    constraint = tmp_path / "bnd020.yaml"
    constraint.write_text(generated.stdout)
    assert _eval_bnd020(manifests, constraint) == {original}

    # gator with the same objects: the bundled Constraints but the narrowed one in place of bnd020's.
    constraints = tmp_path / "constraints"
    shutil.copytree(ROOT / "gatekeeper" / "constraints", constraints)
    shutil.copy(constraint, constraints / "bnd020.yaml")
    gatekeeper = ROOT / "gatekeeper"
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text(yaml.safe_dump_all(json.loads(NODES.read_text())["items"]))
    args = [tool("gator"), "test", "-o", "json"]
    for path in (gatekeeper / "templates", constraints, gatekeeper / "expansion.yaml", manifests, nodes):
        args += ["-f", str(path)]
    completed = subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)
    assert completed.returncode in (0, 1), completed.stderr
    flagged = {name for (kind, _, _, _, name, *_rest) in gator_results(completed.stdout) if kind.endswith("Disabled")}
    assert flagged == {original}


def test_a_namespace_exemption_clears_the_namespace(tmp_path: Path) -> None:
    generated = cli("exempt", "bnd020", "--namespace", "cod*")
    assert generated.returncode == 0, generated.stderr
    constraint = tmp_path / "bnd020.yaml"
    constraint.write_text(generated.stdout)
    (document,) = [d for d in yaml.safe_load_all(generated.stdout) if d]
    assert document["spec"]["match"]["excludedNamespaces"] == ["kube-system", "gatekeeper-system", "cod*"]
    assert _eval_bnd020(EXAMPLE, constraint) == set()


def test_the_kustomize_patch_renders_the_same_constraint(tmp_path: Path) -> None:
    patches = cli("exempt", "BND020", "BND032", "-o", "kustomize")
    assert patches.returncode == 0, patches.stderr
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    kustomization = {
        "resources": [str(ROOT / "gatekeeper" / "constraints" / f) for f in ("bnd020.yaml", "bnd032.yaml")]
    }
    kustomization.update(yaml.safe_load(patches.stdout))
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    rendered = subprocess.run(
        [tool("kustomize"), "build", "--load-restrictor", "LoadRestrictionsNone", str(overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    whole = cli("exempt", "BND020", "BND032")
    assert _specs_by_kind(rendered.stdout) == _specs_by_kind(whole.stdout)


def _specs_by_kind(text: str) -> dict[str, Any]:
    return {d["kind"]: d["spec"] for d in yaml.safe_load_all(text) if d}


def test_your_own_copy_of_the_constraint_is_narrowed(tmp_path: Path) -> None:
    mine = yaml.safe_load((ROOT / "gatekeeper" / "constraints" / "bnd031.yaml").read_text())
    mine["spec"]["parameters"] = {"imageUsers": [{"image": "codercom/*", "uid": 1000}]}
    copy = json.loads(json.dumps(mine))
    copy["metadata"]["name"] = "bnd031-prod"
    copy["spec"]["match"]["namespaces"] = ["prod"]
    (tmp_path / "bnd031.yaml").write_text(yaml.safe_dump_all([mine, copy]))
    result = cli("exempt", "BND031", "-c", str(tmp_path / "bnd031.yaml"))
    assert result.returncode == 0, result.stderr
    documents = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert [d["metadata"]["name"] for d in documents] == ["bnd031-non-root-sys-admin", "bnd031-prod"]
    for document in documents:
        assert document["spec"]["parameters"] == mine["spec"]["parameters"]
        expressions = document["spec"]["match"]["labelSelector"]["matchExpressions"]
        assert expressions == [{"key": "boundary-policy/exempt-bnd031", "operator": "DoesNotExist"}]


def test_an_existing_selector_is_kept_and_the_label_added_once() -> None:
    constraint: dict[str, Any] = {
        "kind": "K",
        "metadata": {"name": "k"},
        "spec": {"match": {"labelSelector": {"matchLabels": {"team": "a"}}}},
    }
    once = exempt("BND010", constraint)
    twice = exempt("BND010", once.constraint)
    assert twice.constraint == once.constraint
    assert once.constraint["spec"]["match"]["labelSelector"] == {
        "matchLabels": {"team": "a"},
        "matchExpressions": [{"key": "boundary-policy/exempt-bnd010", "operator": "DoesNotExist"}],
    }
    assert constraint["spec"]["match"]["labelSelector"] == {"matchLabels": {"team": "a"}}  # the input is untouched


@pytest.mark.parametrize(
    ("rule", "message"),
    [("BND999", "unknown rule 'BND999'"), ("BND070", "BND070 is not enforced by a Constraint")],
)
def test_a_rule_that_cannot_be_exempted_exits_2(rule: str, message: str) -> None:
    result = cli("exempt", rule)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
