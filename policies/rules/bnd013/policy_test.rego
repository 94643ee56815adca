package rules.bnd013_test

import data.lib.fixtures_test as fx
import data.rules.bnd013

test_unknown_os if {
	inp := fx.review(fx.on("ubuntu", [fx.nsjail(fx.net_admin)]))
	inv := fx.inventory([fx.ubuntu])
	v := bnd013.violation with input as inp with data.inventory as inv
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail with no seccompProfile and without CAP_SYS_ADMIN, and the `,
			"kubelet seccomp default of node ubuntu-1 (unknown OS) is unknown (the kubelet seccompDefault setting is not ",
			"known for this node): under RuntimeDefault the jail cannot create its namespaces; fix: set the profile ",
			"explicitly, Option A (NET_ADMIN and seccompProfile: {type: Unconfined} on this container) or Option B ",
			"(NET_ADMIN and SYS_ADMIN).",
		]),
		"details": {
			"rule": "BND013", "container": "dev", "node": "ubuntu-1",
			"field": ["spec", "containers", 0, "securityContext"],
		},
	}}
}

test_no_inventory if {
	v := bnd013.violation with input as fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	[x.details.node | some x in v] == [null]
}

test_known_failure_is_bnd012 if {
	obj := fx.pod([fx.nsjail(fx.net_admin)])
	inp := fx.review(obj)
	inv := fx.inventory([fx.ubuntu, fx.bottlerocket])
	count(bnd013.violation) == 0 with input as inp with data.inventory as inv
}

test_known_defaults_pass if {
	count(bnd013.violation) == 0 with input as fx.review(fx.on("al", [fx.nsjail(fx.net_admin)]))
		with data.inventory as fx.inventory([fx.al2023])
	count(bnd013.violation) == 0 with input as fx.review_with(fx.pod([fx.nsjail(fx.net_admin)]), {"nodeKind": "al2"})
}

test_explicit_profile_or_sys_admin_passes if {
	sc := object.union(fx.net_admin, {"seccompProfile": {"type": "Unconfined"}})
	count(bnd013.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(sc)]))
	count(bnd013.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.option_b)]))
}
