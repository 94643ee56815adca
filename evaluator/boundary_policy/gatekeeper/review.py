"""The `input.review` Gatekeeper builds, and `data.inventory`.

For a plain object gator marshals an `admission/v1 AdmissionRequest` holding only kind, name, namespace
and object (`pkg/target/target.go`), then the Rego driver adds `namespaceObject` (empty under gator,
which never passes the Namespace to the driver). Fields Go marks `omitempty` are left out when empty;
the others appear with their zero value, exactly as gator v3.23.0 shows them:

    {"uid": "", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "resource": {...: ""},
     "name": "p", "namespace": "ns", "operation": "", "userInfo": {}, "object": {...},
     "oldObject": null, "options": null, "namespaceObject": {}}

`data.inventory` is `cluster[<groupVersion>][<kind>][<name>]` for cluster-scoped objects and
`namespace[<ns>][<groupVersion>][<kind>][<name>]` for namespaced ones; groupVersion is `v1` for the
core group (`pkg/target/target.go processUnstructured`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from boundary_policy.k8s import group_version, group_version_kind, meta
from boundary_policy.model import JSON

__all__ = ["add_to_inventory", "admission_request_review", "build_inventory", "object_review"]

_USER_INFO_FIELDS = ("username", "uid", "groups", "extra")


def object_review(obj: Mapping[str, Any]) -> dict[str, JSON]:
    """The review of a plain object at the gator enforcement point (no operation, no user)."""
    group, version, kind = group_version_kind(obj)
    review: dict[str, JSON] = {
        "uid": "",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": "", "version": "", "resource": ""},
    }
    name, namespace = meta(obj, "name"), meta(obj, "namespace")
    if name:
        review["name"] = name
    if namespace:
        review["namespace"] = namespace
    review.update(
        {"operation": "", "userInfo": {}, "object": obj, "oldObject": None, "options": None, "namespaceObject": {}}
    )
    return review


def admission_request_review(request: Mapping[str, Any]) -> dict[str, JSON]:
    """The review of an AdmissionReview's `request`, as Go decodes and re-encodes it.

    Unknown fields are dropped, omitempty fields left out when empty, and for DELETE the old object is
    copied into `object` (Gatekeeper's setObjectOnDelete).
    """

    def gvk(value: JSON, keys: tuple[str, str, str]) -> dict[str, JSON]:
        value = value if isinstance(value, dict) else {}
        return {key: str(value.get(key) or "") for key in keys}

    review: dict[str, JSON] = {
        "uid": str(request.get("uid") or ""),
        "kind": gvk(request.get("kind"), ("group", "version", "kind")),
        "resource": gvk(request.get("resource"), ("group", "version", "resource")),
    }
    if request.get("subResource"):
        review["subResource"] = request["subResource"]
    if isinstance(request.get("requestKind"), dict):
        review["requestKind"] = gvk(request["requestKind"], ("group", "version", "kind"))
    if isinstance(request.get("requestResource"), dict):
        review["requestResource"] = gvk(request["requestResource"], ("group", "version", "resource"))
    if request.get("requestSubResource"):
        review["requestSubResource"] = request["requestSubResource"]
    for key in ("name", "namespace"):
        if request.get(key):
            review[key] = request[key]
    user = request.get("userInfo")
    user = user if isinstance(user, dict) else {}
    review["operation"] = str(request.get("operation") or "")
    review["userInfo"] = {key: user[key] for key in _USER_INFO_FIELDS if user.get(key)}
    review["object"] = request.get("object")
    review["oldObject"] = request.get("oldObject")
    if request.get("dryRun") is not None:
        review["dryRun"] = request["dryRun"]
    review["options"] = request.get("options")
    if review["operation"] == "DELETE" and review["oldObject"] is not None:
        review["object"] = review["oldObject"]
    review["namespaceObject"] = {}
    return review


def add_to_inventory(inventory: dict[str, JSON], obj: Mapping[str, Any]) -> bool:
    """Add one object under its inventory path; False (not added) when it has no version or kind."""
    _, version, kind = group_version_kind(obj)
    if not version or not kind:
        return False
    gv, name, namespace = group_version(obj), meta(obj, "name"), meta(obj, "namespace")
    if namespace:
        by_ns = inventory.setdefault("namespace", {}).setdefault(namespace, {})
        by_ns.setdefault(gv, {}).setdefault(kind, {})[name] = obj
    else:
        inventory.setdefault("cluster", {}).setdefault(gv, {}).setdefault(kind, {})[name] = obj
    return True


def build_inventory(objects: Iterable[Mapping[str, Any]]) -> dict[str, JSON]:
    """`data.inventory` for these objects; a later object replaces an earlier one at the same path."""
    inventory: dict[str, JSON] = {}
    for obj in objects:
        add_to_inventory(inventory, obj)
    return inventory
