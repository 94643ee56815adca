# A Coder template for EKS managed nodes running Amazon Linux 2023 (node group ws-al2023-133, kernel 6.12).
# Claude Code runs behind Agent Firewall (Boundary) through the claude-code module's enable_boundary, which starts
# Boundary from a wrapper script inside the "dev" container: the pod spec shows nothing of it, so the pod template
# declares it with boundary-policy/ annotations (docs/configuration.md), and the cluster sees what eval sees.
# The workspace runs as uid 1000 with NET_ADMIN only: Boundary's nsjail escalates with sudo/setpriv and asks for
# SYS_ADMIN, which is not in the container's bounding set.
# Expected: BND031 (warning: add SYS_ADMIN, or run the container as root).

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

provider "coder" {}

provider "kubernetes" {
  config_path = null # in-cluster: Coder's provisioner runs inside EKS
}

data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

locals {
  namespace = "coder"
  image     = "codercom/enterprise-base:ubuntu"
  labels = {
    "app.kubernetes.io/name"    = "coder-workspace"
    "app.kubernetes.io/part-of" = "coder"
    "com.coder.resource"        = "true"
  }
}

resource "coder_agent" "main" {
  arch           = "amd64"
  os             = "linux"
  startup_script = <<-EOT
    set -e
    mkdir -p ~/project
  EOT
}

module "claude-code" {
  source          = "registry.coder.com/coder/claude-code/coder"
  version         = "4.9.2"
  agent_id        = coder_agent.main.id
  workdir         = "/home/coder/project"
  enable_boundary = true
}

resource "kubernetes_deployment_v1" "main" {
  count            = data.coder_workspace.me.start_count
  wait_for_rollout = false

  metadata {
    name      = "coder-${data.coder_workspace_owner.me.name}-${lower(data.coder_workspace.me.name)}"
    namespace = local.namespace
    labels    = local.labels
  }

  spec {
    replicas = 1
    selector {
      match_labels = local.labels
    }
    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        labels = local.labels
        annotations = {
          "boundary-policy/container" = "dev"
          "boundary-policy/jail-type" = "nsjail"
        }
      }

      spec {
        node_selector = {
          "eks.amazonaws.com/nodegroup" = "ws-al2023-133"
        }

        container {
          name              = "dev"
          image             = local.image
          image_pull_policy = "Always"
          command           = ["sh", "-c", coder_agent.main.init_script]

          env {
            name  = "CODER_AGENT_TOKEN"
            value = coder_agent.main.token
          }

          security_context {
            run_as_user = "1000"
            capabilities {
              add = ["NET_ADMIN"]
            }
          }

          resources {
            requests = {
              cpu    = "500m"
              memory = "1Gi"
            }
            limits = {
              cpu    = "4"
              memory = "8Gi"
            }
          }

          volume_mount {
            name       = "home"
            mount_path = "/home/coder"
          }
        }

        volume {
          name = "home"
          empty_dir {}
        }
      }
    }
  }
}
