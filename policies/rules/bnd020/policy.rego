# METADATA
# title: User namespaces disabled on the node
# description: >-
#   nsjail creates a user namespace unless it runs with --no-user-namespace, and that fails on nodes with
#   user.max_user_namespaces = 0: Bottlerocket by default, unless a boundary-policy/max-user-namespaces node fact or
#   Karpenter EC2NodeClass user data shows otherwise. Root and privileged containers are affected too.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://github.com/bottlerocket-os/bottlerocket
#     description: "Bottlerocket README (settings.kernel.sysctl, kubelet seccomp default)"
#   - ref: https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/
#     description: "Kubernetes docs, namespaced sysctls"
#   - ref: https://github.com/coder/boundary/issues/173
#     description: "coder/boundary#173, --no-user-namespace needs SYS_ADMIN"
# custom:
#   id: BND020
#   severity: error
#   kind: BoundaryUserNamespacesDisabled
#   constraint: bnd020-user-namespaces-disabled
#   fix: >-
#     Enable user namespaces in the Bottlerocket user data of the node group ([settings.kernel.sysctl]
#     "user.max_user_namespaces" = "65536") and make the Nodes show it, because the finding clears only when they
#     do: label them boundary-policy/max-user-namespaces=65536 in the same user data
#     ([settings.kubernetes.node-labels]) or with the node-facts DaemonSet; Karpenter nodes whose EC2NodeClass
#     user data sets the sysctl need no label when the EC2NodeClass is synced. Or run Boundary with
#     --no-user-namespace (BOUNDARY_NO_USER_NAMESPACE=true) and add SYS_ADMIN.
#   inventory: [Node, ConfigMap, Secret, NodePool, EC2NodeClass]
package rules.bnd020

import data.lib.boundary
import data.lib.candidates
import data.lib.k8s

violation contains {"msg": msg, "details": boundary.details("BND020", c, summary.node, c.path)} if {
	some c in boundary.nsjail
	c.no_user_namespace.value == false
	failing := [t |
		some t in candidates.non_fargate_userns_suspects
		t.class != "auto-mode"
		t.userns.state == "disabled"
	]
	count(failing) > 0
	summary := candidates.summary(failing)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail with a user namespace, but user namespaces are disabled on %s (%s), so ",
			"the jail cannot start%s; fix: add [settings.kernel.sysctl] \"user.max_user_namespaces\" = ",
			"\"65536\" to the Bottlerocket user data of those nodes and label them ",
			"boundary-policy/max-user-namespaces=65536 (in the same user data or with the node-facts DaemonSet), ",
			"because this check clears only when the Nodes or their synced Karpenter EC2NodeClass show it; or ",
			"run Boundary with --no-user-namespace (BOUNDARY_NO_USER_NAMESPACE=true) and add SYS_ADMIN.",
		]),
		[boundary.subject(c), summary.text, summary.first.userns.why, _sysctl_note],
	)
}

# A pod-level sysctl cannot raise user.max_user_namespaces: it is not a namespaced sysctl.
default _sysctl_note := ""

_sysctl_note := " (the pod's securityContext.sysctls cannot set user.max_user_namespaces: it is not namespaced)" if {
	some sysctl in k8s.pod.spec.securityContext.sysctls
	sysctl.name == "user.max_user_namespaces"
}
