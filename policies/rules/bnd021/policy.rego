# METADATA
# title: No user namespace without SYS_ADMIN
# description: >-
#   With --no-user-namespace nsjail creates its network namespace directly, which needs CAP_SYS_ADMIN in the
#   container that runs Boundary (coder/boundary#173).
# related_resources:
#   - ref: https://github.com/coder/boundary/issues/173
#     description: "coder/boundary#173, --no-user-namespace needs SYS_ADMIN"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
# custom:
#   id: BND021
#   severity: error
#   kind: BoundaryNoUserNamespaceSysAdmin
#   constraint: bnd021-no-user-namespace-sys-admin
#   fix: >-
#     Add SYS_ADMIN next to NET_ADMIN: securityContext: {capabilities: {add: [NET_ADMIN, SYS_ADMIN]}}.
#   inventory: [ConfigMap, Secret]
package rules.bnd021

import data.lib.boundary
import data.lib.capabilities

violation contains {"msg": msg, "details": boundary.details("BND021", c, null, boundary.security_context_field(c))} if {
	some c in boundary.nsjail
	c.no_user_namespace.value == true
	not capabilities.has(c.container, "SYS_ADMIN")
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail without a user namespace (%s) but without CAP_SYS_ADMIN, and creating ",
			"a network namespace outside a user namespace needs CAP_SYS_ADMIN; fix: add SYS_ADMIN ",
			"(securityContext: {capabilities: {add: [NET_ADMIN, SYS_ADMIN]}}).",
		]),
		[boundary.subject(c), boundary.source_phrases.no_user_namespace[c.no_user_namespace.source]],
	)
}
