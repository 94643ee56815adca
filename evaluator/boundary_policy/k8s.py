"""Reading Kubernetes objects kept as plain dicts: metadata fields, group/version/kind, Namespaces.

Every stage reads objects as written, so a missing or mistyped field is "" here rather than an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["api_group", "group_kind", "group_version", "group_version_kind", "is_namespace", "meta"]


def meta(obj: Mapping[str, Any] | None, key: str) -> str:
    """`metadata.<key>` when it is a string (name, namespace, generateName), else ""."""
    metadata = obj.get("metadata") if obj else None
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) else ""


def group_version_kind(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    """(group, version, kind) of an object; ("", "", "") parts when absent."""
    api_version = obj.get("apiVersion")
    api_version = api_version if isinstance(api_version, str) else ""
    group, _, version = api_version.rpartition("/")
    kind = obj.get("kind")
    return group, version, kind if isinstance(kind, str) else ""


def api_group(obj: Mapping[str, Any]) -> str:
    """The API group of the object's apiVersion ("" for the core group)."""
    return group_version_kind(obj)[0]


def group_kind(obj: Mapping[str, Any]) -> tuple[str, str]:
    group, _, kind = group_version_kind(obj)
    return group, kind


def group_version(obj: Mapping[str, Any]) -> str:
    """apiVersion as Gatekeeper keys data.inventory with it: `v1` for the core group."""
    group, version, _ = group_version_kind(obj)
    return f"{group}/{version}" if group else version


def is_namespace(obj: Mapping[str, Any]) -> bool:
    """A core-group Namespace object."""
    api_version = obj.get("apiVersion")
    return obj.get("kind") == "Namespace" and isinstance(api_version, str) and "/" not in api_version
