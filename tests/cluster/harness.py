"""A private Kubernetes control plane with Gatekeeper and the bundle, as plain processes on 127.0.0.1.

    from tests.cluster.harness import running_cluster

    with running_cluster() as cluster:                  # etcd, kube-apiserver, Gatekeeper, the bundle installed
        answer = cluster.api.admit(obj, dry_run=True)   # what admission (the webhook) says about obj
        cluster.kubectl("get", "constraints")
        cluster.gatekeeper.pid                          # e.g. to read Gatekeeper's CPU time from /proc

`scripts/cluster up|down|status` runs the same code from a shell (`python -m tests.cluster.harness`).

What runs, all built by scripts/setup-cluster into .tools/bin at the versions in scripts/versions.sh:
etcd; kube-apiserver (client-certificate auth, RBAC, ValidatingAdmissionPolicy, TaintNodesByCondition off
because no node controller would ever lift its not-ready taint); the Gatekeeper manager with every operation,
its objects applied from its own module's deploy/gatekeeper.yaml and its webhooks pointed at 127.0.0.1 once it
is ready; stand-in CRDs for the Karpenter kinds the bundle's SyncSet names; then the bundle, installed by running
the commands of docs/gatekeeper.md's "Install" section. Every port is a free 127.0.0.1 port, every file is
under one temporary directory, and everything started is stopped by PID (Gatekeeper, then the API server, then
etcd), also when start-up fails or is interrupted.

Two client identities, both cluster admins: `ADMIN`, whom PodSecurity admission exempts so that a dry-run
always reaches Gatekeeper's webhook, and `USER`, whom PodSecurity judges like any user.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import yaml

from tests.cluster.api import Admission, Api, ApiError
from tests.cluster.audit_log import AuditLog, LogFollower
from tests.cluster.pki import make_pki
from tests.cluster.processes import Service, listening_addresses, start_service, stop_service, wait_until

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "bin"
BINARIES = ("etcd", "kube-apiserver", "kubectl", "gatekeeper")
POINTER = ROOT / ".cache" / "cluster.json"  # where `scripts/cluster up` leaves the running cluster's directory
KARPENTER_CRDS = ROOT / "tests" / "fixtures" / "cluster" / "karpenter-crds.yaml"

ADMIN = "boundary-policy-admin"
USER = "boundary-policy-user"
AUDIT_INTERVAL = 2  # seconds; Gatekeeper's default is 60
# Two processes, as Gatekeeper's manifest runs two Deployments: the webhook (gatekeeper-controller-manager) and
# the audit (gatekeeper-audit), each with the manifest's operations but one: mutation-status runs beside the
# mutation webhook. With --debug-use-fake-pod Gatekeeper names every process's pod "no-pod", so two processes
# running the mutation system would overwrite each other's mutator pod status; the manifest's audit pod runs it
# only for that aggregation. Separate processes give the webhook's own CPU per request, and an audit that can be
# measured (and paused) on its own.
WEBHOOK_OPERATIONS = ("webhook", "mutation-webhook", "mutation-status")
AUDIT_OPERATIONS = (
    "audit",
    "status",
    "generate",  # without it Gatekeeper v3.23 creates no Constraint CRDs
)
# Served by a Deployment/Service in a real cluster; here Gatekeeper is a local process and the webhook
# configurations are applied once it is ready, pointing at it.
_NOT_APPLIED = {"Deployment", "Service", "PodDisruptionBudget"}
_WEBHOOK_CONFIGURATIONS = {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}
_STOP_ORDER = ("gatekeeper", "gatekeeper-audit", "kube-apiserver", "etcd")


class MissingBinaries(RuntimeError):
    """The control plane's binaries are not built (scripts/setup-cluster builds them)."""


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if not (TOOLS / name).is_file()]


def _versions() -> dict[str, str]:
    found = {}
    for line in (ROOT / "scripts" / "versions.sh").read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.isupper() and not line.startswith("#"):
            found[name] = value.strip()
    return found


