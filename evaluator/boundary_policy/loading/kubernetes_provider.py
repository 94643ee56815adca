"""A Terraform resource of the Kubernetes provider -> the Kubernetes object the provider would create.

The mapping follows the provider's schema and its expand functions (terraform-provider-kubernetes v3.x:
`schema_pod_spec.go`, `schema_container.go`, `schema_affinity_spec.go`, `structures_container.go`,
`structures_pod.go`): attribute and block names are snake_case for the API's camelCase; a block the API
holds as a list is written as one repeated singular block (`container`, `env`, `port`, `toleration`, ...);
every other block is an object (MaxItems 1); a few string attributes become integers (`run_as_user`,
`replicas`, octal `default_mode`). Values the provider fills in that equal Kubernetes' own defaults
(`privileged = false`, `allow_privilege_escalation = true`) are left out, so the object reads as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from boundary_policy.loading.hcl import Block, Body, Expr, Unknown, key_text
from boundary_policy.model import JSON, JSONPath

__all__ = [
    "MANIFEST_RESOURCE",
    "OTHER_RESOURCES",
    "RESOURCES",
    "WORKLOAD_RESOURCES",
    "Built",
    "build_manifest",
    "build_object",
    "default_namespace",
    "pod_template_path",
]

WORKLOAD_RESOURCES: dict[str, tuple[str, str]] = {
    "kubernetes_pod": ("v1", "Pod"),
    "kubernetes_pod_v1": ("v1", "Pod"),
    "kubernetes_deployment": ("apps/v1", "Deployment"),
    "kubernetes_deployment_v1": ("apps/v1", "Deployment"),
    "kubernetes_stateful_set": ("apps/v1", "StatefulSet"),
    "kubernetes_stateful_set_v1": ("apps/v1", "StatefulSet"),
    "kubernetes_daemonset": ("apps/v1", "DaemonSet"),
    "kubernetes_daemon_set_v1": ("apps/v1", "DaemonSet"),
    "kubernetes_job": ("batch/v1", "Job"),
    "kubernetes_job_v1": ("batch/v1", "Job"),
    # The deprecated kubernetes_cron_job creates batch/v1beta1 CronJobs (resourceKubernetesCronJobV1Beta1).
    "kubernetes_cron_job": ("batch/v1beta1", "CronJob"),
    "kubernetes_cron_job_v1": ("batch/v1", "CronJob"),
}
"""Terraform resource type -> (apiVersion, kind), as the provider's resource map registers them."""

OTHER_RESOURCES: dict[str, tuple[str, str]] = {
    "kubernetes_config_map": ("v1", "ConfigMap"),
    "kubernetes_config_map_v1": ("v1", "ConfigMap"),
    "kubernetes_namespace": ("v1", "Namespace"),
    "kubernetes_namespace_v1": ("v1", "Namespace"),
}
"""Objects the rules read beside workloads: a mounted Boundary config, a namespace's Pod Security labels."""

RESOURCES = {**WORKLOAD_RESOURCES, **OTHER_RESOURCES}

_CLUSTER_SCOPED = {"Namespace"}


def default_namespace(kind: str) -> str | None:
    """The namespace the provider creates a resource of `kind` in when its metadata names none."""
    return None if kind in _CLUSTER_SCOPED else "default"


_TOP_LEVEL = {"ConfigMap": ("data", "binary_data", "immutable")}

# Repeated singular blocks -> the API's list field.
_LIST_BLOCKS = {
    "container": "containers",
    "init_container": "initContainers",
    "env": "env",
    "env_from": "envFrom",
    "port": "ports",
    "volume_mount": "volumeMounts",
    "volume_device": "volumeDevices",
    "volume": "volumes",
    "toleration": "tolerations",
    "sysctl": "sysctls",
    "host_aliases": "hostAliases",
    "image_pull_secrets": "imagePullSecrets",
    "readiness_gate": "readinessGates",
    "topology_spread_constraint": "topologySpreadConstraints",
    "node_selector_term": "nodeSelectorTerms",
    "match_expressions": "matchExpressions",
    "match_fields": "matchFields",
    "preferred_during_scheduling_ignored_during_execution": "preferredDuringSchedulingIgnoredDuringExecution",
    "items": "items",
    "http_header": "httpHeaders",
    "option": "options",
    "sources": "sources",
    "volume_claim_template": "volumeClaimTemplates",
}

