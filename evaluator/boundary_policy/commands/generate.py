"""`boundary-policy generate`: policies/ -> gatekeeper/ and docs/rules/; `--check` fails when they are stale."""

from __future__ import annotations

from pathlib import Path

import click

from boundary_policy.authoring.catalog import CatalogError, load_catalog
from boundary_policy.authoring.generate import check, render, write
from boundary_policy.bundle import BundleNotFoundError, is_packaged, policies_dir
from boundary_policy.commands.common import EXIT_FINDINGS, fail

__all__ = ["EXAMPLES", "command"]

EXAMPLES = """
\b
Examples:
  boundary-policy generate            # in a checkout: rewrite gatekeeper/ and docs/rules/ from policies/
  boundary-policy generate --check    # CI: exit 1 when a generated file is stale, missing or left over
  boundary-policy generate --policies my/policies --output my/   # your own rules, from an installed package
\b
Installed from a wheel, the default policies are the package's own copy: --check checks that copy, and
generating into it is refused (pass --policies and --output, or run it in a checkout).
"""


@click.command("generate", epilog=EXAMPLES)
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if any generated file differs.")
@click.option(
    "--policies",
    type=click.Path(file_okay=False, path_type=Path),
    help="The Rego source (default: the bundled policies/).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project root that receives gatekeeper/ and docs/rules/ (default: the parent of the policies directory).",
)
def command(check_only: bool, policies: Path | None, output: Path | None) -> None:
    """Generate the Gatekeeper templates, constraints, sync, expansion, kustomization and rule docs."""
    try:
        source = policies_dir(policies)
        catalog = load_catalog(source)
        files = render(catalog)
    except (BundleNotFoundError, CatalogError) as error:
        fail(str(error))
    root = output if output is not None else source.resolve().parent
    if not check_only and is_packaged(root):
        fail(
            f"{source} is the copy installed with boundary-policy, which `generate` does not rewrite; run it in a "
            "checkout of boundary-policy, or give your own rules with --policies DIR and the output with --output DIR"
        )
    if check_only:
        drift = check(files, root)
        for item in drift:
            click.echo(str(item), err=True)
        if drift:
            click.echo(f"{len(drift)} generated file(s) out of date: run `boundary-policy generate`", err=True)
            raise SystemExit(EXIT_FINDINGS)
        click.echo(f"{len(files)} generated files are current ({len(catalog)} rules)")
        return
    try:
        written, removed, kept = write(files, root)
    except OSError as error:
        fail(f"cannot write: {error}")
    for relative in written:
        click.echo(f"wrote {relative}")
    for relative in removed:
        click.echo(f"removed {relative}")
    for relative in kept:
        click.echo(f"warning: {relative} is in a generated folder but was not generated; left alone", err=True)
    click.echo(f"{len(files)} files, {len(written)} changed, {len(removed)} removed ({len(catalog)} rules)")
