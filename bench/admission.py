"""Benchmark: what one admission costs as the number of Nodes grows.

    python bench/admission.py --gator                      # gator test at 50 / 500 / 2,000 / 5,000 Nodes
    python bench/admission.py --cluster                    # a real apiserver + Gatekeeper at 14 / 500 / 2,000 Nodes
    python bench/admission.py --gator --gatekeeper OLD/    # the same against another bundle (e.g. an older commit's)
    python bench/admission.py --gator --repeat 5           # each gator point five times: the median and the spread
    python bench/admission.py --cluster --audit-match-kind-only   # the audit as docs/gatekeeper.md recommends

gator: the real Gatekeeper client (`gator test`, the pinned release) reviews a fixed set of bench workloads with an
inventory of N Nodes, and once the same inventory with no workloads; the difference in CPU seconds divided by the
workloads is the cost of one workload's review, free of gator's start-up and of reviewing the Nodes themselves.
With --repeat N both runs are made N times, alternating, and the median of the N differences is reported with
the smallest and largest: on a shared machine one difference moves by ±20 ms per workload at 5,000 Nodes.
The violations are compared with `boundary-policy eval` on the same files.

cluster: the harness of tests/cluster starts etcd, kube-apiserver and Gatekeeper (webhook and audit, the shipped
3 s webhook timeout), installs the bundle, creates N Nodes, and sends server-side dry-runs of a Boundary workspace
that must be denied: median and p99 latency, how many timed out or were admitted, Gatekeeper's CPU seconds per
request (from /proc), and the audit cycle time with --audit-pods Boundary workspace Pods to review (20 by default:
without them the cycle only measures Gatekeeper listing and matching objects, no template runs).

Times are wall seconds of one run on this machine; compare ratios within a run, not absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import corpus  # noqa: E402 - after the path set-up above
from bench.run import (  # noqa: E402
    check,
    eval_argv,
    eval_violations,
    gator_argv,
    gator_violations,
    machine,
    measure,
)

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_workloads(path: Path, count: int) -> None:
    """`count` bench workloads, the same ones at every Node count (a fixed seed)."""
    rng = random.Random(20261201)
    path.write_text(yaml.dump_all([corpus.workload(rng, i) for i in range(count)], Dumper=DUMPER), encoding="utf-8")


def write_inventory(path: Path, nodes: int) -> None:
    path.write_text(yaml.dump_all(corpus.inventory(nodes), Dumper=DUMPER, sort_keys=False), encoding="utf-8")


def gator_point(workdir: Path, nodes: int, workloads: int, gatekeeper: Path, repeat: int = 1) -> dict[str, Any]:
    point = workdir / f"admission-{nodes}"
    (point / "workloads").mkdir(parents=True, exist_ok=True)
    (point / "empty").mkdir(parents=True, exist_ok=True)
    write_workloads(point / "workloads" / "workloads.yaml", workloads)
    inventory = point / "inventory.yaml"
    write_inventory(inventory, nodes)
    samples: list[float] = []
    answers = []
    for _ in range(max(repeat, 1)):
        full = check(measure(gator_argv(point / "workloads", inventory, gatekeeper)), f"gator test ({nodes} Nodes)")
        empty = check(measure(gator_argv(point / "empty", inventory, gatekeeper)), f"gator test ({nodes} Nodes, none)")
        # CPU rather than wall time: on a shared machine it is what the review itself costs.
        samples.append(1000 * max(full.cpu_seconds - empty.cpu_seconds, 0.0) / workloads)
        answers.append(gator_violations(full))
    ours = check(measure(eval_argv(point / "workloads", inventory)), f"eval ({nodes} Nodes)")
    expected = answers[0]
    return {
        "nodes": nodes,
        "workloads": workloads,
        "gator_seconds": round(full.seconds, 3),
        "gator_seconds_without_workloads": round(empty.seconds, 3),
        "gator_cpu_seconds": round(full.cpu_seconds, 3),
        "gator_cpu_seconds_without_workloads": round(empty.cpu_seconds, 3),
        "per_workload_cpu_ms": round(statistics.median(samples), 2),
        "per_workload_cpu_ms_range": [round(min(samples), 2), round(max(samples), 2)],
        "gator_peak_rss_mb": round(full.peak_rss_mb, 1),
        "violations": sum(expected.values()),
        "identical_to_eval": eval_violations(ours) == expected and all(a == expected for a in answers),
    }


def gator_runs(args: argparse.Namespace) -> dict[str, Any]:
    points = [gator_point(args.workdir, n, args.workloads, args.gatekeeper, args.repeat) for n in args.gator_nodes]
    first, last = points[0], points[-1]
    return {
        "points": points,
        "per_workload_ratio_last_vs_first": round(
            last["per_workload_cpu_ms"] / max(first["per_workload_cpu_ms"], 1e-9), 2
        ),
        "same_violations_at_every_point": len({p["violations"] for p in points}) == 1,
    }


def cluster_runs(args: argparse.Namespace) -> dict[str, Any]:
    from tests.cluster import admission_load  # the harness lives with the cluster tests

    flags = ("--audit-match-kind-only=true",) if args.audit_match_kind_only else ()
    return admission_load.measure(
        args.cluster_nodes, requests=args.requests, audit_pods=args.audit_pods, audit_flags=flags, workdir=args.workdir
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gator", action="store_true", help="measure through gator test")
    parser.add_argument("--cluster", action="store_true", help="measure a real apiserver + Gatekeeper")
    parser.add_argument("--gator-nodes", type=lambda s: [int(x) for x in s.split(",")], default=[50, 500, 2000, 5000])
    parser.add_argument("--cluster-nodes", type=lambda s: [int(x) for x in s.split(",")], default=[14, 500, 2000])
    parser.add_argument("--workloads", type=int, default=120, help="bench workloads per gator point")
    parser.add_argument("--requests", type=int, default=100, help="server dry-runs per cluster point")
    parser.add_argument("--repeat", type=int, default=1, help="gator runs per point (the median is reported)")
    parser.add_argument("--audit-pods", type=int, default=20, help="workspace Pods the cluster's audit reviews")
    parser.add_argument(
        "--audit-match-kind-only",
        action="store_true",
        help="the audit with --audit-match-kind-only=true (Helm auditMatchKindOnly), as docs/gatekeeper.md recommends",
    )
    parser.add_argument("--gatekeeper", type=Path, default=ROOT / "gatekeeper", help="the bundle to measure")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    if not (args.gator or args.cluster):
        parser.error("choose --gator, --cluster or both")
    with tempfile.TemporaryDirectory(prefix="admission-") as scratch:
        args.workdir = args.workdir or Path(scratch)
        args.workdir.mkdir(parents=True, exist_ok=True)
        result: dict[str, Any] = {"machine": machine()}
        if args.gator:
            result["gator"] = gator_runs(args)
        if args.cluster:
            result["cluster"] = cluster_runs(args)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
