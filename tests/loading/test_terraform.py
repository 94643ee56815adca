"""Terraform input: HCL values and lines, the provider mapping, locals, count, unknowns and Boundary from templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from boundary_policy.loading import load_paths
from boundary_policy.loading.hcl import MAX_HCL_CHARACTERS, HclError, Unknown, parse_hcl
from boundary_policy.loading.terraform import (
    DERIVED_ANNOTATION,
    MODULE_RULE,
    NO_WORKLOAD_RULE,
    NOT_VISIBLE_RULE,
    OVERRIDE_RULE,
    UNKNOWN_RULE,
)
from boundary_policy.model import Document

AGENT = """
resource "coder_agent" "main" {
  os = "linux"
}
"""


def _deployment(container: str = "", template_metadata: str = "", pod: str = "", top: str = "") -> str:
    return f"""
resource "kubernetes_deployment_v1" "ws" {{
  count = data.coder_workspace.me.start_count
  {top}
  metadata {{
    name      = "ws"
    namespace = "coder"
  }}
  spec {{
    template {{
      metadata {{
        {template_metadata}
      }}
      spec {{
        {pod}
        container {{
          name    = "dev"
          image   = "img"
          command = ["sh", "-c", coder_agent.main.init_script]
          {container}
        }}
      }}
    }}
  }}
}}
"""


def _load(tmp_path: Path, *texts: str, name: str = "main.tf") -> Any:
    (tmp_path / name).write_text("\n".join(texts), encoding="utf-8")
    return load_paths([str(tmp_path)], cwd=tmp_path)


def _pod(document: Document) -> dict[str, Any]:
    template: dict[str, Any] = document.obj["spec"]["template"]
    return template


def test_hcl_values_and_lines() -> None:
    body = parse_hcl(
        'a = "x\\ty"\nb = 1.5\nc = true\nd = [1, "two", null]\ne = { k = "v", "q/r" = 2 }\n'
        'f = "n-${var.x}"\ng = <<-EOT\n    one\n      two\n    EOT\nh = "$${literal}"\n'
    )
    values = {name: attribute.expr.value for name, attribute in body.attributes.items()}
    assert values["a"] == "x\ty"
    assert values["b"] == 1.5
    assert values["c"] is True
    assert [item.value for item in values["d"]] == [1, "two", None]
    assert {key: item.value for key, item in values["e"].items()} == {"k": "v", "q/r": 2}
    assert isinstance(values["f"], Unknown) and values["f"].placeholder == "n-${var.x}"
    assert values["g"] == "one\n  two\n"
    assert values["h"] == "${literal}"
    assert [body.attributes[name].line for name in "abcdefgh"] == [1, 2, 3, 4, 5, 6, 7, 11]


@pytest.mark.parametrize(
    ("expression", "placeholder"),
    [
        ("var.image", "${var.image}"),
        ("data.coder_workspace.me.name", "${data.coder_workspace.me.name}"),
        ('var.on ? "a" : "b"', '${var.on ? "a" : "b"}'),
        ('upper("x")', '${upper("x")}'),
        ("[for s in var.l : s]", "${[for s in var.l : s]}"),
    ],
)
def test_what_only_terraform_knows_is_a_marked_placeholder(expression: str, placeholder: str) -> None:
    value = parse_hcl(f"x = {expression}\n").attributes["x"].expr.value
    assert isinstance(value, Unknown)
    assert value.placeholder == placeholder


def test_a_number_no_float_holds_is_not_infinity() -> None:
    value = parse_hcl("x = 1e999999\n").attributes["x"].expr.value
    assert isinstance(value, Unknown) and value.placeholder == "${1e999999}"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('resource "a" "b" {\n  x = \n}\n', 2),
        ("a = 1\na = 2\n", 2),
        ("x = {\n k = 1\n k = 2\n}\n", 3),
        ("locals {\n  x = <<EOT\n" + "\n" * 32_000, 2),  # unclosed: found before the parser's quadratic pattern
        ("locals {\n  x = <<-EOT\n  a\n  EOF\n}\n", 2),
        ("locals {\n  y = 1\n  x = " + "[" * 2_000 + "]" * 2_000 + "\n}\n", 3),  # nested too deeply
        ('locals {\n  x = "abc\n  y = 1\n}\n', 2),  # an unclosed string
    ],
)
def test_invalid_hcl_is_an_error_with_a_line(text: str, line: int) -> None:
    with pytest.raises(HclError) as raised:
        parse_hcl(text)
    assert raised.value.line == line


def test_invalid_hcl_is_a_load_problem_and_other_files_still_load(tmp_path: Path) -> None:
    (tmp_path / "broken.tf").write_text('resource "x" {\n  a = [\n', encoding="utf-8")
    result = _load(tmp_path, AGENT, _deployment())
    assert [d.obj["kind"] for d in result.documents] == ["Deployment"]
    assert [(p.file, p.message.split(":")[0]) for p in result.problems] == [("broken.tf", "invalid HCL")]
    (tmp_path / "broken.tf").write_bytes(b'locals {\n  x = "a\x00"\n}\n')
    (problem,) = _load(tmp_path, AGENT, _deployment()).problems
    assert (problem.line, problem.message) == (2, "binary file (NUL byte at offset 17), not HCL")


def test_provider_mapping_blocks_lists_and_values(tmp_path: Path) -> None:
    pod = """
        node_selector = { "eks.amazonaws.com/nodegroup" = "ng" }
        host_network  = true
        toleration {
          key      = "k"
          operator = "Exists"
        }
        security_context {
          fs_group = "2000"
          seccomp_profile {
            type = "RuntimeDefault"
          }
          sysctl {
            name  = "net.ipv4.ip_forward"
            value = "1"
          }
        }
        affinity {
          node_affinity {
            required_during_scheduling_ignored_during_execution {
              node_selector_term {
                match_expressions {
                  key      = "kubernetes.io/arch"
                  operator = "In"
                  values   = ["amd64"]
                }
              }
            }
          }
          pod_anti_affinity {
            required_during_scheduling_ignored_during_execution {
              topology_key = "kubernetes.io/hostname"
            }
          }
        }
        volume {
          name = "cfg"
          config_map {
            name         = "boundary"
            default_mode = "0644"
            items {
              key  = "config.yaml"
              path = "config.yaml"
            }
          }
        }
    """
    container = """
          env {
            name  = "BOUNDARY_JAIL_TYPE"
            value = "nsjail"
          }
          port {
            container_port = 8080
          }
          volume_mount {
            name       = "cfg"
            mount_path = "/home/coder/.config/coder_boundary"
          }
          security_context {
            run_as_user                = "1000"
            allow_privilege_escalation = false
            capabilities {
              add  = ["NET_ADMIN", "SYS_ADMIN"]
              drop = ["ALL"]
            }
            seccomp_profile {
              type              = "Localhost"
              localhost_profile = "profiles/clone.json"
            }
          }
    """
    result = _load(tmp_path, AGENT, _deployment(container=container, pod=pod))
    spec = _pod(result.documents[0])["spec"]
    assert spec["nodeSelector"] == {"eks.amazonaws.com/nodegroup": "ng"}
    assert spec["hostNetwork"] is True
    assert spec["tolerations"] == [{"key": "k", "operator": "Exists"}]
    assert spec["securityContext"] == {
        "fsGroup": 2000,
        "seccompProfile": {"type": "RuntimeDefault"},
        "sysctls": [{"name": "net.ipv4.ip_forward", "value": "1"}],
    }
    node_term = {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}
    assert spec["affinity"] == {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [node_term]}},
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "kubernetes.io/hostname"}]
        },
    }
    assert spec["volumes"] == [
        {
            "name": "cfg",
            "configMap": {
                "name": "boundary",
                "defaultMode": 0o644,
                "items": [{"key": "config.yaml", "path": "config.yaml"}],
            },
        }
    ]
    container_obj = spec["containers"][0]
    assert container_obj["env"] == [{"name": "BOUNDARY_JAIL_TYPE", "value": "nsjail"}]
    assert container_obj["ports"] == [{"containerPort": 8080}]
    assert container_obj["volumeMounts"] == [{"name": "cfg", "mountPath": "/home/coder/.config/coder_boundary"}]
    assert container_obj["securityContext"] == {
        "runAsUser": 1000,
        "allowPrivilegeEscalation": False,
        "capabilities": {"add": ["NET_ADMIN", "SYS_ADMIN"], "drop": ["ALL"]},
        "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/clone.json"},
    }


def test_every_field_has_its_tf_line(tmp_path: Path) -> None:
    text = AGENT + _deployment(container='security_context {\n capabilities {\n add = ["NET_ADMIN"]\n }\n }')
    result = _load(tmp_path, text)
    document = result.documents[0]
    lines = text.splitlines()
    base = ("spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add")
    assert lines[document.line_of(base) - 1].strip() == 'add = ["NET_ADMIN"]'
    assert lines[document.line_of((*base, 0)) - 1].strip() == 'add = ["NET_ADMIN"]'
    assert lines[document.line_of(("metadata", "name")) - 1].strip() == 'name      = "ws"'
    assert document.file == "main.tf"
    assert lines[document.line - 1].startswith('resource "kubernetes_deployment_v1" "ws"')


@pytest.mark.parametrize(
    ("resource", "api_version", "kind", "template"),
    [
        ("kubernetes_pod", "v1", "Pod", ()),
        ("kubernetes_pod_v1", "v1", "Pod", ()),
        ("kubernetes_stateful_set_v1", "apps/v1", "StatefulSet", ("spec", "template")),
        ("kubernetes_daemonset", "apps/v1", "DaemonSet", ("spec", "template")),
        ("kubernetes_daemon_set_v1", "apps/v1", "DaemonSet", ("spec", "template")),
        ("kubernetes_job_v1", "batch/v1", "Job", ("spec", "template")),
        ("kubernetes_cron_job_v1", "batch/v1", "CronJob", ("spec", "jobTemplate", "spec", "template")),
        ("kubernetes_cron_job", "batch/v1beta1", "CronJob", ("spec", "jobTemplate", "spec", "template")),
    ],
)
def test_every_workload_resource(
    tmp_path: Path, resource: str, api_version: str, kind: str, template: tuple[str, ...]
) -> None:
    pod_spec = 'container {\n name = "dev"\n image = "img"\n }'
    inner = f"spec {{\n{pod_spec}\n}}"
    for key in reversed(template):
        inner = f"{_tf_block(key)} {{\n{inner}\n}}"
    if not template:
        inner = f"spec {{\n{pod_spec}\n}}"
    result = _load(tmp_path, f'resource "{resource}" "w" {{\n metadata {{\n name = "w"\n }}\n{inner}\n}}\n')
    (document,) = result.documents
    assert (document.obj["apiVersion"], document.obj["kind"]) == (api_version, kind)
    node: Any = document.obj
    for key in template:
        node = node[key]
    assert node["spec"]["containers"] == [{"name": "dev", "image": "img"}]
    assert document.obj["metadata"] == {"name": "w", "namespace": "default"}  # the provider's default namespace


def _tf_block(key: str) -> str:
    return {"jobTemplate": "job_template"}.get(key, key)


def test_locals_are_substituted_and_count_zero_creates_nothing(tmp_path: Path) -> None:
    text = """
