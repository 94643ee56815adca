package rules.bnd030_test

import data.lib.fixtures_test as fx
import data.rules.bnd030

_no_escalation := {
	"allowPrivilegeEscalation": false,
	"runAsUser": 1000,
	"capabilities": {"add": ["NET_ADMIN", "SYS_ADMIN"]},
}

test_non_root_without_escalation if {
	inp := fx.review(fx.pod([fx.nsjail(_no_escalation)]))
	v := bnd030.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail as a non-root user with allowPrivilegeEscalation: false, `,
			"so no_new_privs stops the sudo Boundary uses to gain its capabilities; fix: remove ",
			"allowPrivilegeEscalation: false from this container, run it as root (runAsUser: 0), or use landjail.",
		]),
		"details": {
			"rule": "BND030", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"],
		},
	}}
}

test_root_passes if {
	sc := object.union(_no_escalation, {"runAsUser": 0})
	count(bnd030.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(sc)]))
}

test_unknown_user_passes if {
	inp := fx.review(fx.pod([fx.nsjail(object.remove(_no_escalation, ["runAsUser"]))]))
	count(bnd030.violation) == 0 with input as inp
}

test_escalation_allowed_passes if {
	inp := fx.review(fx.pod([fx.nsjail(object.remove(_no_escalation, ["allowPrivilegeEscalation"]))]))
	count(bnd030.violation) == 0 with input as inp
}

test_landjail_passes if count(bnd030.violation) == 0 with input as fx.review(fx.pod([fx.landjail(_no_escalation)]))
