"""`node-facts --apply` against an HTTPS server with the API server's Node GET/merge-patch semantics,
over real TLS verified with the service account CA, exactly as in a pod."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from boundary_policy.cli import cli
from boundary_policy.commands.node_facts import retry_delay
from tests.nodefacts.apiserver import ADMISSION_DENIAL, TOKEN, ApiState, Canned, api_server, make_certificate, node

NAME = "ip-10-0-1-5.ec2.internal"
ACCOUNT = "var/run/secrets/kubernetes.io/serviceaccount"
MEASURED = {"boundary-policy/max-user-namespaces": "65536", "boundary-policy/landlock": "true"}


def pod_root(tmp_path: Path, ca: Path) -> Path:
    """A fake node filesystem plus the service account files a pod gets."""
    root = tmp_path / "root"
    for relative, content in {
        "proc/sys/user/max_user_namespaces": "65536\n",
        "sys/kernel/security/lsm": "lockdown,capability,landlock,selinux\n",
        "proc/sys/kernel/osrelease": "6.1.129\n",
        "var/run/secrets/kubernetes.io/serviceaccount/token": TOKEN + "\n",
        "var/run/secrets/kubernetes.io/serviceaccount/ca.crt": ca.read_text(),
    }.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[ApiState, dict[str, str], Path]]:
    nodes = {NAME: node(NAME, labels={"team": "ws"}, annotations={"boundary-policy/landlock": "false"})}
    with api_server(tmp_path, nodes) as (state, port, ca):
        env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(port), "NODE_NAME": NAME}
        yield state, env, pod_root(tmp_path, ca)


def run(root: Path, env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(
        cli,
        ["node-facts", "--apply", "--root", str(root), "--service-account-dir", str(root / ACCOUNT), *args],
        env=env,
    )


@contextmanager
def interval_loop(root: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`node-facts --apply --interval 1` as a DaemonSet runs it; killed if the block leaves it running."""
    options = ["--interval", "1", "--root", str(root), "--service-account-dir", str(root / ACCOUNT)]
    process = subprocess.Popen(
        [sys.executable, "-m", "boundary_policy", "node-facts", "--apply", *options],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def wait_for(process: subprocess.Popen[str], done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not done():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, as the kubelet stops a pod; its stderr once it has exited 0."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    return stderr


def test_apply_writes_known_facts_as_labels_and_annotations(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    state, env, root = cluster
    result = run(root, env)
    assert result.exit_code == 0, result.output
    metadata = state.nodes[NAME]["metadata"]
    assert metadata["labels"] == {"kubernetes.io/hostname": NAME, "team": "ws", **MEASURED}
    # The measurement replaces the operator's declared (wrong) annotation, which would otherwise win.
    assert metadata["annotations"] == MEASURED
    patches = [request for request in state.requests if request[0] == "PATCH"]
    assert patches == [
        (
            "PATCH",
            f"/api/v1/nodes/{NAME}",
            "application/merge-patch+json",
            {"metadata": {"labels": MEASURED, "annotations": MEASURED}},
        )
    ]
    assert "boundary-policy/seccomp-default" in result.output  # reported as unknown, not written
    assert f"node {NAME}: set labels" in result.output


def test_second_run_only_reads(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    state, env, root = cluster
    assert run(root, env).exit_code == 0
    state.requests.clear()
    result = run(root, env, "-o", "json")
    assert result.exit_code == 0, result.output
    assert [request[0] for request in state.requests] == ["GET"]
    assert f"node {NAME}: up to date; unknown, left as they are: boundary-policy/seccomp-default" in result.output


def test_operator_seccomp_default_and_labels_only(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    state, env, root = cluster
    result = run(root, env, "--seccomp-default", "true", "--target", "labels")
    assert result.exit_code == 0, result.output
    metadata = state.nodes[NAME]["metadata"]
    assert metadata["labels"]["boundary-policy/seccomp-default"] == "true"
    assert metadata["annotations"] == {"boundary-policy/landlock": "false"}  # untouched


def test_unknown_fact_leaves_existing_value_alone(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    state, env, root = cluster
    state.nodes[NAME]["metadata"]["labels"]["boundary-policy/max-user-namespaces"] = "65536"
    (root / "proc/sys/user/max_user_namespaces").unlink()
    result = run(root, env, "--target", "labels")
    assert result.exit_code == 0, result.output
    assert state.nodes[NAME]["metadata"]["labels"]["boundary-policy/max-user-namespaces"] == "65536"
    patch = next(request[3] for request in state.requests if request[0] == "PATCH")
    assert patch == {"metadata": {"labels": {"boundary-policy/landlock": "true"}}}


def test_forbidden_patch_explains_rbac(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    state, env, root = cluster
    state.forbid_patch = True
    result = run(root, env)
    assert result.exit_code == 2
    assert "HTTP 403" in result.output
    assert "get and patch on nodes" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (403, ADMISSION_DENIAL),
        (400, 'admission webhook "nodes.example.com" denied the request: labels are managed by Karpenter'),
        (422, 'Node "{name}" is invalid: metadata.labels: Invalid value: "x": must be 63 characters or less'),
    ],
)
def test_a_refusal_that_is_not_rbac_has_no_rbac_hint(
    cluster: tuple[ApiState, dict[str, str], Path], code: int, message: str
) -> None:
    """An admission policy or webhook refusing the patch is not fixed by granting more RBAC."""
    state, env, root = cluster
    state.forbid_patch = True
    state.patch_denial = (code, message)
    result = run(root, env)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"boundary-policy: error: patch node {NAME}: HTTP {code} " + message.format(name=NAME)
    ]


def _one_error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines: list[str] = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("boundary-policy: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Canned(200, "text/html", b"<html>proxy login</html>"), "replied with a body that is not JSON (text/html)"),
        (Canned(200, "application/json", b"[1, 2]"), "replied with a JSON list, not a Node object"),
        (Canned(200, "application/json", b'"Node"'), "replied with a JSON str, not a Node object"),
        (Canned(200, "application/json", b'{"kind": "Status"}'), "replied with kind 'Status', not a Node object"),
        (Canned(200, "application/json", b'{"kind": "Node", "metadata": []}'), "not a Node object"),
        (Canned(200, "application/json", b'{"metadata": {"labels": ["a"]}}'), "replied with metadata.labels not a map"),
        (Canned(200, "application/json", b"\xff\xfe{"), "not JSON"),
        (Canned(403, "application/json", b"[]"), "HTTP 403 []"),
        (Canned(502, "text/plain", b"bad gateway\nupstream"), "HTTP 502 bad gateway upstream"),
    ],
)
def test_a_reply_that_is_not_a_node_is_one_line(
    cluster: tuple[ApiState, dict[str, str], Path], reply: Canned, expected: str
) -> None:
    state, env, root = cluster
    state.canned.append(reply)
    line = _one_error_line(run(root, env))
    assert expected in line
    if reply.status == 200:
        assert f"https://127.0.0.1:{env['KUBERNETES_SERVICE_PORT']}/api/v1/nodes/{NAME}" in line
        assert "KUBERNETES_SERVICE_HOST/PORT" in line
    assert "get and patch on nodes" not in line
    assert [request[0] for request in state.requests] == ["GET"]  # nothing written


@pytest.mark.parametrize(
    "content", [b"garbage\n", b"", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
)
def test_a_bad_ca_file_is_one_line(cluster: tuple[ApiState, dict[str, str], Path], content: bytes) -> None:
    state, env, root = cluster
    ca = root / ACCOUNT / "ca.crt"
    ca.write_bytes(content)
    line = _one_error_line(run(root, env))
    assert f"the service account CA {ca} is not a usable PEM certificate" in line
    assert state.requests == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"KUBERNETES_SERVICE_PORT": "https"}, "KUBERNETES_SERVICE_PORT='https' is not a port number"),
        ({"KUBERNETES_SERVICE_PORT": "1"}, "cannot reach the API server at https://127.0.0.1:1"),
    ],
)
def test_a_bad_service_address_is_one_line(
    cluster: tuple[ApiState, dict[str, str], Path], change: dict[str, str], expected: str
) -> None:
    _, env, root = cluster
    assert expected in _one_error_line(run(root, {**env, **change}))