locals {
  ns     = "coder"
  caps   = ["NET_ADMIN"]
  prefix = "ws-${local.ns}"
}
resource "kubernetes_pod_v1" "off" {
  count = 0
  metadata { name = "off" }
  spec {
    container {
      name = "x"
    }
  }
}
resource "kubernetes_pod_v1" "on" {
  for_each = toset(var.users)
  metadata {
    name      = "${local.prefix}-${each.key}"
    namespace = local.ns
  }
  spec {
    container {
      name = "x"
      security_context {
        capabilities { add = local.caps }
      }
    }
  }
}
"""
    result = _load(tmp_path, text)
    (document,) = result.documents
    assert document.obj["metadata"] == {"name": "ws-coder-${each.key}", "namespace": "coder"}
    assert document.obj["spec"]["containers"][0]["securityContext"] == {"capabilities": {"add": ["NET_ADMIN"]}}


def test_unknown_values_where_rules_read_them_are_warnings(tmp_path: Path) -> None:
    container = (
        "security_context {\n privileged = var.privileged\n }\n"
        'env {\n name = "BOUNDARY_JAIL_TYPE"\n value = var.jail\n }'
    )
    result = _load(tmp_path, AGENT, _deployment(container=container, top=""))
    notes = [n for n in result.notes if n.rule == UNKNOWN_RULE]
    fields = sorted(n.message.split(" is ")[0].split(": ", 1)[1] for n in notes)
    assert fields == [
        "spec.template.spec.containers[0].env[0].value",
        "spec.template.spec.containers[0].securityContext.privileged",
    ]
    assert all(n.severity == "warning" and n.file == "main.tf" for n in notes)
    # unknown values the rules do not read (the agent's init script, the token) stay silent
    assert not any("init_script" in n.message or "token" in n.message for n in notes)


MODULE = """
module "claude-code" {
  source          = "registry.coder.com/coder/claude-code/coder"
  version         = "4.9.2"
  agent_id        = coder_agent.main.id
  enable_boundary = true
}
"""


def test_module_enable_boundary_derives_annotations_and_warns(tmp_path: Path) -> None:
    result = _load(tmp_path, AGENT, MODULE, _deployment())
    annotations = _pod(result.documents[0])["metadata"]["annotations"]
    assert annotations == {
        "boundary-policy/container": "dev",
        DERIVED_ANNOTATION: 'module "claude-code" 4.9.2 (enable_boundary = true)',
    }
    (note,) = result.notes
    assert note.rule == NOT_VISIBLE_RULE and note.severity == "warning" and note.container == "dev"
    assert '"boundary-policy/container" = "dev"' in note.message
    line = result.documents[0].line_of(("spec", "template", "metadata", "annotations", "boundary-policy/container"))
    text = (tmp_path / "main.tf").read_text(encoding="utf-8").splitlines()
    assert text[line - 1].strip() == "enable_boundary = true"


def test_annotations_written_in_the_template_need_no_derivation(tmp_path: Path) -> None:
    metadata = 'annotations = { "boundary-policy/container" = "dev" }'
    result = _load(tmp_path, AGENT, MODULE, _deployment(template_metadata=metadata))
    assert _pod(result.documents[0])["metadata"]["annotations"] == {"boundary-policy/container": "dev"}
    assert result.notes == []


def test_agent_firewall_config_gives_the_jail_options(tmp_path: Path) -> None:
    module = """
