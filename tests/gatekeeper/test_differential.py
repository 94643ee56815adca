"""Differential tests: our violations equal the real gator's on the same inputs, with both engines.

Each directory under tests/fixtures/gatekeeper/ is one `gator test` run: templates, Constraints,
ExpansionTemplates and objects together. Compared: constraint kind and name, the violating object,
msg, enforcementAction and scoped actions, as multisets.
"""

from __future__ import annotations

import pytest

from boundary_policy.engine import Engine
from tests.gatekeeper.conftest import FIXTURES, gator_test, ours

CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


@pytest.mark.gator
@pytest.mark.opa
@pytest.mark.parametrize("case", CASES)
def test_same_violations_as_gator(case: str, engine: Engine, gator_bin: str) -> None:
    paths = [FIXTURES / case]
    expected = gator_test(gator_bin, paths, "--enable-k8s-native-validation=false")
    actual, evaluation = ours(engine, paths)
    assert not evaluation.problems, evaluation.problems
    assert expected, "the fixture must produce violations, or the comparison proves nothing"
    assert actual == expected, {"missing": expected - actual, "unexpected": actual - expected}
