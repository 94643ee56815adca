"""Mutators in a schema conflict are skipped with a warning, as Gatekeeper's mutation system skips them (issue 12).

The oracle for which mutators conflict is the pinned gator (tests/gatekeeper/test_mutation_schema.py) and, for
what the webhook then admits, the real Gatekeeper (tests/cluster/test_mutation.py); here the real command shows
it end to end: the ModifySet that would prune NET_ADMIN (and so make BND010 deny the Pod) keys the containers by
`name`, an Assign keys them by `image`, so Gatekeeper applies neither and the Pod is validated as written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_eval import EXAMPLES, run
from tests.cli.test_manifest_policies import OPTION_A, PRUNE_NET_ADMIN

INVENTORY = str(EXAMPLES / "inventory")

PULL_BY_IMAGE = """\
apiVersion: mutations.gatekeeper.sh/v1
kind: Assign
metadata:
  name: always-pull-busybox
spec:
  applyTo:
  - groups: [""]
    kinds: ["Pod"]
    versions: ["v1"]
  location: "spec.containers[image: busybox].imagePullPolicy"
  parameters:
    assign:
      value: Always
"""


def _rules(stdout: str) -> set[str]:
    return {f["rule"] for f in json.loads(stdout)["findings"]}


def test_conflicting_mutators_are_skipped_with_one_warning_each(tmp_path: Path) -> None:
    shutil.copy(OPTION_A, tmp_path / "pod.yaml")
    as_written = json.loads(run("eval", str(tmp_path), "--inventory", INVENTORY, "-o", "json").stdout)["findings"]
    (tmp_path / "prune.yaml").write_text(PRUNE_NET_ADMIN, encoding="utf-8")
    (tmp_path / "pull.yaml").write_text(PULL_BY_IMAGE, encoding="utf-8")
    result = run("eval", str(tmp_path), "--inventory", INVENTORY, "-o", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["findings"] == as_written  # NET_ADMIN kept: the Pod is validated unmutated
    warnings = [line for line in result.stderr.splitlines() if "is not applied" in line]
    prune, pull = (tmp_path / "prune.yaml", tmp_path / "pull.yaml")
    assert warnings == [
        f'boundary-policy: warning: {prune}:10: ModifySet "prune-net-admin" is not applied: its location '
        'spec.containers[name: *].securityContext.capabilities.add disagrees with Assign "always-pull-busybox" '
        f"({pull}:10: spec.containers[image: busybox].imagePullPolicy) about spec.containers of v1 Pod; "
        "Gatekeeper applies none of the mutators in a schema conflict (ErrConflictingSchema in their status)",
        f'boundary-policy: warning: {pull}:10: Assign "always-pull-busybox" is not applied: its location '
        'spec.containers[image: busybox].imagePullPolicy disagrees with ModifySet "prune-net-admin" '
        f"({prune}:10: spec.containers[name: *].securityContext.capabilities.add) about spec.containers of v1 Pod; "
        "Gatekeeper applies none of the mutators in a schema conflict (ErrConflictingSchema in their status)",
    ]
    # The same once each with worker processes, which build the policy set each.
    parallel = run("eval", str(tmp_path), "--inventory", INVENTORY, "-o", "json", "--jobs", "2")
    assert parallel.returncode == 0 and [w for w in parallel.stderr.splitlines() if "is not applied" in w] == warnings

    (tmp_path / "pull.yaml").unlink()  # the conflict is gone: the prune applies again, and BND010 denies the Pod
    result = run("eval", str(tmp_path), "--inventory", INVENTORY, "-o", "json")
    assert result.returncode == 1, result.stderr
    assert "BND010" in _rules(result.stdout) and "is not applied" not in result.stderr
