# METADATA
# title: Seccomp default of the node unknown
# description: >-
#   The Boundary container sets no seccompProfile and lacks CAP_SYS_ADMIN, so whether nsjail can create namespaces
#   depends on the kubelet seccompDefault of the node, which is unknown for a candidate node (unknown OS, EKS Auto
#   Mode, unparseable Bottlerocket version, or no inventory).
# related_resources:
#   - ref: https://kubernetes.io/docs/reference/node/seccomp/
#     description: "Kubernetes docs, seccomp (field precedence, Localhost profiles)"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://github.com/bottlerocket-os/bottlerocket
#     description: "Bottlerocket README (settings.kernel.sysctl, kubelet seccomp default)"
# custom:
#   id: BND013
#   severity: warning
#   kind: BoundarySeccompDefaultUnknown
#   constraint: bnd013-seccomp-default-unknown
#   fix: >-
#     Set the profile explicitly so the result does not depend on the kubelet: Option A (NET_ADMIN and
#     seccompProfile: {type: Unconfined} on the container) or Option B (NET_ADMIN and SYS_ADMIN).
#   inventory: [Node, ConfigMap, Secret, NodePool, EC2NodeClass]
package rules.bnd013

import data.lib.boundary
import data.lib.candidates
import data.lib.capabilities
import data.lib.k8s
import data.lib.seccomp

violation contains {"msg": msg, "details": boundary.details("BND013", c, summary.node, field)} if {
	some c in boundary.nsjail
	not capabilities.has(c.container, "SYS_ADMIN")
	not seccomp.explicit(k8s.pod, c)

	# After the pod's own conditions on purpose: no other pod pays for the sample.
	# regal ignore:non-loop-expression
	not _fails_in_sample
	every t in candidates.non_fargate_seccomp_targets {
		not _fails(t)
	}
	unknown := [t | some t in candidates.non_fargate_seccomp_targets; t.seccomp_default.state == "unknown"]
	count(unknown) > 0
	summary := candidates.summary(unknown)
	field := boundary.security_context_field(c)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail with no seccompProfile and without CAP_SYS_ADMIN, and the kubelet ",
			"seccomp default of %s is unknown (%s): under RuntimeDefault the jail cannot create its ",
			"namespaces; fix: set the profile explicitly, Option A (NET_ADMIN and seccompProfile: {type: ",
			"Unconfined} on this container) or Option B (NET_ADMIN and SYS_ADMIN).",
		]),
		[boundary.subject(c), summary.text, summary.first.seccomp_default.why],
	)
}

# A kubelet that defaults to RuntimeDefault: where BND010 applies instead.
_fails(t) if t.seccomp_default.state == "true"

# The cheapest rejection first: a failing target among a few Nodes rules this warning out.
_fails_in_sample if {
	some t in candidates.sampled_targets("seccomp")
	t.class != "fargate"
	_fails(t)
}
