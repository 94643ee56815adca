"""`boundary-policy eval`: check manifests against the bundled (or given) Gatekeeper templates offline."""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path

import click

from boundary_policy import __version__
from boundary_policy.commands.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    engine_options,
    fail,
    make_engine,
    note,
    spinner,
    warn,
)
from boundary_policy.commands.eval_settings import read_cluster_inventories, resolve_settings
from boundary_policy.commands.file_size import parse_size
from boundary_policy.commands.output import append_step_summary, check_destinations, write_report
from boundary_policy.model import SEVERITY_RANK, Severity
from boundary_policy.pipeline import EvalOptions, PipelineError, run_eval
from boundary_policy.terminal import wants_color, wants_progress
from boundary_policy.workers import jobs_setting

__all__ = ["EXAMPLES", "command"]

EXAMPLES = """
\b
Examples:
  boundary-policy eval manifests/                                  # bundled rules, no node inventory
  boundary-policy eval manifests/ --inventory nodes.json --inventory namespaces.json
  kubectl get nodes -o json > nodes.json
  helm template ws ./chart | boundary-policy eval - --inventory nodes.json
  kustomize build overlays/prod | boundary-policy eval -
  boundary-policy eval k8s/ -o sarif --output-file boundary.sarif --fail-on warning
  boundary-policy eval k8s/ --constraints my-constraints/           # your match/parameters replace the defaults
  boundary-policy eval k8s/ --templates library/ --constraints library-constraints/
  boundary-policy eval k8s/ --inventory kube:                      # Nodes, Namespaces... from the kubeconfig's cluster
  boundary-policy eval . --exclude 'charts/' --exclude 'ci/' --severity error,warning --rule BND020
  boundary-policy eval                                            # the paths: and settings of .boundary-policy.yaml
\b
Exit codes: 0 no finding at or above --fail-on (default: error), 1 such findings,
2 the run could not complete (usage, unreadable inventory, engine missing, broken template).
"""


