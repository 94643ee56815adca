"""`boundary-policy rules` (the catalog) and `boundary-policy explain ID` (one rule in full)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from boundary_policy.authoring.catalog import Catalog, CatalogError, CatalogRule, docs_path, load_catalog
from boundary_policy.bundle import BundleNotFoundError, policies_dir
from boundary_policy.commands.common import EXIT_ERROR, fail

__all__ = ["POLICIES_OPTION", "command", "explain_command", "rule_json"]

POLICIES_OPTION = click.option(
    "--policies",
    type=click.Path(file_okay=False, path_type=Path),
    help="Read the catalog from this policies directory (default: the bundled one).",
)


def _catalog(policies: Path | None) -> Catalog:
    try:
        return load_catalog(policies_dir(policies))
    except (BundleNotFoundError, CatalogError) as error:
        fail(str(error))


def _display(path: Path) -> str:
    """Relative to the working directory when inside it (a checkout), else absolute (an installed package)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def rule_json(rule: CatalogRule) -> dict[str, Any]:
    info = rule.info
    return {
        "id": info.id,
        "title": info.title,
        "severity": info.severity,
        "enforcementAction": rule.enforcement_action,
        "enforced": rule.enforced,
        "kind": rule.kind,
        "constraint": rule.constraint,
        "inventory": list(rule.inventory),
        "description": info.description,
        "fix": info.fix,
        "relatedResources": [{"ref": r.ref, "description": r.description} for r in rule.related],
        "helpUri": info.help_uri,
        "source": _display(rule.source),
    }


@click.command("rules")
@click.option("-o", "--output", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@POLICIES_OPTION
def command(fmt: str, policies: Path | None) -> None:
    """List every rule: ID, severity, enforcementAction and title."""
    catalog = _catalog(policies)
    if fmt == "json":
        click.echo(json.dumps({"version": 1, "rules": [rule_json(rule) for rule in catalog]}, indent=2))
        return
    rows = [
        (rule.id, rule.info.severity, rule.enforcement_action or "not enforced", rule.info.title) for rule in catalog
    ]
    header = ("ID", "SEVERITY", "ACTION", "TITLE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3])


@click.command("explain")
@click.argument("rule_id", metavar="ID")
@POLICIES_OPTION
def explain_command(rule_id: str, policies: Path | None) -> None:
    """Everything about one rule (e.g. BND012): what it checks, why, and how to fix it."""
    catalog = _catalog(policies)
    rule = catalog.get(rule_id)
    if rule is None:
        click.echo(f"boundary-policy: error: unknown rule {rule_id!r}; known rules: {', '.join(catalog.ids)}", err=True)
        raise SystemExit(EXIT_ERROR)
    info = rule.info
    click.echo(f"{info.id}: {info.title}")
    click.echo(f"severity: {info.severity}")
    if rule.enforced:
        click.echo(f"enforcementAction: {rule.enforcement_action} (constraint {rule.constraint}, kind {rule.kind})")
    else:
        click.echo("enforcementAction: not enforced (documentation only)")
    if rule.inventory:
        click.echo(f"inventory: {', '.join(rule.inventory)}")
    click.echo(f"\n{info.description}\n\nFix:\n{info.fix}")
    if rule.related:
        click.echo("\nSources:")
        for resource in rule.related:
            click.echo(
                f"  - {resource.description}\n    {resource.ref}" if resource.description else f"  - {resource.ref}"
            )
    click.echo(f"\nPolicy: {_display(rule.source)}")
    # The page sits beside the policies: in the checkout's docs/rules/, or the copy installed with the package.
    page = rule.source.resolve().parents[3] / docs_path(info.id)
    if page.is_file():
        click.echo(f"Docs: {_display(page)}")
