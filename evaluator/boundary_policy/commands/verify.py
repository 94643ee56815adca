"""`boundary-policy verify`: gator Suites (expected violations per sample), like `gator verify`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from boundary_policy.commands.common import EXIT_FINDINGS, engine_options, fail, make_engine
from boundary_policy.gatekeeper.goregex import GoRegexError
from boundary_policy.suites import (
    CaseResult,
    Filter,
    Runner,
    SuiteError,
    SuiteResult,
    TestResult,
    count,
    find_suite_files,
    read_suite,
)
from boundary_policy.terminal import wants_color

__all__ = ["EXAMPLES", "command"]

EXAMPLES = """
\b
Examples:
  boundary-policy verify                          # the bundled Suites
  boundary-policy verify suites/...               # every Suite below suites/
  boundary-policy verify suites/ -r 'bnd01'       # tests or cases whose name matches
  boundary-policy verify suites/ -r 'default//deployment' -v
"""


def _default_path() -> str:
    from boundary_policy.bundle import BundleNotFoundError, gatekeeper_dir

    try:
        suites = gatekeeper_dir() / "suites"
    except BundleNotFoundError as error:
        fail(str(error))
    return _relative(suites)


@click.command("verify", epilog=EXAMPLES)
@click.argument("paths", nargs=-1)
@click.option("-r", "--run", "run", metavar="REGEX", help="Only tests/cases whose name matches (TEST//CASE for both).")
@click.option("-v", "--verbose", is_flag=True, help="Print every test and case, and the violations each case got.")
@engine_options
def command(
    paths: tuple[str, ...],
    run: str | None,
    verbose: bool,
    engine_name: str | None,
    opa_bin: str | None,
    opa_url: str | None,
) -> None:
    """Run the gator Suites in PATHS (files, directories, or DIR/...; default: the bundled Suites).

    Each case reviews one object against the test's template and Constraint and checks the assertions on
    the violations, with the semantics of `gator verify`. Exit 1 when a case fails, 2 when a Suite cannot
    be read.
    """
    if not paths:
        paths = (_default_path(),)
    try:
        Filter(run)
    except GoRegexError as error:
        fail(f"--run: {error}")
    try:
        suites = []
        for file, display in find_suite_files(paths):
            suite = read_suite(file, display)
            if suite is not None:
                suites.append(suite)
    except SuiteError as error:
        fail(str(error))
    if not suites:
        fail(f"no gator Suites (apiVersion test.gatekeeper.sh/v1alpha1, kind Suite) under {', '.join(paths)}")
    engine = make_engine(engine_name, opa_bin, opa_url)
    try:
        runner = Runner(engine, run)
        color = wants_color(sys.stdout)
        results: list[SuiteResult] = []
        for suite in suites:
            result = runner.run(suite)
            results.append(result)
            _print_suite(result, verbose, color)
    finally:
        engine.close()
    passed, failed, skipped = count(results)
    summary = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    click.echo(summary)
    if failed:
        raise SystemExit(EXIT_FINDINGS)


def _label(text: str, ok: bool, color: bool) -> str:
    return click.style(text, fg="green" if ok else "red") if color else text


def _print_suite(result: SuiteResult, verbose: bool, color: bool) -> None:
    if result.skipped:
        click.echo(f"skip\t{result.path}")
        return
    for test in result.tests:
        _print_test(test, verbose, color)
    status = _label("FAIL", False, color) if result.failed else _label("ok", True, color)
    click.echo(f"{status}\t{result.path}\t{result.runtime:.3f}s")


def _print_test(test: TestResult, verbose: bool, color: bool) -> None:
    if verbose:
        if test.skipped:
            click.echo(f"=== SKIP  {test.name}")
            return
        click.echo(f"=== RUN   {test.name}")
    for case in test.cases:
        _print_case(test.name, case, verbose, color)
    if test.failed:
        click.echo(f"--- {_label('FAIL', False, color)}: {test.name}\t({test.runtime:.3f}s)")
        if test.error is not None:
            click.echo(f"    {test.error}")
    elif verbose:
        click.echo(f"--- {_label('PASS', True, color)}: {test.name}\t({test.runtime:.3f}s)")


def _print_case(test_name: str, case: CaseResult, verbose: bool, color: bool) -> None:
    if verbose:
        if case.skipped:
            click.echo(f"    === SKIP  {case.name}")
            return
        click.echo(f"    === RUN   {case.name}")
    if case.error is not None:
        click.echo(f"    --- {_label('FAIL', False, color)}: {test_name}/{case.name}")
        click.echo(f"        {case.error}")
    elif verbose and not case.skipped:
        click.echo(f"    --- {_label('PASS', True, color)}: {case.name}")
        for message in case.messages:
            click.echo(f"        violation: {message}")


def _relative(path: Path) -> str:
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)