# Blocks whose shape depends on where they are: (block, parent block) -> object instead of list.
_OBJECT_IN = {
    ("volume_claim_template", "ephemeral"),  # ephemeral volume: one template
}
# (block, parent) -> list although the name is not in _LIST_BLOCKS: pod (anti-)affinity terms.
_LIST_IN = {
    ("required_during_scheduling_ignored_during_execution", "pod_affinity"),
    ("required_during_scheduling_ignored_during_execution", "pod_anti_affinity"),
}

_RENAMES = {"host_ipc": "hostIPC", "host_pid": "hostPID", "host_ip": "hostIP", "pod_ip": "podIP"}

# String attributes the provider parses into integers (strconv.ParseInt), and octal file modes.
_INTEGERS = {"run_as_user", "run_as_group", "fs_group", "toleration_seconds", "replicas"}
_OCTAL = {"default_mode", "mode"}
# intstr fields: a number written as text is a number (intstr.Parse).
_INT_OR_STRING = {"port", "target_port", "max_surge", "max_unavailable"}
# Map-valued attributes: their keys are data (label keys, resource names), never renamed.
_NUMERIC = re.compile(r"-?\d+")


@dataclass
class Built:
    """The object, the line of each of its fields, where an unknown value stands in for a real one, and the maps
    with a key that only Terraform knows (the map's path, the key's line, the key)."""

    obj: dict[str, JSON]
    lines: dict[JSONPath, int] = field(default_factory=dict)
    unknowns: list[tuple[JSONPath, int, Unknown]] = field(default_factory=list)
    unknown_keys: list[tuple[JSONPath, int, Unknown]] = field(default_factory=list)


def camel(name: str) -> str:
    if name in _RENAMES:
        return _RENAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def pod_template_path(kind: str) -> JSONPath:
    """Where the pod template (metadata + spec) is: () for a Pod itself."""
    if kind == "Pod":
        return ()
    if kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template")
    return ("spec", "template")


def build_object(block: Block, resolve: Any = None) -> Built:
    """The object of one workload resource block; `resolve(expr) -> Expr` substitutes what the template
    itself defines (locals) before conversion."""
    api_version, kind = RESOURCES[block.labels[0]]
    built = Built({"apiVersion": api_version, "kind": kind})
    built.lines[("apiVersion",)] = built.lines[("kind",)] = block.line
    converter = _Converter(built, resolve or (lambda expr: expr))
    for child in block.body.blocks:
        if child.type in ("metadata", "spec"):
            path: JSONPath = (child.type,)
            built.lines[path] = child.line
            built.obj[child.type] = converter.body(child.body, path, child.type)
    for name in _TOP_LEVEL.get(kind, ()):
        attribute = block.body.attributes.get(name)
        if attribute is not None:
            path = (camel(name),)
            built.lines[path] = attribute.line
            built.obj[camel(name)] = converter.attribute(name, converter.resolve(attribute.expr), path)
    metadata = built.obj.setdefault("metadata", {})
    namespace = default_namespace(kind)
    if isinstance(metadata, dict) and "namespace" not in metadata and namespace is not None:
        metadata["namespace"] = namespace
        built.lines[("metadata", "namespace")] = built.lines.get(("metadata",), block.line)
    return built


def _expand_dynamic(blocks: list[Block]) -> list[Block]:
    """`dynamic "env" { for_each = ..., content { ... } }` as the one `env` block its content describes (its
    iterator's values stay placeholders), or none when `for_each` is written empty."""
    result: list[Block] = []
    for block in blocks:
        if block.type != "dynamic":
            result.append(block)
            continue
        each = block.body.attributes.get("for_each")
        if not block.labels or (each is not None and each.expr.value in ([], {})):
            continue
        result += [
            Block(block.labels[0], (), content.body, content.line) for content in block.body.blocks_of("content")
        ]
    return result


