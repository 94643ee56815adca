"""`eval --jobs N`: the reviews split across forked worker processes, supervised.

The work is set up before the fork (the policy set is built once), and each worker opens its own engine after
it (the Go runtime inside the embedded engine does not survive a fork). A worker that dies — killed, out of
memory, a crash in the engine — fails the run with a message instead of leaving it waiting forever, which is
what `multiprocessing.Pool` does when a worker is killed.
"""

from __future__ import annotations

import bisect
import itertools
import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from boundary_policy.errors import BoundaryPolicyError

__all__ = [
    "AUTO",
    "MAX_JOBS",
    "PROGRESS_EVERY",
    "WorkerDied",
    "advance",
    "job_count",
    "jobs_setting",
    "run_chunks",
    "usable_cpus",
]

AUTO = 0
"""`--jobs auto`: one worker per CPU this process may use."""

MAX_JOBS = 64
"""Never more workers than this, whatever the CPU count: each holds a copy of the work and an engine."""

PROGRESS_EVERY = 0.2
"""Seconds between two looks at the workers' shared count while they run."""

T = TypeVar("T")

_TASK: dict[str, Any] = {}


class WorkerDied(BoundaryPolicyError):
    """A worker process ended without an answer (killed, out of memory, crashed)."""


def jobs_setting(text: str) -> int:
    """`--jobs` / `jobs:` as given: "auto" (AUTO) or a whole number of at least 1; ValueError otherwise."""
    if text.strip().lower() == "auto":
        return AUTO
    if not text.strip().isdecimal() or int(text) < 1:
        raise ValueError(f"{text!r} is not auto or a whole number of at least 1")
    return int(text)


def usable_cpus(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The CPUs this process may run on: its affinity, and a cgroup v2 CPU quota (a container's `--cpus`, a CI
    runner's limit), which os.cpu_count() does not see."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus


def job_count(requested: int, items: int, per_job: int = 50) -> int:
    """Workers to use: at most what was asked (AUTO: no limit), one per usable CPU, and one per `per_job` items
    (forking costs). AUTO stays in one process where fork is not the platform's usual way to start a worker
    (macOS: system libraries may not survive it); an explicit number is taken as asked."""
    if requested == AUTO and not sys.platform.startswith("linux"):
        return 1
    cpus = usable_cpus()
    return max(1, min(requested or cpus, cpus, MAX_JOBS, items // per_job))


def _run(chunk: tuple[int, int]) -> Any:
    return _TASK["work"](chunk)


def _chunks(size: int, jobs: int, weights: Sequence[int] | None) -> list[tuple[int, int]]:
    if weights is None:
        step = -(-size // jobs)
        return [(start, min(start + step, size)) for start in range(0, size, step)]
    # Each boundary after the item whose running total comes closest to its share of the whole.
    running = list(itertools.accumulate(weights))
    bounds = [0]
    for part in range(1, jobs):
        target = running[-1] * part / jobs if running else 0
        first = bisect.bisect_left(running, target)  # the first item that reaches the share
        end = first + 1
        if first >= len(running) or (first > 0 and target - running[first - 1] < running[first] - target):
            end = first
        bounds.append(max(end, bounds[-1]))
    bounds.append(size)
    return [(start, end) for start, end in itertools.pairwise(bounds) if end > start]


def advance(items: int) -> None:
    """Called by `work` in a worker: `items` more items of its chunk are done (a no-op outside run_chunks)."""
    done = _TASK.get("done")
    if done is not None and items:
        with done.get_lock():
            done.value += items


def run_chunks(
    work: Callable[[tuple[int, int]], T],
    size: int,
    jobs: int,
    progress: Callable[[int], None] | None = None,
    *,
    weights: Sequence[int] | None = None,
) -> list[T]:
    """`work` over [start, end) chunks of range(size) in `jobs` forked processes, results in chunk order; with
    `weights` (one per item) the chunks weigh about the same rather than hold as many items.

    `work` and whatever it reads are inherited through the fork, not pickled; only chunk bounds and results
    cross between processes, and a counter in shared memory that `advance` adds to. While the workers run,
    `progress(items done by all of them)` is called in this process every PROGRESS_EVERY seconds. Raises
    WorkerDied when a worker dies.
    """
    chunks = _chunks(size, jobs, weights)
    context = multiprocessing.get_context("fork")
    done = context.Value("q", 0)
    _TASK.update(work=work, done=done)
    try:
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            futures = [pool.submit(_run, chunk) for chunk in chunks]
            pending = set(futures)
            while pending and progress is not None:
                finished, pending = wait(pending, timeout=PROGRESS_EVERY, return_when=FIRST_EXCEPTION)
                if any(future.exception() for future in finished):
                    break
                progress(done.value)
            return [future.result() for future in futures]
    except BrokenProcessPool:
        raise WorkerDied(
            "a worker process of --jobs died before it finished (killed, or out of memory?); "
            "run again with fewer --jobs"
        ) from None
    finally:
        _TASK.clear()
