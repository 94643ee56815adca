# METADATA
# title: EKS Auto Mode with user namespaces
# description: >-
#   EKS Auto Mode nodes are Bottlerocket with user namespaces disabled, and Auto Mode NodeClasses offer no user data
#   or sysctl to enable them, so nsjail with a user namespace cannot run there.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://docs.aws.amazon.com/eks/latest/userguide/create-node-class.html
#     description: "Amazon EKS docs, Auto Mode NodeClass (no user data)"
#   - ref: https://github.com/coder/boundary/issues/173
#     description: "coder/boundary#173, --no-user-namespace needs SYS_ADMIN"
# custom:
#   id: BND022
#   severity: error
#   kind: BoundaryAutoModeUserNamespaces
#   constraint: bnd022-auto-mode-user-namespaces
#   fix: >-
#     Run Boundary with --no-user-namespace (no_user_namespace: true or BOUNDARY_NO_USER_NAMESPACE=true) and add
#     NET_ADMIN and SYS_ADMIN, or use landjail on nodes with kernel 6.7 or later.
#   inventory: [Node, ConfigMap, Secret, NodePool, EC2NodeClass]
package rules.bnd022

import data.lib.boundary
import data.lib.candidates

violation contains {"msg": msg, "details": boundary.details("BND022", c, summary.node, c.path)} if {
	some c in boundary.nsjail
	c.no_user_namespace.value == false
	failing := candidates.auto_mode_targets
	count(failing) > 0
	summary := candidates.summary(failing)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail with a user namespace on %s, where user namespaces are disabled and ",
			"cannot be enabled (Auto Mode NodeClasses have no user data), so the jail cannot start; fix: run ",
			"Boundary with --no-user-namespace (no_user_namespace: true or BOUNDARY_NO_USER_NAMESPACE=true) and ",
			"add NET_ADMIN and ",
			"SYS_ADMIN, or use landjail on nodes with kernel 6.7 or later.",
		]),
		[boundary.subject(c), summary.text],
	)
}
