"""The console script's last line: whatever stops a command ends in one line on stderr and exit code 2.

Exit code 1 means findings, so nothing else may end with 1 (click's own "Aborted!" on Ctrl-C does) or with a
traceback (an unexpected exception, a closed output, memory exhaustion). Set BOUNDARY_POLICY_DEBUG=1 to get
the traceback of an unexpected exception.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Callable

import click

__all__ = ["EXIT_ERROR", "run_guarded"]

EXIT_ERROR = 2


def _say(message: str) -> None:
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(f"boundary-policy: error: {message}\n")
        stream.flush()
    except (OSError, ValueError):
        pass  # stderr is gone too: the exit code is all there is


def _silence_stdout() -> None:
    """After stdout broke, point it at /dev/null so the interpreter's final flush does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def _output_gone(error: OSError) -> bool:
    return isinstance(error, BrokenPipeError) or error.errno in (errno.EPIPE, errno.EBADF)


def run_guarded(command: Callable[[], object]) -> int:
    """Run the click command (standalone_mode=False) and return the process's exit code."""
    try:
        result = command()
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_ERROR)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return EXIT_ERROR
    except (KeyboardInterrupt, click.Abort):
        _say("interrupted")
        return EXIT_ERROR
    except MemoryError:
        _say("out of memory (the input is too large for this machine, or a template builds too much data)")
        return EXIT_ERROR
    except OSError as error:
        if _output_gone(error):
            _silence_stdout()
            _say(f"cannot write the output: {error.strerror or error}")
        else:
            _say(f"{error.strerror or error}" + (f": {error.filename}" if error.filename else ""))
        return EXIT_ERROR
    except Exception as error:  # a bug: still one line and exit 2, the traceback only when asked for
        if os.environ.get("BOUNDARY_POLICY_DEBUG"):
            traceback.print_exc()
        _say(f"internal error: {type(error).__name__}: {error} (BOUNDARY_POLICY_DEBUG=1 shows where)")
        return EXIT_ERROR
    return result if isinstance(result, int) else 0
