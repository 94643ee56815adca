"""`boundary-policy node-facts` output formats: text, json and kubectl command lines."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from click.testing import CliRunner

from boundary_policy.cli import cli
from tests.nodefacts.test_read import fake_root


def invoke(root: Path, *args: str, node: str = "") -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["node-facts", "--root", str(root), *args], env={"NODE_NAME": node})
    return result.exit_code, result.output


def test_json_contract(tmp_path: Path) -> None:
    root = fake_root(tmp_path, userns="0", lsm="capability,selinux", osrelease="6.1.129")
    code, output = invoke(root, "-o", "json", node="ip-10-0-1-5.ec2.internal")
    assert code == 0
    document = json.loads(output)
    assert document["version"] == 1
    assert document["node"] == "ip-10-0-1-5.ec2.internal"
    assert document["kernelRelease"] == "6.1.129"
    assert [(fact["key"], fact["value"]) for fact in document["facts"]] == [
        ("boundary-policy/max-user-namespaces", "0"),
        ("boundary-policy/landlock", "false"),
        ("boundary-policy/seccomp-default", None),
    ]
    assert document["set"] == {"boundary-policy/max-user-namespaces": "0", "boundary-policy/landlock": "false"}


def test_text_names_unknown_facts(tmp_path: Path) -> None:
    code, output = invoke(fake_root(tmp_path, userns="65536"), "--seccomp-default", "false")
    assert code == 0
    lines = output.splitlines()
    assert lines[0] == "node: (unknown: set NODE_NAME or --node)"
    assert any(line.startswith("boundary-policy/max-user-namespaces") and '"65536"' in line for line in lines)
    assert any(line.startswith("boundary-policy/landlock") and "unknown, not written" in line for line in lines)
    assert any(line.startswith("boundary-policy/seccomp-default") and '"false"' in line for line in lines)


def test_kubectl_lines_for_node_name_variable(tmp_path: Path) -> None:
    code, output = invoke(fake_root(tmp_path, userns="65536", lsm="landlock"), "-o", "kubectl")
    assert code == 0
    label, annotate = output.splitlines()
    assert label == (
        'kubectl label node "$NODE_NAME" boundary-policy/max-user-namespaces=65536 '
        "boundary-policy/landlock=true --overwrite"
    )
    assert annotate == label.replace("kubectl label", "kubectl annotate")


def test_kubectl_lines_quote_the_node_and_skip_unknown(tmp_path: Path) -> None:
    code, output = invoke(
        fake_root(tmp_path, lsm="selinux"), "-o", "kubectl", "--target", "annotations", "--node", "node-1"
    )
    assert code == 0
    assert shlex.split(output) == [
        "kubectl",
        "annotate",
        "node",
        "node-1",
        "boundary-policy/landlock=false",
        "--overwrite",
    ]


def test_kubectl_with_nothing_known_is_a_shell_comment(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, "-o", "kubectl")
    assert code == 0
    assert output.startswith("#")
    assert shlex.split(output, comments=True) == []


def test_interval_needs_apply(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, "--interval", "5")
    assert code == 2
    assert "--interval only makes sense with --apply" in output
