"""Terraform (.tf) files -> the Kubernetes workloads they create, as Documents with .tf lines, plus notes.

A directory is one Terraform module (a Coder template): its files share locals, agents and modules, so
they are read together. Each workload resource of the Kubernetes provider becomes the object the provider
would create (kubernetes_provider.py); `local.*` values written in the template are substituted, and
everything else only Terraform knows stays a marked placeholder. A `count` or `for_each` (Coder's
`data.coder_workspace.me.start_count`) gives one instance; a literal `count = 0` gives none.

Boundary switched on by the template (coder_template.py) is made visible to the rules the way the cluster
could see it: the pod template of the agent's workload gets the `boundary-policy/` annotations, marked by
`boundary-policy/derived-from`, and a warning says the cluster would not check that pod until the template
writes those annotations itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from boundary_policy.loading.coder_template import BoundarySignal, find_signals
from boundary_policy.loading.hcl import Block, Body, Expr, HclError, Unknown, parse_hcl
from boundary_policy.loading.kubernetes_provider import (
    MANIFEST_RESOURCE,
    OTHER_RESOURCES,
    RESOURCES,
    WORKLOAD_RESOURCES,
    Built,
    build_manifest,
    build_object,
    default_namespace,
    pod_template_path,
)
from boundary_policy.model import JSON, Document, JSONPath, LoadNote, LoadProblem, ResourceRef

__all__ = [
    "BOUNDARY_ENV",
    "CONTAINER_ANNOTATION",
    "DERIVED_ANNOTATION",
    "MODULE_RULE",
    "NOT_VISIBLE_RULE",
    "NO_WORKLOAD_RULE",
    "OVERRIDE_RULE",
    "TERRAFORM_JSON_MESSAGE",
    "TERRAFORM_JSON_SUFFIX",
    "TERRAFORM_SUFFIX",
    "UNKNOWN_RULE",
    "read_terraform",
]

TERRAFORM_SUFFIX = ".tf"
TERRAFORM_JSON_SUFFIX = ".tf.json"
TERRAFORM_JSON_MESSAGE = (
    "Terraform's JSON syntax (.tf.json) is not read, so the Kubernetes objects this file declares are not checked: "
    "write them in a .tf file, or check the manifests the workspace gets"
)
CONTAINER_ANNOTATION = "boundary-policy/container"
JAIL_ANNOTATION = "boundary-policy/jail-type"
NO_USERNS_ANNOTATION = "boundary-policy/no-user-namespace"
DERIVED_ANNOTATION = "boundary-policy/derived-from"
"""Marks annotations eval added from the template (not written in it): the cluster does not see them."""

UNKNOWN_RULE = "tf-unknown-value"
NOT_VISIBLE_RULE = "tf-boundary-not-visible"
NO_WORKLOAD_RULE = "tf-boundary-without-workload"
OVERRIDE_RULE = "tf-override-not-merged"
MODULE_RULE = "tf-module-not-read"

BOUNDARY_ENV = {
    "BOUNDARY_JAIL_TYPE",
    "BOUNDARY_NO_USER_NAMESPACE",
    "BOUNDARY_CONFIG",
    "BOUNDARY_ALLOW",
    "BOUNDARY_LOG_DIR",
    "BOUNDARY_LOG_LEVEL",
    "BOUNDARY_USE_REAL_DNS",
    "BOUNDARY_PPROF",
    "BOUNDARY_PPROF_PORT",
    "BOUNDARY_SESSION_CORRELATION_ENABLED",
    "BOUNDARY_SESSION_ID_INJECT_TARGET",
}
"""The env vars that recognise Boundary in the pod spec (lib.boundary's list): the cluster sees those."""

_WORKLOAD_KINDS = {kind for _, kind in WORKLOAD_RESOURCES.values()} | {"ReplicaSet"}

# Pod-spec fields the rules read (relative to the pod template's spec, or the object's metadata).
_POD_FIELDS = {"securityContext", "nodeSelector", "affinity", "tolerations", "nodeName", "schedulerName"}
_POD_FIELDS |= {"hostNetwork", "runtimeClassName"}
_CONTAINER_FIELDS = {"securityContext"}
_ANNOTATION_PREFIXES = ("boundary-policy/", "eks.amazonaws.com/")


@dataclass
class _Workload:
    file: str
    line: int
    built: Built
    agents: dict[str, list[int]] = field(default_factory=dict)
    """coder_agent name -> indexes of the containers that run it (they reference coder_agent.<name>)."""


def read_terraform(sources: Sequence[tuple[str, str]]) -> Iterator[Document | LoadProblem | LoadNote]:
    """The workloads of the .tf files given as (display path, text), read per directory."""
    by_directory: dict[str, list[tuple[str, str]]] = {}
    for file, text in sources:
        by_directory.setdefault(str(PurePosixPath(file).parent), []).append((file, text))
    for files in by_directory.values():
        # As for YAML, a reader bug must not end the run, nor hide the other modules: it ends this module only.
        try:
            read = list(_read_module(files))
        except Exception as error:
            detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            yield LoadProblem(
                files[0][0], None, f"internal error while reading the Terraform module of this file: {detail}"
            )
            continue
        yield from read


def _read_module(sources: list[tuple[str, str]]) -> Iterator[Document | LoadProblem | LoadNote]:
    files: list[tuple[str, Body]] = []
    for file, text in sources:
        if _is_override(file):
            yield LoadNote(
                file,
                1,
                OVERRIDE_RULE,
                "warning",
                "Terraform merges an override file into the resources it names, which boundary-policy does not: this "
                "file is not read, and those resources are checked as the other files write them",
            )
            continue
        try:
            files.append((file, parse_hcl(text)))
        except HclError as error:
            yield LoadProblem(file, error.line, error.message)
    resolver = _Locals(files)
    workloads: list[_Workload] = []
    others: list[tuple[str, int, Built]] = []
    agents: list[str] = []
    for file, body in files:
        for block in body.blocks_of("resource"):
            if len(block.labels) != 2:
                continue
            if block.labels[0] == "coder_agent":
                agents.append(block.labels[1])
            if _no_instance(block.body):
                continue
            if block.labels[0] in OTHER_RESOURCES:
                built = build_object(block, resolver.resolve)
                yield from _namespace_notes(file, built)
                others.append((file, block.line, built))
            elif block.labels[0] in WORKLOAD_RESOURCES:
                built = build_object(block, resolver.resolve)
                workloads.append(_Workload(file, block.line, built, _agent_containers(built)))
            elif block.labels[0] == MANIFEST_RESOURCE:
                manifest = build_manifest(block, resolver.resolve)
                written = block.body.attributes.get("manifest")
                if manifest is None and written is not None and isinstance(written.expr.value, Unknown):
                    yield LoadNote(
                        file,
                        written.line,
                        UNKNOWN_RULE,
                        "warning",
                        f"kubernetes_manifest.{block.labels[1]}: manifest = {written.expr.text.strip()} is unknown "
                        "until Terraform runs, so this object is not checked",
                    )
                elif manifest is None:
                    yield LoadProblem(
                        file, block.line, "kubernetes_manifest: manifest is not an object with apiVersion and kind"
                    )
                elif manifest.obj["kind"] in _WORKLOAD_KINDS:
                    workloads.append(_Workload(file, block.line, manifest, _agent_containers(manifest)))
                else:
                    yield from _namespace_notes(file, manifest)
                    others.append((file, block.line, manifest))
    yield from _unread_modules(files)
    signals, undecided = find_signals(files, agents)
    for expr in undecided:
        file = _file_of(files, expr)
        yield LoadNote(
            file,
            expr.line,
            UNKNOWN_RULE,
            "warning",
            f"enable_boundary = {expr.text.strip()} is unknown offline, so this module is not counted as running "
            "Boundary; if it does, set boundary-policy/ annotations on the agent's pod template",
        )
    yield from _apply_signals(signals, workloads)
    mounted = _mounted_config_maps(workloads)
    for file, line, built in others:
        yield from _mounted_config_notes(file, built, mounted)
        yield Document(built.obj, file, line, built.lines)
    for workload in workloads:
        yield from _unknown_notes(workload)
        obj = workload.built.obj
        yield Document(obj, workload.file, workload.line, workload.built.lines)


def _unread_modules(files: list[tuple[str, Body]]) -> Iterator[LoadNote]:
    """Modules from elsewhere than Coder's registry or this repository: what they create is never seen here."""
    for file, body in files:
        for block in body.blocks_of("module"):
            source = block.body.attributes.get("source")
            value = source.expr.value if source is not None else None
            if isinstance(value, str) and not value.startswith(_READ_SOURCES):
                name = block.labels[0] if block.labels else ""
                yield LoadNote(
                    file,
                    block.line,
                    MODULE_RULE,
                    "warning",
                    f'module "{name}" ({value}) is not read: Kubernetes objects it creates are not checked; check '
                    "them where they are written, or as the manifests Terraform plans",
                )


# Coder's registry (apps and agent modules, read for Boundary: coder_template.py) and paths in this repository
# (read as directories of their own when among the paths given).
_READ_SOURCES = ("registry.coder.com/", "./", "../")


def _is_override(file: str) -> bool:
    name = PurePosixPath(file).name
    return name == "override.tf" or name.endswith("_override.tf")


def _file_of(files: list[tuple[str, Body]], expr: Expr) -> str:
    for file, body in files:
        for block in body.blocks:
            if any(attribute.expr is expr for attribute in block.body.attributes.values()):
                return file
    return files[0][0] if files else ""


def _no_instance(body: Body) -> bool:
    """`count = 0` or `for_each = {}`/`[]` written literally: the resource creates nothing."""
    count = body.attributes.get("count")
    if count is not None and count.expr.value == 0:
        return True
    each = body.attributes.get("for_each")
    return each is not None and each.expr.value in ({}, [])


# `kubernetes_config_map_v1.boundary.metadata[0].name` (also `.metadata.0.name`, and `[0]` or `["key"]` after a
# counted or for_each resource): how a pod names the ConfigMap or claim the same template creates.
_METADATA_REFERENCE = re.compile(
    r"(kubernetes_[a-z0-9_]+)\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.metadata(?:\[0\]|\.0)\.(name|namespace)"
)
_MAX_SUBSTITUTED_TEXT = 1 << 16
"""A string built from locals longer than this stays unknown: locals that repeat each other grow exponentially."""


class _Locals:
    """`local.<name>` as the template defines it, and the `metadata` name or namespace of a Kubernetes resource it
    writes, when that is known offline (cycles stay unknown)."""

    def __init__(self, files: list[tuple[str, Body]]) -> None:
        self.exprs: dict[str, Expr] = {}
        for _, body in files:
            for block in body.blocks_of("locals"):
                for name, attribute in block.body.attributes.items():
                    self.exprs[name] = attribute.expr
            for block in body.blocks_of("resource"):
                self.exprs.update(_metadata_fields(block))
        self.active: set[str] = set()
        self.resolved: dict[str, Expr] = {}  # each name once: locals may refer to one another many times

    def _defined(self, value: Unknown) -> str | None:
        """The name this template defines for a reference: a local, or a resource's metadata field."""
        if len(value.ref) == 2 and value.ref[0] == "local" and value.ref[1] in self.exprs:
            return value.ref[1]
        found = _METADATA_REFERENCE.fullmatch(value.text.replace(" ", ""))
        key = ".".join(found.groups()) if found else None
        return key if key in self.exprs else None

    def resolve(self, expr: Expr) -> Expr:
        value = expr.value
        if not isinstance(value, Unknown):
            return expr
        name = self._defined(value)
        if name is not None:
            found = self._named(name)
            if isinstance(found.value, Unknown) or ("." in name and not isinstance(found.value, str)):
                return expr  # a resource's name or namespace is a string, or Terraform refuses the template
            return Expr(found.value, expr.line, expr.text, found.unknown_keys)
        if value.template and value.parts:
            parts = [self._text(p, expr.line) for p in value.parts]
            if sum(len(p) if isinstance(p, str) else len(p.placeholder) for p in parts) > _MAX_SUBSTITUTED_TEXT:
                return expr
            if all(isinstance(p, str) for p in parts):
                return Expr("".join(str(p) for p in parts), expr.line, expr.text)
            if parts != list(value.parts):  # some locals known: the placeholder keeps only what is not
                text = "".join(p if isinstance(p, str) else p.placeholder for p in parts)
                return Expr(Unknown(text, template=True, parts=tuple(parts)), expr.line, expr.text)
        return expr

    def _named(self, name: str) -> Expr:
        if name in self.resolved:
            return self.resolved[name]
        if name in self.active:
            return self.exprs[name]  # a cycle: unknown
        self.active.add(name)
        try:
            found = self._deep(self.resolve(self.exprs[name]))
        finally:
            self.active.discard(name)
        self.resolved[name] = found
        return found

    def _deep(self, expr: Expr) -> Expr:
        """A local's collection with its own references resolved."""
        if isinstance(expr.value, list):
            return Expr([self._deep(self.resolve(item)) for item in expr.value], expr.line, expr.text)
        if isinstance(expr.value, dict):
            items = {key: self._deep(self.resolve(item)) for key, item in expr.value.items()}
            return Expr(items, expr.line, expr.text, expr.unknown_keys)
        return expr

    def _text(self, part: str | Unknown, line: int) -> str | Unknown:
        if isinstance(part, str):
            return part
        value = self.resolve(Expr(part, line)).value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        return part


def _metadata_fields(block: Block) -> dict[str, Expr]:
    """A Kubernetes resource's metadata name and namespace as `<type>.<label>.name`/`.namespace`, with the namespace
    the provider creates it in when it names none."""
    if len(block.labels) != 2 or block.labels[0] not in RESOURCES:
        return {}
    fields: dict[str, Expr] = {}
    default = default_namespace(RESOURCES[block.labels[0]][1])
    for metadata in block.body.blocks_of("metadata"):
        for field_name in ("name", "namespace"):
            if field_name in metadata.body.attributes:
                fields[".".join((*block.labels, field_name))] = metadata.body.attributes[field_name].expr
        if "namespace" not in metadata.body.attributes and default is not None:
            fields[".".join((*block.labels, "namespace"))] = Expr(default, metadata.line)
    return fields


def _pod_spec(obj: dict[str, JSON]) -> tuple[JSONPath, JSON]:
    spec_path = (*pod_template_path(str(obj["kind"])), "spec")
    return spec_path, _get(obj, spec_path)


def _containers(built: Built) -> tuple[JSONPath, list[JSON]]:
    spec_path, spec = _pod_spec(built.obj)
    containers = spec.get("containers") if isinstance(spec, dict) else None
    return spec_path, containers if isinstance(containers, list) else []


def _agent_containers(built: Built) -> dict[str, list[int]]:
    spec_path = (*pod_template_path(str(built.obj["kind"])), "spec", "containers")
    found: dict[str, list[int]] = {}
    for path, _, unknown in built.unknowns:
        if path[: len(spec_path)] != spec_path or len(path) <= len(spec_path):
            continue
        index = path[len(spec_path)]
        for agent in _agent_refs(unknown):
            if isinstance(index, int) and index not in found.setdefault(agent, []):
                found[agent].append(index)
    return found


def _agent_refs(unknown: Unknown) -> set[str]:
    refs = {unknown.ref[1]} if len(unknown.ref) >= 2 and unknown.ref[0] == "coder_agent" else set()
    for part in unknown.parts:
        if isinstance(part, Unknown) and part is not unknown:
            refs |= _agent_refs(part)
    return refs


def _get(obj: JSON, path: JSONPath) -> JSON:
    for key in path:
        if isinstance(obj, dict) and isinstance(key, str):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return None
    return obj


def _resource(obj: dict[str, JSON]) -> ResourceRef:
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    namespace = metadata.get("namespace")
    return ResourceRef(
        str(obj.get("apiVersion", "")),
        str(obj.get("kind", "")),
        namespace if isinstance(namespace, str) and namespace else None,
        str(metadata.get("name", "")),
    )


def _apply_signals(signals: list[BoundarySignal], workloads: list[_Workload]) -> Iterator[LoadNote]:
    by_agent: dict[str | None, list[BoundarySignal]] = {}
    for signal in signals:
        by_agent.setdefault(signal.agent, []).append(signal)
    for agent, found in by_agent.items():
        targets = [(w, i) for w in workloads for i in w.agents.get(agent or "", [])]
        if not targets:
            first = found[0]
            who = f'agent "{agent}"' if agent else "an agent this template does not name"
            yield LoadNote(
                first.file,
                first.line,
                NO_WORKLOAD_RULE,
                "warning",
                f"{first.description} for {who}, but no Kubernetes workload in this template runs that agent "
                "(no container references coder_agent." + (agent or "<name>") + "), so no pod is checked as "
                "running Boundary",
            )
            continue
        for workload, index in targets:
            yield from _derive(workload, index, found)


def _derive(workload: _Workload, index: int, signals: list[BoundarySignal]) -> Iterator[LoadNote]:
    """Annotate the agent's pod template with what the template's signals say and the pod does not show."""
    built = workload.built
    _, containers = _containers(built)
    container = containers[index] if index < len(containers) else {}
    name = str(container.get("name", "")) if isinstance(container, dict) else ""
    metadata_path = (*pod_template_path(str(built.obj["kind"])), "metadata")
    metadata = _get(built.obj, metadata_path)
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    annotations = annotations if isinstance(annotations, dict) else {}
    env = container.get("env") if isinstance(container, dict) else None
    env_names = {e.get("name") for e in env if isinstance(e, dict)} if isinstance(env, list) else set()
    jail = next((s.jail_type for s in signals if s.jail_type), None)
    no_userns = next((s.no_user_namespace for s in signals if s.no_user_namespace is not None), None)
    wanted: dict[str, str] = {}
    if CONTAINER_ANNOTATION not in annotations and not env_names & BOUNDARY_ENV:
        wanted[CONTAINER_ANNOTATION] = name
    if jail is not None and JAIL_ANNOTATION not in annotations and "BOUNDARY_JAIL_TYPE" not in env_names:
        wanted[JAIL_ANNOTATION] = jail
    if (
        no_userns is not None
        and NO_USERNS_ANNOTATION not in annotations
        and "BOUNDARY_NO_USER_NAMESPACE" not in env_names
    ):
        wanted[NO_USERNS_ANNOTATION] = "true" if no_userns else "false"
    if not wanted:
        return  # the pod shows what the template does: the cluster checks the same
    first = signals[0]
    line = first.line if first.file == workload.file else built.lines.get(metadata_path, workload.line)
    parent = _ensure(built, metadata_path, workload.line)
    existing = parent.get("annotations")
    if not isinstance(existing, dict):
        # Written as an expression (merge(...), var.x): unknown offline, and reported so (_unknown_notes).
        existing = parent["annotations"] = {}
    built.lines.setdefault((*metadata_path, "annotations"), line)
    derived = {**wanted, DERIVED_ANNOTATION: "; ".join(dict.fromkeys(s.description for s in signals))}
    for key, value in derived.items():
        existing[key] = value
        built.lines[(*metadata_path, "annotations", key)] = line
    fix = ", ".join(f'"{key}" = "{value}"' for key, value in wanted.items())
    missing = ", ".join(wanted)
    pod = "pod" if built.obj["kind"] == "Pod" else "pod template"
    yield LoadNote(
        workload.file,
        built.lines.get(metadata_path, workload.line),
        NOT_VISIBLE_RULE,
        "warning",
        f'{first.description} ({first.file}:{first.line}) runs Boundary in container "{name}", but the {pod} '
        f"does not show it ({missing} missing), so Gatekeeper in the cluster would not check this pod as this "
        "Boundary workspace; eval checks it with those annotations derived from the template. Fix: add "
        f"{{ {fix} }} to the annotations of the {pod}'s metadata (docs/configuration.md).",
        _resource(built.obj),
        name or None,
    )


def _ensure(built: Built, path: JSONPath, line: int) -> dict[str, JSON]:
    node: dict[str, JSON] = built.obj
    for depth, key in enumerate(path):
        assert isinstance(key, str)
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
            built.lines.setdefault(path[: depth + 1], line)
        node = child
    return node


def _relevant(kind: str, path: JSONPath) -> bool:
    """Whether the rules read the field at `path` (so an unknown value there can change a verdict)."""
    if path[:2] == ("metadata", "namespace"):
        return True
    template = pod_template_path(kind)
    if path[: len(template)] != template:
        return False
    rest = path[len(template) :]
    if rest[:2] in (("metadata", "annotations"), ("metadata", "labels")):
        # The whole map written as an expression may hold any of them.
        return len(rest) == 2 or (isinstance(rest[2], str) and rest[2].startswith(_ANNOTATION_PREFIXES))
    if rest[:1] != ("spec",) or len(rest) < 2:
        return False
    if rest[1] in _POD_FIELDS:
        return True
    if rest[1] == "volumes":  # a mounted ConfigMap may hold the Boundary config
        return rest[3:] == ("configMap", "name")
    if rest[1] in ("containers", "initContainers") and len(rest) >= 4:
        return rest[3] in _CONTAINER_FIELDS or rest[3] == "env"
    return False


def _relevant_key(kind: str, path: JSONPath) -> bool:
    """Whether a key only Terraform knows in the map at `path` may be one the rules read: any key of a map they
    read whole, and of the pod spec or a container, whose fields they read by name."""
    template = pod_template_path(kind)
    rest = path[len(template) :] if path[: len(template)] == template else None
    pod_or_container = rest == ("spec",) or (
        rest is not None and len(rest) == 3 and rest[1] in ("containers", "initContainers")
    )
    return pod_or_container or _relevant(kind, path)


def _unknown_notes(workload: _Workload) -> Iterator[LoadNote]:
    built = workload.built
    kind = str(built.obj["kind"])
    for path, line, unknown in built.unknowns:
        if not _relevant(kind, path):
            continue
        if "env" in path and not _boundary_env(built.obj, path):
            continue
        yield _unknown_note(workload.file, line, built, path, unknown)
    for path, line, unknown in built.unknown_keys:
        if _relevant_key(kind, path):
            yield _unknown_note(workload.file, line, built, path, unknown, key=True)


def _namespace_notes(file: str, built: Built) -> Iterator[LoadNote]:
    """A Namespace's labels written as an expression: its Pod Security labels decide BND050 for its pods."""
    if built.obj.get("kind") != "Namespace":
        return
    for path, line, unknown in built.unknowns:
        if path == ("metadata", "labels") or (
            path[:2] == ("metadata", "labels") and str(path[2]).startswith(_POD_SECURITY_PREFIX)
        ):
            yield _unknown_note(file, line, built, path, unknown)
    for path, line, unknown in built.unknown_keys:
        if path == ("metadata", "labels"):
            yield _unknown_note(file, line, built, path, unknown, key=True)


_POD_SECURITY_PREFIX = "pod-security.kubernetes.io/"


def _mounted_config_maps(workloads: list[_Workload]) -> set[tuple[str, str]]:
    """(namespace, name) of every ConfigMap a workload's pod mounts as a volume: where the rules read the Boundary
    config."""
    mounted: set[tuple[str, str]] = set()
    for workload in workloads:
        obj = workload.built.obj
        metadata = obj.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        _, spec = _pod_spec(obj)
        volumes = spec.get("volumes") if isinstance(spec, dict) else None
        for volume in volumes if isinstance(volumes, list) else []:
            source = volume.get("configMap") if isinstance(volume, dict) else None
            if isinstance(source, dict) and isinstance(source.get("name"), str):
                mounted.add((str(namespace), source["name"]))
    return mounted


def _mounted_config_notes(file: str, built: Built, mounted: set[tuple[str, str]]) -> Iterator[LoadNote]:
    """A mounted ConfigMap's data written as expressions: the Boundary config in it decides the jail the rules
    assume."""
    metadata = built.obj.get("metadata")
    if built.obj.get("kind") != "ConfigMap" or not isinstance(metadata, dict):
        return
    if (str(metadata.get("namespace")), metadata.get("name")) not in mounted:
        return
    for path, line, unknown in built.unknowns:
        if path[:1] in (("data",), ("binaryData",)):
            yield _unknown_note(file, line, built, path, unknown)
    for path, line, unknown in built.unknown_keys:
        if path in (("data",), ("binaryData",)):
            yield _unknown_note(file, line, built, path, unknown, key=True)


def _unknown_note(
    file: str, line: int, built: Built, path: JSONPath, unknown: Unknown, *, key: bool = False
) -> LoadNote:
    resource = _resource(built.obj)
    what = f"a key of {_dotted(path)}" if key else _dotted(path)
    return LoadNote(
        file,
        line,
        UNKNOWN_RULE,
        "warning",
        f"{resource.kind} {resource.name}: {what} is {unknown.text!r}, unknown until Terraform runs; the "
        "rules read the placeholder as a value that matches nothing, so their verdict on this field may be "
        "wrong. Check it with the value the workspace gets, or write it in the template.",
        resource,
    )


def _boundary_env(obj: JSON, path: JSONPath) -> bool:
    index = path.index("env")
    entry = _get(obj, path[: index + 2])
    return isinstance(entry, dict) and entry.get("name") in BOUNDARY_ENV


def _dotted(path: JSONPath) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "." in part or "/" in part:
            text += f'["{part}"]'
        else:
            text += f".{part}" if text else part
    return text
