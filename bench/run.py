"""Benchmark: `boundary-policy eval` against `gator test` and the YAML-parse floor on a generated corpus.

    python bench/run.py                 # 10,000 workloads, 500 nodes: table on stderr
    python bench/run.py --json          # the same numbers as one JSON object on stdout
    python bench/run.py --scaling       # also 1k/10k/50k workloads and 50/500/5,000 nodes (eval only)

Times are wall seconds (and CPU seconds, less moved by other work on the machine) of one run each; compare
ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import write_corpus  # noqa: E402 - after the path set-up above

TOOLS = ROOT / ".tools" / "bin"
PARSE_FLOOR = """
import sys, yaml
from pathlib import Path
count = 0
for root in sys.argv[1:]:
    for path in sorted(Path(root).rglob("*.yaml")):
        with path.open("rb") as stream:
            count += sum(1 for doc in yaml.load_all(stream, Loader=yaml.CSafeLoader) if doc)
print(count)
"""


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    returncode: int
    stdout: str
    stderr: str


def measure(argv: list[str], *, stdout_file: Path | None = None) -> Run:
    """Run a command to completion; wall time, the child's own peak RSS and CPU seconds (from wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # The pinned tools (scripts/setup) first on PATH, so `--engine opa` finds the pinned `opa`.
        env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"}
        process = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if stdout_file is not None:
        stdout_file.write_text(stdout, encoding="utf-8")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, usage.ru_maxrss / 1024, cpu, process.returncode, stdout, stderr)


def eval_argv(manifests: Path, inventory: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "boundary_policy",
        "eval",
        str(manifests),
        "--inventory",
        str(inventory),
        "-o",
        "json",
        "--fail-on",
        "info",
        *extra,
    ]


def gator_argv(manifests: Path, inventory: Path, gatekeeper: Path = ROOT / "gatekeeper") -> list[str]:
    gator = str(TOOLS / "gator") if (TOOLS / "gator").exists() else shutil.which("gator") or "gator"
    return [
        gator,
        "test",
        "-o",
        "json",
        "-f",
        str(gatekeeper / "templates"),
        "-f",
        str(gatekeeper / "constraints"),
        "-f",
        str(gatekeeper / "expansion.yaml"),
        "-f",
        str(manifests),
        "-f",
        str(inventory),
    ]


def eval_violations(run: Run) -> Counter[tuple[str, ...]]:
    report = json.loads(run.stdout)
    return Counter(
        (
            f["constraint"]["name"],
            f["resource"]["kind"],
            f["resource"]["namespace"] or "",
            f["resource"]["name"],
            f["message"],
            f["enforcementAction"],
        )
        for f in report["findings"]
        if f.get("constraint")
    )


def gator_violations(run: Run) -> Counter[tuple[str, ...]]:
    results: list[dict[str, Any]] = json.loads(run.stdout or "[]") or []
    return Counter(
        (
            r["constraint"]["metadata"]["name"],
            r["violatingObject"]["kind"],
            r["violatingObject"]["metadata"].get("namespace", ""),
            r["violatingObject"]["metadata"]["name"],
            r["msg"],
            r["enforcementAction"],
        )
        for r in results
    )


def check(run: Run, what: str, ok_codes: tuple[int, ...] = (0, 1)) -> Run:
    if run.returncode not in ok_codes:
        raise SystemExit(f"{what} failed with exit {run.returncode}:\n{run.stderr[-3000:]}")
    return run


def main_run(workdir: Path, workloads: int, nodes: int, with_gator: bool) -> dict[str, Any]:
    manifests, inventory = write_corpus(workdir / f"corpus-{workloads}-{nodes}", workloads, nodes)
    parse = check(measure([sys.executable, "-c", PARSE_FLOOR, str(manifests)]), "parse floor", (0,))
    resources = int(parse.stdout.strip())
    embedded = check(measure(eval_argv(manifests, inventory, "--engine", "embedded")), "eval (embedded)")
    result: dict[str, Any] = {
        "workloads": workloads,
        "nodes": nodes,
        "resources": resources,
        "parse_floor_seconds": round(parse.seconds, 3),
        "parse_floor_cpu_seconds": round(parse.cpu_seconds, 3),
        "eval_seconds": round(embedded.seconds, 3),
        "eval_cpu_seconds": round(embedded.cpu_seconds, 3),
        "eval_resources_per_s": round(resources / embedded.seconds, 1),
        "eval_peak_rss_mb": round(embedded.peak_rss_mb, 1),
        "eval_vs_parse_floor": round(embedded.seconds / parse.seconds, 2),
        # CPU seconds (the engine's threads included) move less than wall seconds on a shared machine.
        "eval_vs_parse_floor_cpu": round(embedded.cpu_seconds / parse.cpu_seconds, 2),
        "findings": sum(eval_violations(embedded).values()),
    }
    if not with_gator:
        return result
    opa = check(measure(eval_argv(manifests, inventory, "--engine", "opa")), "eval (opa)")
    # The default is one worker per usable CPU (--jobs auto); one process, for the single-CPU picture.
    jobs = check(measure(eval_argv(manifests, inventory, "--engine", "embedded", "--jobs", "1")), "eval --jobs 1")
    gator = check(measure(gator_argv(manifests, inventory)), "gator test")
    expected = gator_violations(gator)
    result.update(
        {
            "eval_opa_seconds": round(opa.seconds, 3),
            "eval_opa_cpu_seconds": round(opa.cpu_seconds, 3),
            "eval_opa_peak_rss_mb": round(opa.peak_rss_mb, 1),
            "eval_jobs1_seconds": round(jobs.seconds, 3),
            "eval_jobs1_cpu_seconds": round(jobs.cpu_seconds, 3),
            "eval_jobs1_peak_rss_mb": round(jobs.peak_rss_mb, 1),
            "eval_jobs1_vs_parse_floor": round(jobs.seconds / parse.seconds, 2),
            "gator_seconds": round(gator.seconds, 3),
            "gator_cpu_seconds": round(gator.cpu_seconds, 3),
            "gator_peak_rss_mb": round(gator.peak_rss_mb, 1),
            "gator_violations": sum(expected.values()),
            "speedup_vs_gator": round(gator.seconds / embedded.seconds, 2),
            "speedup_vs_gator_cpu": round(gator.cpu_seconds / embedded.cpu_seconds, 2),
            "identical": eval_violations(embedded) == expected
            and eval_violations(opa) == expected
            and eval_violations(jobs) == expected,
        }
    )
    if not result["identical"]:
        ours = eval_violations(embedded)
        result["difference_sample"] = {
            "only_eval": [list(k) for k in list((ours - expected).keys())[:3]],
            "only_gator": [list(k) for k in list((expected - ours).keys())[:3]],
        }
    return result


def machine() -> str:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--scaling", action="store_true", help="also measure eval at 1k/10k/50k workloads, 50/500/5k nodes"
    )
    parser.add_argument(
        "--scaling-points",
        default="1000x500,10000x500,50000x500,10000x50,10000x5000",
        help="WORKLOADSxNODES,... for --scaling",
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    load_at_start = os.getloadavg()
    result = main_run(args.workdir, args.workloads, args.nodes, with_gator=True)
    result["machine"] = machine()
    result["load_average_at_start"] = [round(x, 1) for x in load_at_start]
    if args.scaling:
        points = [tuple(int(x) for x in point.split("x")) for point in args.scaling_points.split(",")]
        result["scaling"] = [main_run(args.workdir, w, n, with_gator=False) for w, n in points]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}", file=sys.stderr)


if __name__ == "__main__":
    main()