module "agent-firewall" {
  source   = "registry.coder.com/coder/agent-firewall/coder"
  version  = "0.0.3"
  agent_id = coder_agent.main.id
  agent_firewall_config = <<-EOT
    jail_type: landjail
    no_user_namespace: true
  EOT
}
"""
    metadata = 'annotations = { "boundary-policy/container" = "dev" }'
    result = _load(tmp_path, AGENT, module, _deployment(template_metadata=metadata))
    annotations = _pod(result.documents[0])["metadata"]["annotations"]
    assert annotations["boundary-policy/jail-type"] == "landjail"
    assert annotations["boundary-policy/no-user-namespace"] == "true"
    (note,) = result.notes
    assert "boundary-policy/jail-type, boundary-policy/no-user-namespace missing" in note.message


@pytest.mark.parametrize(
    ("resource", "jail"),
    [
        (
            'resource "coder_script" "c" {\n agent_id = coder_agent.main.id\n'
            ' script = "coder boundary --jail-type=landjail -- claude"\n}',
            "landjail",
        ),
        ('resource "coder_app" "c" {\n agent_id = coder_agent.main.id\n command = "agent-firewall -- claude"\n}', None),
        (
            'resource "coder_script" "c" {\n agent_id = coder_agent.main.id\n script = <<-EOT\n'
            "  mkdir -p ~/.config/coder_boundary\n  cat > ~/.config/coder_boundary/config.yaml <<'Y'\n"
            "  jail_type: nsjail\n  Y\n EOT\n}",
            "nsjail",
        ),
    ],
)
def test_scripts_and_config_files_recognise_boundary(tmp_path: Path, resource: str, jail: str | None) -> None:
    result = _load(tmp_path, AGENT, resource, _deployment())
    annotations = _pod(result.documents[0])["metadata"]["annotations"]
    assert annotations["boundary-policy/container"] == "dev"
    assert annotations.get("boundary-policy/jail-type") == jail


def test_a_script_without_boundary_recognises_nothing(tmp_path: Path) -> None:
    script = 'resource "coder_script" "c" {\n agent_id = coder_agent.main.id\n script = "echo # boundary\\nclaude"\n}'
    result = _load(tmp_path, AGENT, script, _deployment())
    assert "annotations" not in _pod(result.documents[0])["metadata"]
    assert result.notes == []


def test_boundary_env_in_the_pod_is_visible_already(tmp_path: Path) -> None:
    container = 'env {\n name = "BOUNDARY_CONFIG"\n value = "/etc/boundary.yaml"\n }'
    result = _load(tmp_path, AGENT, MODULE, _deployment(container=container))
    assert "annotations" not in _pod(result.documents[0])["metadata"]
    assert result.notes == []


def test_module_for_an_agent_without_workload_warns(tmp_path: Path) -> None:
    result = _load(tmp_path, AGENT, MODULE)
    (note,) = result.notes
    lines = (tmp_path / "main.tf").read_text(encoding="utf-8").splitlines()
    assert note.rule == NO_WORKLOAD_RULE and lines[note.line - 1].strip() == "enable_boundary = true"


def test_unknown_enable_boundary_is_a_warning_not_a_guess(tmp_path: Path) -> None:
    result = _load(
        tmp_path, AGENT, MODULE.replace("enable_boundary = true", "enable_boundary = var.firewall"), _deployment()
    )
    assert "annotations" not in _pod(result.documents[0])["metadata"]
    (note,) = result.notes
    assert note.rule == UNKNOWN_RULE and "var.firewall" in note.message


def test_files_of_one_directory_are_one_template(tmp_path: Path) -> None:
    (tmp_path / "agent.tf").write_text(AGENT + MODULE, encoding="utf-8")
    (tmp_path / "workspace.tf").write_text(_deployment(), encoding="utf-8")
    result = load_paths([str(tmp_path)], cwd=tmp_path)
    annotations = _pod(result.documents[0])["metadata"]["annotations"]
    assert annotations["boundary-policy/container"] == "dev"
    # the module is in another file: the derived annotation points at the pod template's metadata
    assert result.documents[0].file == "workspace.tf"


def test_config_maps_and_namespaces_are_read_too(tmp_path: Path) -> None:
    text = """
