"""Benchmark: evaluations per second of the embedded engine on the bundled policies, input by input and batched.

    python bench/engine.py                       # corpus of 300 workloads, 50 nodes; table on stderr
    python bench/engine.py --workloads 1000 --json

`boundary-policy eval` runs once on a generated corpus through a recording engine, which keeps every compile
(modules, data, Rego version) and every evaluation (query, inputs) the bundled templates ask for. That workload
is then replayed on the embedded engine twice: one library call per input, and the batches the evaluator
sends. The bundled templates share their libs, so the evaluator asks one query per object for all of them;
`--template BND010` replays the same inputs with the query of that one template instead. The workload is the
same for every engine, so engines can be compared on the same policy and inputs; the previous embedded engine
(a third-party binding of OPA v1.20.2) was measured with this replay before it was removed (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evaluator"))

from bench.corpus import write_corpus  # noqa: E402 - after the path set-up above
from boundary_policy.engine import (  # noqa: E402
    CompiledPolicy,
    EmbeddedEngine,
    Module,
    Outcome,
    RegoVersion,
    embedded_opa_version,
)
from boundary_policy.gatekeeper.client import shared_query  # noqa: E402
from boundary_policy.pipeline import EvalOptions, load_policies, run_eval  # noqa: E402


@dataclass
class Recorded:
    modules: Sequence[Module]
    data: Any
    rego_version: RegoVersion
    calls: list[tuple[str, list[Any]]] = field(default_factory=list)


class _RecordingPolicy:
    def __init__(self, inner: CompiledPolicy, record: Recorded) -> None:
        self._inner, self._record = inner, record

    def evaluate(self, query: str, inputs: Sequence[Any]) -> list[Outcome]:
        self._record.calls.append((query, list(inputs)))
        return self._inner.evaluate(query, inputs)

    def close(self) -> None:
        self._inner.close()


class RecordingEngine:
    name = "embedded"

    def __init__(self) -> None:
        self.inner = EmbeddedEngine()
        self.records: list[Recorded] = []

    def compile(self, modules: Sequence[Module], data: Any = None, *, rego_version: RegoVersion = "v1") -> Any:
        record = Recorded(list(modules), data, rego_version)
        self.records.append(record)
        return _RecordingPolicy(self.inner.compile(modules, data, rego_version=rego_version), record)

    def close(self) -> None:
        pass


def record_workload(workloads: int, nodes: int) -> list[Recorded]:
    engine = RecordingEngine()
    with tempfile.TemporaryDirectory() as scratch:
        manifests, inventory = write_corpus(Path(scratch), workloads, nodes)
        run_eval(EvalOptions(paths=[str(manifests)], inventory=[str(inventory)]), engine)
    return [record for record in engine.records if record.calls]


def one_template(records: Sequence[Recorded], rule: str) -> list[Recorded]:
    """The recorded inputs, queried for one template's violations only (e.g. rule "BND010")."""
    policies, _ = load_policies([], [])
    templates = list(policies.templates.values())
    template = next(t for t in templates if t.package == f"rules.{rule.lower()}")
    query = shared_query([template])
    return [Recorded(r.modules, r.data, r.rego_version, [(query, inputs) for _, inputs in r.calls]) for r in records]


def replay(records: Sequence[Recorded], per_input: bool, engine: Any = None) -> tuple[int, float]:
    """Evaluations and CPU seconds (compiles excluded) of the whole workload on `engine` (the embedded one).

    CPU time of the process (every thread, Go's included) rather than wall time: on a shared machine the wall
    clock mostly measures the neighbours.
    """
    engine = engine or EmbeddedEngine()
    evaluations, seconds = 0, 0.0
    for record in records:
        policy = engine.compile(record.modules, record.data, rego_version=record.rego_version)
        try:
            for query, inputs in record.calls:
                start = time.process_time()
                if per_input:
                    for item in inputs:
                        policy.evaluate(query, [item])
                else:
                    policy.evaluate(query, inputs)
                seconds += time.process_time() - start
                evaluations += len(inputs)
        finally:
            policy.close()
    return evaluations, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", type=int, default=300)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--template", metavar="RULE", help="query one template (e.g. BND010) instead of all")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON on stdout")
    args = parser.parse_args()
    records = record_workload(args.workloads, args.nodes)
    if args.template:
        records = one_template(records, args.template)
    results: dict[str, Any] = {"opa": embedded_opa_version(), "workloads": args.workloads, "nodes": args.nodes}
    for mode, per_input in (("per_input", True), ("batched", False)):
        evaluations, seconds = replay(records, per_input)
        per_s = round(evaluations / seconds)
        results[mode] = {"evaluations": evaluations, "seconds": round(seconds, 3), "per_s": per_s}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(
            f"embedded engine, OPA v{results['opa']}: {args.workloads} workloads, {args.nodes} nodes", file=sys.stderr
        )
        for mode in ("per_input", "batched"):
            row = results[mode]
            line = f"  {mode:10} {row['evaluations']:7} evaluations  {row['seconds']:8.3f} CPU s  {row['per_s']:8}/s"
            print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
