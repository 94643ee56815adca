# METADATA
# title: CAP_NET_ADMIN missing for nsjail
# description: >-
#   nsjail creates a veth pair, addresses and iptables NAT rules, which need CAP_NET_ADMIN in the container that
#   runs Boundary. The effective capability set follows containerd: privileged gives all, drop ALL empties the
#   default set, then adds, then individual drops.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/docker
#     description: "Coder docs, nsjail on Docker (capabilities and seccomp)"
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
#   - ref: https://github.com/containerd/containerd
#     description: "containerd CRI capability handling and default seccomp profile"
# custom:
#   id: BND010
#   severity: error
#   kind: BoundaryNetAdminMissing
#   constraint: bnd010-net-admin-missing
#   fix: >-
#     Add NET_ADMIN to the container that runs Boundary: securityContext: {capabilities: {add: [NET_ADMIN]}}.
#   inventory: [ConfigMap, Secret]
package rules.bnd010

import data.lib.boundary
import data.lib.capabilities

violation contains {"msg": msg, "details": boundary.details("BND010", c, null, _field(c))} if {
	some c in boundary.nsjail
	not capabilities.has(c.container, "NET_ADMIN")
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail without CAP_NET_ADMIN in its capability set%s, so Boundary cannot ",
			"create the jail's veth pair and iptables rules; fix: add NET_ADMIN to the container ",
			"(securityContext: {capabilities: {add: [NET_ADMIN]}}).",
		]),
		[boundary.subject(c), _dropped(c)],
	)
}

# Where NET_ADMIN is dropped, else the container's securityContext.
_field(c) := array.concat(c.path, ["securityContext", "capabilities", "drop", indexes[0]]) if {
	indexes := [i |
		some i, name in c.container.securityContext.capabilities.drop
		capabilities.normalize(name) in {"NET_ADMIN", "ALL"}
	]
	count(indexes) > 0
} else := boundary.security_context_field(c)

_dropped(c) := " (capabilities.drop removes it)" if {
	some name in c.container.securityContext.capabilities.drop
	capabilities.normalize(name) in {"NET_ADMIN", "ALL"}
} else := ""
