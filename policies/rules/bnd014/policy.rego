# METADATA
# title: Localhost seccomp profile cannot be verified
# description: >-
#   A Localhost seccomp profile lives on the node under /var/lib/kubelet/seccomp, not in the manifest: if it is
#   missing the container fails with CreateContainerError, and if it blocks namespace clone (nsjail) or the landlock
#   syscalls (landjail) Boundary fails.
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/node/seccomp/
#     description: "Kubernetes docs, seccomp (field precedence, Localhost profiles)"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/docker
#     description: "Coder docs, nsjail on Docker (capabilities and seccomp)"
# custom:
#   id: BND014
#   severity: warning
#   kind: BoundaryLocalhostSeccomp
#   constraint: bnd014-localhost-seccomp
#   fix: >-
#     Make sure the profile file exists under /var/lib/kubelet/seccomp/ on every node and allows clone with
#     CLONE_NEWUSER|CLONE_NEWNET (nsjail) or landlock_create_ruleset, landlock_add_rule and landlock_restrict_self
#     (landjail).
#   inventory: [ConfigMap, Secret]
package rules.bnd014

import data.lib.boundary
import data.lib.k8s
import data.lib.seccomp

_needs := {
	"nsjail": "clone with CLONE_NEWUSER|CLONE_NEWNET",
	"landjail": "landlock_create_ruleset, landlock_add_rule and landlock_restrict_self",
}

violation contains {"msg": msg, "details": boundary.details("BND014", c, null, profile.field)} if {
	some c in boundary.containers
	c.jail.value in boundary.jail_types
	profile := seccomp.explicit(k8s.pod, c)
	profile.type == "Localhost"
	msg := sprintf(
		concat("", [
			"%s runs Boundary's %s under the Localhost seccomp profile %q, whose content is on the node and ",
			"cannot be checked, and the jail fails if it is missing or blocks %s; fix: make sure ",
			"/var/lib/kubelet/seccomp/%s exists on every node and allows %s.",
		]),
		[
			boundary.subject(c), c.jail.value, profile.localhost_profile, _needs[c.jail.value],
			profile.localhost_profile, _needs[c.jail.value],
		],
	)
}
