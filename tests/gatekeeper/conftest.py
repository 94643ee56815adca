"""Shared helpers: run the real gator and our client on the same files and reduce both to comparable results."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from boundary_policy.engine import Engine, OpaCliEngine, open_engine
from boundary_policy.gatekeeper.client import Evaluation, evaluate
from boundary_policy.gatekeeper.policy_files import split_policy_documents
from boundary_policy.loading import load_paths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gatekeeper"

Result = tuple[str, str, str, str, str, str, str, tuple[str, ...]]
"""(constraint kind, constraint name, object kind, object namespace, object name, msg, action, scoped actions)."""


def _identity(obj: dict[str, Any]) -> tuple[str, str, str]:
    metadata = obj.get("metadata") or {}
    return str(obj.get("kind", "")), str(metadata.get("namespace", "")), str(metadata.get("name", ""))


def gator_test(gator: str, paths: Sequence[Path], *flags: str) -> Counter[Result]:
    """`gator test -o json` on `paths`; fails the test when gator cannot complete the run."""
    args = [gator, "test", "-o", "json", *flags]
    for path in paths:
        args += ["-f", str(path)]
    completed = subprocess.run(args, capture_output=True, text=True, check=False)
    if completed.returncode not in (0, 1) or completed.stderr.strip():
        pytest.fail(f"gator failed ({completed.returncode}): {completed.stderr.strip()}")
    return gator_results(completed.stdout)


def gator_results(stdout: str) -> Counter[Result]:
    """The violations of a `gator test -o json` run, as a multiset of Results."""
    results: Counter[Result] = Counter()
    for item in json.loads(stdout or "null") or []:
        constraint = item["constraint"]
        results[
            (
                constraint["kind"],
                constraint["metadata"]["name"],
                *_identity(item["violatingObject"]),
                item["msg"],
                item["enforcementAction"],
                tuple(sorted(item.get("scopedActions") or [])),
            )
        ] += 1
    return results


def ours(engine: Engine, paths: Sequence[Path]) -> tuple[Counter[Result], Evaluation]:
    """Our client on the same files, in `gator test` mode (every object reviewed and in the inventory)."""
    loaded = load_paths([str(p) for p in paths])
    assert not loaded.problems, loaded.problems
    policies, others = split_policy_documents(loaded.documents)
    evaluation = evaluate(
        engine,
        templates=policies.templates,
        constraints=policies.constraints,
        expansion_templates=policies.expansions,
        mutators=policies.mutators,
        manifests=others,
        gator_test=True,
    )
    results: Counter[Result] = Counter()
    for v in evaluation.violations:
        results[
            (
                v.constraint.kind,
                v.constraint.name,
                *_identity(dict(v.obj)),
                v.msg,
                v.enforcement_action,
                tuple(sorted(v.scoped_actions)),
            )
        ] += 1
    return results, evaluation


@pytest.fixture(scope="session", params=["embedded", "opa"])
def engine(request: pytest.FixtureRequest, opa_bin: str) -> Iterator[Engine]:
    """Both backends: the embedded OPA and the `opa` CLI, each on its own."""
    chosen = open_engine("embedded", opa_bin=opa_bin) if request.param == "embedded" else OpaCliEngine(opa_bin)
    yield chosen
    chosen.close()
