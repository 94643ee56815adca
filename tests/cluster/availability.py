"""Whether the cluster tests can run here: skipped with the reason when the control plane is not built,
except under CI (CI=true), which builds it, where that is a failure."""

from __future__ import annotations

import os

import pytest

from tests.cluster import harness


def require_control_plane() -> None:
    try:
        missing = harness.missing_binaries()
        if missing:
            raise harness.MissingBinaries(f"not built: {', '.join(missing)}")
        harness.gatekeeper_manifest()
    except harness.MissingBinaries as error:
        reason = f"no control plane binaries ({error}); bash scripts/setup-cluster builds them"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} — under CI they must be there")
        pytest.skip(reason)
