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


@dataclass
class ApiState:
    nodes: dict[str, dict[str, Any]]
    forbid_patch: bool = False
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

    def _node(self) -> str | None:
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
            self._status(403, f'nodes "{name}" is forbidden: cannot patch resource "nodes"')
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
