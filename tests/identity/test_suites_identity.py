"""Issue: for every suite object the violations of boundary-policy equal those of gator, and both engines agree.

Two comparisons over every case of gatekeeper/suites:

1. `boundary-policy verify` semantics (our Runner) against the real `gator verify -v`, run once on the whole
   tree: every case must have the same outcome (pass, fail or skip), with the embedded engine and the `opa` CLI.
2. The violations themselves: the case objects are batched by inventory into `gator test` runs, each with the
   templates and Constraints of their tests (so every object is also reviewed against its neighbours' rules),
   and our client in `gator test` mode on the same files must give the same multiset of (Constraint, object,
   message, enforcementAction), with both engines. The inventory is flattened for gator (it does not unwrap
   `kind: List`) and the very same file is given to our client.

Any difference is a bug to fix, never a case to skip.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from boundary_policy.engine import EmbeddedEngine, Engine, OpaCliEngine, open_engine
from boundary_policy.suites import Runner
from tests.conftest import ROOT, tool
from tests.gatekeeper.conftest import Result, gator_results, ours
from tests.identity.suite_batches import SUITES, Batch, batches, bundled_suites, flatten_inventory
from tests.suites.gator_output import Outcome, our_outcomes, parse_gator_verify

pytestmark = pytest.mark.gator

SUITE_LIST = bundled_suites()
CASES = [(suite.path, test.name, case.name) for suite in SUITE_LIST for test in suite.tests for case in test.cases]
BATCHES = batches(SUITE_LIST)
_DUPLICATE_WARNING = re.compile(r"^\S+ \S+ WARNING - Resource named .* is already defined in file: .*$")


def _case_id(case: tuple[str, str, str]) -> str:
    path, test, name = case
    return f"{Path(path).parent.name}/{test}/{name}"


@pytest.fixture(scope="module", params=["embedded", "embedded-shared", "opa"])
def engine(request: pytest.FixtureRequest, opa_bin: str) -> Iterator[Engine]:
    chosen: Engine
    if request.param == "embedded-shared":
        # Rules and functions that cannot read the input shared from the first input on (native/fold.go).
        chosen = EmbeddedEngine(sharing="always")
        chosen.name = "embedded-shared"
    elif request.param == "embedded":
        chosen = open_engine("embedded", opa_bin=opa_bin)
    else:
        chosen = OpaCliEngine(opa_bin)
    yield chosen
    chosen.close()


@cache
def _gator_verify() -> Outcome:
    completed = subprocess.run(
        [tool("gator"), "verify", "-v", SUITES], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )
    assert completed.returncode in (0, 1), completed.stderr
    return parse_gator_verify(completed.stdout)


_OURS: dict[str, Outcome] = {}


def _our_verify(engine: Engine) -> Outcome:
    if engine.name not in _OURS:
        runner = Runner(engine)
        _OURS[engine.name] = our_outcomes(runner.run(suite) for suite in SUITE_LIST)
    return _OURS[engine.name]


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_case_outcome_equals_gator_verify(engine: Engine, case: tuple[str, str, str]) -> None:
    theirs = _gator_verify().get(case)
    assert theirs is not None, f"gator verify did not report {case}"
    assert _our_verify(engine).get(case) == theirs


def test_gator_verify_reports_exactly_the_suite_cases() -> None:
    reported = _gator_verify()
    assert set(reported) == set(CASES), "a test without cases or a case gator does not run"


def _gator_test(files: list[Path]) -> Counter[Result]:
    args = [tool("gator"), "test", "-o", "json"]
    for path in files:
        args += ["-f", str(path)]
    completed = subprocess.run(args, capture_output=True, text=True, check=False, timeout=600)
    # Samples of different rules reuse object names; gator warns about that and reviews each object anyway.
    unexpected = [line for line in completed.stderr.splitlines() if not _DUPLICATE_WARNING.match(line)]
    assert completed.returncode in (0, 1) and not unexpected, "\n".join(unexpected)
    return gator_results(completed.stdout)


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inventory")


_GATOR_TEST: dict[str, tuple[list[Path], Counter[Result]]] = {}


def _gator_batch(batch: Batch, directory: Path) -> tuple[list[Path], Counter[Result]]:
    if batch.name not in _GATOR_TEST:
        inventory = flatten_inventory(batch.inventory, directory / f"{len(_GATOR_TEST)}-inventory.yaml")
        files = batch.files(inventory)
        _GATOR_TEST[batch.name] = (files, _gator_test(files))
    return _GATOR_TEST[batch.name]


@pytest.mark.parametrize("batch", BATCHES, ids=[b.name for b in BATCHES])
def test_violations_equal_gator_test(engine: Engine, batch: Batch, batch_dir: Path) -> None:
    files, theirs = _gator_batch(batch, batch_dir)
    mine, evaluation = ours(engine, files)
    assert not evaluation.problems, evaluation.problems
    assert mine == theirs, (
        f"only ours: {sorted((mine - theirs).elements())}\nonly gator: {sorted((theirs - mine).elements())}"
    )


def test_fixture_counts() -> None:
    """How much the identity tests compare (the numbers the lead reports)."""
    objects = sum(len(batch.objects) for batch in BATCHES)
    summary = (
        f"{len(CASES)} suite cases compared with gator verify (x3 engines); "
        f"{objects} distinct suite objects in {len(BATCHES)} gator test batches (x3 engines)"
    )
    print(summary)
    assert len(CASES) >= 290 and objects >= 290 and len(BATCHES) >= 20, summary
