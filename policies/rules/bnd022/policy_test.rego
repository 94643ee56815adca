package rules.bnd022_test

import data.lib.fixtures_test as fx
import data.rules.bnd022

test_auto_mode if {
	inp := fx.review(fx.on("auto", [fx.nsjail(fx.option_b)]))
	inv := fx.inventory([fx.auto_mode])
	v := bnd022.violation with input as inp with data.inventory as inv
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail with a user namespace on node i-0845 (EKS Auto Mode), `,
			"where user namespaces are disabled and cannot be enabled (Auto Mode NodeClasses have no user data), so the ",
			"jail cannot start; fix: run Boundary with --no-user-namespace (no_user_namespace: true or ",
			"BOUNDARY_NO_USER_NAMESPACE=true) and add NET_ADMIN and SYS_ADMIN, or use landjail on nodes with kernel 6.7 ",
			"or later.",
		]),
		"details": {"rule": "BND022", "container": "dev", "node": "i-0845", "field": ["spec", "containers", 0]},
	}}
}

# EKS Auto Mode's NodePool is a candidate before any node of it exists (docs/semantics.md#nodepools).
test_auto_mode_nodepool if {
	v := bnd022.violation with input as fx.review(fx.pod([fx.nsjail(fx.option_b)]))
		with data.inventory as fx.auto_mode_pool
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail with a user namespace on NodePool general-purpose `,
			"(EKS Auto Mode, NodeClass default), where user namespaces are disabled and cannot be enabled (Auto Mode ",
			"NodeClasses have no user data), so the jail cannot start; fix: run Boundary with --no-user-namespace ",
			"(no_user_namespace: true or BOUNDARY_NO_USER_NAMESPACE=true) and add NET_ADMIN and SYS_ADMIN, or use ",
			"landjail on nodes with kernel 6.7 or later.",
		]),
		"details": {"rule": "BND022", "container": "dev", "node": null, "field": ["spec", "containers", 0]},
	}}
}

test_declared_auto_mode if {
	v := bnd022.violation with input as fx.review_with(fx.pod([fx.nsjail(fx.option_b)]), {"nodeKind": "auto-mode"})
	count(v) == 1
}

test_no_user_namespace_passes if {
	obj := json.patch(fx.pod([fx.nsjail(fx.option_b)]), [{
		"op": "add", "path": "/metadata/annotations",
		"value": {"boundary-policy/no-user-namespace": "true"},
	}])
	count(bnd022.violation) == 0 with input as fx.review_with(obj, {"nodeKind": "auto-mode"})
}

test_other_nodes_pass if {
	count(bnd022.violation) == 0 with input as fx.review(fx.on("br", [fx.nsjail(fx.option_b)]))
		with data.inventory as fx.inventory([fx.bottlerocket])
}
