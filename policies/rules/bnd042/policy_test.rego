package rules.bnd042_test

import data.lib.fixtures_test as fx
import data.rules.bnd042

test_privileged if {
	inp := fx.review(fx.pod([fx.nsjail({"privileged": true})]))
	v := bnd042.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail with privileged: true, which grants every capability and `,
			"Unconfined seccomp but does not enable user namespaces and is rejected by Pod Security baseline/restricted and ",
			"by Fargate; fix: drop privileged and use Option A (NET_ADMIN and seccompProfile: {type: Unconfined}) or ",
			"Option B (NET_ADMIN and SYS_ADMIN).",
		]),
		"details": {
			"rule": "BND042", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext", "privileged"],
		},
	}}
}

test_unprivileged_passes if count(bnd042.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.option_b)]))
