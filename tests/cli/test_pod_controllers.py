"""ReplicationControllers and PodTemplates are checked (issue 12): the bundled ExpansionTemplates expand them to the
Pods Gatekeeper reviews, and eval reports what the pinned gator reports on them."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.cli.test_eval import ROOT, run
from tests.gatekeeper.conftest import gator_test

CONTROLLERS = ROOT / "tests" / "fixtures" / "cli" / "pod-controllers.yaml"
GATEKEEPER = ROOT / "gatekeeper"


@pytest.mark.gator
def test_replication_controllers_and_pod_templates_are_expanded_as_gator_expands_them(gator_bin: str) -> None:
    expected = gator_test(
        gator_bin,
        [GATEKEEPER / "templates", GATEKEEPER / "constraints", GATEKEEPER / "expansion.yaml", CONTROLLERS],
        "--enable-k8s-native-validation=false",
    )
    gator = Counter((r[2], r[4], r[1], r[5]) for r in expected)  # (kind, name, constraint, message)
    report = json.loads(run("eval", str(CONTROLLERS), "-o", "json").stdout)
    ours = Counter(
        (f["resource"]["kind"], f["resource"]["name"], f["constraint"]["name"], f["message"])
        for f in report["findings"]
    )
    assert ours == gator
    implied = {(kind, message.split("]")[0] + "]") for kind, _, constraint, message in ours if "bnd001" in constraint}
    assert implied == {
        ("ReplicationController", "[Implied by boundary-expand-workloads]"),
        ("PodTemplate", "[Implied by boundary-expand-podtemplates]"),
    }


def test_the_finding_is_on_the_line_of_the_pod_template() -> None:
    report = json.loads(run("eval", str(CONTROLLERS), "-o", "json").stdout)
    lines = CONTROLLERS.read_text(encoding="utf-8").splitlines()
    for finding in report["findings"]:
        if finding["rule"] == "BND001":
            assert "BOUNDARY_JAIL_TYPE" in lines[finding["line"] - 1] or "landlock" in lines[finding["line"] - 1]
