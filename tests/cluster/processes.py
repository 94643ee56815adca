"""The control plane's processes: started with their output in a log file, found again by PID, stopped by PID.

A process is only ever signalled after checking that its PID still runs the binary it was started from, so a
stale state file never kills an unrelated process that reused the PID."""

from __future__ import annotations

import ctypes
import ipaddress
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1
# The Popen objects of the processes this process started: kept until they are stopped and reaped (a Popen
# dropped while its child runs is reported as a leaked resource).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: if the test session dies (even by SIGKILL), so does the child.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class Service:
    """One started process: what it runs and where its output goes."""

    name: str
    pid: int
    binary: str
    log: Path

    def running(self) -> bool:
        """True while the PID exists and still runs `binary` (not a zombie, not a reused PID)."""
        try:
            with Path(f"/proc/{self.pid}/stat").open(encoding="utf-8") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return False
            executable = str(Path(f"/proc/{self.pid}/exe").readlink())
        except OSError:
            return False
        return executable.removesuffix(" (deleted)") == self.binary

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def start_service(
    name: str,
    args: Sequence[str],
    log: Path,
    env: Mapping[str, str] | None = None,
    *,
    detach: bool,
) -> Service:
    """Start `args` with stdout and stderr in `log`, in its own process group.

    detach=False ties the child's life to this process (pytest); detach=True lets it outlive the caller
    (`scripts/cluster up`)."""
    binary = os.path.realpath(args[0])
    with log.open("ab") as output:
        process = subprocess.Popen(
            [binary, *args[1:]],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            preexec_fn=None if detach else _die_with_parent,
        )
    _CHILDREN[process.pid] = process
    return Service(name, process.pid, binary, log)


def stop_service(service: Service, timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds; reaps the child when it is ours."""
    if not service.running():
        _reap(service.pid)
        return
    os.kill(service.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(service.pid)
        if not service.running():
            return
        time.sleep(0.1)
    if service.running():
        os.kill(service.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while service.running() and time.monotonic() < deadline:
        _reap(service.pid)
        time.sleep(0.05)


def _reap(pid: int) -> None:
    child = _CHILDREN.get(pid)
    if child is not None:
        if child.poll() is not None:
            del _CHILDREN[pid]
        return
    # Not our child when an earlier `scripts/cluster up` started it: its parent, init, reaps it.
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def wait_until(what: str, ready: Callable[[], bool], service: Service | None, timeout: float) -> float:
    """Poll `ready` until it is true; returns the seconds it took. Fails early, with the log, if the service dies."""
    started = time.monotonic()
    while True:
        if ready():
            return time.monotonic() - started
        if service is not None and not service.running():
            raise RuntimeError(f"{service.name} exited while waiting for {what}; its log ends:\n{service.log_tail()}")
        if time.monotonic() - started > timeout:
            tail = f"; {service.name}'s log ends:\n{service.log_tail()}" if service else ""
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}{tail}")
        time.sleep(0.2)


def listening_addresses(pids: Sequence[int]) -> set[str]:
    """The TCP addresses ("ip:port") the given processes listen on, read from /proc (no ss/netstat needed)."""
    inodes: set[str] = set()
    for pid in pids:
        fd_dir = Path(f"/proc/{pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target = str(fd.readlink())
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    found: set[str] = set()
    for table, ipv6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            rows = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                found.add(_address(local, ipv6))
    return found


def _address(hex_address: str, ipv6: bool) -> str:
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    if ipv6:
        # /proc prints the address as four host-order 32-bit words.
        words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
        return f"[{ipaddress.IPv6Address(words)}]:{int(port, 16)}"
    return f"{'.'.join(str(b) for b in raw[::-1])}:{int(port, 16)}"
