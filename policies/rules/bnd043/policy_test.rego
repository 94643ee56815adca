package rules.bnd043_test

import data.lib.fixtures_test as fx
import data.rules.bnd043

test_runtime_class if {
	inp := fx.review(fx.pod_with([fx.landjail({})], {"runtimeClassName": "gvisor"}))
	v := bnd043.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's landjail under runtimeClassName "gvisor", and the capability, `,
			"seccomp and user namespace checks assume runc with containerd, so their results are unverified for this ",
			"runtime; fix: verify the jail on that runtime (Coder documents sysbox-runc as needing only NET_ADMIN) or ",
			"remove runtimeClassName.",
		]),
		"details": {"rule": "BND043", "container": "dev", "node": null, "field": ["spec", "runtimeClassName"]},
	}}
}

test_default_runtime_passes if {
	count(bnd043.violation) == 0 with input as fx.review(fx.pod([fx.nsjail({})]))
	count(bnd043.violation) == 0 with input as fx.review(fx.pod_with([fx.nsjail({})], {"runtimeClassName": ""}))
}

test_without_boundary_passes if {
	count(bnd043.violation) == 0 with input as fx.review(fx.pod_with([{"name": "app"}], {"runtimeClassName": "gvisor"}))
}
