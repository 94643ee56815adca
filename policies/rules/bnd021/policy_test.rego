package rules.bnd021_test

import data.lib.fixtures_test as fx
import data.rules.bnd021

_no_userns(sc) := json.patch(fx.nsjail(sc), [{
	"op": "replace", "path": "/command",
	"value": ["boundary", "--no-user-namespace", "--", "sh"],
}])

test_no_user_namespace_without_sys_admin if {
	inp := fx.review(fx.pod([_no_userns(fx.net_admin)]))
	v := bnd021.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail without a user namespace (flag --no-user-namespace) but `,
			"without CAP_SYS_ADMIN, and creating a network namespace outside a user namespace needs CAP_SYS_ADMIN; fix: ",
			"add SYS_ADMIN (securityContext: {capabilities: {add: [NET_ADMIN, SYS_ADMIN]}}).",
		]),
		"details": {
			"rule": "BND021", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext"],
		},
	}}
}

test_sys_admin_passes if count(bnd021.violation) == 0 with input as fx.review(fx.pod([_no_userns(fx.option_b)]))

test_user_namespace_passes if count(bnd021.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
