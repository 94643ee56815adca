"""The rules catalog, read from the `# METADATA` block of every policy (and from rule.yaml for documented-only rules).

METADATA is parsed statically with PyYAML (Gatekeeper's support for `rego.metadata.*` is unverified, so policies never
call it) and validated strictly: a bad block is a `CatalogError` naming the file and line of the offending field.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from boundary_policy.bundle import policies_dir
from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.model import RuleInfo, Severity
from boundary_policy.rego.source import package_statement

__all__ = [
    "INVENTORY_GVKS",
    "Catalog",
    "CatalogError",
    "CatalogRule",
    "RelatedResource",
    "bundled_catalog",
    "docs_path",
    "lib_modules",
    "load_catalog",
]

DOCS_DIR = "docs/rules"

ENFORCEMENT_ACTION: Mapping[str, str] = {"error": "deny", "warning": "warn", "info": "dryrun"}
"""Severity is the default Constraint's enforcementAction (docs/semantics.md#split-rules)."""

InventoryKind = Literal["Node", "Namespace", "ConfigMap", "Secret", "NodePool", "EC2NodeClass"]

INVENTORY_GVKS: Mapping[str, tuple[str, str, str]] = {
    "Node": ("", "v1", "Node"),
    "Namespace": ("", "v1", "Namespace"),
    "ConfigMap": ("", "v1", "ConfigMap"),
    "Secret": ("", "v1", "Secret"),
    "NodePool": ("karpenter.sh", "v1", "NodePool"),
    "EC2NodeClass": ("karpenter.k8s.aws", "v1", "EC2NodeClass"),
}
"""(group, version, kind) Gatekeeper syncs into data.inventory for each inventory kind a rule may declare."""

M = TypeVar("M", bound="_Strict")

_RULE_ID = r"^BND\d{3}$"
_SEMVER = r"^\d+\.\d+\.\d+$"


class CatalogError(BoundaryPolicyError):
    """The catalog cannot be read; the message lists every problem as `file:line: what`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NonEmpty = Annotated[str, Field(min_length=1)]


class RelatedResource(_Strict):
    ref: Annotated[str, Field(pattern=r"^https?://\S+$")]
    description: NonEmpty | None = None


class _DocumentedCustom(_Strict):
    id: Annotated[str, Field(pattern=_RULE_ID)]
    severity: Severity
    fix: NonEmpty
    decides: NonEmpty | None = None
    """Optional prose for the docs' "What decides it" section."""


class _PolicyCustom(_DocumentedCustom):
    kind: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]*$", max_length=63)]
    constraint: Annotated[str, Field(pattern=r"^bnd\d{3}(-[a-z0-9]+)+$", max_length=63)]
    inventory: tuple[InventoryKind, ...] = ()
    version: Annotated[str, Field(pattern=_SEMVER)] = "1.0.0"
    """metadata.gatekeeper.sh/version: major for a schema or sync change, minor for new logic, patch for fixes."""


class _DocumentedMetadata(_Strict):
    title: NonEmpty
    description: NonEmpty
    related_resources: tuple[RelatedResource, ...] = ()
    custom: _DocumentedCustom


class _PolicyMetadata(_DocumentedMetadata):
    scope: Literal["package"] | None = None
    custom: _PolicyCustom


@dataclass(frozen=True)
class CatalogRule:
    """One rule: its catalog entry plus what the generator and the CLI need to know about it."""

    info: RuleInfo
    source: Path
    """policy.rego for an enforced rule, rule.yaml for a documented-only one."""
    related: tuple[RelatedResource, ...]
    kind: str | None = None
    """ConstraintTemplate kind; None when the rule is documented but not enforced."""
    constraint: str | None = None
    inventory: tuple[str, ...] = ()
    version: str = "1.0.0"
    decides: str | None = None

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def enforced(self) -> bool:
        return self.kind is not None

    @property
    def enforcement_action(self) -> str | None:
        return ENFORCEMENT_ACTION[self.info.severity] if self.enforced else None

    @property
    def template_name(self) -> str | None:
        return self.kind.lower() if self.kind else None

    @property
    def file_stem(self) -> str:
        """bnd010: the name of the rule's folder and of its generated template and constraint files."""
        return self.info.id.lower()


@dataclass(frozen=True)
class Catalog:
    policies: Path
    rules: tuple[CatalogRule, ...]
    """Sorted by rule ID."""
    libs: tuple[Path, ...]
    """Every non-test lib module, sorted by path: embedded in every template as `libs`."""

    def __iter__(self) -> Iterator[CatalogRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)

    def get(self, rule_id: str) -> CatalogRule | None:
        wanted = rule_id.strip().upper()
        return next((rule for rule in self.rules if rule.id == wanted), None)

    def by_kind(self) -> dict[str, CatalogRule]:
        return {rule.kind: rule for rule in self.rules if rule.kind}

    def enforced(self) -> tuple[CatalogRule, ...]:
        return tuple(rule for rule in self.rules if rule.enforced)

    def infos(self) -> tuple[RuleInfo, ...]:
        return tuple(rule.info for rule in self.rules)


def docs_path(rule_id: str) -> str:
    """The rule's generated documentation page, relative to the project root."""
    return f"{DOCS_DIR}/{rule_id.upper()}.md"


def lib_modules(policies: Path) -> tuple[Path, ...]:
    return tuple(
        sorted(
            (path for path in (policies / "lib").rglob("*.rego") if not path.name.endswith("_test.rego")),
            key=lambda path: path.relative_to(policies).as_posix(),
        )
    )


@functools.cache
def bundled_catalog() -> Catalog:
    """The catalog of the bundled policies (see bundle.py), read once per process."""
    return load_catalog(policies_dir())


