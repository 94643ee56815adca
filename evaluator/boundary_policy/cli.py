"""Command line interface (placeholder until the commands land)."""

import click

from boundary_policy import __version__


@click.group()
@click.version_option(__version__, prog_name="boundary-policy")
def cli() -> None:
    """Check Kubernetes manifests against the Boundary jail policies."""


def main() -> None:
    cli()