resource "kubernetes_namespace_v1" "ws" {
  metadata {
    name   = "coder-ws"
    labels = { "pod-security.kubernetes.io/enforce" = "baseline" }
  }
}
resource "kubernetes_config_map" "boundary" {
  metadata {
    name      = "boundary"
    namespace = "coder-ws"
  }
  data = {
    "config.yaml" = "jail_type: landjail\\n"
  }
}
"""
    result = _load(tmp_path, text)
    assert [d.obj for d in result.documents] == [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "coder-ws", "labels": {"pod-security.kubernetes.io/enforce": "baseline"}},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "boundary", "namespace": "coder-ws"},
            "data": {"config.yaml": "jail_type: landjail\n"},
        },
    ]
    assert result.documents[1].line_of(("data", "config.yaml")) == 14


def test_dynamic_blocks_are_one_instance_of_their_content(tmp_path: Path) -> None:
    container = """
          dynamic "env" {
            for_each = var.extra_env
            content {
              name  = env.key
              value = env.value
            }
          }
          dynamic "port" {
            for_each = []
            content {
              container_port = 1
            }
          }
    """
    result = _load(tmp_path, AGENT, _deployment(container=container))
    container_obj = _pod(result.documents[0])["spec"]["containers"][0]
    assert container_obj["env"] == [{"name": "${env.key}", "value": "${env.value}"}]
    assert "ports" not in container_obj and "dynamic" not in container_obj


def test_kubernetes_manifest_is_the_object_as_written(tmp_path: Path) -> None:
    text = """
