"""examples/terraform: the object eval builds from each template equals its hand-written YAML twin, and both give
the same findings through eval, and (for the twin) through the pinned `gator test`.

The twins (tests/fixtures/terraform/twins/) are written from the provider's documentation, not generated: the
Terraform reader must produce exactly the Kubernetes object a person reading the provider docs expects. Each
template's header names the error and warning rules it must produce (`Expected:`), tf-* rules included.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from boundary_policy.loading import load_paths
from tests.conftest import ROOT, tool
from tests.identity.suite_batches import flatten_inventory

EXAMPLES = ROOT / "examples"
TEMPLATES = sorted(path.parent for path in (EXAMPLES / "terraform").glob("*/main.tf"))
TWINS = ROOT / "tests" / "fixtures" / "terraform" / "twins"
GATEKEEPER = ROOT / "gatekeeper"
INVENTORY = tuple(sorted((EXAMPLES / "inventory").iterdir()))
RULES = re.compile(r"\b(?:BND\d{3}|tf-[a-z-]+[a-z])\b")

Key = tuple[str, str, str, str, str, str]
"""(rule, resource kind, namespace, name, message, enforcementAction)."""


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@cache
def _eval(path: Path) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "boundary_policy", "eval", _relative(path)),
            *("--inventory", "examples/inventory", "-o", "json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode in (0, 1), completed.stderr
    findings: list[dict[str, Any]] = json.loads(completed.stdout)["findings"]
    return findings


def _keys(findings: list[dict[str, Any]]) -> Counter[Key]:
    return Counter(
        (
            f["rule"],
            f["resource"]["kind"],
            f["resource"]["namespace"] or "",
            f["resource"]["name"],
            f["message"],
            f["enforcementAction"],
        )
        for f in findings
        if not f["rule"].startswith("tf-")
    )


def _expected(template: Path) -> set[str]:
    header = " ".join(
        line.lstrip("# ")
        for line in (template / "main.tf").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    )
    assert "Expected:" in header, template
    return set(RULES.findall(header.split("Expected:", 1)[1]))


def test_there_is_a_template_per_platform() -> None:
    assert [path.name for path in TEMPLATES] == ["amazon-linux", "bottlerocket", "fargate"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_the_object_built_from_terraform_equals_its_yaml_twin(template: Path) -> None:
    result = load_paths([str(template)])
    assert result.problems == []
    (document,) = result.documents
    twin = yaml.safe_load((TWINS / f"{template.name}.yaml").read_text(encoding="utf-8"))
    assert document.obj == twin


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_terraform_and_twin_give_the_same_findings(template: Path) -> None:
    from_terraform = _eval(template)
    from_twin = _eval(TWINS / f"{template.name}.yaml")
    assert _keys(from_terraform) == _keys(from_twin)
    assert {f["rule"] for f in from_terraform if f["severity"] != "info"} == _expected(template)
    for finding in from_terraform:
        assert finding["file"] == _relative(template / "main.tf")
        assert isinstance(finding["line"], int) and finding["line"] > 0


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_findings_point_at_the_offending_tf_attribute(template: Path) -> None:
    lines = (template / "main.tf").read_text(encoding="utf-8").splitlines()
    for finding in _eval(template):
        written = lines[finding["line"] - 1].strip()
        rule = finding["rule"]
        if rule in ("BND012", "BND021", "BND031"):
            assert written == "security_context {", (rule, written)
        elif rule == "BND040":
            assert written.startswith("scheduler_name"), (rule, written)
        elif rule == "tf-boundary-not-visible":
            assert written == "metadata {", (rule, written)


@pytest.mark.gator
def test_gator_on_the_twins_equals_eval(tmp_path: Path) -> None:
    inventory = flatten_inventory(INVENTORY, tmp_path / "inventory.yaml")
    assert inventory is not None
    args = [tool("gator"), "test", "-o", "json"]
    for path in (GATEKEEPER / "templates", GATEKEEPER / "constraints", GATEKEEPER / "expansion.yaml", inventory):
        args += ["-f", str(path)]
    for template in TEMPLATES:
        args += ["-f", str(TWINS / f"{template.name}.yaml")]
    completed = subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)
    assert completed.returncode == 1 and not completed.stderr.strip(), completed.stderr
    gator: Counter[Key] = Counter(
        (
            item["metadata"]["details"]["rule"],
            item["violatingObject"]["kind"],
            item["violatingObject"]["metadata"].get("namespace") or "",
            item["violatingObject"]["metadata"]["name"],
            item["msg"],
            item["enforcementAction"],
        )
        for item in json.loads(completed.stdout)
    )
    ours: Counter[Key] = Counter()
    for template in TEMPLATES:
        ours += _keys(_eval(template))
    assert ours == gator
    assert sum(gator.values()) >= 5
