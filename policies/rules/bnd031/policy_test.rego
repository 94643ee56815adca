package rules.bnd031_test

import data.lib.fixtures_test as fx
import data.rules.bnd031

test_non_root_net_admin_only if {
	obj := fx.pod_with([fx.nsjail(fx.net_admin)], {"securityContext": {"runAsUser": 1000, "runAsNonRoot": true}})
	inp := fx.review(obj)
	v := bnd031.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail as a non-root user without CAP_SYS_ADMIN in its capability `,
			"set, and Boundary (v0.6.0 and later) re-executes itself through sudo and setpriv asking for ",
			`+net_admin,+sys_admin, which fails with "setpriv: apply capabilities: Operation not permitted"; fix: Option B, `,
			"add SYS_ADMIN (capabilities.add: [NET_ADMIN, SYS_ADMIN]), or run the container as root (runAsUser: 0), or use ",
			"landjail.",
		]),
		"details": {
			"rule": "BND031", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext"],
		},
	}}
}

test_image_user_parameter if {
	parameters := {"imageUsers": [{"image": "img:*", "uid": 1000}]}
	count(bnd031.violation) == 1 with input as fx.review_with(fx.pod([fx.nsjail(fx.net_admin)]), parameters)
}

test_root_or_unknown_passes if {
	count(bnd031.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	inp := fx.review(fx.pod([fx.nsjail(object.union(fx.net_admin, {"runAsUser": 0}))]))
	count(bnd031.violation) == 0 with input as inp
}

test_sys_admin_passes if {
	inp := fx.review(fx.pod([fx.nsjail(object.union(fx.option_b, {"runAsUser": 1000}))]))
	count(bnd031.violation) == 0 with input as inp
}
