"""Where `eval` writes: checked before the run (a report that cannot be written is known before minutes of work,
not after), and every write failure a one-line error with exit code 2 rather than a traceback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from boundary_policy.commands.common import fail

__all__ = ["append_step_summary", "check_destinations", "write_report"]


def _unwritable(path: Path) -> str | None:
    """Why `path` cannot be written (created or replaced), without touching it; None when it can."""
    if path.is_dir():
        return "it is a directory"
    if path.exists():
        return None if os.access(path, os.W_OK) else "permission denied"
    parent = path.parent
    if not parent.is_dir():
        return f"no such directory: {parent}"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"permission denied in {parent}"
    return None


def check_destinations(output_file: Path | None) -> None:
    """Fail now when the report could not be delivered at the end of the run."""
    if output_file is not None:
        reason = _unwritable(output_file)
        if reason is not None:
            fail(f"cannot write the report to {output_file}: {reason}")
    elif sys.stdout is None:
        fail("standard output is closed: give --output-file, or run without closing it")


def write_report(rendered: str, output_file: Path | None) -> None:
    try:
        if output_file is not None:
            output_file.write_text(rendered, encoding="utf-8")
        else:
            click.echo(rendered, nl=not rendered.endswith("\n"))
            sys.stdout.flush()
    except OSError as error:
        where = str(output_file) if output_file is not None else "standard output"
        if output_file is None:
            # Further writes to a broken stdout fail too, and the interpreter flushes it once more at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.close(devnull)
        fail(f"cannot write the report to {where}: {error.strerror or error}")


def append_step_summary(markdown: str, summary_path: str) -> None:
    """Append to $GITHUB_STEP_SUMMARY; a path that cannot be written fails the run (exit 2)."""
    try:
        with Path(summary_path).open("a", encoding="utf-8") as summary:
            summary.write(markdown)
    except OSError as error:
        fail(f"cannot write the step summary to {summary_path} (GITHUB_STEP_SUMMARY): {error.strerror or error}")
