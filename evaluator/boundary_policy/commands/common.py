"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click

from boundary_policy.engine import Engine, EngineUnavailable, open_engine

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "engine_options", "fail", "make_engine", "note", "spinner", "warn"]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def engine_options(func: F) -> F:
    """--engine/--opa-bin/--opa-url, shared by every command that evaluates Rego."""
    func = click.option(
        "--opa-url",
        metavar="URL",
        help="Evaluate on a running OPA server over its REST API (implies --engine opa). Use a dedicated server.",
    )(func)
    func = click.option(
        "--opa-bin", metavar="PATH", help="The `opa` binary for --engine opa (default: `opa` on PATH)."
    )(func)
    func = click.option(
        "--engine",
        "engine_name",
        type=click.Choice(["embedded", "opa"]),
        default=None,
        help="Rego engine: embedded OPA (default where installed) or the `opa` CLI/server.",
    )(func)
    return func


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"boundary-policy: error: {message}", err=True)
    sys.exit(code)


def make_engine(engine_name: str | None, opa_bin: str | None, opa_url: str | None) -> Engine:
    try:
        return open_engine(engine_name, opa_bin=opa_bin, opa_url=opa_url)
    except EngineUnavailable as error:
        fail(str(error))


def warn(message: str) -> None:
    click.echo(f"boundary-policy: warning: {message}", err=True)


def note(message: str) -> None:
    """What the run did that the report does not say (e.g. what it read from a cluster), on stderr."""
    click.echo(f"boundary-policy: {message}", err=True)


@contextmanager
def spinner(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A progress callback that shows its latest message as a spinner on stderr (a no-op when not enabled)."""
    if not enabled:
        yield lambda _message: None
        return
    from rich.console import Console

    with Console(stderr=True).status("") as status:
        yield status.update
