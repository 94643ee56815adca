# METADATA
# title: hostNetwork with nsjail
# description: >-
#   In a hostNetwork pod nsjail creates its veth pair, the fixed 192.168.100.1/24 address and its NAT and FORWARD
#   rules in the node's network namespace, where two such pods on one node collide.
# related_resources:
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
# custom:
#   id: BND041
#   severity: warning
#   kind: BoundaryHostNetwork
#   constraint: bnd041-host-network
#   fix: >-
#     Remove hostNetwork: true from the pod that runs Boundary with nsjail.
#   inventory: [ConfigMap, Secret]
package rules.bnd041

import data.lib.boundary
import data.lib.k8s

violation contains {"msg": msg, "details": boundary.details("BND041", c, null, ["spec", "hostNetwork"])} if {
	k8s.pod.spec.hostNetwork == true
	some c in boundary.nsjail
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail in a hostNetwork pod, so the jail's veth pair, its 192.168.100.1/24 ",
			"address and its NAT and FORWARD rules land in the node's network namespace and collide with any ",
			"other such pod on the node; fix: remove hostNetwork: true.",
		]),
		[boundary.subject(c)],
	)
}
