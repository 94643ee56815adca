package rules.bnd010_test

import data.lib.fixtures_test as fx
import data.rules.bnd010

test_missing_net_admin if {
	inp := fx.review(fx.pod([fx.nsjail({})]))
	v := bnd010.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail without CAP_NET_ADMIN in its capability set, so Boundary `,
			"cannot create the jail's veth pair and iptables rules; fix: add NET_ADMIN to the container ",
			"(securityContext: {capabilities: {add: [NET_ADMIN]}}).",
		]),
		"details": {
			"rule": "BND010", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext"],
		},
	}}
}

test_dropped_net_admin if {
	sc := {"capabilities": {"add": ["NET_ADMIN"], "drop": ["CHOWN", "net_admin"]}}
	v := bnd010.violation with input as fx.review(fx.pod([fx.nsjail(sc)]))
	[x.details.field | some x in v] == [["spec", "containers", 0, "securityContext", "capabilities", "drop", 1]]
	some x in v
	contains(x.msg, "(capabilities.drop removes it)")
}

test_drop_all if {
	v := bnd010.violation with input as fx.review(fx.pod([fx.nsjail({"capabilities": {"drop": ["ALL"]}})]))
	count(v) == 1
}

test_container_without_security_context if {
	container := json.remove(fx.nsjail({}), ["/securityContext"])
	v := bnd010.violation with input as fx.review(fx.pod([container]))
	[x.details.field | some x in v] == [["spec", "containers", 0]]
}

test_net_admin_passes if {
	count(bnd010.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	inp := fx.review(fx.pod([fx.nsjail({"capabilities": {"add": ["CAP_NET_ADMIN"]}})]))
	count(bnd010.violation) == 0 with input as inp
	count(bnd010.violation) == 0 with input as fx.review(fx.pod([fx.nsjail({"privileged": true})]))
}

test_landjail_and_other_containers_pass if {
	count(bnd010.violation) == 0 with input as fx.review(fx.pod([fx.landjail({}), {"name": "side"}]))
}