def _jobs(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    """A click callback: --jobs as a number or AUTO, or a usage error (exit 2)."""
    try:
        return jobs_setting(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("eval", epilog=EXAMPLES)
@click.argument("paths", nargs=-1)
@click.option(
    "-i",
    "--inventory",
    "inventory",
    multiple=True,
    metavar="PATH",
    help="Nodes, Namespaces, Karpenter NodePools/EC2NodeClasses, ConfigMaps (files or dirs; repeatable), or "
    "kube: / kube:CONTEXT to read them from the cluster of the kubeconfig. They become data.inventory, as "
    "Gatekeeper's sync does.",
)
@click.option(
    "-c",
    "--constraints",
    "constraints",
    multiple=True,
    metavar="PATH",
    help="Constraints to use; one with the kind and name of a bundled Constraint replaces it.",
)
@click.option(
    "-t",
    "--templates",
    "templates",
    multiple=True,
    metavar="PATH",
    help="Extra ConstraintTemplates (and ExpansionTemplates); one with a bundled kind replaces it.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Choice(["text", "json", "sarif", "junit", "github"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output-file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report here instead of standard output.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding has this severity or higher (error = deny, warning = warn, info = dryrun).",
)
@click.option(
    "-j",
    "--jobs",
    callback=_jobs,
    default="auto",
    show_default=True,
    metavar="N|auto",
    help="Worker processes evaluating the manifests in parallel; auto: one per usable CPU. Never more than one "
    "per 50 resources.",
)
@click.option("--no-color", is_flag=True, help="No colour in text output (also: NO_COLOR=1).")
@click.option(
    "-e",
    "--exclude",
    "exclude",
    multiple=True,
    metavar="GLOB",
    help="Do not read matching files or directories (.gitignore-style: Chart.yaml, ci/, k8s/**/test-*.yaml); "
    "repeatable, added to the config's exclude:.",
)
@click.option(
    "--severity",
    "severity",
    multiple=True,
    metavar="LEVELS",
    help="Report only findings of these severities: error, warning, info (comma-separated or repeated). "
    "Files that cannot be read are always reported.",
)
@click.option(
    "-r",
    "--rule",
    "rules",
    multiple=True,
    metavar="ID",
    help="Report only these rules, e.g. BND020 (comma-separated or repeated).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read this config file instead of the nearest .boundary-policy.yaml (this directory or a parent).",
)
@click.option("--no-config", is_flag=True, help="Do not read .boundary-policy.yaml.")
@click.option(
    "-n",
    "--namespace",
    default="default",
    show_default=True,
    metavar="NAME",
    help="The namespace of namespaced objects that name none, as `kubectl apply --namespace` would apply them.",
)
@click.option(
    "--max-file-size",
    "max_file_bytes",
    callback=parse_size,
    default="16MiB",
    show_default=True,
    metavar="SIZE",
    help="The largest manifest or inventory file read (bytes, or with KiB, MiB, GiB): a larger one is a problem.",
)
@engine_options
def command(
    paths: tuple[str, ...],
    inventory: tuple[str, ...],
    constraints: tuple[str, ...],
    templates: tuple[str, ...],
    output: str,
    output_file: Path | None,
    fail_on: Severity,
    jobs: int,
    no_color: bool,
    exclude: tuple[str, ...],
    severity: tuple[str, ...],
    rules: tuple[str, ...],
    config_path: Path | None,
    no_config: bool,
    namespace: str,
    max_file_bytes: int,
    engine_name: str | None,
    opa_bin: str | None,
    opa_url: str | None,
) -> None:
    """Check the Kubernetes manifests in PATHS (files, directories, or - for stdin) with the Boundary rules.

    Without PATHS, the paths: of .boundary-policy.yaml are checked; its settings are the defaults of the flags."""
    from boundary_policy.reporters import Report, get_reporter

    settings = resolve_settings(
        click.get_current_context(),
        paths=paths,
        inventory=inventory,
        constraints=constraints,
        templates=templates,
        output=output,
        fail_on=fail_on,
        jobs=jobs,
        engine_name=engine_name,
        exclude=exclude,
        severity=severity,
        rules=rules,
        config_path=config_path,
        no_config=no_config,
    )
    paths, inventory, constraints = settings.paths, settings.inventory, settings.constraints
    templates, output, fail_on = settings.templates, settings.output, settings.fail_on
    jobs, engine_name = settings.jobs, settings.engine_name

    check_destinations(output_file)
    if sys.stdin is None and "-" in (*paths, *inventory, *constraints, *templates):
        fail("standard input is closed, and '-' asks to read it")
    engine = make_engine(engine_name, opa_bin, opa_url)
    options = EvalOptions(
        paths=paths,
        inventory=inventory,
        constraints=constraints,
        templates=templates,
        jobs=jobs,
        engine_name=engine_name,
        opa_bin=opa_bin,
        opa_url=opa_url,
        skip=settings.path_filter,
        read_cluster=partial(read_cluster_inventories, settings.cluster_inventory, note=note)
        if settings.cluster_inventory
        else None,
        exclude=(str(output_file),) if output_file is not None else (),
        namespace=namespace,
        max_file_bytes=max_file_bytes,
    )
    try:
        with spinner(sys.stderr is not None and wants_progress(sys.stderr)) as progress:
            stdin = sys.stdin.buffer if sys.stdin is not None else None
            result = run_eval(options, engine, stdin=stdin, progress=progress)
    except PipelineError as error:
        fail(str(error))
    finally:
        engine.close()
    for warning in result.warnings:
        warn(warning)
    for unknown in settings.finding_filter.unknown_rules([*result.rules, *(f.rule for f in result.findings)]):
        warn(f"--rule {unknown} names no rule of the catalog and no finding of this run")
    result.findings = settings.finding_filter.apply(result.findings)
    failing = [f for f in result.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on]]
    exit_code = EXIT_FINDINGS if failing else EXIT_OK
    if result.errors:  # the report is still written: what was evaluated stands
        exit_code = EXIT_ERROR
    report = Report(
        findings=result.findings,
        resources=result.resources,
        files=result.files,
        rules=result.rules,
        tool_version=__version__,
        exit_code=exit_code,
        fail_on=fail_on,
        paths=result.paths,
        policy_objects=result.policy_objects,
        recognition=result.recognition,
        errors=result.errors,
    )
    to_terminal = output_file is None and sys.stdout.isatty()
    color = output == "text" and to_terminal and wants_color(sys.stdout, no_color_flag=no_color)
    rendered = get_reporter(output, color=color).render(report)
    write_report(rendered, output_file)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if output == "github" and summary_path:
        from boundary_policy.reporters.github import step_summary_markdown

        append_step_summary(step_summary_markdown(report), summary_path)
    for line in result.errors:
        click.echo(f"boundary-policy: error: {line}", err=True)
    if exit_code not in (EXIT_OK, EXIT_FINDINGS):
        raise SystemExit(EXIT_ERROR)
    raise SystemExit(exit_code)
