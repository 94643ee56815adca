"""examples/: every manifest states what it should produce; `boundary-policy eval` and gator agree with it.

Each manifest's header comment ends with an `Expected:` paragraph naming the error and warning rules (info-level
advice is not listed); examples/README.md repeats them in its table.
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

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
MANIFESTS = sorted((EXAMPLES / "manifests").glob("*.yaml"))
RULE_ID = re.compile(r"\bBND\d{3}\b")


def _expected_from_header(path: Path) -> set[str]:
    header = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line.lstrip("# "))
    text = " ".join(header)
    assert "Expected:" in text, f"{path.name}: header has no Expected: paragraph"
    return set(RULE_ID.findall(text.split("Expected:", 1)[1]))


def _expected_from_readme() -> dict[str, set[str]]:
    rows: dict[str, set[str]] = {}
    for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`(\d\d-[a-z0-9-]+\.yaml)`", cells[0]) if cells else None
        if match:
            rows[match.group(1)] = set(RULE_ID.findall(cells[-1]))
    return rows


def test_readme_lists_every_manifest_with_the_header_expectation() -> None:
    assert MANIFESTS
    readme = _expected_from_readme()
    assert sorted(readme) == [path.name for path in MANIFESTS]
    for path in MANIFESTS:
        assert readme[path.name] == _expected_from_header(path), path.name


def test_inventory_covers_every_node_class() -> None:
    nodes = json.loads((EXAMPLES / "inventory" / "nodes.json").read_text(encoding="utf-8"))
    assert nodes["kind"] == "List"
    images = [node["status"]["nodeInfo"]["osImage"] for node in nodes["items"]]
    for prefix in ("Amazon Linux 2023", "Amazon Linux 2", "Bottlerocket OS", "Bottlerocket (EKS Auto", "Ubuntu"):
        assert any(image.startswith(prefix) for image in images), prefix
    assert any(node["metadata"]["name"].startswith("fargate-") for node in nodes["items"])
    assert any(image.endswith("-fips)") for image in images)


@cache
def _eval_json() -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "boundary_policy", "eval", "examples/manifests"),
            *("--inventory", "examples/inventory", "-o", "json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return result.returncode, report


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_eval_reports_what_the_manifest_header_expects(path: Path) -> None:
    _, report = _eval_json()
    found = [f for f in report["findings"] if Path(f["file"]).name == path.name]
    assert {f["rule"] for f in found if f["severity"] in ("error", "warning")} == _expected_from_header(path)
    if path.name == "20-plain-workspace.yaml":
        assert found == [], "a workspace without Boundary must produce nothing, not even advice"


def test_eval_exit_code_reflects_the_errors() -> None:
    returncode, report = _eval_json()
    assert report["summary"]["error"] > 0
    assert returncode == 1


def _inventory_stream(path: Path) -> str:
    """The example inventory as one YAML stream gator can read (gator does not unwrap `kind: List`)."""
    documents: list[Any] = []
    for source in sorted((EXAMPLES / "inventory").iterdir()):
        if source.suffix == ".json":
            documents += json.loads(source.read_text(encoding="utf-8"))["items"]
        elif source.suffix in (".yaml", ".yml"):
            documents += [doc for doc in yaml.safe_load_all(source.read_text(encoding="utf-8")) if doc]
    path.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    return str(path)


@pytest.mark.gator
def test_gator_gives_the_same_violations_as_eval(gator_bin: str, tmp_path: Path) -> None:
    gatekeeper = ROOT / "gatekeeper"
    result = subprocess.run(
        [
            *(gator_bin, "test", "-o", "json"),
            *("-f", str(gatekeeper / "templates"), "-f", str(gatekeeper / "constraints")),
            *("-f", str(gatekeeper / "expansion.yaml"), "-f", str(EXAMPLES / "manifests")),
            *("-f", _inventory_stream(tmp_path / "inventory.yaml")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # the examples include deny results
    gator = Counter(
        (
            r["violatingObject"]["kind"],
            r["violatingObject"]["metadata"].get("namespace"),
            r["violatingObject"]["metadata"]["name"],
            r["metadata"]["details"]["rule"],
            r["enforcementAction"],
            r["msg"],
        )
        for r in json.loads(result.stdout)
    )
    _, report = _eval_json()
    ours = Counter(
        (
            f["resource"]["kind"],
            f["resource"]["namespace"],
            f["resource"]["name"],
            f["rule"],
            f["enforcementAction"],
            f["message"],
        )
        for f in report["findings"]
    )
    assert ours == gator
