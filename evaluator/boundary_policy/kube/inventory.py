"""`--inventory kube:` (the current kubeconfig context) or `kube:CONTEXT`: the inventory read from the cluster.

What is read is what Gatekeeper's sync would hold for the active templates (gatekeeper/sync.py: cluster_kinds,
which `eval` passes in): by default the kinds the bundled SyncSets name (gatekeeper/sync.yaml: Nodes,
Namespaces, ConfigMaps, Secrets, Karpenter NodePools and EC2NodeClasses), listed across all namespaces with the
kubeconfig's credentials. A kind the cluster does not serve (Karpenter
not installed) is left out, as Gatekeeper leaves it out; a kind the credentials may not list is a warning,
because the rules that read it then see nothing. The objects never touch the disk.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from boundary_policy import bundle
from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.gatekeeper.sync import ALWAYS_SYNCED, declared_sync
from boundary_policy.kube.kubeconfig import Connection, KubeConfigError, connect
from boundary_policy.loading import LoadLimits
from boundary_policy.loading.documents import read_documents
from boundary_policy.model import Document, LoadProblem

if TYPE_CHECKING:
    import httpx

__all__ = [
    "KUBE_PREFIX",
    "ClusterInventory",
    "KubeError",
    "is_cluster_inventory",
    "read_cluster_inventory",
    "synced_kinds",
]

KUBE_PREFIX = "kube:"
GVK = tuple[str, str, str]
"""(group, version, kind); the core group is ""."""
_PAGE = 500
_ALIAS_BUDGET = LoadLimits().max_alias_expansion


class KubeError(BoundaryPolicyError):
    """The cluster cannot be read: no kubeconfig, unreachable, refused credentials (exit 2)."""


def is_cluster_inventory(value: str) -> bool:
    return value.startswith(KUBE_PREFIX)


def synced_kinds() -> list[GVK]:
    """Node and Namespace, then every kind the bundled SyncSets name, in their order."""
    documents = [d for path in bundle.sync_files() for d in yaml.safe_load_all(path.read_text(encoding="utf-8"))]
    return list(dict.fromkeys([*ALWAYS_SYNCED, *declared_sync(d for d in documents if isinstance(d, dict))]))


@dataclass
class ClusterInventory:
    context: str
    documents: list[Document]
    counts: dict[str, int] = field(default_factory=dict)
    """Objects read, by kind."""
    not_served: list[str] = field(default_factory=list)
    """Kinds the cluster does not serve (their API group is not installed)."""
    warnings: list[str] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)

    def summary(self) -> str:
        read = ", ".join(f"{count} {kind}" for kind, count in self.counts.items())
        absent = f"; not served: {', '.join(self.not_served)}" if self.not_served else ""
        return f"inventory from cluster context {self.context}: {read or 'nothing'}{absent}"


def _api_prefix(group: str, version: str) -> str:
    return f"/api/{version}" if not group else f"/apis/{group}/{version}"


def _describe(response: httpx.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return f"{response.status_code} {response.reason_phrase}" + (f": {message}" if message else "")


class _Reader:
    def __init__(self, connection: Connection, timeout: float) -> None:
        import httpx  # here, not at the top: only a kube: inventory needs it, and it costs every run about 0.1 s

        self.connection = connection
        self.client = httpx.Client(
            base_url=connection.server,
            verify=connection.verify,
            headers={"Accept": "application/json", **connection.headers},
            auth=connection.auth,
            timeout=timeout,
        )
        self.discovered: dict[str, dict[str, Any] | None] = {}

    def get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        import httpx

        try:
            response = self.client.get(path, params=params)
        except httpx.HTTPError as error:
            raise KubeError(f"cannot reach the cluster of context {self.connection.context}: {error}") from None
        if response.status_code == 401:
            raise KubeError(f"the cluster refused the credentials of context {self.connection.context} (401)")
        return response

    def resource(self, group: str, version: str, kind: str) -> str | None:
        """The plural resource name serving `kind`, or None when the cluster does not serve it."""
        prefix = _api_prefix(group, version)
        if prefix not in self.discovered:
            response = self.get(prefix)
            if response.status_code == 404:
                self.discovered[prefix] = None
            elif response.is_success:
                self.discovered[prefix] = response.json()
            else:
                raise KubeError(f"discovering {prefix}: {_describe(response)}")
        listing = self.discovered[prefix]
        for resource in (listing or {}).get("resources") or []:
            if resource.get("kind") == kind and "/" not in str(resource.get("name")):
                return str(resource["name"])
        return None

    def items(self, group: str, version: str, kind: str, resource: str) -> Iterator[dict[str, Any]]:
        api_version = f"{group}/{version}" if group else version
        path = f"{_api_prefix(group, version)}/{resource}"
        token = ""
        while True:
            params = {"limit": str(_PAGE), **({"continue": token} if token else {})}
            response = self.get(path, params)
            if response.status_code == 403:
                raise PermissionError(_describe(response))
            if not response.is_success:
                raise KubeError(f"listing {kind} ({path}): {_describe(response)}")
            body = response.json()
            for item in body.get("items") or []:
                # A list's items carry no apiVersion and kind; `kubectl get -o json` adds them, so do we.
                yield {"apiVersion": api_version, "kind": kind, **item}
            token = str((body.get("metadata") or {}).get("continue") or "")
            if not token:
                return


def read_cluster_inventory(spec: str, kinds: Sequence[GVK] | None = None, *, timeout: float = 30.0) -> ClusterInventory:
    """Read the inventory named by `spec` ("kube:" or "kube:CONTEXT")."""
    try:
        connection = connect(spec.removeprefix(KUBE_PREFIX) or None)
    except KubeConfigError as error:
        raise KubeError(str(error)) from None
    reader = _Reader(connection, timeout)
    objects: list[dict[str, Any]] = []
    result = ClusterInventory(connection.context, [])
    try:
        for group, version, kind in kinds if kinds is not None else synced_kinds():
            resource = reader.resource(group, version, kind)
            if resource is None:
                result.not_served.append(kind)
                continue
            try:
                found = list(reader.items(group, version, kind, resource))
            except PermissionError as error:
                result.warnings.append(
                    f"context {connection.context} may not list {resource} ({error}): the rules that read {kind} "
                    "objects see none; grant list on them or pass them with --inventory FILE"
                )
                continue
            objects += found
            result.counts[kind] = len(found)
    finally:
        reader.client.close()
    result.documents, result.problems = _documents(f"{KUBE_PREFIX}{connection.context}", objects)
    return result


def _documents(display: str, objects: Iterable[dict[str, Any]]) -> tuple[list[Document], list[LoadProblem]]:
    # Through the same reader as a file, so values are exactly what an exported `kubectl get -o json` gives.
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
    documents: list[Document] = []
    problems: list[LoadProblem] = []
    for item in read_documents(
        display, text, max_documents=LoadLimits().max_documents_per_file, max_alias_expansion=_ALIAS_BUDGET
    ):
        if isinstance(item, Document):
            documents.append(item)
        else:
            problems.append(item)
    return documents, problems