def gatekeeper_manifest() -> Path:
    """deploy/gatekeeper.yaml of the pinned Gatekeeper module, in the Go module cache."""
    version = _versions()["GATEKEEPER_VERSION"]
    cache = os.environ.get("GOMODCACHE")
    if not cache:
        try:
            cache = subprocess.run(
                ["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True, timeout=60
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            cache = str(Path.home() / "go" / "pkg" / "mod")
    manifest = Path(cache) / "github.com" / "open-policy-agent" / "gatekeeper" / f"v3@{version}" / "deploy"
    manifest /= "gatekeeper.yaml"
    if not manifest.is_file():
        raise MissingBinaries(f"{manifest} is missing: scripts/setup-cluster downloads the Gatekeeper module")
    return manifest


def install_commands() -> str:
    """The shell commands of docs/gatekeeper.md's "Install" section, which the harness runs as a user would."""
    text = (ROOT / "docs" / "gatekeeper.md").read_text(encoding="utf-8")
    section = text.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```bash\n", 1)[1].split("```", 1)[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _quiet(message: str) -> None:
    pass


@dataclass
class Cluster:
    """A running control plane; `state.json` in its directory lets another process find and stop it."""

    workdir: Path
    ports: dict[str, int] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    # --- where things are -----------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"https://127.0.0.1:{self.ports['kube-apiserver']}"

    @property
    def pki_dir(self) -> Path:
        return self.workdir / "pki"

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def user_kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig-user"

    @property
    def kube_cache(self) -> Path:
        # A private discovery cache: a stale shared one hides the Constraint kinds from `kubectl get constraints`.
        return self.workdir / "kube-cache"

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    @property
    def gatekeeper(self) -> Service:
        """Gatekeeper's webhook process."""
        return self.service("gatekeeper")

    @property
    def gatekeeper_audit(self) -> Service:
        """Gatekeeper's audit process (audit, status, generate)."""
        return self.service("gatekeeper-audit")

    @cached_property
    def _apiserver_log(self) -> LogFollower:
        return LogFollower(self.service("kube-apiserver").log)

    def webhook_failures(self) -> list[str]:
        """The API server's "failing open" lines since the last call: a webhook that timed out or failed while
        its failurePolicy is Ignore (Gatekeeper's validating and mutating webhooks ship so), which the client
        only sees as an admitted request."""
        return [line for line in self._apiserver_log.new_lines() if "failing open" in line]

    def admit_judged(self, obj: dict[str, Any], attempts: int = 5, user: bool = False) -> tuple[Admission | None, int]:
        """A server-side dry-run that Gatekeeper really judged: sent again while the API server logs that a
        webhook failed open on it. Returns the answer (None if every attempt failed open) and the number of
        attempts that failed open."""
        for failed in range(attempts):
            self.webhook_failures()
            answer = (self.user_api if user else self.api).admit(obj, dry_run=True)
            if not self.webhook_failures():
                return answer, failed
        return None, attempts

    @cached_property
    def audit_log(self) -> AuditLog:
        """Gatekeeper's audit runs, read from its log."""
        return AuditLog(self.gatekeeper_audit.log)

    @cached_property
    def api(self) -> Api:
        """The API as ADMIN (exempt from PodSecurity)."""
        return Api(self.api_url, self.pki_dir / "ca.crt", self.pki_dir / "admin.crt", self.pki_dir / "admin.key")

    @cached_property
    def user_api(self) -> Api:
        """The API as USER (judged by PodSecurity)."""
        return Api(self.api_url, self.pki_dir / "ca.crt", self.pki_dir / "user.crt", self.pki_dir / "user.key")

    def env(self, user: bool = False) -> dict[str, str]:
        """The environment for kubectl (and anything else that talks to this cluster)."""
        return {
            **os.environ,
            "KUBECONFIG": str(self.user_kubeconfig if user else self.kubeconfig),
            "KUBECACHEDIR": str(self.kube_cache),
            "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True, user: bool = False, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [str(TOOLS / "kubectl"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env(user),
            cwd=ROOT,
            check=False,
            timeout=timeout,
        )
        if check and completed.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed ({completed.returncode}):\n{completed.stderr}")
        return completed

    def listening(self) -> set[str]:
        """Every TCP address the control plane's processes listen on."""
        return listening_addresses([service.pid for service in self.services if service.running()])

    # --- state ----------------------------------------------------------------------------------

    def save(self) -> None:
        state = {
            "workdir": str(self.workdir),
            "ports": self.ports,
            "services": [{**asdict(service), "log": str(service.log)} for service in self.services],
            "timings": self.timings,
        }
        (self.workdir / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, workdir: Path) -> Cluster:
        state = json.loads((workdir / "state.json").read_text(encoding="utf-8"))
        services = [Service(s["name"], s["pid"], s["binary"], Path(s["log"])) for s in state["services"]]
        return cls(Path(state["workdir"]), state["ports"], services, state["timings"])

    # --- stopping -------------------------------------------------------------------------------

    def close(self) -> None:
        """Close this process's connections to the cluster (it keeps running)."""
        for name in ("api", "user_api"):
            if name in self.__dict__:
                self.__dict__.pop(name).close()

    def stop(self, remove: bool = True) -> None:
        """Stop every process by PID, Gatekeeper first (while its watches are open the API server takes ~60 s
        to stop), then the API server, then etcd; then delete the directory."""
        self.close()
        for name in _STOP_ORDER:
            for service in self.services:
                if service.name == name:
                    stop_service(service)
        if remove:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- status ---------------------------------------------------------------------------------

    def status(self) -> list[str]:
        lines = [f"directory   {self.workdir}"]
        for service in self.services:
            state = "running" if service.running() else "stopped"
            lines.append(f"{service.name:<15}pid {service.pid:<8} {state:<8} log {service.log}")
        lines.append(f"api server  {self.api_url}  readyz: {'ok' if self.api.ready() else 'not ready'}")
        lines.append(f"gatekeeper  webhook 127.0.0.1:{self.ports['webhook']}  readyz: {self._gatekeeper_readyz()}")
        lines.append(f"use it:     export KUBECONFIG={self.kubeconfig} KUBECACHEDIR={self.kube_cache}")
        return lines

    def _gatekeeper_readyz(self) -> str:
        try:
            response = httpx.get(f"http://127.0.0.1:{self.ports['health']}/readyz", timeout=2)
        except httpx.HTTPError:
            return "not answering"
        return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"


# --- starting ---------------------------------------------------------------------------------------


def start(*, detach: bool = False, log: Callable[[str], None] = _quiet, audit_flags: Sequence[str] = ()) -> Cluster:
    """Start a control plane with the bundle installed; on any failure (or Ctrl-C) stop what was started.
    `audit_flags` are added to the audit process's flags (e.g. --audit-match-kind-only=true, for the benchmark)."""
    missing = missing_binaries()
    if missing:
        raise MissingBinaries(f"not built: {', '.join(missing)} (run: bash scripts/setup-cluster)")
    manifest = gatekeeper_manifest()
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="boundary-policy-cluster-")))
    try:
        _boot(cluster, manifest, detach, log, tuple(audit_flags))
    except KeyboardInterrupt:
        cluster.stop()
        raise
    except BaseException:
        cluster.stop(remove=False)  # keep the logs
        log(f"start-up failed; logs are in {cluster.workdir}")
        raise
    return cluster


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def running_cluster(log: Callable[[str], None] = _quiet, audit_flags: Sequence[str] = ()) -> Iterator[Cluster]:
    """A cluster for the duration of the block. SIGTERM is turned into KeyboardInterrupt meanwhile, so a killed
    test run still stops the processes (which also die with this process: PR_SET_PDEATHSIG)."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        cluster = start(log=log, audit_flags=audit_flags)
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _timed(cluster: Cluster, step: str, log: Callable[[str], None], since: float) -> None:
    cluster.timings[step] = round(time.monotonic() - since, 1)
    log(f"{step}: {cluster.timings[step]}s")


def _boot(
    cluster: Cluster, manifest: Path, detach: bool, log: Callable[[str], None], audit_flags: tuple[str, ...]
) -> None:
    started = time.monotonic()
    work = cluster.workdir
    pki = make_pki(cluster.pki_dir, ADMIN, USER)
    for name in (
        "etcd-client",
        "etcd-peer",
        "kube-apiserver",
        "webhook",
        "health",
        "otlp",
        "audit-port",
        "audit-health",
    ):
        cluster.ports[name] = _free_port()
    ports = cluster.ports

    def launch(name: str, args: Sequence[str], env: dict[str, str] | None = None) -> Service:
        service = start_service(name, [str(TOOLS / args[0]), *args[1:]], work / f"{name}.log", env, detach=detach)
        cluster.services.append(service)
        cluster.save()
        return service

    etcd_url = f"http://127.0.0.1:{ports['etcd-client']}"
    peer_url = f"http://127.0.0.1:{ports['etcd-peer']}"
    etcd = launch(
        "etcd",
        [
            "etcd",
            *("--name=default", f"--data-dir={work / 'etcd'}", "--log-level=warn"),
            *(f"--listen-client-urls={etcd_url}", f"--advertise-client-urls={etcd_url}"),
            *(f"--listen-peer-urls={peer_url}", f"--initial-advertise-peer-urls={peer_url}"),
            f"--initial-cluster=default={peer_url}",
            "--unsafe-no-fsync",  # a throwaway store: durability only costs time on a busy disk
        ],
    )
    wait_until("etcd /health", lambda: _http_ok(f"{etcd_url}/health"), etcd, 60)
    _timed(cluster, "etcd ready", log, started)

    admission = work / "admission.yaml"
    admission.write_text(yaml.safe_dump(_admission_configuration()), encoding="utf-8")
    apiserver = launch(
        "kube-apiserver",
        [
            "kube-apiserver",
            f"--etcd-servers={etcd_url}",
            *("--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={ports['kube-apiserver']}"),
            *(f"--tls-cert-file={pki.apiserver.cert}", f"--tls-private-key-file={pki.apiserver.key}"),
            f"--client-ca-file={pki.ca.cert}",
            *(
                f"--service-account-key-file={pki.service_account_pub}",
                "--api-audiences=https://kubernetes.default.svc",
            ),
            f"--service-account-signing-key-file={pki.service_account_key}",
            "--service-account-issuer=https://kubernetes.default.svc",
            "--service-cluster-ip-range=10.96.0.0/24",
            "--authorization-mode=RBAC",
            "--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy",
            # With no node controller, every new Node would keep a not-ready NoSchedule taint and the policies
            # would rightly find no schedulable node.
            "--disable-admission-plugins=TaintNodesByCondition",
            f"--admission-control-config-file={admission}",
            "--allow-privileged=true",  # samples ask for privileged containers; the policies must judge them
            "--endpoint-reconciler-type=none",
            "--profiling=false",
        ],
    )
    wait_until("kube-apiserver /readyz", cluster.api.ready, apiserver, 120)
    _timed(cluster, "kube-apiserver ready", log, started)

    _write_kubeconfig(
        cluster.kubeconfig,
        cluster.api_url,
        pki.ca.cert,
        {"client-certificate": str(pki.admin.cert), "client-key": str(pki.admin.key)},
    )
    _write_kubeconfig(
        cluster.user_kubeconfig,
        cluster.api_url,
        pki.ca.cert,
        {"client-certificate": str(pki.user.cert), "client-key": str(pki.user.key)},
    )

    documents = [doc for doc in yaml.safe_load_all(manifest.read_text(encoding="utf-8")) if doc]
    objects = [doc for doc in documents if doc["kind"] not in _NOT_APPLIED | _WEBHOOK_CONFIGURATIONS]
    cluster.kubectl("apply", "--server-side", "-f", "-", stdin=yaml.safe_dump_all(objects))
    cluster.kubectl("apply", "--server-side", "-f", str(KARPENTER_CRDS))
    cluster.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=120s")
    for namespace in ("default", "gatekeeper-system"):
        ensure_namespace(cluster.api, namespace)

    token = cluster.kubectl(
        "create", "token", "gatekeeper-admin", "-n", "gatekeeper-system", "--duration=168h"
    ).stdout.strip()
    gatekeeper_kubeconfig = work / "kubeconfig-gatekeeper"
    _write_kubeconfig(gatekeeper_kubeconfig, cluster.api_url, pki.ca.cert, {"token": token})
    certs = work / "webhook-certs"
    certs.mkdir()
    (work / "audit-cache").mkdir()  # Gatekeeper's audit fails every run without it
    shutil.copy(pki.webhook.cert, certs / "tls.crt")
    shutil.copy(pki.webhook.key, certs / "tls.key")
    shutil.copy(pki.ca.cert, certs / "ca.crt")
    common = [
        "--disable-cert-rotation",
        # The Prometheus exporter would listen on every interface; OpenTelemetry only pushes, here to a port
        # nothing listens on.
        *("--metrics-addr=0", "--metrics-backend=opentelemetry", f"--otlp-endpoint=127.0.0.1:{ports['otlp']}"),
        "--debug-use-fake-pod",
        "--disable-opa-builtin={http.send}",
        "--shutdown-delay=0",
    ]
    env = {"POD_NAMESPACE": "gatekeeper-system", "KUBECONFIG": str(gatekeeper_kubeconfig)}
    gatekeeper = launch(
        "gatekeeper",
        [
            "gatekeeper",
            *(f"--operation={operation}" for operation in WEBHOOK_OPERATIONS),
            *("--host=127.0.0.1", f"--port={ports['webhook']}", f"--cert-dir={certs}"),
            f"--health-addr=127.0.0.1:{ports['health']}",
            "--log-denies",
            "--exempt-namespace=gatekeeper-system",
            *common,
        ],
        env,
    )
    audit = launch(
        "gatekeeper-audit",
        [
            "gatekeeper",
            *(f"--operation={operation}" for operation in AUDIT_OPERATIONS),
            *("--host=127.0.0.1", f"--port={ports['audit-port']}", f"--cert-dir={certs}"),
            f"--health-addr=127.0.0.1:{ports['audit-health']}",
            f"--api-cache-dir={work / 'audit-cache'}",
            *(f"--audit-interval={AUDIT_INTERVAL}", "--constraint-violations-limit=1000"),
            *audit_flags,
            *common,
        ],
        env,
    )
    wait_until("Gatekeeper /readyz", lambda: _http_ok(f"http://127.0.0.1:{ports['health']}/readyz"), gatekeeper, 180)
    wait_until(
        "Gatekeeper audit /readyz", lambda: _http_ok(f"http://127.0.0.1:{ports['audit-health']}/readyz"), audit, 180
    )
    _timed(cluster, "gatekeeper ready", log, started)

    ca_bundle = base64.b64encode(pki.ca.cert.read_bytes()).decode()
    webhooks = [doc for doc in documents if doc["kind"] in _WEBHOOK_CONFIGURATIONS]
    for configuration in webhooks:
        for webhook in configuration["webhooks"]:
            path = webhook["clientConfig"]["service"]["path"]
            webhook["clientConfig"] = {"url": f"https://127.0.0.1:{ports['webhook']}{path}", "caBundle": ca_bundle}
    cluster.kubectl("apply", "--server-side", "-f", "-", stdin=yaml.safe_dump_all(webhooks))

    install_bundle(cluster, log)
    _timed(cluster, "bundle enforced", log, started)
    cluster.save()


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _admission_configuration() -> dict[str, Any]:
    level = {"enforce": "privileged", "audit": "privileged", "warn": "privileged"}
    defaults = {**level, **{f"{mode}-version": "latest" for mode in level}}
    return {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AdmissionConfiguration",
        "plugins": [
            {
                "name": "PodSecurity",
                "configuration": {
                    "apiVersion": "pod-security.admission.config.k8s.io/v1",
                    "kind": "PodSecurityConfiguration",
                    "defaults": defaults,
                    "exemptions": {"usernames": [ADMIN], "runtimeClasses": [], "namespaces": []},
                },
            }
        ],
    }


def _write_kubeconfig(path: Path, url: str, ca: Path, user: dict[str, str]) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "boundary-policy-test", "cluster": {"server": url, "certificate-authority": str(ca)}}],
        "users": [{"name": "user", "user": user}],
        "contexts": [{"name": "test", "context": {"cluster": "boundary-policy-test", "user": "user"}}],
        "current-context": "test",
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    path.chmod(0o600)


def ensure_namespace(api: Api, name: str) -> None:
    """The namespace and its `default` ServiceAccount (no controller-manager creates it here; Pods need it)."""
    for obj in (
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": name}},
    ):
        if api.get(obj) is None:
            with suppress(ApiError):  # created meanwhile by someone else: fine
                api.create(obj)


# --- the bundle ---------------------------------------------------------------------------------------

CANARY: dict[str, Any] = {
    # A Deployment the bundle must deny through the ExpansionTemplate whatever the inventory holds (BND011:
    # the CAP_ prefix): once it is denied, templates, Constraints and expansion are all in force.
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "boundary-policy-canary", "namespace": "default"},
    "spec": {
        "selector": {"matchLabels": {"app": "canary"}},
        "template": {
            "metadata": {"labels": {"app": "canary"}},
            "spec": {
                "containers": [
                    {
                        "name": "dev",
                        "image": "codercom/enterprise-base:ubuntu",
                        "env": [{"name": "BOUNDARY_JAIL_TYPE", "value": "nsjail"}],
                        "securityContext": {"capabilities": {"add": ["CAP_NET_ADMIN"]}},
                    }
                ]
            },
        },
    },
}


def install_bundle(cluster: Cluster, log: Callable[[str], None] = _quiet) -> None:
    """Run docs/gatekeeper.md's install commands, then wait until every Constraint is enforced and a workload
    is denied through expansion."""
    started = time.monotonic()
    completed = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", install_commands()],
        capture_output=True,
        text=True,
        env=cluster.env(),
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    (cluster.workdir / "bundle-install.log").write_text(completed.stdout + completed.stderr, encoding="utf-8")
    if completed.returncode != 0:
        raise RuntimeError(f"the install commands of docs/gatekeeper.md failed:\n{completed.stderr}")
    _timed(cluster, "bundle applied (docs/gatekeeper.md)", log, started)
    expected = len(list((ROOT / "gatekeeper" / "constraints").glob("*.yaml")))
    wait_until(
        f"{expected} Constraints enforced",
        lambda: enforced_constraints(cluster.api) >= expected,
        cluster.gatekeeper,
        300,
    )
    wait_until(
        "the canary Deployment denied through expansion", lambda: _canary_denied(cluster.api), cluster.gatekeeper, 120
    )


def constraint_kinds(api: Api) -> list[str]:
    """The Constraint kinds of the ConstraintTemplates Gatekeeper has created."""
    templates = api.list("templates.gatekeeper.sh/v1", "ConstraintTemplate")
    return sorted(t["spec"]["crd"]["spec"]["names"]["kind"] for t in templates if t.get("status", {}).get("created"))


def constraints(api: Api) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for kind in constraint_kinds(api):
        with suppress(KeyError):  # the template is created but its CRD not served yet
            found.extend(api.list("constraints.gatekeeper.sh/v1beta1", kind))
    return found


def enforced(constraint: dict[str, Any]) -> bool:
    """Whether Gatekeeper reports the Constraint enforced (the webhook process reports it; with
    --debug-use-fake-pod its id is "no-pod")."""
    by_pod = constraint.get("status", {}).get("byPod") or []
    return bool(by_pod) and all(pod.get("enforced") for pod in by_pod)


def enforced_constraints(api: Api) -> int:
    return sum(1 for constraint in constraints(api) if enforced(constraint))


def _canary_denied(api: Api) -> bool:
    answer = api.admit(CANARY, dry_run=True)
    return answer.denied_by_gatekeeper and "[Implied by boundary-expand-workloads]" in answer.message


# --- scripts/cluster ----------------------------------------------------------------------------------


def running_from_pointer() -> Cluster | None:
    """The cluster `scripts/cluster up` started, if any."""
    try:
        workdir = Path(json.loads(POINTER.read_text(encoding="utf-8"))["workdir"])
        return Cluster.load(workdir)
    except (OSError, ValueError, KeyError):
        return None


def main(argv: Sequence[str]) -> int:
    usage = "usage: scripts/cluster up|down|status"
    if len(argv) != 1 or argv[0] not in ("up", "down", "status"):
        print(usage, file=sys.stderr)
        return 2
    command = argv[0]
    current = running_from_pointer()
    if command == "status":
        if current is None:
            print("no cluster (start one with: scripts/cluster up)")
            return 1
        print("\n".join(current.status()))
        return 0 if all(service.running() for service in current.services) else 1
    if command == "down":
        if current is None:
            print("no cluster to stop")
            return 0
        current.stop()
        POINTER.unlink(missing_ok=True)
        print(f"stopped {', '.join(f'{s.name} (pid {s.pid})' for s in current.services)}")
        return 0
    if current is not None and any(service.running() for service in current.services):
        print(f"a cluster is already running in {current.workdir} (scripts/cluster down stops it)", file=sys.stderr)
        return 1

    def log(message: str) -> None:
        print(f"cluster: {message}", file=sys.stderr, flush=True)

    try:
        cluster = start(detach=True, log=log)
    except MissingBinaries as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 2
    except (RuntimeError, TimeoutError, ApiError) as error:
        print(f"cluster: start-up failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cluster: interrupted; everything started was stopped", file=sys.stderr)
        return 130
    POINTER.parent.mkdir(parents=True, exist_ok=True)
    POINTER.write_text(json.dumps({"workdir": str(cluster.workdir)}), encoding="utf-8")
    print("\n".join(cluster.status()))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    sys.exit(main(sys.argv[1:]))
