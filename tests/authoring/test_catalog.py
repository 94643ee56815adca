"""The catalog: METADATA read from policy.rego (or rule.yaml), validated strictly, errors naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from boundary_policy.authoring.catalog import CatalogError, load_catalog
from boundary_policy.model import RuleInfo
from tests.authoring.conftest import NET_ADMIN_POLICY, write


def test_catalog_reads_every_rule_sorted_by_id(project: Path) -> None:
    catalog = load_catalog(project / "policies")
    assert catalog.ids == ("BND010", "BND020", "BND070")
    net_admin = catalog.get("bnd010")
    assert net_admin is not None
    assert net_admin.info == RuleInfo(
        id="BND010",
        title="CAP_NET_ADMIN missing",
        description="nsjail sets up the jail's network with ip and iptables, which need CAP_NET_ADMIN.",
        severity="error",
        fix="Add NET_ADMIN to the container's capabilities.",
        related_resources=("https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s",),
        help_uri="docs/rules/BND010.md",
    )
    assert (net_admin.kind, net_admin.constraint, net_admin.enforcement_action) == (
        "BoundaryNetAdminMissing",
        "bnd010-net-admin-missing",
        "deny",
    )
    assert net_admin.template_name == "boundarynetadminmissing"
    assert net_admin.source == project / "policies/rules/bnd010/policy.rego"
    assert net_admin.version == "1.0.0"


def test_inventory_kinds_are_ordered_and_version_is_read(project: Path) -> None:
    userns = load_catalog(project / "policies").get("BND020")
    assert userns is not None
    assert userns.inventory == ("Node", "Namespace")
    assert userns.version == "1.2.0"
    assert userns.enforcement_action == "warn"


def test_documented_only_rule_is_not_enforced(project: Path) -> None:
    licensing = load_catalog(project / "policies").get("BND070")
    assert licensing is not None
    assert not licensing.enforced
    assert (licensing.kind, licensing.constraint, licensing.enforcement_action) == (None, None, None)
    assert licensing.info.severity == "info"


def test_libs_exclude_tests_and_are_sorted_by_path(project: Path) -> None:
    catalog = load_catalog(project / "policies")
    assert [path.relative_to(project).as_posix() for path in catalog.libs] == [
        "policies/lib/alpha/alpha.rego",
        "policies/lib/caps/caps.rego",
    ]


def _break(project: Path, old: str, new: str) -> Path:
    path = project / "policies/rules/bnd010/policy.rego"
    assert old in NET_ADMIN_POLICY
    write(path, NET_ADMIN_POLICY.replace(old, new))
    return path


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        (
            "#   severity: error",
            "#   severity: fatal",
            11,
            "custom.severity: Input should be 'error', 'warning' or 'info'",
        ),
        (
            "# title: CAP_NET_ADMIN missing",
            "# titel: CAP_NET_ADMIN missing",
            2,
            "titel: Extra inputs are not permitted",
        ),
        ("#   id: BND010", "#   id: BND10", 10, "custom.id: String should match pattern"),
        ("#   kind: BoundaryNetAdminMissing\n", "", 9, "custom.kind: Field required"),
        ("#   severity: error", "#   severity: error: loud", 11, "METADATA is not valid YAML: mapping values"),
        ("#   - ref: https://coder", "#   - ref: ftp://coder", 7, "related_resources.0.ref: String should match"),
        (
            "#   constraint: bnd010-net-admin-missing",
            "#   constraint: bnd011-net-admin",
            13,
            "must start with 'bnd010-'",
        ),
        ("#   id: BND010", "#   id: BND011", 10, "custom.id BND011 does not match its folder 'bnd010'"),
        ("package rules.bnd010", "package rules.netadmin", 15, "package is 'rules.netadmin', expected 'rules.bnd010'"),
        ("# METADATA\n", "", 14, "no `# METADATA` comment block directly above the package"),
    ],
)
def test_bad_metadata_names_file_and_line(project: Path, old: str, new: str, line: int, expected: str) -> None:
    path = _break(project, old, new)
    with pytest.raises(CatalogError) as error:
        load_catalog(project / "policies")
    message = str(error.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert expected in message


def test_every_problem_is_reported_at_once(project: Path) -> None:
    _break(project, "#   severity: error", "#   severity: loud")
    write(project / "policies/rules/bnd030/notes.txt", "work in progress")
    with pytest.raises(CatalogError) as error:
        load_catalog(project / "policies")
    lines = str(error.value).splitlines()
    assert len(lines) == 2
    assert "custom.severity" in lines[0]
    assert (
        lines[1] == f"{project / 'policies/rules/bnd030'}: neither policy.rego nor rule.yaml (a documented-only rule)"
    )


def test_duplicate_kind_is_an_error(project: Path) -> None:
    text = (project / "policies/rules/bnd020/policy.rego").read_text()
    write(
        project / "policies/rules/bnd020/policy.rego",
        text.replace("BoundaryUserNamespacesDisabled", "BoundaryNetAdminMissing"),
    )
    with pytest.raises(CatalogError, match=r"custom\.kind 'BoundaryNetAdminMissing' is also used by BND010"):
        load_catalog(project / "policies")


def test_bad_rule_yaml_names_its_line(project: Path) -> None:
    path = project / "policies/rules/bnd070/rule.yaml"
    write(path, path.read_text().replace("severity: info", "severity: notice"))
    with pytest.raises(CatalogError) as error:
        load_catalog(project / "policies")
    assert str(error.value).startswith(f"{path}:7: custom.severity:")


def test_missing_rules_directory(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no rules/ directory"):
        load_catalog(tmp_path)
