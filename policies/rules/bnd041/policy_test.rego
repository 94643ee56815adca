package rules.bnd041_test

import data.lib.fixtures_test as fx
import data.rules.bnd041

test_host_network if {
	inp := fx.review(fx.pod_with([fx.nsjail(fx.net_admin)], {"hostNetwork": true}))
	v := bnd041.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail in a hostNetwork pod, so the jail's veth pair, its `,
			"192.168.100.1/24 address and its NAT and FORWARD rules land in the node's network namespace and collide with ",
			"any other such pod on the node; fix: remove hostNetwork: true.",
		]),
		"details": {"rule": "BND041", "container": "dev", "node": null, "field": ["spec", "hostNetwork"]},
	}}
}

test_pod_network_passes if count(bnd041.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.net_admin)]))

test_landjail_passes if {
	inp := fx.review(fx.pod_with([fx.landjail({})], {"hostNetwork": true}))
	count(bnd041.violation) == 0 with input as inp
}
