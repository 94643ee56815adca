package rules.bnd050_test

import data.lib.fixtures_test as fx
import data.rules.bnd050

_namespace(labels) := {"cluster": {"v1": {"Namespace": {"coder": {"metadata": {"name": "coder", "labels": labels}}}}}}

test_enforce_baseline if {
	inp := fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	inv := _namespace({"pod-security.kubernetes.io/enforce": "baseline"})
	v := bnd050.violation with input as inp with data.inventory as inv
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail in namespace coder, whose label `,
			"pod-security.kubernetes.io/enforce: baseline forbids adding NET_ADMIN, which nsjail needs, so the API server ",
			"rejects the pod; fix: label the namespace pod-security.kubernetes.io/enforce: privileged, exempt it in the ",
			"cluster's PodSecurity AdmissionConfiguration, or use landjail.",
		]),
		"details": {
			"rule": "BND050", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext", "capabilities", "add", 0],
		},
	}}
}

test_enforce_restricted_without_caps if {
	v := bnd050.violation with input as fx.review(fx.pod([fx.nsjail({})]))
		with data.inventory as _namespace({"pod-security.kubernetes.io/enforce": "restricted"})
	[x.details.field | some x in v] == [["spec", "containers", 0, "securityContext"]]
}

test_privileged_namespace_passes if {
	count(bnd050.violation) == 0 with input as fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
		with data.inventory as _namespace({"pod-security.kubernetes.io/enforce": "privileged"})
}

test_unsynced_namespace_passes if {
	inp := fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	count(bnd050.violation) == 0 with input as inp
}

test_landjail_passes if {
	count(bnd050.violation) == 0 with input as fx.review(fx.pod([fx.landjail({})]))
		with data.inventory as _namespace({"pod-security.kubernetes.io/enforce": "restricted"})
}
