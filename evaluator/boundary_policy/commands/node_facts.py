"""`boundary-policy node-facts`: measure this node's facts and print them, or write them to its Node."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import cast

import click

from boundary_policy.commands.common import fail
from boundary_policy.nodefacts import (
    SERVICE_ACCOUNT_DIR,
    TARGETS,
    NodeFactsError,
    Target,
    apply_facts,
    describe_patch,
    in_cluster,
    read_node_facts,
    render_json,
    render_kubectl,
    render_text,
)

__all__ = ["EXAMPLES", "FIRST_RETRY", "command", "retry_delay"]

FIRST_RETRY = 5  # seconds before the first retry of a failed --interval round

EXAMPLES = """
\b
Examples:
  boundary-policy node-facts                         # on a node, or in a pod that sees the host's files
  boundary-policy node-facts -o json
  NODE_NAME=ip-10-0-1-5.ec2.internal boundary-policy node-facts -o kubectl | sh
  boundary-policy node-facts --apply --seccomp-default true --interval 600   # the node-facts DaemonSet

\b
Facts: boundary-policy/max-user-namespaces (/proc/sys/user/max_user_namespaces), boundary-policy/landlock
(/sys/kernel/security/lsm, else the landlock_create_ruleset syscall), boundary-policy/seccomp-default (only
from --seccomp-default: a pod cannot see the kubelet's setting). A fact that cannot be read is unknown and is
not written. Exit codes: 0 done, 2 the facts could not be written. With --interval a failed round is logged
and retried (after 5 s, doubling up to SECONDS); the command does not exit on it.
"""


class _Shutdown:
    """SIGTERM's handler. As PID 1 in a container, a process without one ignores SIGTERM. It exits at once
    between rounds, and after the round in progress otherwise: a PATCH already sent is then logged."""

    def __init__(self) -> None:
        self.in_round = False
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if not self.in_round:
            sys.exit(0)


@click.command("node-facts", epilog=EXAMPLES)
@click.option(
    "-o", "--output", "fmt", type=click.Choice(["text", "json", "kubectl"]), default="text", show_default=True
)
@click.option("--apply", "apply", is_flag=True, help="PATCH the known facts onto this pod's own Node (in-cluster).")
@click.option("--node", metavar="NAME", envvar="NODE_NAME", help="Node name (default: $NODE_NAME).")
@click.option(
    "--seccomp-default",
    type=click.Choice(["true", "false"]),
    help="The kubelet's seccompDefault on this node, as the operator knows it (a pod cannot read it).",
)
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default="both",
    show_default=True,
    help="Write labels, annotations or both (an annotation wins over a label when the rules read them).",
)
@click.option(
    "--interval",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="With --apply: measure and write again every SECONDS; 0 runs once.",
)
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("/"),
    show_default=True,
    help="Read /proc and /sys under this directory (e.g. a host filesystem mounted at /host).",
)
@click.option(
    "--service-account-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=SERVICE_ACCOUNT_DIR,
    show_default=True,
    help="With --apply: where the pod's service account token and ca.crt are mounted.",
)
def command(
    fmt: str,
    apply: bool,
    node: str | None,
    seccomp_default: str | None,
    target: str,
    interval: int,
    root: Path,
    service_account_dir: Path,
) -> None:
    """Print the boundary-policy/ facts of the node this runs on, or write them to its Node with --apply."""
    seccomp = None if seccomp_default is None else seccomp_default == "true"
    chosen = cast(Target, target)
    if interval and not apply:
        fail("--interval only makes sense with --apply")
    if apply and not node:
        fail("--apply needs the node name: set NODE_NAME from the downward API (spec.nodeName) or pass --node")
    shutdown = _Shutdown()
    if interval:
        signal.signal(signal.SIGTERM, shutdown)
    failures = 0
    while True:
        shutdown.in_round = True
        facts = read_node_facts(root, seccomp_default=seccomp)
        if fmt == "json":
            click.echo(render_json(facts, node))
        elif fmt == "kubectl":
            click.echo(render_kubectl(facts, node, chosen))
        else:
            click.echo(render_text(facts, node))
        if not apply:
            return
        assert node is not None
        unknown = [fact.key for fact in facts.facts if not fact.known]
        wait = interval
        try:
            # Re-read the credentials every round: projected service account tokens are rotated.
            patch = apply_facts(in_cluster(service_account_dir, os.environ), node, facts, chosen)
            click.echo(f"node-facts: {describe_patch(node, patch, unknown)}", err=True)
            failures = 0
        except NodeFactsError as error:
            if not interval:
                fail(str(error))
            # A DaemonSet pod logs and tries again rather than exit into a crash loop; sooner at first, so a
            # node that starts before its API server is reachable is not left unlabelled for a whole interval.
            failures += 1
            wait = retry_delay(failures, interval)
            click.echo(f"boundary-policy: error: {error} (retrying in {wait}s)", err=True)
        if not interval:
            return
        sys.stdout.flush()
        shutdown.in_round = False
        if shutdown.requested:
            return
        time.sleep(wait)


def retry_delay(failures: int, interval: int) -> int:
    """Seconds to the next round after `failures` failed rounds in a row: 5, 10, 20 ... capped at the interval."""
    backoff: int = FIRST_RETRY * 2 ** min(failures - 1, 16)
    return min(interval, backoff)
