package rules.bnd023_test

import data.lib.fixtures_test as fx
import data.rules.bnd023

test_no_inventory if {
	inp := fx.review(fx.pod([fx.nsjail(fx.option_b)]))
	v := bnd023.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail with a user namespace, but whether an unknown node (no `,
			"candidate Node in the inventory and no nodeKind parameter) allows user namespaces is unknown (user namespace ",
			"support is not known for this node), and the jail cannot start where user.max_user_namespaces is 0; fix: ",
			"confirm user.max_user_namespaces > 0 there and record it as the node label or annotation ",
			"boundary-policy/max-user-namespaces (or set the Constraint parameter nodeKind), or run Boundary with ",
			"--no-user-namespace and add SYS_ADMIN.",
		]),
		"details": {"rule": "BND023", "container": "dev", "node": null, "field": ["spec", "containers", 0]},
	}}
}

test_unknown_os_node if {
	inp := fx.review(fx.on("ubuntu", [fx.nsjail(fx.option_b)]))
	inv := fx.inventory([fx.ubuntu])
	v := bnd023.violation with input as inp with data.inventory as inv
	[x.details.node | some x in v] == ["ubuntu-1"]
}

test_known_failure_wins if {
	obj := fx.pod([fx.nsjail(fx.option_b)])
	inp := fx.review(obj)
	inv := fx.inventory([fx.ubuntu, fx.bottlerocket])
	count(bnd023.violation) == 0 with input as inp with data.inventory as inv
	inp2 := fx.review(obj)
	inv2 := fx.inventory([fx.ubuntu, fx.auto_mode])
	count(bnd023.violation) == 0 with input as inp2 with data.inventory as inv2
}

test_known_nodes_pass if {
	count(bnd023.violation) == 0 with input as fx.review(fx.on("al", [fx.nsjail(fx.option_b)]))
		with data.inventory as fx.inventory([fx.al2023])
}

test_no_user_namespace_passes if {
	container := json.patch(fx.nsjail(fx.option_b), [{
		"op": "replace", "path": "/command",
		"value": ["boundary", "--no-user-namespace"],
	}])
	count(bnd023.violation) == 0 with input as fx.review(fx.pod([container]))
}
