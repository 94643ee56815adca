package rules.bnd014_test

import data.lib.fixtures_test as fx
import data.rules.bnd014

_localhost := {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/boundary.json"}}

test_localhost_nsjail if {
	inp := fx.review(fx.pod([fx.nsjail(_localhost)]))
	v := bnd014.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail under the Localhost seccomp profile `,
			`"profiles/boundary.json", whose content is on the node and cannot be checked, and the jail fails if it is `,
			"missing or blocks clone with CLONE_NEWUSER|CLONE_NEWNET; fix: make sure ",
			"/var/lib/kubelet/seccomp/profiles/boundary.json exists on every node and allows clone with ",
			"CLONE_NEWUSER|CLONE_NEWNET.",
		]),
		"details": {
			"rule": "BND014", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext", "seccompProfile", "type"],
		},
	}}
}

test_localhost_landjail_pod_level if {
	obj := fx.pod_with([fx.landjail({})], {"securityContext": _localhost})
	v := bnd014.violation with input as fx.review(obj)
	some x in v
	contains(x.msg, "landlock_create_ruleset")
	x.details.field == ["spec", "securityContext", "seccompProfile", "type"]
}

test_other_profiles_pass if {
	inp := fx.review(fx.pod([fx.nsjail({"seccompProfile": {"type": "RuntimeDefault"}})]))
	count(bnd014.violation) == 0 with input as inp
	inp2 := fx.review(fx.pod([fx.nsjail(object.union(_localhost, {"privileged": true}))]))
	count(bnd014.violation) == 0 with input as inp2
}
