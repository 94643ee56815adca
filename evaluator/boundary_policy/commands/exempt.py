"""`boundary-policy exempt`: accept a finding in CI and in the cluster alike, by narrowing the rule's Constraint."""

from __future__ import annotations

import click

from boundary_policy.authoring.catalog import CatalogError, bundled_catalog
from boundary_policy.authoring.exemption import Exemption, ExemptionError, exempt, render
from boundary_policy.bundle import BundleNotFoundError
from boundary_policy.commands.common import fail
from boundary_policy.gatekeeper.policy_files import PolicyFilesError, load_policy_documents

__all__ = ["EXAMPLES", "command"]

EXAMPLES = """
\b
Examples:
  boundary-policy exempt BND032 > policy/constraints/bnd032.yaml    # then label what you accept
  boundary-policy exempt BND020 --namespace coder-legacy -o kustomize
  boundary-policy exempt BND031 -c policy/constraints/               # narrow your own copy of the Constraint
\b
Use the output in CI (`eval --constraints policy/constraints/`) and in the cluster (`kubectl apply -f`), so
both exempt the same objects.
"""


@click.command("exempt", epilog=EXAMPLES)
@click.argument("rule_ids", nargs=-1, required=True, metavar="RULE...")
@click.option(
    "-n",
    "--namespace",
    "namespaces",
    multiple=True,
    metavar="NS",
    help="Exempt these namespaces (wildcards as in excludedNamespaces: prefix*, *suffix). Default: exempt the "
    "objects labelled boundary-policy/exempt-<rule>.",
)
@click.option(
    "-c",
    "--constraints",
    "constraints",
    multiple=True,
    metavar="PATH",
    help="Your Constraints (as given to eval); the rule's Constraints are taken from here, else the bundled one.",
)
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["constraint", "kustomize"]),
    default="constraint",
    show_default=True,
    help="The narrowed Constraint(s), or a kustomize patch for an overlay of gatekeeper/.",
)
def command(rule_ids: tuple[str, ...], namespaces: tuple[str, ...], constraints: tuple[str, ...], fmt: str) -> None:
    """Print the Constraint of each RULE (e.g. BND032) narrowed so the accepted objects no longer match it."""
    try:
        catalog = bundled_catalog()
        documents = load_policy_documents((), constraints)
    except (BundleNotFoundError, CatalogError, PolicyFilesError) as error:
        fail(str(error))
    exemptions: list[Exemption] = []
    for rule_id in dict.fromkeys(rule_id.upper() for rule_id in rule_ids):
        rule = catalog.get(rule_id)
        if rule is None:
            fail(f"unknown rule {rule_id!r}; known rules: {', '.join(catalog.ids)}")
        if rule.kind is None:
            fail(f"{rule.id} is not enforced by a Constraint (documentation only): there is nothing to exempt")
        found = [d.obj for d in documents.constraints if d.obj.get("kind") == rule.kind]
        if not found:
            fail(f"no Constraint of kind {rule.kind} ({rule.id}) among the bundled and given Constraints")
        try:
            exemptions += [exempt(rule.id, dict(constraint), namespaces) for constraint in found]
        except ExemptionError as error:
            fail(str(error))
    click.echo(render(exemptions, fmt), nl=False)