MANIFEST_RESOURCE = "kubernetes_manifest"
"""Its `manifest` attribute is the object itself, written as an HCL object in the API's own field names."""


def build_manifest(block: Block, resolve: Any = None) -> Built | None:
    """The object of a kubernetes_manifest, keys as written; None when `manifest` is not an object literal."""
    attribute = block.body.attributes.get("manifest")
    if attribute is None:
        return None
    converter = _Converter(Built({}), resolve or (lambda expr: expr))
    expr = converter.resolve(attribute.expr)
    if not isinstance(expr.value, dict):
        return None
    obj = converter.value(expr, ())
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str) or not isinstance(obj.get("apiVersion"), str):
        return None
    converter.built.obj = obj
    return converter.built


class _Converter:
    def __init__(self, built: Built, resolve: Any) -> None:
        self.built = built
        self.resolve = resolve

    def body(self, body: Body, path: JSONPath, block_type: str) -> dict[str, JSON]:
        result: dict[str, JSON] = {}
        for name, attribute in body.attributes.items():
            key_path = (*path, camel(name))
            self.built.lines[key_path] = attribute.line
            result[camel(name)] = self.attribute(name, self.resolve(attribute.expr), key_path)
        for child in _expand_dynamic(body.blocks):
            key, is_list = self.block_shape(child.type, block_type)
            if is_list:
                items = result.setdefault(key, [])
                assert isinstance(items, list)
                item_path = (*path, key, len(items))
                self.built.lines.setdefault((*path, key), child.line)
                self.built.lines[item_path] = child.line
                items.append(self.body(child.body, item_path, child.type))
            else:
                key_path = (*path, key)
                self.built.lines[key_path] = child.line
                result[key] = self.body(child.body, key_path, child.type)
        return result

    @staticmethod
    def block_shape(block_type: str, parent: str) -> tuple[str, bool]:
        if (block_type, parent) in _OBJECT_IN:
            return camel(block_type), False
        if (block_type, parent) in _LIST_IN:
            return camel(block_type), True
        if block_type in _LIST_BLOCKS:
            return _LIST_BLOCKS[block_type], True
        return camel(block_type), False

    def attribute(self, name: str, expr: Expr, path: JSONPath) -> JSON:
        value = self.value(expr, path)
        if isinstance(value, str) and name in _INTEGERS and _NUMERIC.fullmatch(value):
            return int(value)
        if isinstance(value, str) and name in _OCTAL and re.fullmatch(r"0?[0-7]+", value):
            return int(value, 8)
        if isinstance(value, str) and name in _INT_OR_STRING and _NUMERIC.fullmatch(value):
            return int(value)
        return value

    def value(self, expr: Expr, path: JSONPath) -> JSON:
        value = expr.value
        if isinstance(value, Unknown):
            self.built.unknowns.append((path, expr.line, value))
            return value.placeholder
        if isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                item = self.resolve(item)
                self.built.lines[(*path, index)] = item.line
                items.append(self.value(item, (*path, index)))
            return items
        if isinstance(value, dict):
            written = dict(expr.unknown_keys)
            result = {}
            for key, item in value.items():
                if key in written:
                    key = self.key(written[key], path, item.line)
                item = self.resolve(item)
                self.built.lines[(*path, key)] = item.line
                result[key] = self.value(item, (*path, key))
            return result
        return value

    def key(self, unknown: Unknown, path: JSONPath, line: int) -> str:
        """A map key written as an expression: substituted when the template defines it (locals), otherwise its
        placeholder, noted like an unknown value."""
        known = self.resolve(Expr(unknown, line)).value
        if known is None or isinstance(known, (list, dict)):  # not a key Terraform takes: noted as written
            known = unknown
        if isinstance(known, Unknown):
            self.built.unknown_keys.append((path, line, known))
            return known.placeholder
        return key_text(known)
