package rules.bnd062_test

import data.lib.fixtures_test as fx
import data.rules.bnd062

test_landjail if {
	inp := fx.review(fx.pod([fx.landjail({})]))
	v := bnd062.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's landjail, which only controls clients that honour HTTP(S)_PROXY, `,
			"blocks other TCP, does not control UDP, gives no PID isolation and can be bypassed through another host on ",
			"the proxy port; fix: use nsjail (Option A or B on EC2 nodes) where these gaps matter.",
		]),
		"details": {"rule": "BND062", "container": "dev", "node": null, "field": ["spec", "containers", 0]},
	}}
}

test_nsjail_passes if count(bnd062.violation) == 0 with input as fx.review(fx.pod([fx.nsjail({})]))
