# A Coder template for EKS nodes running stock Bottlerocket aws-k8s-1.33 (node group ws-bottlerocket-133: user
# namespaces disabled, kubelet seccompDefault on). Boundary comes from the agent-firewall module, whose config sets
# no_user_namespace: true (the Bottlerocket choice when the node's user data is not yours to change), and a
# coder_script runs Claude Code through the module's wrapper. The pod template declares both facts with
# boundary-policy/ annotations. But the container adds NET_ADMIN only: without a user namespace, nsjail's
# CLONE_NEWNET needs CAP_SYS_ADMIN, and the runtime's default seccomp profile blocks it without SYS_ADMIN.
# Expected: BND012, BND021 (errors: add SYS_ADMIN).

terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
    kubernetes = {
      source = "hashicorp/kubernetes"
    }
  }
}

data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

resource "coder_agent" "main" {
  arch = "amd64"
  os   = "linux"
}

module "agent-firewall" {
  source   = "registry.coder.com/coder/agent-firewall/coder"
  version  = "0.0.3"
  agent_id = coder_agent.main.id
  agent_firewall_config = <<-EOT
    no_user_namespace: true
    proxy_port: 8087
    log_level: warn
    allowlist:
      - domain=api.anthropic.com
      - domain=github.com
  EOT
}

resource "coder_script" "claude" {
  agent_id     = coder_agent.main.id
  display_name = "Claude Code (Agent Firewall)"
  run_on_start = true
  script       = <<-EOT
    #!/bin/bash
    set -e
    "${module.agent-firewall.agent_firewall_wrapper_path}" --config="${module.agent-firewall.agent_firewall_config_path}" -- claude -p "review the open pull requests"
  EOT
}

resource "kubernetes_deployment" "main" {
  count = data.coder_workspace.me.start_count

  metadata {
    name      = "coder-${lower(data.coder_workspace.me.id)}"
    namespace = "coder"
    labels = {
      "app.kubernetes.io/name"    = "coder-workspace"
      "app.kubernetes.io/part-of" = "coder"
    }
  }

  spec {
    replicas = 1
    selector {
      match_labels = {
        "app.kubernetes.io/name" = "coder-workspace"
      }
    }

    template {
      metadata {
        labels = {
          "app.kubernetes.io/name"    = "coder-workspace"
          "app.kubernetes.io/part-of" = "coder"
        }
        annotations = {
          "boundary-policy/container"         = "dev"
          "boundary-policy/no-user-namespace" = "true"
        }
      }

      spec {
        node_selector = {
          "eks.amazonaws.com/nodegroup" = "ws-bottlerocket-133"
        }

        toleration {
          key      = "coder.com/workspaces"
          operator = "Exists"
          effect   = "NoSchedule"
        }

        container {
          name    = "dev"
          image   = "codercom/enterprise-base:ubuntu"
          command = ["sh", "-c", coder_agent.main.init_script]

          env {
            name  = "CODER_AGENT_TOKEN"
            value = coder_agent.main.token
          }

          security_context {
            run_as_user = 0
            capabilities {
              add = ["NET_ADMIN"]
            }
          }
        }
      }
    }
  }
}