def load_catalog(policies: Path) -> Catalog:
    """Read every rule under `policies/rules/`; raise CatalogError listing all problems at once."""
    rules_dir = policies / "rules"
    if not rules_dir.is_dir():
        raise CatalogError(f"{policies}: no rules/ directory (expected policies/rules/bndNNN/policy.rego)")
    problems: list[str] = []
    rules: list[CatalogRule] = []
    for folder in sorted(path for path in rules_dir.iterdir() if path.is_dir()):
        try:
            rules.append(_load_rule(folder))
        except CatalogError as error:
            problems.append(str(error))
    problems.extend(_duplicates(rules))
    if problems:
        raise CatalogError("\n".join(problems))
    if not rules:
        raise CatalogError(f"{rules_dir}: no rules found")
    return Catalog(policies=policies, rules=tuple(sorted(rules, key=lambda r: r.id)), libs=lib_modules(policies))


def _load_rule(folder: Path) -> CatalogRule:
    policy = folder / "policy.rego"
    documented = folder / "rule.yaml"
    if policy.is_file():
        return _policy_rule(folder, policy)
    if documented.is_file():
        return _documented_rule(folder, documented)
    raise CatalogError(f"{folder}: neither policy.rego nor rule.yaml (a documented-only rule)")


def _policy_rule(folder: Path, path: Path) -> CatalogRule:
    text = _read(path)
    lines = text.splitlines()
    statement = package_statement(text)
    if statement is None:
        raise CatalogError(f"{path}:1: no package statement")
    package, package_line = statement
    package_index = package_line - 1
    expected_package = f"rules.{folder.name}"
    if package != expected_package:
        raise CatalogError(f"{path}:{package_index + 1}: package is {package!r}, expected {expected_package!r}")
    content, first_line = _metadata_block(path, lines, package_index)
    metadata = _validate(_PolicyMetadata, content, path, first_line)
    custom = metadata.custom
    _check_folder(folder, custom.id, path, _line_of(content, first_line, ("custom", "id")))
    prefix = custom.id.lower() + "-"
    if not custom.constraint.startswith(prefix):
        line = _line_of(content, first_line, ("custom", "constraint"))
        raise CatalogError(f"{path}:{line}: custom.constraint {custom.constraint!r} must start with {prefix!r}")
    return CatalogRule(
        info=_info(metadata),
        source=path,
        related=metadata.related_resources,
        kind=custom.kind,
        constraint=custom.constraint,
        inventory=tuple(sorted(set(custom.inventory), key=list(INVENTORY_GVKS).index)),
        version=custom.version,
        decides=custom.decides,
    )


def _documented_rule(folder: Path, path: Path) -> CatalogRule:
    content = _read(path)
    metadata = _validate(_DocumentedMetadata, content, path, 1)
    _check_folder(folder, metadata.custom.id, path, _line_of(content, 1, ("custom", "id")))
    return CatalogRule(info=_info(metadata), source=path, related=metadata.related_resources)


def _info(metadata: _DocumentedMetadata) -> RuleInfo:
    custom = metadata.custom
    return RuleInfo(
        id=custom.id,
        title=metadata.title.strip(),
        description=metadata.description.strip(),
        severity=custom.severity,
        fix=custom.fix.strip(),
        related_resources=tuple(resource.ref for resource in metadata.related_resources),
        help_uri=docs_path(custom.id),
    )


def _check_folder(folder: Path, rule_id: str, path: Path, line: int) -> None:
    if folder.name != rule_id.lower():
        raise CatalogError(f"{path}:{line}: custom.id {rule_id} does not match its folder {folder.name!r}")


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogError(f"{path}: cannot read: {error}") from error


def _metadata_block(path: Path, lines: Sequence[str], package_index: int) -> tuple[str, int]:
    """The YAML of the comment block `# METADATA` directly above `package`, and the file line its content starts on."""
    start = package_index
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    block = range(start, package_index)
    marker = next((i for i in reversed(block) if lines[i].strip() == "# METADATA"), None)
    if marker is None:
        raise CatalogError(f"{path}:{package_index + 1}: no `# METADATA` comment block directly above the package")
    content = "\n".join(line[1:] for line in lines[marker + 1 : package_index]) + "\n"
    return content, marker + 2


def _validate(model: type[M], content: str, path: Path, first_line: int) -> M:
    try:
        data: Any = yaml.safe_load(content)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(error, "problem", None) or str(error)
        raise CatalogError(f"{path}:{line}: METADATA is not valid YAML: {problem}") from error
    if not isinstance(data, dict):
        raise CatalogError(f"{path}:{first_line}: METADATA must be a mapping (title, description, custom, ...)")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        messages = [
            f"{path}:{_line_of(content, first_line, issue['loc'])}: "
            f"{'.'.join(map(str, issue['loc'])) or 'METADATA'}: {issue['msg']}"
            for issue in error.errors()
        ]
        raise CatalogError("\n".join(messages)) from error


def _line_of(content: str, first_line: int, loc: Iterable[str | int]) -> int:
    """File line of the field at `loc` (or of its deepest existing parent) in the METADATA YAML."""
    node: yaml.Node | None = yaml.compose(content)
    line = first_line + (node.start_mark.line if node is not None else 0)
    for step in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    line = first_line + key.start_mark.line
                    child = value
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
            line = first_line + child.start_mark.line
        if child is None:
            break
        node = child
    return line


def _duplicates(rules: Sequence[CatalogRule]) -> Iterator[str]:
    for attribute in ("kind", "constraint"):
        seen: dict[str, CatalogRule] = {}
        for rule in rules:
            value = getattr(rule, attribute)
            if value is None:
                continue
            if value in seen:
                yield f"{rule.source}: custom.{attribute} {value!r} is also used by {seen[value].id}"
            seen[value] = rule
