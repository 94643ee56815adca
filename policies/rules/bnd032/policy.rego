# METADATA
# title: nsjail image prerequisites
# description: >-
#   nsjail runs ip, iptables and sysctl inside the container, and as non-root also passwordless sudo and setpriv
#   (util-linux); none of this is visible in a manifest.
# related_resources:
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
#   - ref: https://github.com/coder/images
#     description: "coder/images (enterprise-base: coder user with passwordless sudo)"
# custom:
#   id: BND032
#   severity: info
#   kind: BoundaryImagePrerequisites
#   constraint: bnd032-image-prerequisites
#   fix: >-
#     Use an image that has ip (iproute2), iptables and sysctl, plus sudo (passwordless for the container user) and
#     setpriv when it runs as non-root, e.g. codercom/enterprise-base:ubuntu.
#   inventory: [ConfigMap, Secret]
package rules.bnd032

import data.lib.boundary
import data.lib.k8s

violation contains {"msg": msg, "details": boundary.details("BND032", c, null, array.concat(c.path, ["image"]))} if {
	some c in boundary.nsjail
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail, so its image %q needs %s, which a manifest cannot show; fix: use an ",
			"image that has them, e.g. codercom/enterprise-base:ubuntu.",
		]),
		[boundary.subject(c), object.get(c.container, "image", ""), _tools(c)],
	)
}

_tools(c) := "ip (iproute2), iptables, sysctl, setpriv (util-linux) and passwordless sudo for its user" if {
	k8s.non_root(k8s.pod, c, k8s.params)
} else := "ip (iproute2), iptables and sysctl, plus setpriv and passwordless sudo if it runs as non-root"
