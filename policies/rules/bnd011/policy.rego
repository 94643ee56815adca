# METADATA
# title: Capability written with a CAP_ prefix
# description: >-
#   Kubernetes capability names have no CAP_ prefix: containerd prepends CAP_ itself, so CAP_NET_ADMIN becomes the
#   invalid CAP_CAP_NET_ADMIN and the container does not start. Every other rule counts such an entry as the
#   capability it names.
# related_resources:
#   - ref: https://github.com/containerd/containerd
#     description: "containerd CRI capability handling and default seccomp profile"
#   - ref: https://github.com/kubernetes/kubernetes/issues/33104
#     description: "kubernetes#33104, Unknown capability to add: \"CAP_CAP_NET_ADMIN\""
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
# custom:
#   id: BND011
#   severity: error
#   kind: BoundaryCapPrefix
#   constraint: bnd011-cap-prefix
#   fix: >-
#     Write capability names without the prefix: NET_ADMIN, SYS_ADMIN.
#   inventory: [ConfigMap, Secret]
package rules.bnd011

import data.lib.boundary
import data.lib.capabilities

violation contains {"msg": msg, "details": boundary.details("BND011", c, null, field)} if {
	some c in boundary.containers
	c.jail.value in boundary.jail_types
	some entry in capabilities.prefixed(c.container)
	field := array.concat(c.path, ["securityContext", "capabilities", entry.op, entry.index])
	msg := sprintf(
		concat("", [
			"%s lists capability %q in capabilities.%s, but containerd prepends CAP_ to every name, so the ",
			"runtime sees CAP_%s and the container running Boundary fails to start; fix: write %q.",
		]),
		[boundary.subject(c), entry.name, entry.op, upper(entry.name), capabilities.normalize(entry.name)],
	)
}