resource "kubernetes_manifest" "ws" {
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata = {
      name      = "ws"
      namespace = "coder"
    }
    spec = {
      template = {
        spec = {
          containers = [{
            name    = "dev"
            command = ["sh", "-c", coder_agent.main.init_script]
            securityContext = { capabilities = { add = ["NET_ADMIN"] } }
          }]
        }
      }
    }
  }
}
resource "kubernetes_manifest" "broken" {
  manifest = var.manifest
}
"""
    result = _load(tmp_path, AGENT, MODULE, text)
    (document,) = result.documents
    container = document.obj["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"] == {"capabilities": {"add": ["NET_ADMIN"]}}
    assert document.obj["spec"]["template"]["metadata"]["annotations"]["boundary-policy/container"] == "dev"
    lines = (tmp_path / "main.tf").read_text(encoding="utf-8").splitlines()
    path = ("spec", "template", "spec", "containers", 0, "securityContext")
    assert lines[document.line_of(path) - 1].strip().startswith("securityContext = {")
    assert result.problems == []
    (note,) = [n for n in result.notes if n.rule == UNKNOWN_RULE]
    assert "manifest = var.manifest is unknown" in note.message and note.severity == "warning"


def test_annotations_written_as_an_expression_are_a_warning_and_take_the_module_s(tmp_path: Path) -> None:
    """The whole annotations map as an expression (merge, a variable) may hold the boundary-policy/ annotations:
    a warning says it is unknown; with a module that runs Boundary, the derived annotations take its place (it
    used to end the module with an AssertionError)."""
    metadata = 'annotations = merge(local.common, { "example.com/owner" = "me" })'
    common = 'locals {\n  common = { "app" = "ws" }\n}'
    result = _load(tmp_path, AGENT, MODULE, common, _deployment(template_metadata=metadata))
    assert not result.problems
    annotations = _pod(result.documents[0])["metadata"]["annotations"]
    assert annotations["boundary-policy/container"] == "dev"
    (unknown,) = [n for n in result.notes if n.rule == UNKNOWN_RULE]
    assert unknown.message.startswith("Deployment ws: spec.template.metadata.annotations is 'merge(local.common")


def test_a_namespace_s_pod_security_labels_as_an_expression_are_a_warning(tmp_path: Path) -> None:
    text = """
