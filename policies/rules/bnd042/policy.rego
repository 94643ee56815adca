# METADATA
# title: privileged used for nsjail
# description: >-
#   privileged: true gives every capability and always runs Unconfined, but it does not enable user namespaces
#   (BND020 still applies) and Pod Security baseline/restricted and Fargate reject it; Option A or B grants only
#   what nsjail needs.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://kubernetes.io/docs/reference/node/seccomp/
#     description: "Kubernetes docs, seccomp (field precedence, Localhost profiles)"
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/
#     description: "Kubernetes Pod Security Standards"
#   - ref: https://docs.aws.amazon.com/eks/latest/userguide/fargate.html
#     description: "Amazon EKS docs, Fargate considerations"
# custom:
#   id: BND042
#   severity: info
#   kind: BoundaryPrivileged
#   constraint: bnd042-privileged
#   fix: >-
#     Drop privileged: true and use Option A (NET_ADMIN and seccompProfile: {type: Unconfined}) or Option B
#     (NET_ADMIN and SYS_ADMIN).
#   inventory: [ConfigMap, Secret]
package rules.bnd042

import data.lib.boundary
import data.lib.capabilities

violation contains {"msg": msg, "details": boundary.details("BND042", c, null, field)} if {
	some c in boundary.nsjail
	capabilities.privileged(c.container)
	field := array.concat(c.path, ["securityContext", "privileged"])
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail with privileged: true, which grants every capability and Unconfined ",
			"seccomp but does not enable user namespaces and is rejected by Pod Security baseline/restricted ",
			"and by Fargate; fix: drop privileged and use Option A (NET_ADMIN and seccompProfile: {type: ",
			"Unconfined}) or Option B (NET_ADMIN and SYS_ADMIN).",
		]),
		[boundary.subject(c)],
	)
}
