"""A small client of the API server's REST interface (httpx, client-certificate auth): find an object's resource
path by discovery, create, dry-run, read, replace, delete. What admission answered is kept exactly as sent:
the denial message and every `Warning` header."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

JSON = dict[str, Any]
GATEKEEPER_DENIAL = 'admission webhook "validation.gatekeeper.sh" denied the request: '


class ApiError(Exception):
    """The API server refused a request (not an admission denial of a dry-run, which is a result)."""

    def __init__(self, response: httpx.Response, what: str) -> None:
        self.status = response.status_code
        self.body = _body(response)
        super().__init__(f"{what}: HTTP {response.status_code} {self.body.get('message') or response.text[:300]}")


def _body(response: httpx.Response) -> JSON:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@dataclass(frozen=True)
class Resource:
    path: str  # /api/v1 or /apis/<group>/<version>
    plural: str
    namespaced: bool

    def collection(self, namespace: str | None) -> str:
        if self.namespaced:
            return f"{self.path}/namespaces/{namespace or 'default'}/{self.plural}"
        return f"{self.path}/{self.plural}"


@dataclass(frozen=True)
class Admission:
    """What the API server answered a write: allowed or not, the denial message, and the warnings."""

    allowed: bool
    status: int
    message: str
    warnings: tuple[str, ...]
    object: JSON | None

    @property
    def denied_by_gatekeeper(self) -> bool:
        return not self.allowed and self.message.startswith(GATEKEEPER_DENIAL)


def parse_warning(header: str) -> str:
    """The text of one RFC 7234 `Warning` header value as the API server writes it: `299 - "text"`."""
    code, _, rest = header.partition(" ")
    _agent, _, quoted = rest.partition(" ")
    if code != "299" or not (quoted.startswith('"') and quoted.endswith('"')):
        return header
    text, escaped = [], False
    for char in quoted[1:-1]:
        if escaped or char != "\\":
            text.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(text)


class Api:
    def __init__(self, url: str, ca: Path, cert: Path, key: Path, timeout: float = 30.0) -> None:
        context = ssl.create_default_context(cafile=str(ca))
        context.load_cert_chain(str(cert), str(key))
        self.client = httpx.Client(base_url=url, verify=context, timeout=timeout)
        self._resources: dict[tuple[str, str], Resource] = {}

    def close(self) -> None:
        self.client.close()

    def get_json(self, path: str, what: str | None = None) -> JSON:
        response = self.client.get(path)
        if response.status_code != 200:
            raise ApiError(response, what or f"GET {path}")
        return _body(response)

    def ready(self) -> bool:
        try:
            return self.client.get("/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    # --- discovery ------------------------------------------------------------------------------

    def resource(self, api_version: str, kind: str, refresh: bool = False) -> Resource:
        key = (api_version, kind)
        if key not in self._resources or refresh:
            path = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            for item in self.get_json(path, f"discovery of {api_version}").get("resources", []):
                if "/" not in item["name"]:
                    self._resources[(api_version, item["kind"])] = Resource(path, item["name"], item["namespaced"])
        if key not in self._resources:
            raise KeyError(f"the API server serves no {kind} in {api_version}")
        return self._resources[key]

    def _object_path(self, obj: JSON) -> str:
        resource = self.resource(obj["apiVersion"], obj["kind"])
        metadata = obj["metadata"]
        return f"{resource.collection(metadata.get('namespace'))}/{metadata['name']}"

    # --- writes ---------------------------------------------------------------------------------

    def admit(self, obj: JSON, *, dry_run: bool) -> Admission:
        """POST the object (a server-side dry-run when asked): the admission chain's answer, never raised."""
        resource = self.resource(obj["apiVersion"], obj["kind"])
        params = {"dryRun": "All"} if dry_run else {}
        response = self.client.post(
            resource.collection(obj["metadata"].get("namespace")), params=params, content=json.dumps(obj)
        )
        warnings = tuple(parse_warning(value) for value in response.headers.get_list("warning"))
        body = _body(response)
        allowed = response.status_code in (200, 201)
        message = "" if allowed else str(body.get("message", response.text))
        return Admission(allowed, response.status_code, message, warnings, body if allowed else None)

    def create(self, obj: JSON) -> JSON:
        admission = self.admit(obj, dry_run=False)
        if not admission.allowed or admission.object is None:
            raise ApiError(_fake_response(admission), f"create {_describe(obj)}")
        return admission.object

    def replace(self, obj: JSON) -> JSON:
        response = self.client.put(self._object_path(obj), content=json.dumps(obj))
        if response.status_code != 200:
            raise ApiError(response, f"replace {_describe(obj)}")
        return _body(response)

    def patch(self, obj: JSON, patch: JSON, content_type: str = "application/merge-patch+json") -> JSON:
        response = self.client.patch(
            self._object_path(obj), content=json.dumps(patch), headers={"Content-Type": content_type}
        )
        if response.status_code != 200:
            raise ApiError(response, f"patch {_describe(obj)}")
        return _body(response)

    def delete(self, obj: JSON) -> None:
        """Delete now: no grace period (no kubelet confirms a bound Pod's end), dependents in the background
        (the other policies add a finalizer only the absent garbage collector removes), and any finalizer
        cleared (e.g. the pvc-protection one PersistentVolumeClaims get, which only a controller removes)."""
        params = {"gracePeriodSeconds": "0", "propagationPolicy": "Background"}
        response = self.client.delete(self._object_path(obj), params=params)
        if response.status_code not in (200, 202, 404):
            raise ApiError(response, f"delete {_describe(obj)}")
        left = self.get(obj)
        if left is not None and left["metadata"].get("finalizers"):
            self.patch(obj, {"metadata": {"finalizers": None}})

    # --- reads ----------------------------------------------------------------------------------

    def get(self, obj: JSON) -> JSON | None:
        response = self.client.get(self._object_path(obj))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise ApiError(response, f"get {_describe(obj)}")
        return _body(response)

    def list(self, api_version: str, kind: str) -> Iterator[JSON]:
        """Every object of the kind, in all namespaces, with apiVersion and kind filled in."""
        resource = self.resource(api_version, kind)
        body = self.get_json(f"{resource.path}/{resource.plural}", f"list {kind}")
        for item in body.get("items", []):
            yield {"apiVersion": api_version, "kind": kind, **item}


def _describe(obj: JSON) -> str:
    metadata = obj.get("metadata", {})
    namespace = f"{metadata['namespace']}/" if metadata.get("namespace") else ""
    return f"{obj.get('kind')} {namespace}{metadata.get('name')}"


def _fake_response(admission: Admission) -> httpx.Response:
    return httpx.Response(admission.status, json={"message": admission.message})
