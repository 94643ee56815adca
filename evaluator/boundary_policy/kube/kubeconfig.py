"""A kubeconfig context, read as kubectl reads it, turned into what an HTTPS client needs.

Files: $KUBECONFIG (a ':'-separated list, merged: the first file that sets a name or the current context wins)
or ~/.kube/config. Relative file paths in a kubeconfig are relative to that file. Credentials: client
certificates (file or data), bearer tokens (inline or tokenFile), basic auth, and exec plugins (`aws eks
get-token`, `gke-gcloud-auth-plugin`, ...), run as kubectl runs them. The legacy auth-provider entries are not
supported (kubectl itself replaced them with exec plugins).
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from boundary_policy.errors import BoundaryPolicyError

__all__ = ["Connection", "KubeConfigError", "connect"]


class KubeConfigError(BoundaryPolicyError):
    """No usable kubeconfig, context, cluster or credentials."""


@dataclass
class Connection:
    context: str
    server: str
    verify: ssl.SSLContext | bool
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None


def _files() -> list[Path]:
    listed = os.environ.get("KUBECONFIG", "")
    if listed:
        return [Path(item).expanduser() for item in listed.split(os.pathsep) if item]
    return [Path.home() / ".kube" / "config"]


def _load(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise KubeConfigError(f"cannot read kubeconfig {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise KubeConfigError(f"kubeconfig {path} is not valid YAML: {error}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise KubeConfigError(f"kubeconfig {path} is not a mapping")
    return loaded


@dataclass
class _Merged:
    current: str | None = None
    entries: dict[str, dict[str, tuple[Path, dict[str, Any]]]] = field(
        default_factory=lambda: {"contexts": {}, "clusters": {}, "users": {}}
    )


def _merge(files: list[Path]) -> _Merged:
    merged = _Merged()
    found = False
    for path in files:
        if not path.is_file():
            continue
        found = True
        config = _load(path)
        if merged.current is None and config.get("current-context"):
            merged.current = str(config["current-context"])
        for section, inner in (("contexts", "context"), ("clusters", "cluster"), ("users", "user")):
            for entry in config.get(section) or []:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    merged.entries[section].setdefault(entry["name"], (path, dict(entry.get(inner) or {})))
    if not found:
        raise KubeConfigError(f"no kubeconfig found ({', '.join(str(p) for p in files)}); set KUBECONFIG")
    return merged


def _relative(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base.parent / path


def _data_or_file(entry: Mapping[str, Any], key: str, base: Path) -> bytes | None:
    if entry.get(f"{key}-data"):
        return base64.b64decode(str(entry[f"{key}-data"]))
    if entry.get(key):
        path = _relative(base, str(entry[key]))
        try:
            return path.read_bytes()
        except OSError as error:
            raise KubeConfigError(f"cannot read {key} {path}: {error.strerror or error}") from None
    return None


def _exec_credential(spec: Mapping[str, Any], base: Path, context: str) -> dict[str, Any]:
    """Run an exec credential plugin as kubectl does and return its status."""
    command = spec.get("command")
    if not isinstance(command, str) or not command:
        raise KubeConfigError(f"context {context}: exec plugin without a command")
    if "/" in command and not Path(command).is_absolute():
        command = str(_relative(base, command))
    env = dict(os.environ)
    for item in spec.get("env") or []:
        if isinstance(item, dict) and "name" in item:
            env[str(item["name"])] = str(item.get("value", ""))
    api_version = str(spec.get("apiVersion") or "client.authentication.k8s.io/v1")
    env["KUBERNETES_EXEC_INFO"] = json.dumps(
        {"apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": False}}
    )
    try:
        completed = subprocess.run(
            [command, *[str(arg) for arg in spec.get("args") or []]],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        hint = f" ({spec['installHint']})" if spec.get("installHint") else ""
        raise KubeConfigError(f"context {context}: cannot run credential plugin {command}: {error}{hint}") from None
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-3:]
        raise KubeConfigError(
            f"context {context}: credential plugin {command} exited {completed.returncode}: {' '.join(tail)}"
        )
    try:
        status = json.loads(completed.stdout).get("status") or {}
    except (ValueError, AttributeError):
        raise KubeConfigError(f"context {context}: credential plugin {command} printed no ExecCredential") from None
    if not isinstance(status, dict):
        raise KubeConfigError(f"context {context}: credential plugin {command} printed no status")
    return status


def _client_certificate(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    # ssl reads a certificate chain only from files: they exist in a private directory for the time of the call.
    with tempfile.TemporaryDirectory(prefix="boundary-policy-kube-") as scratch:
        cert_path, key_path = Path(scratch, "client.crt"), Path(scratch, "client.key")
        for path, data in ((cert_path, cert), (key_path, key)):
            path.touch(mode=0o600)
            path.write_bytes(data)
        try:
            context.load_cert_chain(cert_path, key_path)
        except (ssl.SSLError, ValueError) as error:
            raise KubeConfigError(f"the client certificate or key cannot be used: {error}") from None


def connect(context_name: str | None = None) -> Connection:
    """The connection for a context of the kubeconfig (default: its current context)."""
    merged = _merge(_files())
    name = context_name or merged.current
    if not name:
        raise KubeConfigError("the kubeconfig has no current context; name one: --inventory kube:CONTEXT")
    if name not in merged.entries["contexts"]:
        known = ", ".join(sorted(merged.entries["contexts"])) or "none"
        raise KubeConfigError(f"no context {name!r} in the kubeconfig (contexts: {known})")
    _, context = merged.entries["contexts"][name]
    cluster_name, user_name = context.get("cluster"), context.get("user")
    if cluster_name not in merged.entries["clusters"]:
        raise KubeConfigError(f"context {name}: no cluster {cluster_name!r} in the kubeconfig")
    cluster_file, cluster = merged.entries["clusters"][str(cluster_name)]
    user_file, user = merged.entries["users"].get(str(user_name), (cluster_file, {}))
    server = str(cluster.get("server") or "")
    if not server.startswith(("https://", "http://")):
        raise KubeConfigError(f"context {name}: cluster {cluster_name} has no https:// server")
    if user.get("auth-provider"):
        raise KubeConfigError(
            f"context {name}: auth-provider credentials are not supported; use an exec credential plugin"
        )
    verify: ssl.SSLContext | bool = True
    if cluster.get("insecure-skip-tls-verify"):
        verify = ssl.create_default_context()
        verify.check_hostname = False
        verify.verify_mode = ssl.CERT_NONE
    elif server.startswith("https://"):
        ca = _data_or_file(cluster, "certificate-authority", cluster_file)
        try:
            verify = ssl.create_default_context(cadata=ca.decode("ascii")) if ca else ssl.create_default_context()
        except (ssl.SSLError, ValueError) as error:
            raise KubeConfigError(f"context {name}: the certificate authority cannot be used: {error}") from None
    status = _exec_credential(user["exec"], user_file, name) if user.get("exec") else {}
    cert = _data_or_file(user, "client-certificate", user_file)
    key = _data_or_file(user, "client-key", user_file)
    if status.get("clientCertificateData") and status.get("clientKeyData"):
        cert, key = str(status["clientCertificateData"]).encode(), str(status["clientKeyData"]).encode()
    if cert and key:
        if not isinstance(verify, ssl.SSLContext):
            raise KubeConfigError(f"context {name}: a client certificate needs an https:// server")
        _client_certificate(verify, cert, key)
    connection = Connection(name, server.rstrip("/"), verify)
    token = status.get("token") or user.get("token")
    if not token and user.get("tokenFile"):
        try:
            token = _relative(user_file, str(user["tokenFile"])).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise KubeConfigError(f"context {name}: cannot read tokenFile: {error.strerror or error}") from None
    if token:
        connection.headers["Authorization"] = f"Bearer {token}"
    elif user.get("username") and user.get("password"):
        connection.auth = (str(user["username"]), str(user["password"]))
    return connection
