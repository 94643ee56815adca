"""Node facts the rules need but a Node object does not show, measured on the node itself.

`read_node_facts` reads them under a filesystem root (so tests can hand it a fake /proc and /sys);
`render_*` turn them into text, JSON or a kubectl command line; `apply_facts` writes the known ones to the
node's own Node object through the Kubernetes API. A fact that cannot be read is *unknown* and is never
written: a guess on a Node would silence the rules' "unknown" warnings with a value nobody measured.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import re
import shlex
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import httpx

from boundary_policy import __version__
from boundary_policy.errors import BoundaryPolicyError

__all__ = [
    "LANDLOCK",
    "MAX_USER_NAMESPACES",
    "SECCOMP_DEFAULT",
    "SECCOMP_DEFAULT_UNREADABLE",
    "SERVICE_ACCOUNT_DIR",
    "TARGETS",
    "Fact",
    "InCluster",
    "NodeFacts",
    "NodeFactsError",
    "Target",
    "apply_facts",
    "describe_patch",
    "in_cluster",
    "plan_patch",
    "probe_landlock_syscall",
    "read_kernel_release",
    "read_landlock",
    "read_max_user_namespaces",
    "read_node_facts",
    "render_json",
    "render_kubectl",
    "render_text",
]

MAX_USER_NAMESPACES = "boundary-policy/max-user-namespaces"
LANDLOCK = "boundary-policy/landlock"
SECCOMP_DEFAULT = "boundary-policy/seccomp-default"

Target = Literal["labels", "annotations", "both"]
TARGETS: tuple[Target, ...] = ("labels", "annotations", "both")

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
_NODE_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")  # a DNS subdomain, as Node names are

# landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) returns the Landlock ABI version, or
# EOPNOTSUPP when the kernel has Landlock built in but not enabled at boot. 444 is its number on every
# architecture that uses the common syscall table (x86_64, aarch64), which are the ones EKS runs.
_LANDLOCK_CREATE_RULESET = 444
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_ARCHES = frozenset({"x86_64", "aarch64", "arm64"})

SECCOMP_DEFAULT_UNREADABLE = (
    "the kubelet's seccompDefault is not visible from a pod (it lives in the kubelet's config file or its "
    "/configz endpoint, which needs nodes/proxy rights); pass --seccomp-default true|false"
)


class NodeFactsError(BoundaryPolicyError):
    """Facts could not be written (no in-cluster credentials, API refused); the message says why."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One `boundary-policy/` fact: its value as it would be written, or None when unknown."""

    key: str
    value: str | None
    source: str
    detail: str

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True, slots=True)
class NodeFacts:
    facts: tuple[Fact, ...]
    kernel_release: str | None
    kernel_source: str

    def known(self) -> dict[str, str]:
        """The facts that would be written, key -> value."""
        return {fact.key: fact.value for fact in self.facts if fact.value is not None}


# --- reading ------------------------------------------------------------------------------------


def _read_text(path: Path) -> tuple[str | None, str]:
    """The stripped content of a small kernel file, or None and why it could not be read."""
    try:
        return path.read_text(encoding="ascii").strip(), "read"
    except FileNotFoundError:
        return None, "not present"
    except PermissionError:
        return None, "permission denied"
    except (OSError, UnicodeDecodeError) as error:
        return None, f"unreadable ({error.__class__.__name__})"


def read_max_user_namespaces(root: Path) -> Fact:
    source = "/proc/sys/user/max_user_namespaces"
    text, why = _read_text(root / source.lstrip("/"))
    if text is None:
        return Fact(MAX_USER_NAMESPACES, None, source, why)
    if not text.isascii() or not text.isdigit():
        return Fact(MAX_USER_NAMESPACES, None, source, f"not a decimal integer: {text[:40]!r}")
    return Fact(MAX_USER_NAMESPACES, str(int(text)), source, "read")


def probe_landlock_syscall() -> tuple[bool | None, str]:
    """Ask the running kernel whether Landlock is enabled, the way landjail itself finds out."""
    if platform.system() != "Linux" or platform.machine() not in _LANDLOCK_ARCHES:
        return None, f"no landlock syscall probe on {platform.system()}/{platform.machine()}"
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(
        ctypes.c_long(_LANDLOCK_CREATE_RULESET),
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION),
    )
    if abi >= 1:
        return True, f"landlock_create_ruleset reports ABI {abi}"
    code = ctypes.get_errno()
    if code == errno.EOPNOTSUPP:
        return False, "landlock_create_ruleset: built in but not enabled (EOPNOTSUPP)"
    # ENOSYS may be an old kernel or a seccomp filter, EPERM a seccomp filter: neither is an answer.
    return None, f"landlock_create_ruleset failed with {errno.errorcode.get(code, code)}"


