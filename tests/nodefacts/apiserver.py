"""A small HTTPS server that speaks the two Node endpoints `node-facts --apply` uses, with the API
server's semantics for them: bearer-token auth, GET, and JSON merge patch (RFC 7386) of a Node."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TOKEN = "test-service-account-token"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl CLI), used as the server cert and as ca.crt."""
    cert, key = directory / "tls.crt", directory / "tls.key"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kubernetes"]
    subprocess.run(
        [*request, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# What the API server says when RBAC refuses (the authorizer's wording) ...
RBAC_DENIAL = (
    'nodes "{name}" is forbidden: User "system:serviceaccount:boundary-policy-system:node-facts" '
    'cannot patch resource "nodes" in API group "" at the cluster scope'
)
# ... and when a ValidatingAdmissionPolicy refuses the same request (the wording of the API server's admission).
ADMISSION_DENIAL = (
    "nodes \"{name}\" is forbidden: ValidatingAdmissionPolicy 'boundary-policy-node-facts' with binding "
    "'boundary-policy-node-facts' denied request: node-facts may only change labels under boundary-policy/"
)


@dataclass(frozen=True)
class Canned:
    """A raw reply served instead of the API's, to play a proxy, a wrong endpoint or a broken server."""

    status: int
    content_type: str
    body: bytes


@dataclass
class ApiState:
    nodes: dict[str, dict[str, Any]]
    forbid_patch: bool = False
    patch_denial: tuple[int, str] = (403, RBAC_DENIAL)  # the status and message when forbid_patch is set
    canned: list[Canned] = field(default_factory=list)  # served, first to last, to the next requests
    requests: list[tuple[str, str, str | None, Any]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _status(self, code: int, message: str) -> None:
        self._reply(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "code": code})

    def _canned(self) -> bool:
        if not self.server.state.canned:
            return False
        reply = self.server.state.canned.pop(0)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
        return True

    def _node(self) -> str | None:
        if self._canned():
            return None
        prefix = "/api/v1/nodes/"
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._status(401, "Unauthorized")
            return None
        if not self.path.startswith(prefix) or self.path[len(prefix) :] not in self.server.state.nodes:
            self._status(404, f'nodes "{self.path[len(prefix) :]}" not found')
            return None
        return self.path[len(prefix) :]

    def do_GET(self) -> None:
        self.server.state.requests.append(("GET", self.path, None, None))
        name = self._node()
        if name is not None:
            self._reply(200, self.server.state.nodes[name])

    def do_PATCH(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        content_type = self.headers.get("Content-Type")
        self.server.state.requests.append(("PATCH", self.path, content_type, body))
        name = self._node()
        if name is None:
            return
        if self.server.state.forbid_patch:
            code, message = self.server.state.patch_denial
            self._status(code, message.format(name=name))
            return
        if content_type != "application/merge-patch+json":
            self._status(415, f"unsupported patch type {content_type}")
            return
        node = merge_patch(self.server.state.nodes[name], body)
        self.server.state.nodes[name] = node
        self._reply(200, node)


class _Server(ThreadingHTTPServer):
    state: ApiState


@contextmanager
def api_server(directory: Path, nodes: dict[str, dict[str, Any]]) -> Iterator[tuple[ApiState, int, Path]]:
    """Serve `nodes` over HTTPS on a free loopback port; yields (state, port, ca.crt)."""
    cert, key = make_certificate(directory)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = ApiState(nodes=nodes)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.state, server.server_address[1], cert
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def node(name: str, labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Node", "metadata": metadata, "spec": {}, "status": {}}
