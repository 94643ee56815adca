"""`eval --jobs N`: the reviews split across forked worker processes, supervised.

The work is set up before the fork (the policy set is built once), and each worker opens its own engine after
it (the Go runtime inside the embedded engine does not survive a fork). A worker that dies — killed, out of
memory, a crash in the engine — fails the run with a message instead of leaving it waiting forever, which is
what `multiprocessing.Pool` does when a worker is killed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from boundary_policy.errors import BoundaryPolicyError

__all__ = ["MAX_JOBS", "WorkerDied", "job_count", "run_chunks"]

MAX_JOBS = 64
"""Never more workers than this, whatever the CPU count: each holds a copy of the work and an engine."""

T = TypeVar("T")

_TASK: dict[str, Any] = {}


class WorkerDied(BoundaryPolicyError):
    """A worker process ended without an answer (killed, out of memory, crashed)."""


def job_count(requested: int, items: int, per_job: int = 50) -> int:
    """Workers to use: at most what was asked, one per CPU, and one per `per_job` items (forking costs)."""
    return max(1, min(requested, os.cpu_count() or 1, MAX_JOBS, items // per_job))


def _run(chunk: tuple[int, int]) -> Any:
    return _TASK["work"](chunk)


def run_chunks(work: Callable[[tuple[int, int]], T], size: int, jobs: int) -> list[T]:
    """`work` over [start, end) chunks of range(size) in `jobs` forked processes, results in chunk order.

    `work` and whatever it reads are inherited through the fork, not pickled; only chunk bounds and results
    cross between processes. Raises WorkerDied when a worker dies.
    """
    step = -(-size // jobs)
    chunks = [(start, min(start + step, size)) for start in range(0, size, step)]
    _TASK["work"] = work
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run, chunks))
    except BrokenProcessPool:
        raise WorkerDied(
            "a worker process of --jobs died before it finished (killed, or out of memory?); "
            "run again with fewer --jobs"
        ) from None
    finally:
        _TASK.clear()