def read_landlock(root: Path, probe_syscall: bool) -> Fact:
    """Landlock is enabled when the active LSM list names it; else ask the kernel directly if allowed."""
    source = "/sys/kernel/security/lsm"
    text, why = _read_text(root / source.lstrip("/"))
    if text is not None:
        modules = {name.strip() for name in text.split(",")}
        return Fact(LANDLOCK, "true" if "landlock" in modules else "false", source, f"active LSMs: {text}")
    if not probe_syscall:
        return Fact(LANDLOCK, None, source, why)
    enabled, detail = probe_landlock_syscall()
    if enabled is None:
        return Fact(LANDLOCK, None, source, f"{why}; {detail}")
    return Fact(LANDLOCK, "true" if enabled else "false", "landlock_create_ruleset", f"{source} {why}; {detail}")


def read_kernel_release(root: Path, use_uname: bool) -> tuple[str | None, str]:
    source = "/proc/sys/kernel/osrelease"
    text, why = _read_text(root / source.lstrip("/"))
    if text:
        return text, source
    if use_uname:
        return os.uname().release, "uname"
    return None, f"{source}: {why}"


def read_node_facts(
    root: Path = Path("/"), seccomp_default: bool | None = None, probe_syscall: bool | None = None
) -> NodeFacts:
    """Measure the facts under `root`. Syscall probes and uname describe *this* kernel, so by default
    they are used only when `root` is the real root."""
    live = Path(root).resolve() == Path("/")
    probe = live if probe_syscall is None else probe_syscall
    if seccomp_default is None:
        seccomp = Fact(SECCOMP_DEFAULT, None, "operator", SECCOMP_DEFAULT_UNREADABLE)
    else:
        seccomp = Fact(SECCOMP_DEFAULT, "true" if seccomp_default else "false", "operator", "--seccomp-default")
    kernel, kernel_source = read_kernel_release(root, use_uname=live)
    facts = (read_max_user_namespaces(root), read_landlock(root, probe), seccomp)
    return NodeFacts(facts=facts, kernel_release=kernel, kernel_source=kernel_source)


# --- rendering ----------------------------------------------------------------------------------


def _sections(target: Target) -> tuple[str, ...]:
    return ("labels", "annotations") if target == "both" else (target,)


def render_text(facts: NodeFacts, node: str | None) -> str:
    lines = [f"node: {node or '(unknown: set NODE_NAME or --node)'}"]
    kernel = facts.kernel_release or "unknown"
    lines.append(f"kernel: {kernel} ({facts.kernel_source}; the Node's status.nodeInfo.kernelVersion carries it)")
    width = max(len(fact.key) for fact in facts.facts)
    for fact in facts.facts:
        value = f'"{fact.value}"' if fact.value is not None else "unknown, not written"
        how = fact.source if fact.detail == "read" else f"{fact.source}: {fact.detail}"
        lines.append(f"{fact.key.ljust(width)}  {value}  ({how})")
    return "\n".join(lines)


def render_json(facts: NodeFacts, node: str | None) -> str:
    document = {
        "version": 1,
        "tool": {"name": "boundary-policy", "version": __version__},
        "node": node,
        "kernelRelease": facts.kernel_release,
        "facts": [
            {"key": fact.key, "value": fact.value, "source": fact.source, "detail": fact.detail} for fact in facts.facts
        ],
        "set": facts.known(),
    }
    return json.dumps(document, indent=2)


def render_kubectl(facts: NodeFacts, node: str | None, target: Target) -> str:
    """kubectl command lines that set the known facts; `"$NODE_NAME"` stands in when the node is unknown."""
    known = facts.known()
    if not known:
        return "# no node fact could be read; nothing to set"
    name = shlex.quote(node) if node else '"$NODE_NAME"'
    pairs = " ".join(shlex.quote(f"{key}={value}") for key, value in known.items())
    verbs = {"labels": "label", "annotations": "annotate"}
    return "\n".join(f"kubectl {verbs[section]} node {name} {pairs} --overwrite" for section in _sections(target))


# --- writing to the Node ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InCluster:
    """How a pod reaches its API server: the service account token and CA, and the service address."""

    base_url: str
    token: str
    ca_file: Path


def in_cluster(account: Path, environ: Mapping[str, str]) -> InCluster:
    host = environ.get("KUBERNETES_SERVICE_HOST")
    port = environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        raise NodeFactsError("--apply works inside a pod: KUBERNETES_SERVICE_HOST/PORT are not set")
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise NodeFactsError(f"KUBERNETES_SERVICE_PORT={port!r} is not a port number")
    token_file = account / "token"
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise NodeFactsError(f"cannot read the service account token {token_file}: {error}") from error
    # An HTTP header carries printable ASCII only; anything else is not a token the API server issued.
    if not token or not token.isascii() or not token.isprintable():
        raise NodeFactsError(f"the service account token {token_file} is empty or not printable ASCII")
    ca_file = account / "ca.crt"
    if not ca_file.is_file():
        raise NodeFactsError(f"the service account CA {ca_file} is missing")
    if ":" in host:  # an IPv6 service address
        host = f"[{host}]"
    return InCluster(base_url=f"https://{host}:{port}", token=token, ca_file=ca_file)


