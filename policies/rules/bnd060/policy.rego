# METADATA
# title: Kernel too old for Landlock V4
# description: >-
#   landjail applies Landlock ABI v4 network rules without a best-effort fallback, so it fails with "failed to apply
#   Landlock network restrictions" on kernels older than 6.7 or where Landlock is disabled. Read from
#   status.nodeInfo.kernelVersion of every candidate node; a Fargate node with an unknown kernel fails too (AWS
#   documents 5.10).
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/landjail
#     description: "Coder docs, landjail"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall
#     description: "Coder docs, Agent Firewall configuration and jail comparison"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://github.com/bottlerocket-os/bottlerocket-kernel-kit/pull/216
#     description: "bottlerocket-kernel-kit#216, Landlock enabled by default"
# custom:
#   id: BND060
#   severity: error
#   kind: BoundaryKernelTooOldForLandlock
#   constraint: bnd060-kernel-too-old-for-landlock
#   fix: >-
#     Run landjail on nodes with kernel 6.7 or later and Landlock enabled (e.g. Bottlerocket aws-k8s-1.33 and later,
#     non-FIPS, or AL2023 AMIs for Kubernetes 1.33 and later), or use nsjail.
#   inventory: [Node, ConfigMap, Secret, NodePool, EC2NodeClass]
package rules.bnd060

import data.lib.boundary
import data.lib.candidates
import data.lib.nodes

violation contains {"msg": msg, "details": boundary.details("BND060", c, summary.node, c.path)} if {
	some c in boundary.landjail
	failing := [t | some t in candidates.landlock_targets; nodes.landlock_fails(t)]
	count(failing) > 0
	summary := candidates.summary(failing)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's landjail on %s, %s, and landjail needs Landlock ABI v4 (Linux 6.7 or later ",
			"with Landlock enabled) or fails with \"failed to apply Landlock network restrictions\"; fix: run ",
			"it on nodes with kernel 6.7 or later and Landlock enabled (e.g. Bottlerocket aws-k8s-1.33 and ",
			"later, non-FIPS, or AL2023 for Kubernetes 1.33 and later), or use nsjail.",
		]),
		[boundary.subject(c), summary.text, nodes.landlock_failure(summary.first)],
	)
}
