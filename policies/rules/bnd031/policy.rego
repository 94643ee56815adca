# METADATA
# title: Non-root escalation asks for SYS_ADMIN
# description: >-
#   Boundary v0.6.0 and later, run as non-root, re-executes itself through sudo and setpriv with --inh-caps
#   +net_admin,+sys_admin; setpriv fails when SYS_ADMIN is not in the bounding set, so NET_ADMIN alone (the Amazon
#   Linux example and Option A) holds only for root. Not verified on EKS.
# related_resources:
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
# custom:
#   id: BND031
#   severity: warning
#   kind: BoundaryNonRootSysAdmin
#   constraint: bnd031-non-root-sys-admin
#   fix: >-
#     Add SYS_ADMIN (Option B: capabilities.add: [NET_ADMIN, SYS_ADMIN]), or run the Boundary container as root
#     (runAsUser: 0), or use landjail.
#   inventory: [ConfigMap, Secret]
package rules.bnd031

import data.lib.boundary
import data.lib.capabilities
import data.lib.k8s

violation contains {"msg": msg, "details": boundary.details("BND031", c, null, boundary.security_context_field(c))} if {
	some c in boundary.nsjail
	not capabilities.has(c.container, "SYS_ADMIN")
	k8s.non_root(k8s.pod, c, k8s.params)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail as a non-root user without CAP_SYS_ADMIN in its capability set, and ",
			"Boundary (v0.6.0 and later) re-executes itself through sudo and setpriv asking for ",
			"+net_admin,+sys_admin, which fails with \"setpriv: apply capabilities: Operation not ",
			"permitted\"; fix: Option B, add SYS_ADMIN (capabilities.add: [NET_ADMIN, SYS_ADMIN]), or run the ",
			"container as root (runAsUser: 0), or use landjail.",
		]),
		[boundary.subject(c)],
	)
}
