# METADATA
# title: User namespace support unknown
# description: >-
#   nsjail needs user namespaces (user.max_user_namespaces > 0) unless it runs with --no-user-namespace, and for
#   some candidate node this is unknown: an unknown OS, a node kind without the fact, or no candidate node in the
#   inventory and no nodeKind parameter.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://github.com/bottlerocket-os/bottlerocket
#     description: "Bottlerocket README (settings.kernel.sysctl, kubelet seccomp default)"
# custom:
#   id: BND023
#   severity: warning
#   kind: BoundaryUserNamespacesUnknown
#   constraint: bnd023-user-namespaces-unknown
#   fix: >-
#     Confirm user.max_user_namespaces > 0 on the nodes and record it as the node label or annotation
#     boundary-policy/max-user-namespaces (or set the Constraint parameter nodeKind), or run Boundary with
#     --no-user-namespace and add SYS_ADMIN.
#   inventory: [Node, ConfigMap, Secret, NodePool, EC2NodeClass]
package rules.bnd023

import data.lib.boundary
import data.lib.candidates

violation contains {"msg": msg, "details": boundary.details("BND023", c, summary.node, c.path)} if {
	some c in boundary.nsjail
	c.no_user_namespace.value == false

	# After the pod's own conditions on purpose: no other pod pays for the sample.
	# regal ignore:non-loop-expression
	not _fails_in_sample
	every t in candidates.non_fargate_userns_targets {
		not _fails(t)
	}
	unknown := [t | some t in candidates.non_fargate_userns_targets; t.userns.state == "unknown"]
	count(unknown) > 0
	summary := candidates.summary(unknown)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail with a user namespace, but whether %s allows user namespaces is ",
			"unknown (%s), and the jail cannot start where user.max_user_namespaces is 0; fix: confirm ",
			"user.max_user_namespaces > 0 there and record it as the node label or annotation ",
			"boundary-policy/max-user-namespaces (or set the Constraint parameter nodeKind), or run Boundary ",
			"with --no-user-namespace and add SYS_ADMIN.",
		]),
		[boundary.subject(c), summary.text, summary.first.userns.why],
	)
}

# Where BND022 or BND020 applies instead.
_fails(t) if t.class == "auto-mode"

_fails(t) if t.userns.state == "disabled"

# The cheapest rejection first: a failing target among a few Nodes rules this warning out.
_fails_in_sample if {
	some t in candidates.sampled_targets("userns")
	t.class != "fargate"
	_fails(t)
}
