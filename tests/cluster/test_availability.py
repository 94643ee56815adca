"""Without the control plane the cluster tests skip, with the reason, except under CI, where they fail."""

from __future__ import annotations

import pytest

from tests.cluster import harness
from tests.cluster.availability import require_control_plane


@pytest.fixture
def not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness, "missing_binaries", lambda: ["gatekeeper"])


def test_skipped_with_the_reason_outside_ci(not_built: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"not built: gatekeeper.*scripts/setup-cluster"):
        require_control_plane()


def test_a_failure_under_ci(not_built: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI they must be there"):
        require_control_plane()


def test_runs_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness, "missing_binaries", list)
    monkeypatch.setattr(harness, "gatekeeper_manifest", lambda: harness.ROOT)
    require_control_plane()  # neither skips nor fails