def _tls_context(ca_file: Path) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
        raise NodeFactsError(
            f"the service account CA {ca_file} is not a usable PEM certificate ({reason}); "
            "check the ca.crt mounted into the pod"
        ) from error


def plan_patch(metadata: Mapping[str, Any], known: Mapping[str, str], target: Target) -> dict[str, dict[str, str]]:
    """The labels/annotations that differ from what the Node has: {section: {key: value}}."""
    patch: dict[str, dict[str, str]] = {}
    for section in _sections(target):
        current = metadata.get(section) or {}
        changed = {key: value for key, value in known.items() if current.get(key) != value}
        if changed:
            patch[section] = changed
    return patch


# The authorizer's wording when RBAC refuses: `... is forbidden: User "x" cannot patch resource "nodes" ...`.
# An admission policy or webhook refusing the patch says "denied" instead and needs no RBAC change.
_RBAC_DENIAL = re.compile(r'\bcannot [a-z]+ resource "')


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _api_error(response: httpx.Response, action: str, node: str) -> NodeFactsError:
    try:
        body = response.json()
    except ValueError:
        body = None
    message = str(body.get("message", "")) if isinstance(body, dict) else response.text
    message = _one_line(message)
    hint = ""
    if response.status_code == 401:
        hint = " (the API server did not accept the service account token: check the token mounted into the pod)"
    elif response.status_code == 403 and _RBAC_DENIAL.search(message):
        hint = " (the service account needs get and patch on nodes: see deploy/node-facts/rbac.yaml)"
    elif response.status_code == 404:
        hint = " (NODE_NAME must be the pod's spec.nodeName, from the downward API)"
    return NodeFactsError(f"{action} node {node}: HTTP {response.status_code} {message}{hint}".rstrip())


def _node_metadata(response: httpx.Response, node: str) -> Mapping[str, Any]:
    """The metadata of the Node the API server sent, or an error saying what came back instead."""
    url = str(response.request.url)
    check = "check that KUBERNETES_SERVICE_HOST/PORT name the API server"
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("content-type") or "no content type"
        raise NodeFactsError(f"get node {node}: {url} replied with a body that is not JSON ({kind}); {check}") from None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if not isinstance(body, dict) or body.get("kind", "Node") != "Node" or not isinstance(metadata, dict):
        what = f"a JSON {type(body).__name__}" if not isinstance(body, dict) else f"kind {body.get('kind')!r}"
        raise NodeFactsError(f"get node {node}: {url} replied with {what}, not a Node object; {check}")
    for section in ("labels", "annotations"):
        if not isinstance(metadata.get(section) or {}, dict):
            raise NodeFactsError(f"get node {node}: {url} replied with metadata.{section} not a map; {check}")
    return metadata


def _unreachable(cluster: InCluster, error: Exception) -> NodeFactsError:
    if "CERTIFICATE_VERIFY_FAILED" in str(error):
        check = f"the server's certificate is not signed by {cluster.ca_file}"
    else:
        check = "check KUBERNETES_SERVICE_HOST/PORT and that the pod may reach the API server"
    return NodeFactsError(f"cannot reach the API server at {cluster.base_url}: {_one_line(str(error))} ({check})")


def apply_facts(
    cluster: InCluster, node: str, facts: NodeFacts, target: Target, timeout: float = 10.0
) -> dict[str, dict[str, str]]:
    """Patch the known facts onto the Node (metadata.labels/annotations only); returns what changed.

    The Node is read first so an unchanged node costs one GET and no write."""
    if not _NODE_NAME.fullmatch(node):
        raise NodeFactsError(f"{node!r} is not a Node name")
    context = _tls_context(cluster.ca_file)
    headers = {"Authorization": f"Bearer {cluster.token}", "Accept": "application/json"}
    path = f"/api/v1/nodes/{node}"
    import httpx  # here, not at the top: every other command starts without it (about 0.1 s)

    try:
        with httpx.Client(base_url=cluster.base_url, verify=context, headers=headers, timeout=timeout) as client:
            response = client.get(path)
            if response.status_code != 200:
                raise _api_error(response, "get", node)
            patch = plan_patch(_node_metadata(response, node), facts.known(), target)
            if not patch:
                return {}
            response = client.patch(
                path,
                content=json.dumps({"metadata": patch}),
                headers={"Content-Type": "application/merge-patch+json"},
            )
            if response.status_code != 200:
                raise _api_error(response, "patch", node)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise _unreachable(cluster, error) from error
    return patch


def describe_patch(node: str, patch: Mapping[str, Mapping[str, str]], unknown: Sequence[str]) -> str:
    skipped = f"; unknown, left as they are: {', '.join(unknown)}" if unknown else ""
    if not patch:
        return f"node {node}: up to date{skipped}"
    parts = [
        f"{section} " + ", ".join(f"{key}={value}" for key, value in values.items())
        for section, values in patch.items()
    ]
    return f"node {node}: set {'; '.join(parts)}{skipped}"
