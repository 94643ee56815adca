"""The cluster's side of an inventory: create a set of Nodes, Namespaces, NodePools, ConfigMaps… as real objects
(replacing the previous set), and know when Gatekeeper's sync has copied exactly what the API server holds into
`data.inventory`.

Gatekeeper reports nothing per synced object, so a probe tells: a ConstraintTemplate that denies one
particular ConfigMap (dry-run only, never stored) with the list of every object in `data.inventory` and its
resourceVersion. When that list equals what the API server lists for the synced kinds, the webhook and audit
see the inventory the test created, and nothing older."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.cluster.api import GATEKEEPER_DENIAL, Api, ApiError
from tests.cluster.harness import Cluster, enforced, ensure_namespace

JSON = dict[str, Any]
Key = tuple[str, str, str, str]
"""(apiVersion, kind, namespace or "", name)."""

PROBE_NAME = "boundary-policy-inventory-probe"
PROBE_CONSTRAINT = "inventory-probe"
PROBE_OBJECT: JSON = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": PROBE_NAME, "namespace": "default"},
}
_PROBE_REGO = """\
package boundarytestinventoryprobe

violation contains {"msg": concat("\\n", sort(entries))}

entries contains sprintf("%s|%s||%s|%s", [gv, kind, name, object.metadata.resourceVersion]) if {
	some gv, kinds in data.inventory.cluster
	some kind, objects in kinds
	some name, object in objects
}