@pytest.mark.parametrize("token", ["", "t\u00f6ken"])
def test_a_bad_token_file_is_one_line(cluster: tuple[ApiState, dict[str, str], Path], token: str) -> None:
    _, env, root = cluster
    (root / ACCOUNT / "token").write_text(token, encoding="utf-8")
    assert "is empty or not printable ASCII" in _one_error_line(run(root, env))


def test_unknown_node_is_an_error(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    _, env, root = cluster
    result = run(root, {**env, "NODE_NAME": "ip-10-9-9-9.ec2.internal"})
    assert result.exit_code == 2
    assert "HTTP 404" in result.output
    assert "spec.nodeName" in result.output


def test_wrong_token_is_an_error(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    state, env, root = cluster
    (root / ACCOUNT / "token").write_text("stale")
    result = run(root, env)
    assert result.exit_code == 2
    assert "HTTP 401" in result.output
    assert "check the token mounted into the pod" in result.output
    assert state.nodes[NAME]["metadata"]["annotations"] == {"boundary-policy/landlock": "false"}


def test_untrusted_server_certificate_is_refused(
    cluster: tuple[ApiState, dict[str, str], Path], tmp_path: Path
) -> None:
    state, env, root = cluster
    other = tmp_path / "other"
    other.mkdir()
    other_ca, _ = make_certificate(other)
    (root / ACCOUNT / "ca.crt").write_text(other_ca.read_text())
    result = run(root, env)
    assert result.exit_code == 2
    assert "cannot reach the API server" in result.output
    assert f"the server's certificate is not signed by {root / ACCOUNT / 'ca.crt'}" in result.output
    assert state.requests == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NODE_NAME": NAME}, "KUBERNETES_SERVICE_HOST"),
        ({"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "1"}, "needs the node name"),
        ({"NODE_NAME": "../x", "KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "1"}, "not a Node name"),
    ],
)
def test_apply_refuses_without_in_cluster_context(tmp_path: Path, env: dict[str, str], message: str) -> None:
    ca, _ = make_certificate(tmp_path)
    root = pod_root(tmp_path, ca)
    result = CliRunner().invoke(
        cli,
        ["node-facts", "--apply", "--root", str(root), "--service-account-dir", str(root / ACCOUNT)],
        env={"NODE_NAME": "", **env},
    )
    assert result.exit_code == 2
    assert message in result.output


def test_interval_loop_writes_then_stops_on_sigterm(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    """The DaemonSet's mode: a round every --interval seconds, and a prompt exit 0 on SIGTERM."""
    state, env, root = cluster
    with interval_loop(root, env) as process:
        wait_for(process, lambda: sum(request[0] == "GET" for request in state.requests) >= 2, "no second round")
        stderr = stop(process)
    assert [request[0] for request in state.requests][:3] == ["GET", "PATCH", "GET"]
    assert f"node {NAME}: set labels" in stderr
    assert f"node {NAME}: up to date" in stderr


def test_interval_loop_logs_a_failed_round_and_retries(cluster: tuple[ApiState, dict[str, str], Path]) -> None:
    """A DaemonSet pod that exits on an error crash-loops; it logs one line per failed round and goes on."""
    state, env, root = cluster
    state.canned += [Canned(200, "text/html", b"<html/>"), Canned(200, "application/json", b"[]")]
    (root / ACCOUNT / "ca.crt").rename(root / ACCOUNT / "ca.crt.real")
    (root / ACCOUNT / "ca.crt").write_text("garbage")
    with interval_loop(root, env) as process:
        time.sleep(1.5)  # at least one round with the garbage CA
        assert process.poll() is None, process.communicate()
        (root / ACCOUNT / "ca.crt.real").replace(root / ACCOUNT / "ca.crt")
        wait_for(process, lambda: "PATCH" in [request[0] for request in state.requests], "no successful round")
        stderr = stop(process)
    errors = [line for line in stderr.splitlines() if line.startswith("boundary-policy: error: ")]
    assert "not a usable PEM certificate" in errors[0]
    assert any("not JSON" in line for line in errors) and any("JSON list" in line for line in errors)
    assert all(line.endswith("(retrying in 1s)") for line in errors)
    assert "Traceback" not in stderr
    assert f"node {NAME}: set labels" in stderr
    assert state.nodes[NAME]["metadata"]["labels"]["boundary-policy/landlock"] == "true"


def test_retry_delay_doubles_up_to_the_interval() -> None:
    assert [retry_delay(failures, 600) for failures in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    assert retry_delay(1, 1) == 1
    assert retry_delay(10_000, 600) == 600
