package rules.bnd011_test

import data.lib.fixtures_test as fx
import data.rules.bnd011

test_cap_prefix if {
	sc := {"capabilities": {"add": ["NET_ADMIN", "CAP_SYS_ADMIN"], "drop": ["cap_net_raw"]}}
	v := bnd011.violation with input as fx.review(fx.pod([fx.nsjail(sc)]))
	v == {
		{
			"msg": concat("", [
				`Pod coder/ws container "dev" lists capability "CAP_SYS_ADMIN" in capabilities.add, but containerd prepends `,
				"CAP_ to every name, so the runtime sees CAP_CAP_SYS_ADMIN and the container running Boundary fails to start; ",
				`fix: write "SYS_ADMIN".`,
			]),
			"details": {
				"rule": "BND011", "container": "dev", "node": null,
				"field": ["spec", "containers", 0, "securityContext", "capabilities", "add", 1],
			},
		},
		{
			"msg": concat("", [
				`Pod coder/ws container "dev" lists capability "cap_net_raw" in capabilities.drop, but containerd prepends `,
				"CAP_ to every name, so the runtime sees CAP_CAP_NET_RAW and the container running Boundary fails to start; ",
				`fix: write "NET_RAW".`,
			]),
			"details": {
				"rule": "BND011", "container": "dev", "node": null,
				"field": ["spec", "containers", 0, "securityContext", "capabilities", "drop", 0],
			},
		},
	}
}

test_plain_names_pass if count(bnd011.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.option_b)]))

test_non_boundary_container_not_checked if {
	side := {"name": "side", "securityContext": {"capabilities": {"add": ["CAP_X"]}}}
	count(bnd011.violation) == 0 with input as fx.review(fx.pod([side]))
}
