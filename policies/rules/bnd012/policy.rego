# METADATA
# title: Seccomp blocks nsjail namespace creation
# description: >-
#   Under containerd's RuntimeDefault seccomp profile, clone and unshare with namespace flags are allowed only when
#   CAP_SYS_ADMIN is in the container's capability set, so nsjail cannot create its namespaces. RuntimeDefault comes
#   from the container or pod seccompProfile, or from the kubelet default of a candidate node (Bottlerocket
#   aws-k8s-1.33 and later).
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/docker
#     description: "Coder docs, nsjail on Docker (capabilities and seccomp)"
#   - ref: https://kubernetes.io/docs/reference/node/seccomp/
#     description: "Kubernetes docs, seccomp (field precedence, Localhost profiles)"
#   - ref: https://github.com/bottlerocket-os/bottlerocket
#     description: "Bottlerocket README (settings.kernel.sysctl, kubelet seccomp default)"
# custom:
#   id: BND012
#   severity: error
#   kind: BoundarySeccompBlocksClone
#   constraint: bnd012-seccomp-blocks-clone
#   fix: >-
#     Option A: on the Boundary container add NET_ADMIN and set seccompProfile: {type: Unconfined} (container level,
#     not pod level). Option B: add NET_ADMIN and SYS_ADMIN, under which RuntimeDefault allows clone and unshare.
#   inventory: [Node, ConfigMap, Secret, NodePool, EC2NodeClass]
package rules.bnd012

import data.lib.boundary
import data.lib.candidates
import data.lib.capabilities
import data.lib.k8s
import data.lib.seccomp

_fix := concat("", [
	"fix: Option A, add NET_ADMIN and set seccompProfile: {type: Unconfined} on this container, ",
	"or Option B, add NET_ADMIN and SYS_ADMIN (capabilities.add: [NET_ADMIN, SYS_ADMIN])",
])

# A container without SYS_ADMIN that has a non-Fargate target. Both rules test the container's own profile before
# it: the target search is the pass over the Nodes that grows with the cluster, and a container whose explicit
# profile is not RuntimeDefault never needs it.
_exposed(c) if {
	not capabilities.has(c.container, "SYS_ADMIN")
	count(candidates.non_fargate_seccomp_targets) > 0
}

violation contains {"msg": msg, "details": boundary.details("BND012", c, null, profile.field)} if {
	some c in boundary.nsjail
	profile := seccomp.explicit(k8s.pod, c)
	profile.type == "RuntimeDefault"
	_exposed(c)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail under the RuntimeDefault seccomp profile set in the %s securityContext ",
			"without CAP_SYS_ADMIN, and that profile blocks the clone and unshare calls that create the ",
			"jail's namespaces; %s.",
		]),
		[boundary.subject(c), profile.source, _fix],
	)
}

violation contains {"msg": msg, "details": boundary.details("BND012", c, summary.node, field)} if {
	some c in boundary.nsjail
	not seccomp.explicit(k8s.pod, c)
	_exposed(c)
	failing := [t | some t in candidates.non_fargate_seccomp_targets; t.seccomp_default.state == "true"]
	count(failing) > 0
	summary := candidates.summary(failing)
	field := boundary.security_context_field(c)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail with no seccompProfile and without CAP_SYS_ADMIN on %s, whose kubelet ",
			"applies RuntimeDefault by default (%s), and that profile blocks the clone and unshare calls that ",
			"create the jail's namespaces; %s.",
		]),
		[boundary.subject(c), summary.text, summary.first.seccomp_default.why, _fix],
	)
}
