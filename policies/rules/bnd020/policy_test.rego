package rules.bnd020_test

import data.lib.fixtures_test as fx
import data.rules.bnd020

test_bottlerocket_default if {
	inp := fx.review(fx.on("br", [fx.nsjail(fx.option_b)]))
	inv := fx.inventory([fx.bottlerocket])
	v := bnd020.violation with input as inp with data.inventory as inv
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail with a user namespace, but user namespaces are disabled `,
			"on node br-1 (Bottlerocket) (Bottlerocket sets user.max_user_namespaces = 0 by default), so the jail cannot ",
			`start; fix: add [settings.kernel.sysctl] "user.max_user_namespaces" = "65536" to the Bottlerocket user data `,
			"of those nodes and label them boundary-policy/max-user-namespaces=65536 (in the same user data or with the ",
			"node-facts DaemonSet), because this check clears only when the Nodes or their synced Karpenter EC2NodeClass ",
			"show it; or run Boundary with --no-user-namespace (BOUNDARY_NO_USER_NAMESPACE=true) and add SYS_ADMIN.",
		]),
		"details": {"rule": "BND020", "container": "dev", "node": "br-1", "field": ["spec", "containers", 0]},
	}}
}

# An empty Karpenter NodePool is a candidate (docs/semantics.md#nodepools): the node it would launch has user
# namespaces off.
test_empty_bottlerocket_nodepool if {
	v := bnd020.violation with input as fx.review(fx.pod([fx.nsjail(fx.option_b)]))
		with data.inventory as fx.empty_bottlerocket_pool
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail with a user namespace, but user namespaces are disabled `,
			"on NodePool bottlerocket (Bottlerocket, EC2NodeClass bottlerocket) (Bottlerocket sets ",
			"user.max_user_namespaces = 0 by default), so the jail cannot start; fix: add [settings.kernel.sysctl] ",
			`"user.max_user_namespaces" = "65536" to the Bottlerocket user data of those nodes and label them `,
			"boundary-policy/max-user-namespaces=65536 (in the same user data or with the node-facts DaemonSet), because ",
			"this check clears only when the Nodes or their synced Karpenter EC2NodeClass show it; or run Boundary with ",
			"--no-user-namespace (BOUNDARY_NO_USER_NAMESPACE=true) and add SYS_ADMIN.",
		]),
		"details": {"rule": "BND020", "container": "dev", "node": null, "field": ["spec", "containers", 0]},
	}}
}

# The pool is no candidate for a pod that selects a label the pool does not give its nodes.
test_nodepool_not_selected_passes if {
	count(bnd020.violation) == 0 with input as fx.review(fx.on("al", [fx.nsjail(fx.option_b)]))
		with data.inventory as fx.empty_bottlerocket_pool
}

test_pod_sysctl_is_ineffective if {
	sysctls := [{"name": "user.max_user_namespaces", "value": "10"}]
	obj := fx.pod_with([fx.nsjail(fx.option_b)], {"securityContext": {"sysctls": sysctls}})
	v := bnd020.violation with input as fx.review_with(obj, {"nodeKind": "bottlerocket"})
	some x in v
	contains(x.msg, "(the pod's securityContext.sysctls cannot set user.max_user_namespaces: it is not namespaced)")
	x.details.node == null
}

test_enabled_by_fact_passes if {
	node := json.patch(fx.bottlerocket, [{
		"op": "add", "path": "/metadata/labels/boundary-policy~1max-user-namespaces",
		"value": "65536",
	}])
	count(bnd020.violation) == 0 with input as fx.review(fx.on("br", [fx.nsjail(fx.option_b)]))
		with data.inventory as fx.inventory([node])
}

test_no_user_namespace_passes if {
	container := json.patch(fx.nsjail(fx.option_b), [{
		"op": "add", "path": "/env",
		"value": [{"name": "BOUNDARY_NO_USER_NAMESPACE", "value": "1"}],
	}])
	inp := fx.review(fx.on("br", [container]))
	inv := fx.inventory([fx.bottlerocket])
	count(bnd020.violation) == 0 with input as inp with data.inventory as inv
}

test_auto_mode_is_bnd022 if {
	count(bnd020.violation) == 0 with input as fx.review(fx.on("auto", [fx.nsjail(fx.option_b)]))
		with data.inventory as fx.inventory([fx.auto_mode])
	count(bnd020.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.option_b)]))
		with data.inventory as fx.auto_mode_pool
}

test_amazon_linux_passes if {
	count(bnd020.violation) == 0 with input as fx.review(fx.on("al", [fx.nsjail(fx.option_b)]))
		with data.inventory as fx.inventory([fx.al2023])
}
