"""BND050/BND051 against the API server's own PodSecurity admission, for a user it does not exempt.

The identity tests send their dry-runs as a user PodSecurity exempts, so that Gatekeeper's webhook always
answers: for a user that is not exempt, PodSecurity rejects a Pod in an enforcing namespace before any webhook
is called, and the answer is PodSecurity's, not Gatekeeper's. These rules exist to predict exactly that: where
eval reports BND050 (the namespace's enforce level forbids what the jail needs), PodSecurity refuses the Pod;
where it reports BND051 (the warn level does), PodSecurity warns. For a workload, PodSecurity only warns about
its pod template, and Gatekeeper still denies it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cluster.harness import ROOT, Cluster
from tests.cluster.identity import Case, Group, extras_file, findings_of, judged, run_eval
from tests.cluster.inventory import Inventory, wait_for_sync

pytestmark = pytest.mark.cluster

NAMESPACES = ROOT / "gatekeeper" / "suites" / "inventory" / "namespaces.yaml"
SUITES = ROOT / "gatekeeper" / "suites"
GROUP = Group(
    "pod-security",
    (NAMESPACES,),
    tuple(sorted({*(SUITES / "bnd050" / "samples").glob("*.yaml"), *(SUITES / "bnd051" / "samples").glob("*.yaml")})),
)


@pytest.fixture(scope="module")
def samples(
    cluster: Cluster, inventory: Inventory, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[Case, set[str]]]:
    """Each sample with the rules eval reports on it."""
    cases = GROUP.cases()
    inventory.replace(GROUP.inventory_objects(), workloads=[case.obj for case in cases])
    wait_for_sync(cluster)
    directory: Path = tmp_path_factory.mktemp("pod-security")
    findings = run_eval(GROUP.manifests, [*GROUP.inventory, extras_file(cluster, GROUP, directory)])
    return [(case, {f["rule"] for f in findings_of(case, findings)}) for case in cases]


def test_podsecurity_refuses_the_pods_bnd050_reports(cluster: Cluster, samples: list[tuple[Case, set[str]]]) -> None:
    pods = [case for case, rules in samples if "BND050" in rules and case.obj["kind"] == "Pod"]
    assert len(pods) >= 3
    for case in pods:
        answer = judged(cluster, case.obj, user=True)
        assert not answer.allowed and "violates PodSecurity" in answer.message, (case.label, answer.message)
        assert not answer.denied_by_gatekeeper  # PodSecurity answered first; the webhook was not called


def test_podsecurity_warns_where_bnd051_reports(cluster: Cluster, samples: list[tuple[Case, set[str]]]) -> None:
    """BND051 also covers the audit level, which PodSecurity records in the API server's audit log, not in the
    response: only namespaces with a warn level are checked here."""
    warning = {
        obj["metadata"]["name"]
        for obj in GROUP.inventory_objects()
        if "pod-security.kubernetes.io/warn" in obj["metadata"].get("labels", {})
    }
    warned = [case for case, rules in samples if "BND051" in rules and case.resource[1] in warning]
    assert warned
    for case in warned:
        answer = judged(cluster, case.obj, user=True)
        assert any("would violate PodSecurity" in warning for warning in answer.warnings), (case.label, answer)


def test_a_workload_is_warned_by_podsecurity_and_denied_by_gatekeeper(
    cluster: Cluster, samples: list[tuple[Case, set[str]]]
) -> None:
    workloads = [case for case, rules in samples if "BND050" in rules and case.obj["kind"] != "Pod"]
    assert workloads
    for case in workloads:
        answer = judged(cluster, case.obj, user=True)
        assert answer.denied_by_gatekeeper and "[bnd050-pod-security-enforce]" in answer.message, case.label
        assert any("would violate PodSecurity" in warning for warning in answer.warnings), (case.label, answer)
