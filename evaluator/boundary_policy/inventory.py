"""The inventory checked as the API server would have checked its objects, so a broken one never reads as "no
Nodes" or "no taints" and turns errors into passes.

An inventory comes from a cluster (`kubectl get nodes -o json`), where every Node passed the API server's
decoding (labels and annotations are maps of strings, taints a list of objects, nodeInfo strings) and
validation (`ValidateNode`: names, label keys and values, taint keys and effects). A file that breaks those
rules was not read from a cluster as it is, and a policy would see nothing where the cluster has something
(a taint given as a string has no `key`; labels given as a list have no `kubernetes.io/os`). So each is a
problem with its file and line, as are a file with no object at all (what a failed `kubectl get ... >
nodes.json` leaves) and the same object twice (one would silently replace the other in data.inventory).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from boundary_policy.apivalidation import (
    dns_subdomain_errors,
    label_value_errors,
    metadata_errors,
    qualified_name_errors,
)
from boundary_policy.k8s import group_kind, meta
from boundary_policy.model import Document, JSONPath, LoadProblem

__all__ = ["TAINT_EFFECTS", "inventory_problems", "missing_nodes_warning"]

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_NODE_INFO_FIELDS = (
    "architecture",
    "bootID",
    "containerRuntimeVersion",
    "kernelVersion",
    "kubeProxyVersion",
    "kubeletVersion",
    "machineID",
    "operatingSystem",
    "osImage",
    "systemUUID",
)


def inventory_problems(documents: Sequence[Document], files: Sequence[str]) -> list[LoadProblem]:
    """Every reason the API server would not have returned these objects as they are, and every file in `files`
    (those read) that holds no object."""
    with_objects = {d.file for d in documents}
    empty = (
        "no Kubernetes objects in this inventory file (empty, or an empty List): a failed `kubectl get ... > file` "
        "leaves this; export the inventory again"
    )
    problems = [LoadProblem(file, None, empty) for file in files if file not in with_objects]
    seen: dict[tuple[str, str, str, str], Document] = {}
    for document in documents:
        problems.extend(_object_problems(document))
        group, kind = group_kind(document.obj)
        key = (group, kind, meta(document.obj, "namespace"), meta(document.obj, "name"))
        first = seen.setdefault(key, document)
        if first is not document:
            where = f"{first.file}:{first.line}"
            problems.append(
                LoadProblem(
                    document.file,
                    document.line,
                    f'{kind} "{key[3]}" is in the inventory twice (first at {where}); a cluster has one',
                )
            )
    return problems


def missing_nodes_warning(documents: Sequence[Document], paths: Sequence[str]) -> str | None:
    """A warning when an inventory was given but holds no Node: node-dependent rules then see no Node at all."""
    if not paths or any(group_kind(d.obj) == ("", "Node") for d in documents):
        return None
    return (
        f"the inventory ({', '.join(paths)}) holds no Node, so the rules that depend on nodes see none; "
        "add `kubectl get nodes -o json` output with --inventory"
    )


def _object_problems(document: Document) -> Iterator[LoadProblem]:
    def at(path: JSONPath, message: str) -> LoadProblem:
        return LoadProblem(document.file, document.line_of(path), f"{_what(document)}: {message}")

    for field, message in metadata_errors(document.obj.get("metadata")):
        yield at(("metadata", *field), message)
    if group_kind(document.obj) == ("", "Node"):
        name = meta(document.obj, "name")
        for message in dns_subdomain_errors(name):
            yield at(("metadata", "name"), f'metadata.name: Invalid value: "{name}": {message}')
        for path, message in _node_errors(document.obj):
            yield at(path, message)


def _what(document: Document) -> str:
    _, kind = group_kind(document.obj)
    return f'{kind} "{meta(document.obj, "name")}" is not what the API server returns'


def _node_errors(node: Mapping[str, Any]) -> Iterator[tuple[JSONPath, str]]:
    spec = node.get("spec")
    if spec is not None and not isinstance(spec, dict):
        yield ("spec",), "spec must be an object"
        spec = None
    spec = spec or {}
    if spec.get("unschedulable") is not None and not isinstance(spec["unschedulable"], bool):
        yield ("spec", "unschedulable"), "spec.unschedulable must be true or false"
    taints = spec.get("taints")
    if taints is not None:
        if not isinstance(taints, list):
            yield ("spec", "taints"), "spec.taints must be a list of taints ({key, value, effect})"
        else:
            yield from _taint_errors(taints)
    status = node.get("status")
    if status is not None and not isinstance(status, dict):
        yield ("status",), "status must be an object"
        return
    info = (status or {}).get("nodeInfo")
    if info is None:
        return
    if not isinstance(info, dict):
        yield ("status", "nodeInfo"), "status.nodeInfo must be an object"
        return
    for field in _NODE_INFO_FIELDS:
        if info.get(field) is not None and not isinstance(info[field], str):
            yield ("status", "nodeInfo", field), f"status.nodeInfo.{field} must be a string"


def _taint_errors(taints: list[Any]) -> Iterator[tuple[JSONPath, str]]:
    seen: set[tuple[str, str]] = set()
    for index, taint in enumerate(taints):
        path: JSONPath = ("spec", "taints", index)
        where = f"spec.taints[{index}]"
        if not isinstance(taint, dict):
            yield path, f"{where} must be an object with key, value and effect"
            continue
        key, value, effect = taint.get("key"), taint.get("value", ""), taint.get("effect")
        if not isinstance(key, str) or not key:
            yield (*path, "key"), f"{where}.key: Required value"
        else:
            for message in qualified_name_errors(key):
                yield (*path, "key"), f'{where}.key: Invalid value: "{key}": {message}'
        if value is not None and not isinstance(value, str):
            yield (*path, "value"), f"{where}.value must be a string"
        elif value:
            for message in label_value_errors(value):
                yield (*path, "value"), f'{where}.value: Invalid value: "{value}": {message}'
        if effect not in TAINT_EFFECTS:
            supported = ", ".join(f'"{e}"' for e in TAINT_EFFECTS)
            shown = "Required value" if effect in (None, "") else f"Unsupported value: {effect!r}"
            yield (*path, "effect"), f"{where}.effect: {shown}: supported values: {supported}"
        elif isinstance(key, str):
            if (key, effect) in seen:
                yield path, f'{where}: Duplicate value: "{key}:{effect}": taints must be unique by key and effect'
            seen.add((key, effect))
