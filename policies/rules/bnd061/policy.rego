# METADATA
# title: Landlock enablement unknown
# description: >-
#   landjail needs the Landlock LSM enabled with ABI v4, and a Node object never shows whether Landlock is enabled
#   (Bottlerocket enabled it by default only in mid-2025). Reported when no candidate node fails BND060 but for some
#   the kernel or the Landlock state is unknown.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/landjail
#     description: "Coder docs, landjail"
#   - ref: https://github.com/bottlerocket-os/bottlerocket-kernel-kit/pull/216
#     description: "bottlerocket-kernel-kit#216, Landlock enabled by default"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall
#     description: "Coder docs, Agent Firewall configuration and jail comparison"
# custom:
#   id: BND061
#   severity: warning
#   kind: BoundaryLandlockUnknown
#   constraint: bnd061-landlock-unknown
#   fix: >-
#     Confirm that /sys/kernel/security/lsm lists landlock on the node image and record it as the node label or
#     annotation boundary-policy/landlock: "true".
#   inventory: [Node, ConfigMap, Secret, NodePool, EC2NodeClass]
package rules.bnd061

import data.lib.boundary
import data.lib.candidates
import data.lib.nodes

violation contains {"msg": msg, "details": boundary.details("BND061", c, summary.node, c.path)} if {
	some c in boundary.landjail

	# After the pod's own conditions on purpose: no other pod pays for the sample.
	# regal ignore:non-loop-expression
	not _fails_in_sample
	every t in candidates.landlock_targets {
		not nodes.landlock_fails(t)
	}
	unknown := [t | some t in candidates.landlock_targets; t.landlock.state == "unknown"]
	count(unknown) > 0
	summary := candidates.summary(unknown)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's landjail on %s, where %s, and landjail fails without Landlock ABI v4; fix: ",
			"confirm that /sys/kernel/security/lsm lists landlock on the node image and record it as node ",
			"label boundary-policy/landlock: \"true\".",
		]),
		[boundary.subject(c), summary.text, nodes.landlock_unknown(summary.first)],
	)
}

# The cheapest rejection first: a target among a few Nodes where landjail fails (BND060) rules this warning out.
_fails_in_sample if {
	some t in candidates.sampled_targets("landlock")
	nodes.landlock_fails(t)
}
