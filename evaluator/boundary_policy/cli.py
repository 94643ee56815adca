"""The `boundary-policy` command: a group of subcommands, one module each under commands/."""

from __future__ import annotations

import sys

import click

from boundary_policy import __version__
from boundary_policy.commands import eval as eval_command
from boundary_policy.commands import exempt as exempt_command
from boundary_policy.commands import generate as generate_command
from boundary_policy.commands import node_facts as node_facts_command
from boundary_policy.commands import rules as rules_command
from boundary_policy.commands import test as test_command
from boundary_policy.commands import verify as verify_command
from boundary_policy.engine import embedded_opa_version
from boundary_policy.guard import run_guarded

__all__ = ["EXAMPLES", "cli", "main", "print_version"]

EXAMPLES = """
\b
Examples:
  boundary-policy eval manifests/ --inventory nodes.json
  kubectl get nodes -o json > nodes.json
  helm template coder coder-v2/coder | boundary-policy eval - --inventory nodes.json
  boundary-policy eval k8s/ -o sarif --output-file boundary.sarif
  boundary-policy rules
  boundary-policy explain BND012
  boundary-policy exempt BND032 > policy/constraints/bnd032.yaml
  boundary-policy test && boundary-policy verify

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 the run could not complete.
"""


def print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`--version`: this release and the OPA inside its embedded engine (Gatekeeper v3.23 runs OPA v1.17.1).

    The engine is loaded only here: the Go runtime it starts must not be running when `eval --jobs` forks.
    """
    if not value or ctx.resilient_parsing:
        return
    opa = embedded_opa_version()
    engine = f"embedded OPA v{opa}" if opa else "embedded OPA engine not built"
    click.echo(f"boundary-policy, version {__version__} ({engine})")
    ctx.exit()


@click.group(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=print_version,
    help="Show the version (and the embedded engine's OPA) and exit.",
)
def cli() -> None:
    """Check Kubernetes manifests against the Coder Agent Firewall (Boundary) jail policies,
    with the same Gatekeeper templates your cluster enforces."""


cli.add_command(eval_command.command)
cli.add_command(test_command.command)
cli.add_command(generate_command.command)
cli.add_command(rules_command.command)
cli.add_command(rules_command.explain_command)
cli.add_command(exempt_command.command)
cli.add_command(node_facts_command.command)
cli.add_command(verify_command.command)


def main() -> None:
    # Not click's standalone mode: it ends Ctrl-C with "Aborted!" and exit 1, which means findings here.
    sys.exit(run_guarded(lambda: cli.main(prog_name="boundary-policy", standalone_mode=False)))
