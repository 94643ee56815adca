"""How much memory the embedded engine may hold: half the run's memory bound, or BOUNDARY_POLICY_ENGINE_MEMORY.

The run's bound is the smallest of the address space left under its limit (`ulimit -v`), the cgroup's
memory.max (a container's limit) and the machine's physical memory. The library softly bounds the Go runtime's
memory to the engine's share (the collector works harder near it) and stops an evaluation whose live heap passes
it, which then fails with its own error kind instead of taking the process down (native/memory.go).
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
from pathlib import Path

from boundary_policy.engine.base import EngineUnavailable

__all__ = ["ENV", "engine_memory_limit", "run_memory_bound", "share_among"]

ENV = "BOUNDARY_POLICY_ENGINE_MEMORY"

_SIZE = re.compile(r"\s*(\d+)\s*(B|KiB|MiB|GiB|K|M|G|KB|MB|GB)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 2**10, "kib": 2**10, "kb": 2**10, "m": 2**20, "mib": 2**20, "mb": 2**20}
_UNITS |= {"g": 2**30, "gib": 2**30, "gb": 2**30}
_CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))
_NO_LIMIT = 1 << 60  # cgroup v1 writes a huge number instead of "max"
_processes = 1


def share_among(processes: int) -> None:
    """`eval --jobs N`: each of N worker processes runs its own engine, so each gets 1/N of the default share.
    Called before the workers fork (they inherit it)."""
    global _processes
    _processes = max(1, processes)


def run_memory_bound() -> int | None:
    """The memory this process can have at most, in bytes, or None when nothing says."""
    bounds: list[int] = []
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        # Address space, not memory: what the process has mapped already (Python, and the Go runtime's
        # reservations once the library is loaded, over a GB) is not there to be used.
        bounds.append(max(soft - _mapped(), 0))
    for path in _CGROUP_LIMITS:
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < _NO_LIMIT:
            bounds.append(int(text))
    with contextlib.suppress(OSError, ValueError):  # sysconf names Python does not know on this platform
        bounds.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return min(bounds) if bounds else None


def _mapped() -> int:
    """The process's virtual size in bytes (0 where /proc does not say)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmSize:\s+(\d+) kB", status, re.M)
    return int(found[1]) * 1024 if found else 0


def engine_memory_limit() -> int:
    """Bytes the embedded engine of this process may hold (0: no limit); raises EngineUnavailable for a bad
    setting. BOUNDARY_POLICY_ENGINE_MEMORY is per process."""
    setting = os.environ.get(ENV)
    if setting:
        found = _SIZE.fullmatch(setting)
        if found is None:
            raise EngineUnavailable(f"{ENV}={setting!r} is not a size such as 2GiB or 512MiB (0: no limit)")
        return int(found.group(1)) * _UNITS[(found.group(2) or "").lower()]
    bound = run_memory_bound()
    # The other half is the run's own: documents, reviews and the engine's copies of its inputs.
    return bound // 2 // _processes if bound else 0
