"""One real control plane per test session (tests/cluster/harness.py), shared by every cluster test.

Without the binaries (scripts/setup-cluster builds them) the cluster tests are skipped with the reason, except
under CI (CI=true), where a missing binary is a failure: CI builds them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.availability import require_control_plane
from tests.cluster.harness import Cluster, running_cluster, running_from_pointer
from tests.cluster.identity import TALLY
from tests.cluster.inventory import Inventory

_STARTUP: dict[str, float] = {}


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if os.environ.get("BOUNDARY_POLICY_CLUSTER") == "running":
        # While working on these tests: use the cluster `scripts/cluster up` started, and leave it running.
        running = running_from_pointer()
        if running is None:
            pytest.fail("BOUNDARY_POLICY_CLUSTER=running, but no cluster is up (scripts/cluster up)")
        yield running
        running.close()
        return
    require_control_plane()
    with running_cluster() as started:
        _STARTUP.update(started.timings)
        yield started


@pytest.fixture(scope="session")
def inventory(cluster: Cluster) -> Inventory:
    """The inventory objects the cluster tests create; each group replaces the previous group's."""
    return Inventory(cluster)


@pytest.fixture(scope="session")
def cluster_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cluster")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _STARTUP:
        steps = ", ".join(f"{step} {seconds}s" for step, seconds in _STARTUP.items())
        terminalreporter.write_line(f"cluster start-up: {steps}")
    if TALLY.compared:
        terminalreporter.write_line(TALLY.time_spent())
        terminalreporter.write_line(TALLY.details())
        terminalreporter.write_line(TALLY.summary())
