"""Gatekeeper's audit, read from its own log: every audit run logs `audit_started`, one `violation_audited` line per
violation (constraint, resource, the message cut to 256 bytes, the action) and `audit_finished` with its
duration, all tagged with the run's `audit_id` (its start time, RFC 3339 in whole seconds).

The same violations reach the Constraints' `status.violations`, but through a writer that the next audit run
stops: with a short `--audit-interval` it races the next run and Gatekeeper's status controller (conflicts,
back-off), so a Constraint's status may lag a run or two behind. The log is written by the run itself, so a
finished run's violations are all there."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

Violation = tuple[str, str, str, str, str, str, str]
"""(constraint kind, constraint name, resource kind, namespace, name, message, enforcementAction)."""


@dataclass
class AuditRun:
    audit_id: str
    started_at: float | None = None  # the audit_started line's time stamp: the start, to the millisecond
    finished: bool = False
    duration: str = ""
    violations: list[tuple[Violation, str]] = field(default_factory=list)  # with the resource's apiVersion

    @property
    def started(self) -> float:
        """When the run started: audit_id holds only whole seconds, the audit_started line more."""
        return self.started_at if self.started_at is not None else datetime.fromisoformat(self.audit_id).timestamp()


class LogFollower:
    """The lines a process has added to its log file since the last call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def new_lines(self) -> list[str]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            data = log.read()
        complete = data.rfind(b"\n") + 1
        self.offset += complete
        return data[:complete].decode("utf-8", errors="replace").splitlines()


class AuditLog:
    """Follows Gatekeeper's log file; keeps only the audit runs."""

    def __init__(self, path: Path) -> None:
        self.log = LogFollower(path)
        self.runs: dict[str, AuditRun] = {}

    def poll(self) -> None:
        for line in self.log.new_lines():
            if '"audit_id"' in line:
                self._record(line)

    def _record(self, line: str) -> None:
        try:
            event: dict[str, Any] = json.loads(line)
        except ValueError:
            return
        run = self.runs.setdefault(event["audit_id"], AuditRun(event["audit_id"]))
        kind = event.get("event_type")
        if kind == "violation_audited":
            violation = (
                event.get("constraint_kind", ""),
                event.get("constraint_name", ""),
                event.get("resource_kind", ""),
                event.get("resource_namespace", ""),
                event.get("resource_name", ""),
                event.get("msg", ""),
                event.get("constraint_action", ""),
            )
            run.violations.append((violation, event.get("resource_api_version", "")))
        elif kind == "audit_started":
            run.started_at = float(event["ts"])
        elif kind == "audit_finished":
            run.finished, run.duration = True, str(event.get("duration", ""))

    def run_started_after(self, since: float, timeout: float = 120) -> AuditRun:
        """The first finished run that started after `since` (epoch seconds): it listed every object that
        existed at `since`."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            for run in sorted(self.runs.values(), key=lambda r: r.started):
                if run.started > since and run.finished:
                    return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"no audit run started after {since:.0f} finished within {timeout:.0f}s")
            time.sleep(0.25)

    def durations(self) -> Iterable[str]:
        self.poll()
        return [run.duration for run in self.runs.values() if run.finished]
