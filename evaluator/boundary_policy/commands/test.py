"""`boundary-policy test`: Rego unit tests, like `opa test`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from boundary_policy.authoring.regotest import discover_modules, run_tests
from boundary_policy.commands.common import EXIT_ERROR, EXIT_FINDINGS, engine_options, fail, make_engine
from boundary_policy.engine import EngineError
from boundary_policy.terminal import wants_color

__all__ = ["EXAMPLES", "command"]


def _checked_regex(value: str | None) -> str | None:
    """A --run pattern Python can use, or a usage error (exit 2) that says why."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as error:
            raise click.BadParameter(f"{value!r} is not a regular expression: {error}") from None
    return value


EXAMPLES = """
\b
Examples:
  boundary-policy test                      # the bundled policies' tests
  boundary-policy test policies/ -v         # list every test
  boundary-policy test my-rules/ --run bnd01
"""


@click.command("test", epilog=EXAMPLES)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Print every test, not only failures.")
@click.option(
    "-r",
    "--run",
    "run",
    metavar="REGEX",
    callback=lambda _ctx, _param, value: _checked_regex(value),
    help="Only run tests whose package.name matches REGEX.",
)
@engine_options
def command(
    paths: tuple[Path, ...],
    verbose: bool,
    run: str | None,
    engine_name: str | None,
    opa_bin: str | None,
    opa_url: str | None,
) -> None:
    """Run Rego unit tests (rules named test_*) in PATHS (default: the bundled policies)."""
    if not paths:
        from boundary_policy.bundle import policies_dir

        paths = (policies_dir(),)
    modules = discover_modules(list(paths))
    if not modules:
        fail(f"no .rego files under {', '.join(map(str, paths))}")
    engine = make_engine(engine_name, opa_bin, opa_url)
    try:
        results = run_tests(engine, modules, run)
    except EngineError as error:
        fail(f"policies do not compile: {error}")
    finally:
        engine.close()
    if not results:
        fail("no tests found (test rules are named test_*)")
    color = wants_color(sys.stdout)
    styles = {"pass": "green", "fail": "red", "error": "red", "skip": "yellow"}
    for result in results:
        if verbose or result.status in ("fail", "error"):
            label = click.style(result.status.upper(), fg=styles[result.status]) if color else result.status.upper()
            where = f"{result.test.file}:{result.test.line}"
            click.echo(f"{where}: {label}: data.{result.test.package}.{result.test.name}")
            if result.detail:
                click.echo(f"    {result.detail}")
    counts = {s: sum(1 for r in results if r.status == s) for s in ("pass", "fail", "error", "skip")}
    summary = f"{counts['pass']} passed, {counts['fail'] + counts['error']} failed"
    if counts["skip"]:
        summary += f", {counts['skip']} skipped"
    click.echo(summary)
    if counts["fail"] or counts["error"]:
        raise SystemExit(EXIT_FINDINGS)
    if counts["pass"] == 0:
        raise SystemExit(EXIT_ERROR)
