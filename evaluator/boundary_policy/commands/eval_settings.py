"""What `eval` runs with: its flags over the project's `.boundary-policy.yaml`, and the cluster inventory.

A flag given on the command line wins over the config file; lists given on the command line replace the
config's, except --exclude, which adds to the config's globs. The config's paths are relative to its file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click
from click.core import ParameterSource

from boundary_policy.commands.common import fail
from boundary_policy.gatekeeper.sync import GVK
from boundary_policy.kube.inventory import KubeError, is_cluster_inventory, read_cluster_inventory
from boundary_policy.model import Document, Severity
from boundary_policy.project_config import ConfigError, ProjectConfig, find_config, load_config
from boundary_policy.selection import FindingFilter, PathFilter

__all__ = ["EvalSettings", "read_cluster_inventories", "resolve_settings", "split_severities"]


@dataclass(frozen=True)
class EvalSettings:
    paths: tuple[str, ...]
    inventory: tuple[str, ...]
    """Inventory files and directories."""
    cluster_inventory: tuple[str, ...]
    """`kube:` / `kube:CONTEXT` entries: read from the cluster."""
    constraints: tuple[str, ...]
    templates: tuple[str, ...]
    output: str
    fail_on: Severity
    jobs: int
    engine_name: str | None
    path_filter: PathFilter
    finding_filter: FindingFilter
    config: ProjectConfig | None


def split_severities(values: Sequence[str]) -> tuple[Severity, ...]:
    """--severity error,warning --severity info -> ("error", "warning", "info"); a bad name is a usage error."""
    found: list[Severity] = []
    for value in values:
        for item in filter(None, (part.strip().lower() for part in value.split(","))):
            if item not in ("error", "warning", "info"):
                raise click.BadParameter(f"{item!r} is not error, warning or info", param_hint="'--severity'")
            if item not in found:
                found.append(item)  # type: ignore[arg-type]  # narrowed by the check above
    return tuple(found)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(item for value in values for item in (part.strip() for part in value.split(",")) if item)


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP, None)


def _config(config_path: Path | None, no_config: bool) -> ProjectConfig | None:
    if no_config:
        return None
    file = config_path if config_path is not None else find_config(Path.cwd())
    if file is None:
        return None
    try:
        return load_config(file)
    except ConfigError as error:
        fail(str(error))


def resolve_settings(
    ctx: click.Context,
    *,
    paths: Sequence[str],
    inventory: Sequence[str],
    constraints: Sequence[str],
    templates: Sequence[str],
    output: str,
    fail_on: Severity,
    jobs: int,
    engine_name: str | None,
    exclude: Sequence[str],
    severity: Sequence[str],
    rules: Sequence[str],
    config_path: Path | None,
    no_config: bool,
) -> EvalSettings:
    config = _config(config_path, no_config)
    base = config or ProjectConfig()
    paths = tuple(paths) or base.paths
    if not paths:
        where = f" and {base.file} has no paths:" if config is not None and config.file is not None else ""
        raise click.UsageError(f"no PATH given{where} (a file, a directory, or - for standard input)")
    inventory_all = tuple(inventory) or base.inventory
    severities = split_severities(severity) if severity else base.severity
    rule_ids = _split(rules) if rules else base.rules
    globs = [(pattern, base.base) for pattern in base.exclude] + [(pattern, Path.cwd()) for pattern in exclude]
    return EvalSettings(
        paths=paths,
        inventory=tuple(item for item in inventory_all if not is_cluster_inventory(item)),
        cluster_inventory=tuple(item for item in inventory_all if is_cluster_inventory(item)),
        constraints=tuple(constraints) or base.constraints,
        templates=tuple(templates) or base.templates,
        output=output if _given(ctx, "output") or base.output is None else base.output,
        fail_on=fail_on if _given(ctx, "fail_on") or base.fail_on is None else base.fail_on,
        jobs=jobs if _given(ctx, "jobs") or base.jobs is None else base.jobs,
        engine_name=engine_name if engine_name is not None else base.engine,
        path_filter=PathFilter(globs),
        finding_filter=FindingFilter.of(severities, rule_ids),
        config=config,
    )


def read_cluster_inventories(
    specs: Sequence[str], kinds: Sequence[GVK] | None, note: Callable[[str], None]
) -> list[Document]:
    """The objects of these kinds (default: the bundled SyncSets') of every `kube:` inventory; says on stderr what
    was read (and what could not be)."""
    documents: list[Document] = []
    for spec in dict.fromkeys(specs):
        try:
            cluster = read_cluster_inventory(spec, kinds)
        except KubeError as error:
            fail(f"--inventory {spec}: {error}")
        if cluster.problems:
            fail(
                f"--inventory {spec}: the objects read cannot be used: "
                + "; ".join(p.message for p in cluster.problems)
            )
        for warning in cluster.warnings:
            note(f"warning: {warning}")
        note(cluster.summary())
        documents += cluster.documents
    return documents
