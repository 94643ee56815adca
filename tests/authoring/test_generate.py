"""policies/ -> gatekeeper/ and docs/rules/: content, determinism, and the --check drift detection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from boundary_policy.authoring.catalog import load_catalog
from boundary_policy.authoring.generate import HEADER, PARAMETERS, Drift, check, render, write
from boundary_policy.cli import cli
from tests.authoring.conftest import ALPHA_LIB, CAPS_LIB, NET_ADMIN_POLICY
from tests.authoring.conftest import write as write_file


def _render(project: Path) -> dict[str, str]:
    return render(load_catalog(project / "policies"))


def _load(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


def test_render_produces_exactly_the_expected_files(project: Path) -> None:
    assert sorted(_render(project)) == [
        "docs/rules/BND010.md",
        "docs/rules/BND020.md",
        "docs/rules/BND070.md",
        "docs/rules/README.md",
        "gatekeeper/constraints/bnd010.yaml",
        "gatekeeper/constraints/bnd020.yaml",
        "gatekeeper/expansion.yaml",
        "gatekeeper/kustomization.yaml",
        "gatekeeper/sync.yaml",
        "gatekeeper/templates/bnd010.yaml",
        "gatekeeper/templates/bnd020.yaml",
    ]


def test_render_is_deterministic(project: Path) -> None:
    assert _render(project) == _render(project)


def test_template_embeds_the_rego_verbatim_as_literal_blocks(project: Path) -> None:
    text = _render(project)["gatekeeper/templates/bnd010.yaml"]
    assert text.startswith(HEADER)
    assert "        rego: |\n          # METADATA\n" in text  # a literal block, not an escaped string
    assert "\n          \tsome container in input.review.object.spec.containers\n" in text  # tabs kept
    [template] = _load(text)
    source = template["spec"]["targets"][0]["code"][0]["source"]
    assert source == {"version": "v1", "rego": NET_ADMIN_POLICY, "libs": [ALPHA_LIB, CAPS_LIB]}


def test_template_metadata_and_schema(project: Path) -> None:
    [template] = _load(_render(project)["gatekeeper/templates/bnd010.yaml"])
    assert template["apiVersion"] == "templates.gatekeeper.sh/v1"
    assert template["kind"] == "ConstraintTemplate"
    assert template["metadata"] == {
        "name": "boundarynetadminmissing",
        "annotations": {
            "metadata.gatekeeper.sh/title": "CAP_NET_ADMIN missing",
            "metadata.gatekeeper.sh/version": "1.0.0",
            "description": "nsjail sets up the jail's network with ip and iptables, which need CAP_NET_ADMIN.",
            "boundary-policy/rule-id": "BND010",
            "boundary-policy/severity": "error",
        },
    }
    crd = template["spec"]["crd"]["spec"]
    assert crd["names"] == {"kind": "BoundaryNetAdminMissing"}
    schema = crd["validation"]["openAPIV3Schema"]
    assert schema["type"] == "object"
    assert list(schema["properties"]) == [
        "boundaryWorkspaces",
        "boundaryContainer",
        "nodeKind",
        "exemptImages",
        "imageUsers",
        "wrapperNames",
    ]
    assert schema["properties"]["nodeKind"]["enum"] == [
        "fargate",
        "auto-mode",
        "bottlerocket",
        "al2023",
        "al2",
        "unknown",
    ]
    assert schema["properties"]["imageUsers"]["items"]["properties"]["uid"]["type"] == "integer"
    assert template["spec"]["targets"][0]["target"] == "admission.k8s.gatekeeper.sh"


def _structural(schema: dict[str, Any], where: str) -> None:
    assert "type" in schema, where
    assert schema.get("description"), where
    for name, child in schema.get("properties", {}).items():
        _structural(child, f"{where}.{name}")
    if "items" in schema:
        _structural(schema["items"], f"{where}[]")


def test_parameter_schema_is_structural_and_described() -> None:
    for name, schema in PARAMETERS.items():
        _structural(schema, name)


def test_inventory_rule_declares_its_sync_requirements(project: Path) -> None:
    [template] = _load(_render(project)["gatekeeper/templates/bnd020.yaml"])
    annotation = template["metadata"]["annotations"]["metadata.gatekeeper.sh/requires-sync-data"]
    # Gatekeeper trims the surrounding quotes and newlines, as for the library's templates.
    assert yaml.safe_load(annotation.strip('\n"')) == [
        [{"groups": [""], "versions": ["v1"], "kinds": ["Node"]}],
        [{"groups": [""], "versions": ["v1"], "kinds": ["Namespace"]}],
    ]
    assert template["metadata"]["annotations"]["metadata.gatekeeper.sh/version"] == "1.2.0"


def test_constraints_take_their_enforcement_action_from_severity(project: Path) -> None:
    files = _render(project)
    [deny] = _load(files["gatekeeper/constraints/bnd010.yaml"])
    [warn] = _load(files["gatekeeper/constraints/bnd020.yaml"])
    assert deny == {
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "BoundaryNetAdminMissing",
        "metadata": {"name": "bnd010-net-admin-missing", "annotations": {"boundary-policy/rule-id": "BND010"}},
        "spec": {
            "enforcementAction": "deny",
            "match": {
                "kinds": [{"apiGroups": [""], "kinds": ["Pod"]}],
                "excludedNamespaces": ["kube-system", "gatekeeper-system"],
            },
        },
    }
    assert warn["spec"]["enforcementAction"] == "warn"


def test_sync_set_is_the_union_of_inventory_kinds(project: Path) -> None:
    files = _render(project)
    [sync] = _load(files["gatekeeper/sync.yaml"])
    assert sync["kind"] == "SyncSet"
    assert sync["spec"]["gvks"] == [
        {"group": "", "version": "v1", "kind": "Node"},
        {"group": "", "version": "v1", "kind": "Namespace"},
    ]


def test_expansion_templates_cover_every_workload(project: Path) -> None:
    workloads, pod_templates, cronjobs = _load(_render(project)["gatekeeper/expansion.yaml"])
    assert workloads["metadata"]["name"] == "boundary-expand-workloads"
    assert workloads["spec"]["templateSource"] == "spec.template"
    assert {
        (group, kind) for entry in workloads["spec"]["applyTo"] for group in entry["groups"] for kind in entry["kinds"]
    } == {
        ("apps", "Deployment"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("apps", "ReplicaSet"),
        ("batch", "Job"),
        ("", "ReplicationController"),
    }
    assert pod_templates["metadata"]["name"] == "boundary-expand-podtemplates"
    assert pod_templates["spec"]["templateSource"] == "template"
    assert pod_templates["spec"]["applyTo"] == [{"groups": [""], "kinds": ["PodTemplate"], "versions": ["v1"]}]
    assert cronjobs["metadata"]["name"] == "boundary-expand-cronjobs"
    assert cronjobs["spec"]["templateSource"] == "spec.jobTemplate.spec.template"
    assert cronjobs["spec"]["generatedGVK"] == {"group": "", "version": "v1", "kind": "Pod"}


def test_kustomization_lists_templates_before_constraints(project: Path) -> None:
    [kustomization] = _load(_render(project)["gatekeeper/kustomization.yaml"])
    assert kustomization["resources"] == [
        "templates/bnd010.yaml",
        "templates/bnd020.yaml",
        "sync.yaml",
        "expansion.yaml",
        "constraints/bnd010.yaml",
        "constraints/bnd020.yaml",
    ]


def test_rule_docs(project: Path) -> None:
    files = _render(project)
    page = files["docs/rules/BND010.md"]
    for section in ("## Description", "## What decides it", "## Fix", "## Related resources", "## Inventory needed"):
        assert section in page
    assert "| enforcementAction | `deny` (default Constraint) |" in page
    assert "[nsjail on Kubernetes](https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s)" in page
    assert "| `nodeKind` |" in page
    assert "**not enforced**" in files["docs/rules/BND070.md"]
    index = files["docs/rules/README.md"]
    assert (
        "| [BND020](BND020.md) | User namespaces disabled | warning | `warn` | `BoundaryUserNamespacesDisabled` |"
        in index
    )
    assert "| [BND070](BND070.md) | Licensing | info | not enforced |" in index


def test_check_is_clean_after_write(project: Path) -> None:
    files = _render(project)
    written, removed, kept = write(files, project)
    assert written == sorted(files)
    assert (removed, kept) == ([], [])
    assert check(files, project) == []
    assert write(files, project) == ([], [], [])


def test_check_reports_stale_missing_and_extra(project: Path) -> None:
    files = _render(project)
    write(files, project)
    template = project / "gatekeeper/templates/bnd010.yaml"
    template.write_text(template.read_text().replace("enforcementAction", "enforcementAction"))  # no-op edit first
    assert check(files, project) == []
    template.write_text(template.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    (project / "docs/rules/BND020.md").unlink()
    (project / "gatekeeper/constraints/bnd099.yaml").write_text(HEADER + "kind: Stale\n")
    assert check(files, project) == [
        Drift("docs/rules/BND020.md", "missing"),
        Drift("gatekeeper/constraints/bnd099.yaml", "extra"),
        Drift("gatekeeper/templates/bnd010.yaml", "stale"),
    ]


def test_write_removes_generated_leftovers_but_keeps_hand_written_files(project: Path) -> None:
    files = _render(project)
    write(files, project)
    leftover = write_file(project / "gatekeeper/templates/bnd099.yaml", HEADER + "kind: Gone\n")
    mine = write_file(project / "docs/rules/notes.md", "hand-written\n")
    assert check(files, project) == [
        Drift("docs/rules/notes.md", "unexpected"),
        Drift("gatekeeper/templates/bnd099.yaml", "extra"),
    ]
    assert write(files, project) == ([], ["gatekeeper/templates/bnd099.yaml"], ["docs/rules/notes.md"])
    assert not leftover.exists()
    assert mine.exists()


def test_removing_a_rule_leaves_its_files_extra(project: Path) -> None:
    write(_render(project), project)
    for path in (project / "policies/rules/bnd020").iterdir():
        path.unlink()
    (project / "policies/rules/bnd020").rmdir()
    drift = check(_render(project), project)
    assert Drift("gatekeeper/templates/bnd020.yaml", "extra") in drift
    assert Drift("gatekeeper/sync.yaml", "stale") in drift


def test_generate_command_and_check(project: Path) -> None:
    runner = CliRunner()
    args = ["--policies", str(project / "policies"), "--output", str(project)]
    stale = runner.invoke(cli, ["generate", "--check", *args])
    assert stale.exit_code == 1
    assert "gatekeeper/templates/bnd010.yaml: missing" in stale.output
    wrote = runner.invoke(cli, ["generate", *args])
    assert wrote.exit_code == 0, wrote.output
    assert "11 files, 11 changed, 0 removed (3 rules)" in wrote.output
    current = runner.invoke(cli, ["generate", "--check", *args])
    assert current.exit_code == 0, current.output
    # --output defaults to the parent of the policies directory
    assert runner.invoke(cli, ["generate", "--check", "--policies", str(project / "policies")]).exit_code == 0


def test_generate_command_reports_bad_metadata_without_traceback(project: Path) -> None:
    write_file(
        project / "policies/rules/bnd010/policy.rego", NET_ADMIN_POLICY.replace("severity: error", "severity: 3")
    )
    result = CliRunner().invoke(cli, ["generate", "--policies", str(project / "policies"), "--output", str(project)])
    assert result.exit_code == 2
    assert "policy.rego:11: custom.severity" in result.output
    assert "Traceback" not in result.output
    assert not (project / "gatekeeper").exists()


def test_sync_sets_are_split_into_groups_an_operator_can_drop(project: Path) -> None:
    path = project / "policies/rules/bnd020/policy.rego"
    path.write_text(path.read_text().replace("inventory: [Namespace, Node]", "inventory: [EC2NodeClass, Secret, Node]"))
    text = _render(project)["gatekeeper/sync.yaml"]
    assert [(doc["metadata"]["name"], [gvk["kind"] for gvk in doc["spec"]["gvks"]]) for doc in _load(text)] == [
        ("boundary-policy", ["Node"]),
        ("boundary-policy-config-sources", ["Secret"]),
        ("boundary-policy-karpenter", ["EC2NodeClass"]),
    ]
    assert "# boundary-policy-karpenter: EC2NodeClass\n" in text
    assert {"group": "karpenter.k8s.aws", "version": "v1", "kind": "EC2NodeClass"} in _load(text)[2]["spec"]["gvks"]


def test_no_inventory_means_no_sync_set(project: Path) -> None:
    path = project / "policies/rules/bnd020/policy.rego"
    path.write_text(path.read_text().replace("#   inventory: [Namespace, Node]\n", ""))
    text = _render(project)["gatekeeper/sync.yaml"]
    assert text == HEADER + "# No rule reads data.inventory, so nothing is synced.\n"


def test_rule_pages_name_every_expanded_kind_and_its_expansion_template(project: Path) -> None:
    """The pages are written from the ExpansionTemplates themselves, so adding a kind to one reaches the docs."""
    files = _render(project)
    expansions = _load(files["gatekeeper/expansion.yaml"])
    page = files["docs/rules/BND010.md"]
    decides = page[page.index("## What decides it") : page.index("## Fix")]
    for template in expansions:
        assert f"(`{template['metadata']['name']}`)" in decides
        for target in template["spec"]["applyTo"]:
            for kind in target["kinds"]:
                assert f"{kind}s" in decides
    assert "ReplicationControllers" in decides and "PodTemplates (`boundary-expand-podtemplates`)" in decides