resource "kubernetes_namespace_v1" "a" {
  metadata {
    name   = "a"
    labels = { "pod-security.kubernetes.io/enforce" = var.level }
  }
}
resource "kubernetes_namespace_v1" "b" {
  metadata {
    name   = "b"
    labels = merge(local.common, { team = "b" })
  }
}
resource "kubernetes_namespace_v1" "c" {
  metadata {
    name   = "c"
    labels = { team = var.team }
  }
}
resource "kubernetes_namespace_v1" "d" {
  metadata {
    name   = "d"
    labels = { "${var.pss}/enforce" = "restricted" }
  }
}
"""
    notes = [n for n in _load(tmp_path, text).notes if n.rule == UNKNOWN_RULE]
    assert [(n.line, n.message.split(" is ")[0]) for n in notes] == [
        (5, 'Namespace a: metadata.labels["pod-security.kubernetes.io/enforce"]'),
        (11, "Namespace b: metadata.labels"),
        (23, "Namespace d: a key of metadata.labels"),
    ]


def test_a_reader_error_ends_its_own_module_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An internal error while reading one directory's Terraform is a problem on that directory's file; the other
    directories are read (one used to hide them all, and be reported on the first .tf file of the run)."""
    from boundary_policy.loading import terraform

    real = terraform._read_module

    def failing(sources: list[tuple[str, str]]) -> Any:
        if "broken" in sources[0][0]:
            raise AssertionError
        return real(sources)

    monkeypatch.setattr(terraform, "_read_module", failing)
    for name in ("a-ok", "broken", "z-ok"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(AGENT + _deployment(), encoding="utf-8")
    result = load_paths([str(tmp_path)], cwd=tmp_path)
    assert sorted(d.file for d in result.documents) == ["a-ok/main.tf", "z-ok/main.tf"]
    (problem,) = result.problems
    assert problem.file == "broken/main.tf"
    assert problem.message == "internal error while reading the Terraform module of this file: AssertionError"


def test_an_integer_too_long_for_python_is_a_placeholder(tmp_path: Path) -> None:
    result = _load(tmp_path, "locals {\n  x = " + "1" * 5000 + "\n}\n", AGENT, _deployment())
    assert not result.problems and len(result.documents) == 1


def test_heredocs_that_close_and_markers_in_comments_are_fine() -> None:
    body = parse_hcl("# x = <<EOT\nlocals {\n  x = <<-EOT\n    a <<EOF\n    EOF\n  EOT\n}\n")
    assert body.blocks_of("locals")


def test_a_terraform_file_too_large_to_parse_in_time_is_not_read() -> None:
    with pytest.raises(HclError) as raised:
        parse_hcl("# padding\n" * (MAX_HCL_CHARACTERS // 10 + 1))
    assert "not read" in raised.value.message


def test_an_override_file_is_not_read_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "main_override.tf").write_text(
        'resource "kubernetes_pod_v1" "ws" {\n  spec {\n    scheduler_name = "fargate-scheduler"\n  }\n}\n',
        encoding="utf-8",
    )
    result = _load(tmp_path, AGENT, _deployment())
    assert [d.file for d in result.documents] == ["main.tf"]
    assert [(n.file, n.rule, n.severity) for n in result.notes] == [("main_override.tf", OVERRIDE_RULE, "warning")]


def test_a_module_from_elsewhere_is_reported_as_not_read(tmp_path: Path) -> None:
    remote = 'module "ws_pod" {\n  source = "git::https://example.com/ws-pod.git?ref=v1"\n}\n'
    local = 'module "local" {\n  source = "./modules/pod"\n}\n'
    result = _load(tmp_path, AGENT, MODULE, remote, local, _deployment())
    notes = [n for n in result.notes if n.rule == MODULE_RULE]
    assert [(n.severity, n.message.split(":")[0]) for n in notes] == [("warning", 'module "ws_pod" (git')]


def test_locals_in_map_keys_are_substituted_and_other_keys_are_warnings(tmp_path: Path) -> None:
    """A key written as an expression: `"${local.bp}/container"` is the annotation the rules read once the local
    is substituted (it used to stay a placeholder, a silent pass); a key only Terraform knows is a warning where
    the rules read its map."""
    text = """
locals {
  bp   = "boundary-policy"
  mode = "jail-type"
}
resource "kubernetes_pod_v1" "ws" {
  metadata {
    name = "ws"
    annotations = {
      "${local.bp}/container" = "dev"
      (local.mode)            = "nsjail"
      "${var.prefix}/extra"   = "x"
    }
    labels = { (var.team_label) = "a" }
  }
  spec {
    node_selector = { "${var.pool_label}" = "bottlerocket" }
    container {
      name = "dev"
      resources {
        limits = { "${var.resource}" = "1" }
      }
    }
  }
}
"""
    result = _load(tmp_path, text)
    (document,) = result.documents
    metadata = document.obj["metadata"]
    assert metadata["annotations"] == {
        "boundary-policy/container": "dev",
        "jail-type": "nsjail",
        "${var.prefix}/extra": "x",
    }
    assert document.line_of(("metadata", "annotations", "boundary-policy/container")) == 10
    notes = [(n.line, n.message.split(", unknown")[0]) for n in result.notes if n.rule == UNKNOWN_RULE]
    assert notes == [
        (12, "Pod ws: a key of metadata.annotations is '${var.prefix}/extra'"),
        (14, "Pod ws: a key of metadata.labels is 'var.team_label'"),
        (17, "Pod ws: a key of spec.nodeSelector is '${var.pool_label}'"),
    ]


def test_terraform_json_is_said_to_be_unread_and_tfvars_json_is_not_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "extra.tf.json").write_text('{"resource": {"kubernetes_pod_v1": {"x": {}}}}', encoding="utf-8")
    (tmp_path / "terraform.tfvars.json").write_text('{"namespace": "coder"}', encoding="utf-8")
    result = _load(tmp_path, AGENT, _deployment())
    assert [document.obj["kind"] for document in result.documents] == ["Deployment"]
    (problem,) = result.problems
    assert problem.file == "extra.tf.json"
    assert problem.message.startswith("Terraform's JSON syntax (.tf.json) is not read, so the Kubernetes objects")


def test_a_pod_names_the_config_map_its_template_writes(tmp_path: Path) -> None:
    """`kubernetes_config_map_v1.boundary.metadata[0].name` is the name the template writes: the mounted Boundary
    config is found (a placeholder matched no ConfigMap, so the config went unseen, silently)."""
    text = """
locals {
  ns = "coder"
}
resource "kubernetes_config_map_v1" "boundary" {
  count = data.coder_workspace.me.start_count
  metadata {
    name      = "boundary-${local.ns}"
    namespace = local.ns
  }
  data = { "config.yaml" = "jail_type: landjail\\n" }
}
resource "kubernetes_pod_v1" "ws" {
  metadata {
    name      = "ws"
    namespace = kubernetes_config_map_v1.boundary[0].metadata.0.namespace
  }
  spec {
    container {
      name = "dev"
    }
    volume {
      name = "boundary"
      config_map { name = kubernetes_config_map_v1.boundary[0].metadata[0].name }
    }
    volume {
      name = "other"
      config_map { name = kubernetes_config_map_v1.elsewhere.metadata[0].name }
    }
  }
}
"""
    result = _load(tmp_path, text)
    config_map, pod = result.documents
    assert pod.obj["metadata"]["namespace"] == "coder"
    volumes = pod.obj["spec"]["volumes"]
    assert [v["configMap"]["name"] for v in volumes] == [
        "boundary-coder",
        "${kubernetes_config_map_v1.elsewhere.metadata[0].name}",
    ]
    assert config_map.obj["metadata"] == {"name": "boundary-coder", "namespace": "coder"}


_MOUNTED = """
resource "kubernetes_config_map_v1" "boundary" {
  for_each = toset(["k"])
  metadata { name = "boundary" }
  data = { %s }
}
resource "kubernetes_config_map_v1" "unmounted" {
  metadata { name = "other" }
  data = { "config.yaml" = var.other }
}
resource "kubernetes_pod_v1" "ws" {
  metadata { name = "ws" }
  spec {
    container { name = "dev" }
    volume {
      name = "boundary"
      config_map { name = kubernetes_config_map_v1.boundary["k"].metadata[0].name }
    }
    volume {
      name = "elsewhere"
      config_map { name = var.config_map }
    }
  }
}
"""


@pytest.mark.parametrize(
    ("data", "unknown"),
    [
        ('"config.yaml" = var.config', 'ConfigMap boundary: data["config.yaml"]'),
        ('"${var.file}" = "jail_type: landjail"', "ConfigMap boundary: a key of data"),
    ],
)
def test_a_mounted_config_map_s_unknown_data_is_a_warning(tmp_path: Path, data: str, unknown: str) -> None:
    """The rules read the Boundary config from the ConfigMaps a pod mounts (a for_each one too, and in the
    namespace the provider gives a resource written without one); what only Terraform knows there, or in the name
    of a mounted ConfigMap, may change the jail they assume. An unmounted ConfigMap says nothing."""
    result = _load(tmp_path, _MOUNTED % data)
    pod = next(d for d in result.documents if d.obj["kind"] == "Pod")
    assert pod.obj["spec"]["volumes"][0]["configMap"]["name"] == "boundary"
    notes = [n.message.split(" is ")[0] for n in result.notes if n.rule == UNKNOWN_RULE]
    assert notes == [unknown, "Pod ws: spec.volumes[1].configMap.name"]


def test_a_resource_s_default_namespace_is_what_a_reference_reads(tmp_path: Path) -> None:
    text = """
resource "kubernetes_config_map_v1" "cfg" {
  metadata { name = "cfg" }
}
resource "kubernetes_pod_v1" "ws" {
  metadata {
    name      = "ws"
    namespace = kubernetes_config_map_v1.cfg.metadata[0].namespace
  }
  spec {
    container { name = "dev" }
  }
}
"""
    result = _load(tmp_path, text)
    assert [d.obj["metadata"]["namespace"] for d in result.documents] == ["default", "default"]
    assert not [n for n in result.notes if n.rule == UNKNOWN_RULE]


def test_unknown_keys_of_a_manifest_s_pod_spec_and_container_are_warnings(tmp_path: Path) -> None:
    text = """
resource "kubernetes_manifest" "ws" {
  manifest = {
    apiVersion = "v1"
    kind       = "Pod"
    metadata   = { name = "ws", namespace = "coder" }
    spec = {
      (var.field) = true
      containers = [{ name = "dev", (var.sc) = { privileged = true } }]
    }
  }
}
"""
    notes = [n.message.split(" is ")[0] for n in _load(tmp_path, text).notes if n.rule == UNKNOWN_RULE]
    assert notes == ["Pod ws: a key of spec", "Pod ws: a key of spec.containers[0]"]


def test_keys_terraform_refuses_or_merges(tmp_path: Path) -> None:
    text = 'locals {\n  t = var.t\n}\nx = {\n  (local.t) = "d"\n  "${local.t}" = "l"\n}\n'
    merged = parse_hcl(text).attributes["x"].expr.value
    assert [(key, item.value) for key, item in merged.items()] == [("${local.t}", "l")]  # the last one, as Terraform
    for key in ("([1, 2])", "(null)"):
        with pytest.raises(HclError) as raised:
            parse_hcl(f'x = {{\n  a = 1\n  {key} = "h"\n}}\n')
        assert (raised.value.line, raised.value.message) == (3, "an object key must be a string, a number or a bool")


def test_nested_blocks_too_deep_name_a_line_and_utf16_terraform_says_so(tmp_path: Path) -> None:
    with pytest.raises(HclError) as raised:
        parse_hcl("x {\n" * 800 + "}\n" * 800)
    assert raised.value.line is not None and raised.value.message == "invalid HCL: nested too deeply"
    (tmp_path / "main.tf").write_bytes("a = 1\n".encode("utf-16"))
    (problem,) = load_paths([str(tmp_path)], cwd=tmp_path).problems
    assert problem.message == "file is UTF-16; Terraform files must be UTF-8"


def test_locals_that_repeat_each_other_stay_cheap(tmp_path: Path) -> None:
    """Each local is resolved once, and a string over 64 KiB stays a placeholder: a chain that doubles at every
    step (`l1 = "${local.l0}${local.l0}"`, ...) took exponential time."""
    lines = ["locals {", '  l0 = "xy"'] + [f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"' for i in range(1, 40)]
    container = 'env {\n name = "BOUNDARY_JAIL_TYPE"\n value = local.l39\n }'
    result = _load(tmp_path, "\n".join([*lines, "}"]), AGENT, _deployment(container=container))
    (document,) = result.documents
    value = _pod(document)["spec"]["containers"][0]["env"][0]["value"]
    assert value == "${local.l39}"  # 2**40 characters: unknown, and said so
    assert [n.rule for n in result.notes if n.rule == UNKNOWN_RULE] == [UNKNOWN_RULE]
