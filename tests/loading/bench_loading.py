"""Loader speed against plain PyYAML: python tests/loading/bench_loading.py [--workloads N].

Not a test: prints seconds for load_paths (objects + line index + checks) and for
yaml.load_all(..., Loader=CSafeLoader) over the same generated corpus, and their ratio.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "evaluator"), str(ROOT)]

from bench.corpus import write_corpus  # noqa: E402 - after the path set-up above

from boundary_policy.loading import load_paths  # noqa: E402

T = TypeVar("T")


def plain_pyyaml(root: Path) -> int:
    count = 0
    for path in sorted(root.rglob("*.yaml")):
        with path.open("rb") as stream:
            count += sum(1 for doc in yaml.load_all(stream, Loader=yaml.CSafeLoader) if doc)
    return count


def best_of(runs: int, action: Callable[[], T]) -> tuple[float, T]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        manifests, _ = write_corpus(Path(directory), args.workloads, 0)
        plain, count = best_of(args.runs, lambda: plain_pyyaml(manifests))
        ours, result = best_of(args.runs, lambda: load_paths([str(manifests)]))
        assert len(result.documents) == count and not result.problems, (count, result.problems)
        lines = sum(len(document.lines) for document in result.documents)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{count} objects, {lines} indexed fields")
    print(f"yaml.load_all CSafeLoader: {plain:.2f} s")
    print(f"load_paths:                {ours:.2f} s ({count / ours:,.0f} objects/s)")
    print(f"ratio: {ours / plain:.2f}x   peak RSS of this process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
