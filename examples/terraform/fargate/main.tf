# A Coder template whose workspaces run on EKS Fargate (the pod template names the fargate-scheduler, and the
# namespace fargate-ws is selected by the Fargate profile coder-agents). Claude Code runs behind Boundary through
# the claude-code module's enable_boundary, but the pod template carries no boundary-policy/ annotation, so the
# cluster's Gatekeeper would not know this pod runs Boundary: eval derives the annotations from the module (and
# warns that the cluster cannot see them), then checks the pod. nsjail cannot run on Fargate, which rejects the
# added NET_ADMIN capability.
# Expected: BND040 (error), tf-boundary-not-visible (warning: add the annotations to the pod template).

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

module "claude-code" {
  count           = data.coder_workspace.me.start_count
  source          = "registry.coder.com/coder/claude-code/coder"
  version         = "4.9.2"
  agent_id        = coder_agent.main.id
  workdir         = "/home/coder/project"
  enable_boundary = true
}

resource "kubernetes_deployment_v1" "main" {
  count = data.coder_workspace.me.start_count

  metadata {
    name      = "coder-${data.coder_workspace_owner.me.name}-fargate"
    namespace = "fargate-ws"
    labels = {
      "app.kubernetes.io/name" = "coder-workspace"
      compute                  = "fargate"
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
          "app.kubernetes.io/name" = "coder-workspace"
          compute                  = "fargate"
        }
      }

      spec {
        scheduler_name = "fargate-scheduler"

        container {
          name    = "dev"
          image   = "codercom/enterprise-base:ubuntu"
          command = ["sh", "-c", coder_agent.main.init_script]

          env {
            name  = "CODER_AGENT_TOKEN"
            value = coder_agent.main.token
          }

          security_context {
            run_as_user = "0"
            capabilities {
              add = ["NET_ADMIN"]
            }
          }
        }
      }
    }
  }
}
