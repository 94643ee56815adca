"""`boundary-policy rules` and `boundary-policy explain`, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from boundary_policy.cli import cli
from tests.conftest import ROOT


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_rules_text_lists_every_rule(project: Path) -> None:
    code, output = _run("rules", "--policies", str(project / "policies"))
    assert code == 0
    lines = output.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "ACTION", "TITLE"]
    assert lines[1].split() == ["BND010", "error", "deny", "CAP_NET_ADMIN", "missing"]
    assert lines[2].split() == ["BND020", "warning", "warn", "User", "namespaces", "disabled"]
    assert lines[3].split() == ["BND070", "info", "not", "enforced", "Licensing"]


def test_rules_json(project: Path) -> None:
    code, output = _run("rules", "-o", "json", "--policies", str(project / "policies"))
    assert code == 0
    document = json.loads(output)
    assert document["version"] == 1
    assert [rule["id"] for rule in document["rules"]] == ["BND010", "BND020", "BND070"]
    userns = document["rules"][1]
    assert {key: userns[key] for key in ("severity", "enforcementAction", "kind", "constraint", "inventory")} == {
        "severity": "warning",
        "enforcementAction": "warn",
        "kind": "BoundaryUserNamespacesDisabled",
        "constraint": "bnd020-user-namespaces-disabled",
        "inventory": ["Node", "Namespace"],
    }
    assert userns["helpUri"] == "docs/rules/BND020.md"
    assert document["rules"][2]["enforced"] is False


def test_explain_one_rule(project: Path) -> None:
    code, output = _run("explain", "bnd010", "--policies", str(project / "policies"))
    assert code == 0
    assert output.startswith("BND010: CAP_NET_ADMIN missing\nseverity: error\n")
    assert "enforcementAction: deny (constraint bnd010-net-admin-missing, kind BoundaryNetAdminMissing)" in output
    assert "Add NET_ADMIN to the container's capabilities." in output
    assert "  - nsjail on Kubernetes\n    https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s\n" in output
    assert "policies/rules/bnd010/policy.rego" in output
    # This project has no generated docs/rules/ yet: no page is named that does not exist.
    assert "Docs:" not in output
    (project / "docs" / "rules").mkdir(parents=True)
    (project / "docs" / "rules" / "BND010.md").write_text("# BND010\n")
    code, output = _run("explain", "bnd010", "--policies", str(project / "policies"))
    assert output.rstrip().endswith(f"Docs: {project.resolve() / 'docs' / 'rules' / 'BND010.md'}")


def test_explain_in_the_checkout_names_the_page_relative_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, output = _run("explain", "BND020")
    assert code == 0
    assert output.rstrip().endswith("Docs: docs/rules/BND020.md")
    assert "\nPolicy: policies/rules/bnd020/policy.rego\n" in output


def test_explain_documented_only_rule(project: Path) -> None:
    code, output = _run("explain", "BND070", "--policies", str(project / "policies"))
    assert code == 0
    assert "enforcementAction: not enforced (documentation only)" in output


def test_explain_unknown_rule_lists_the_ids(project: Path) -> None:
    code, output = _run("explain", "BND999", "--policies", str(project / "policies"))
    assert code == 2
    assert "unknown rule 'BND999'; known rules: BND010, BND020, BND070" in output


def test_bad_policies_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _run("rules", "--policies", str(tmp_path / "missing"))
    assert code == 2
    assert "not a directory" in output