entries contains sprintf("%s|%s|%s|%s|%s", [gv, kind, namespace, name, object.metadata.resourceVersion]) if {
	some namespace, versions in data.inventory.namespace
	some gv, kinds in versions
	some kind, objects in kinds
	some name, object in objects
}
"""
PROBE_TEMPLATE: JSON = {
    "apiVersion": "templates.gatekeeper.sh/v1",
    "kind": "ConstraintTemplate",
    "metadata": {"name": "boundarytestinventoryprobe"},
    "spec": {
        "crd": {"spec": {"names": {"kind": "BoundaryTestInventoryProbe"}}},
        "targets": [
            {
                "target": "admission.k8s.gatekeeper.sh",
                "code": [{"engine": "Rego", "source": {"version": "v1", "rego": _PROBE_REGO}}],
            }
        ],
    },
}
PROBE: JSON = {
    "apiVersion": "constraints.gatekeeper.sh/v1beta1",
    "kind": "BoundaryTestInventoryProbe",
    "metadata": {"name": PROBE_CONSTRAINT},
    "spec": {
        "enforcementAction": "deny",
        "match": {
            "kinds": [{"apiGroups": [""], "kinds": ["ConfigMap"]}],
            "namespaces": ["default"],
            "name": PROBE_NAME,
        },
    },
}

# Namespaces and objects of the control plane itself, never part of a test's inventory.
_SYSTEM_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease", "gatekeeper-system"}
# Fields the API server sets and refuses (or ignores) on create; exported inventories carry them.
_SERVER_FIELDS = ("resourceVersion", "uid", "selfLink", "generation", "creationTimestamp", "managedFields")


def key(obj: JSON) -> Key:
    metadata = obj.get("metadata") or {}
    return (obj["apiVersion"], obj["kind"], metadata.get("namespace") or "", metadata["name"])


def read_objects(path: Path) -> list[JSON]:
    """The objects of a YAML or JSON file, `kind: List` unwrapped."""
    text = path.read_text(encoding="utf-8")
    documents = [json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text))
    found: list[JSON] = []
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == "List":
            found.extend(document.get("items") or [])
        elif isinstance(document, dict):
            found.append(document)
    return found


def _digest(obj: JSON) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _for_create(obj: JSON) -> JSON:
    metadata = {k: v for k, v in obj["metadata"].items() if k not in _SERVER_FIELDS}
    return {**obj, "metadata": metadata}


def _pod_specs(obj: JSON) -> Iterator[JSON]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        yield spec
    template = spec.get("template") or (spec.get("jobTemplate") or {}).get("spec", {}).get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        yield template["spec"]


class Inventory:
    """Replaces one set of inventory objects in the cluster by the next, keeping what both share."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.api: Api = cluster.api
        self.created: dict[Key, tuple[JSON, str]] = {}
        self.labelled: set[str] = set()  # namespaces whose labels and annotations the tests set
        self._adopt()

    def _adopt(self) -> None:
        """Take over what an earlier session left in a cluster that kept running (scripts/cluster up): its
        inventory objects are replaced like this session's own, its namespaces' labels reset."""
        for obj in cluster_objects(self.api):
            namespace = obj["metadata"].get("namespace") or ""
            if obj["kind"] == "Namespace":
                if obj["metadata"]["name"] not in _SYSTEM_NAMESPACES:
                    self.labelled.add(obj["metadata"]["name"])
            elif namespace not in _SYSTEM_NAMESPACES:
                self.created[key(obj)] = (obj, "")  # no digest matches: replaced when wanted again

    def replace(self, objects: Sequence[JSON], workloads: Iterable[JSON] = ()) -> None:
        """Make `objects` the cluster's inventory and create what `workloads` need to pass the API server's
        own admission (their namespaces with a default ServiceAccount, their RuntimeClasses)."""
        wanted = {key(obj): obj for obj in objects if obj["kind"] != "Namespace"}
        namespaces = {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == "Namespace"}
        workloads = list(workloads)
        for name in self.labelled - set(namespaces):
            self._label_namespace(name, {}, {})
        self.labelled &= set(namespaces)
        needed = set(namespaces) | {k[2] for k in wanted if k[2]} | {w["metadata"]["namespace"] for w in workloads}
        for namespace in sorted(needed):
            ensure_namespace(self.api, namespace)
        for name, obj in namespaces.items():
            metadata = obj.get("metadata", {})
            self._label_namespace(name, metadata.get("labels") or {}, metadata.get("annotations") or {})
            self.labelled.add(name)
        for existing, (obj, digest) in list(self.created.items()):
            if existing not in wanted or _digest(wanted[existing]) != digest:
                self.api.delete(obj)
                del self.created[existing]
        for wanted_key, obj in wanted.items():
            if wanted_key not in self.created:
                self.api.create(_for_create(obj))
                self.created[wanted_key] = (obj, _digest(obj))
        for runtime_class in sorted(
            {s["runtimeClassName"] for w in workloads for s in _pod_specs(w) if s.get("runtimeClassName")}
        ):
            handler = {
                "apiVersion": "node.k8s.io/v1",
                "kind": "RuntimeClass",
                "metadata": {"name": runtime_class},
                "handler": runtime_class,
            }
            if self.api.get(handler) is None:
                self.api.create(handler)

    def clear(self) -> None:
        self.replace([])

    def _label_namespace(self, name: str, labels: JSON, annotations: JSON) -> None:
        current = self.api.get({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        if current is None:
            return
        metadata = current["metadata"]
        # The API server always sets this label; keep it so the update is not refused.
        labels = {**labels, "kubernetes.io/metadata.name": name}
        if (metadata.get("labels") or {}) == labels and (metadata.get("annotations") or {}) == annotations:
            return
        metadata["labels"], metadata["annotations"] = labels, annotations
        self.api.replace(current)


# --- what Gatekeeper has synced --------------------------------------------------------------------


def synced_kinds(api: Api) -> list[tuple[str, str]]:
    """(apiVersion, kind) of every kind a SyncSet names."""
    kinds: set[tuple[str, str]] = set()
    for syncset in api.list("syncset.gatekeeper.sh/v1alpha1", "SyncSet"):
        for gvk in syncset["spec"].get("gvks", []):
            group = gvk.get("group", "")
            kinds.add((f"{group}/{gvk['version']}" if group else gvk["version"], gvk["kind"]))
    return sorted(kinds)


def cluster_objects(api: Api) -> list[JSON]:
    """Every object of the synced kinds, as the API server holds it."""
    found: list[JSON] = []
    for api_version, kind in synced_kinds(api):
        try:
            found.extend(api.list(api_version, kind))
        except KeyError:
            continue  # a kind no CRD serves: Gatekeeper syncs nothing for it either
    return found


def _expected_entries(objects: Iterable[JSON]) -> str:
    entries = []
    for obj in objects:
        api_version, kind, namespace, name = key(obj)
        entries.append(f"{api_version}|{kind}|{namespace}|{name}|{obj['metadata']['resourceVersion']}")
    return "\n".join(sorted(entries))


def install_probe(cluster: Cluster) -> None:
    api = cluster.api
    if api.get(PROBE_TEMPLATE) is None:
        api.create(PROBE_TEMPLATE)
    deadline = time.monotonic() + 120
    while True:
        try:
            if api.get(PROBE) is None:
                api.create(PROBE)
            if enforced(api.get(PROBE) or {}):
                return
        except (KeyError, ApiError):
            pass  # the Constraint's CRD is not served yet: discovery is asked again next time
        if time.monotonic() > deadline:
            raise TimeoutError("the inventory probe Constraint was not enforced within 120 s")
        time.sleep(0.3)


def synced_inventory(api: Api) -> str | None:
    """What `data.inventory` holds, as the probe reports it (None when the probe's answer is not a denial)."""
    answer = api.admit(PROBE_OBJECT, dry_run=True)
    prefix = f"{GATEKEEPER_DENIAL}[{PROBE_CONSTRAINT}] "
    return answer.message[len(prefix) :] if answer.message.startswith(prefix) else None


def wait_for_sync(cluster: Cluster, timeout: float = 120) -> float:
    """Wait until Gatekeeper's `data.inventory` is exactly the synced kinds' objects in the API server; returns
    the seconds it took."""
    install_probe(cluster)
    started = time.monotonic()
    while True:
        expected = _expected_entries(cluster_objects(cluster.api))
        seen = synced_inventory(cluster.api)
        if seen == expected:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            missing = set(expected.splitlines()) - set((seen or "").splitlines())
            extra = set((seen or "").splitlines()) - set(expected.splitlines())
            raise TimeoutError(
                f"Gatekeeper's data.inventory did not match the API server within {timeout:.0f}s: "
                f"missing {sorted(missing)[:10]}, extra {sorted(extra)[:10]}"
            )
        time.sleep(0.2)
