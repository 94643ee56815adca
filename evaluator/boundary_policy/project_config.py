"""`.boundary-policy.yaml`: the project's defaults for `eval`, found from the working directory upwards.

    # .boundary-policy.yaml (paths are relative to this file)
    paths: [k8s/]                       # checked when the command line names no PATH
    inventory: [inventory/]             # or kube: (the current kubeconfig context), kube:CONTEXT
    constraints: [policy/constraints/]
    templates: []
    exclude: ["**/testdata/", "ci/"]    # globs; the command line's --exclude adds to these
    severity: [error, warning]          # report only these severities
    rules: [BND010, BND020]             # report only these rules
    fail-on: warning
    output: text
    jobs: 2                             # or auto (the default): one per usable CPU
    engine: embedded

What a rule checks, which objects it matches and how severe it is stay in Constraints (configuration.md): this
file only saves typing the same flags, so CI and the cluster still read the same policy.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from boundary_policy.errors import LocatedError
from boundary_policy.model import Severity
from boundary_policy.workers import jobs_setting

__all__ = ["CONFIG_NAME", "ConfigError", "ProjectConfig", "find_config", "load_config"]

_JOBS_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:str")  # jobs: 2, jobs: auto

CONFIG_NAME = ".boundary-policy.yaml"
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
OUTPUTS = ("text", "json", "sarif", "junit", "github")
ENGINES = ("embedded", "opa")
KUBE_PREFIX = "kube:"


class ConfigError(LocatedError):
    """The config file cannot be read or holds something `eval` does not accept (exit 2)."""


@dataclass(frozen=True)
class ProjectConfig:
    file: Path | None = None
    paths: tuple[str, ...] = ()
    inventory: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    """Globs as written, matched relative to `base`."""
    severity: tuple[Severity, ...] = ()
    rules: tuple[str, ...] = ()
    fail_on: Severity | None = None
    output: str | None = None
    jobs: int | None = None
    engine: str | None = None
    base: Path = field(default_factory=Path.cwd)
    """The directory the paths and globs are relative to (the file's directory)."""


def find_config(start: Path) -> Path | None:
    """The nearest `.boundary-policy.yaml` in `start` or one of its parents."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _relative_to_cwd(base: Path, value: str) -> str:
    """A path written relative to the config file, as the command line would name it from the working directory:
    relative when it is inside the working directory, else absolute."""
    if value == "-" or value.startswith(KUBE_PREFIX):
        return value
    path = Path(os.path.normpath(base / value))
    trailing = "/" if value.endswith("/") else ""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix() + trailing
    except ValueError:
        return str(path) + trailing


def _comma_split(values: Sequence[str]) -> tuple[str, ...]:
    """["error,warning", "info"] -> ("error", "warning", "info"), as the flags take them."""
    return tuple(dict.fromkeys(item.strip() for value in values for item in value.split(",") if item.strip()))


class _Reader:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.shown = _display(file)

    def error(self, node: Node | None, message: str) -> ConfigError:
        return ConfigError(message, self.shown, node.start_mark.line + 1 if node is not None else None)

    def strings(self, node: Node, key: str) -> tuple[str, ...]:
        """A list of strings; a single string is a list of one."""
        items = node.value if isinstance(node, SequenceNode) else [node]
        values: list[str] = []
        for item in items:
            if not isinstance(item, ScalarNode) or item.tag != "tag:yaml.org,2002:str" or not item.value:
                raise self.error(item, f"{key}: expected a non-empty string or a list of them")
            values.append(str(item.value))
        return tuple(values)

    def choice(self, node: Node, key: str, allowed: Sequence[str]) -> str:
        if not isinstance(node, ScalarNode) or node.value not in allowed:
            raise self.error(node, f"{key}: expected one of {', '.join(allowed)}")
        return str(node.value)


def load_config(file: Path) -> ProjectConfig:
    """Read and check the config file; every problem is a ConfigError with the file and line."""
    reader = _Reader(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {getattr(error, 'strerror', None) or error}", reader.shown, None) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise ConfigError(f"not valid YAML: {error.problem}", reader.shown, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML: {error}", reader.shown, None) from None
    if root is None:
        return ProjectConfig(file=file, base=file.resolve().parent)
    if not isinstance(root, MappingNode):
        raise reader.error(root, "expected a mapping of settings (paths:, inventory:, exclude:, ...)")
    base = file.resolve().parent
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for key_node, node in root.value:
        key = str(key_node.value)
        if key in seen:
            raise reader.error(key_node, f"{key}: given twice")
        seen.add(key)
        if key in ("paths", "inventory", "constraints", "templates"):
            values[key] = tuple(_relative_to_cwd(base, value) for value in reader.strings(node, key))
        elif key == "exclude":
            values[key] = reader.strings(node, key)
        elif key == "severity":
            severities = _comma_split(reader.strings(node, key))
            wrong = [value for value in severities if value not in SEVERITIES]
            if wrong:
                raise reader.error(node, f"severity: expected error, warning or info, not {wrong[0]!r}")
            values[key] = severities
        elif key == "rules":
            values[key] = tuple(value.upper() for value in _comma_split(reader.strings(node, key)))
        elif key == "fail-on":
            values["fail_on"] = reader.choice(node, key, SEVERITIES)
        elif key == "output":
            values[key] = reader.choice(node, key, OUTPUTS)
        elif key == "engine":
            values[key] = reader.choice(node, key, ENGINES)
        elif key == "jobs":
            scalar = isinstance(node, ScalarNode) and node.tag in _JOBS_TAGS
            try:
                values[key] = jobs_setting(node.value if scalar else "")
            except ValueError:
                raise reader.error(node, "jobs: expected auto or a whole number of at least 1") from None
        else:
            known = "paths, inventory, constraints, templates, exclude, severity, rules, fail-on, output, jobs, engine"
            raise reader.error(key_node, f"unknown setting {key!r} (known: {known})")
    return ProjectConfig(file=file, base=base, **values)
