# METADATA
# title: --no-user-namespace needs Boundary v0.8.1
# description: >-
#   Running Boundary without a user namespace (--no-user-namespace, BOUNDARY_NO_USER_NAMESPACE, no_user_namespace)
#   needs Boundary v0.8.1 or later; older versions reject the option. Only decided when the pod declares its
#   Boundary version with the boundary-policy/boundary-version annotation.
# related_resources:
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
# custom:
#   id: BND002
#   severity: error
#   kind: BoundaryNoUserNamespaceVersion
#   constraint: bnd002-no-user-namespace-version
#   fix: >-
#     Upgrade Boundary to v0.8.1 or later (the flag was added in coder/boundary#179), and update the
#     boundary-policy/boundary-version annotation.
#   inventory: [ConfigMap, Secret]
package rules.bnd002

import data.lib.boundary
import data.lib.boundary.annotations
import data.lib.k8s

violation contains {"msg": msg, "details": boundary.details("BND002", c, null, field)} if {
	some c in boundary.containers
	c.jail.value in boundary.jail_types
	c.no_user_namespace.value == true
	version := boundary.version(k8s.pod)
	version < [0, 8, 1]
	field := ["metadata", "annotations", annotations.version]
	msg := sprintf(
		concat("", [
			"%s runs Boundary without a user namespace (%s), but the pod declares Boundary %d.%d.%d and the ",
			"option exists only from v0.8.1, so Boundary rejects it; fix: upgrade Boundary to v0.8.1 or ",
			"later and update the boundary-policy/boundary-version annotation.",
		]),
		array.concat([boundary.subject(c), boundary.source_phrases.no_user_namespace[c.no_user_namespace.source]], version),
	)
}
