# METADATA
# title: allowPrivilegeEscalation false breaks sudo
# description: >-
#   A non-root nsjail container escalates through sudo and setpriv (Boundary v0.6.0 and later); with
#   allowPrivilegeEscalation: false the kubelet sets no_new_privs and sudo refuses to run.
# related_resources:
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/
#     description: "Kubernetes Pod Security Standards"
# custom:
#   id: BND030
#   severity: error
#   kind: BoundaryNoNewPrivileges
#   constraint: bnd030-no-new-privileges
#   fix: >-
#     Leave allowPrivilegeEscalation unset (or true) on the Boundary container, run that container as root
#     (runAsUser: 0), or use landjail.
#   inventory: [ConfigMap, Secret]
package rules.bnd030

import data.lib.boundary
import data.lib.k8s

violation contains {"msg": msg, "details": boundary.details("BND030", c, null, field)} if {
	some c in boundary.nsjail
	c.container.securityContext.allowPrivilegeEscalation == false
	k8s.non_root(k8s.pod, c, k8s.params)
	field := array.concat(c.path, ["securityContext", "allowPrivilegeEscalation"])
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail as a non-root user with allowPrivilegeEscalation: false, so ",
			"no_new_privs stops the sudo Boundary uses to gain its capabilities; fix: remove ",
			"allowPrivilegeEscalation: false from this container, run it as root (runAsUser: 0), or use ",
			"landjail.",
		]),
		[boundary.subject(c)],
	)
}
