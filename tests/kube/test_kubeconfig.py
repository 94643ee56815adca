"""Reading a kubeconfig as kubectl does: merged KUBECONFIG files, the current or a named context, tokens (inline,
tokenFile relative to the kubeconfig, exec plugins) and clear errors. The API server side is tested against the
real kube-apiserver in tests/cluster/test_inventory_from_cluster.py."""

from __future__ import annotations

import base64
import json
import ssl
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from boundary_policy.kube.kubeconfig import KubeConfigError, connect


def kubeconfig(path: Path, contexts: dict[str, dict[str, Any]], current: str | None = None) -> Path:
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [],
        "users": [],
        "contexts": [],
    }
    for name, user in contexts.items():
        config["clusters"].append({"name": name, "cluster": {"server": f"https://{name}.example:6443"}})
        config["users"].append({"name": name, "user": user})
        config["contexts"].append({"name": name, "context": {"cluster": name, "user": name}})
    if current:
        config["current-context"] = current
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    return tmp_path


def test_the_current_context_and_an_inline_token(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kubeconfig(env / "config", {"prod": {"token": "abc"}, "dev": {"token": "xyz"}}, current="prod")
    monkeypatch.setenv("KUBECONFIG", str(path))
    connection = connect()
    assert (connection.context, connection.server) == ("prod", "https://prod.example:6443")
    assert connection.headers == {"Authorization": "Bearer abc"}
    assert isinstance(connection.verify, ssl.SSLContext)
    assert connect("dev").headers == {"Authorization": "Bearer xyz"}


def test_home_kube_config_is_the_default(env: Path) -> None:
    (env / ".kube").mkdir()
    kubeconfig(env / ".kube" / "config", {"home": {"token": "t"}}, current="home")
    assert connect().context == "home"


def test_kubeconfig_files_merge_first_wins(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = kubeconfig(env / "a", {"shared": {"token": "first"}})
    second = kubeconfig(env / "b", {"shared": {"token": "second"}, "other": {"token": "o"}}, current="other")
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    assert connect().context == "other"  # the first file sets no current context
    assert connect("shared").headers["Authorization"] == "Bearer first"


def test_token_file_is_relative_to_the_kubeconfig(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (env / "conf").mkdir()
    (env / "conf" / "token").write_text("from-file\n")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(env / "conf" / "config", {"c": {"tokenFile": "token"}}, "c")))
    assert connect().headers["Authorization"] == "Bearer from-file"


def test_an_exec_plugin_gives_the_token(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = env / "get-token"
    credential = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential"}
    plugin.write_text(
        "#!/bin/sh\n"
        # kubectl's contract: the plugin gets KUBERNETES_EXEC_INFO and its env entries, prints an ExecCredential.
        'case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) exit 3 ;; esac\n'
        f"echo '{json.dumps({**credential, 'status': {'token': 'PLACEHOLDER'}})}' | sed \"s/PLACEHOLDER/$1-$REGION/\"\n"
    )
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": str(plugin),
            "args": ["eks"],
            "env": [{"name": "REGION", "value": "us-west-2"}],
        }
    }
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(env / "config", {"eks": user}, "eks")))
    assert connect().headers["Authorization"] == "Bearer eks-us-west-2"


def test_a_failing_exec_plugin_is_an_error_with_its_stderr(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = env / "broken"
    plugin.write_text("#!/bin/sh\necho 'token expired: run aws sso login' >&2\nexit 1\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(env / "config", {"x": {"exec": {"command": str(plugin)}}}, "x")))
    with pytest.raises(KubeConfigError, match="exited 1: token expired: run aws sso login"):
        connect()


def test_a_certificate_authority_given_as_data_is_used(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = kubeconfig(env / "config", {"c": {"token": "t"}}, "c")
    config = yaml.safe_load(path.read_text())
    config["clusters"][0]["cluster"]["certificate-authority-data"] = base64.b64encode(b"not a certificate").decode()
    path.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", str(path))
    with pytest.raises(KubeConfigError, match="the certificate authority cannot be used"):
        connect()


@pytest.mark.parametrize(
    ("user", "current", "name", "message"),
    [
        ({"token": "t"}, None, None, "the kubeconfig has no current context"),
        ({"token": "t"}, "c", "other", "no context 'other' in the kubeconfig (contexts: c)"),
        ({"auth-provider": {"name": "gcp"}}, "c", None, "auth-provider credentials are not supported"),
        ({"tokenFile": "missing"}, "c", None, "cannot read tokenFile"),
    ],
)
def test_unusable_kubeconfigs_say_why(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    user: dict[str, Any],
    current: str | None,
    name: str | None,
    message: str,
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(env / "config", {"c": user}, current)))
    with pytest.raises(KubeConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        connect(name)


def test_no_kubeconfig_at_all(env: Path) -> None:
    with pytest.raises(KubeConfigError, match="no kubeconfig found"):
        connect()
