package rules.bnd061_test

import data.lib.fixtures_test as fx
import data.rules.bnd061

test_landlock_unknown if {
	inp := fx.review(fx.pod([fx.landjail({})]))
	inv := fx.inventory([fx.al2023])
	v := bnd061.violation with input as inp with data.inventory as inv
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's landjail on node al-1 (Amazon Linux 2023), where kernel `,
			"6.12.40-63.114.amzn2023.x86_64 has Landlock ABI v4 but a Node object does not show whether the Landlock LSM ",
			"is enabled, and landjail fails without Landlock ABI v4; fix: confirm that /sys/kernel/security/lsm lists ",
			`landlock on the node image and record it as node label boundary-policy/landlock: "true".`,
		]),
		"details": {"rule": "BND061", "container": "dev", "node": "al-1", "field": ["spec", "containers", 0]},
	}}
}

test_no_inventory if {
	v := bnd061.violation with input as fx.review(fx.pod([fx.landjail({})]))
	some x in v
	contains(x.msg, "on an unknown node (no candidate Node in the inventory and no nodeKind parameter), where neither")
}

test_failure_is_bnd060 if {
	inp := fx.review(fx.pod([fx.landjail({})]))
	inv := fx.inventory([fx.al2023, fx.al2])
	count(bnd061.violation) == 0 with input as inp with data.inventory as inv
}

test_landlock_fact_passes if {
	node := json.patch(fx.al2023, [{
		"op": "add", "path": "/metadata/annotations",
		"value": {"boundary-policy/landlock": "true"},
	}])
	inp := fx.review(fx.pod([fx.landjail({})]))
	inv := fx.inventory([node])
	count(bnd061.violation) == 0 with input as inp with data.inventory as inv
}
