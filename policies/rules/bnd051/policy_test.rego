package rules.bnd051_test

import data.lib.fixtures_test as fx
import data.rules.bnd051

_namespace(labels) := {"cluster": {"v1": {"Namespace": {"coder": {"metadata": {"name": "coder", "labels": labels}}}}}}

test_warn_and_audit if {
	inp := fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	inv := _namespace({
		"pod-security.kubernetes.io/warn": "restricted",
		"pod-security.kubernetes.io/audit": "baseline",
	})
	v := bnd051.violation with input as inp with data.inventory as inv
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail in namespace coder, whose label `,
			"pod-security.kubernetes.io/warn: restricted and label pod-security.kubernetes.io/audit: baseline forbid adding ",
			"NET_ADMIN, which nsjail needs, so the API server warns on or audits the pod; fix: set ",
			"pod-security.kubernetes.io/warn and pod-security.kubernetes.io/audit to privileged, exempt the namespace in ",
			"the cluster's PodSecurity AdmissionConfiguration, or use landjail.",
		]),
		"details": {
			"rule": "BND051", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext", "capabilities", "add", 0],
		},
	}}
}

test_warn_only if {
	v := bnd051.violation with input as fx.review(fx.pod([fx.nsjail({})]))
		with data.inventory as _namespace({"pod-security.kubernetes.io/warn": "baseline"})
	some x in v
	contains(x.msg, "whose label pod-security.kubernetes.io/warn: baseline forbids adding NET_ADMIN,")
	x.details.field == ["spec", "containers", 0, "securityContext"]
}

test_enforce_reported_by_bnd050 if {
	labels := {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted"}
	inp := fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	inv := _namespace(labels)
	count(bnd051.violation) == 0 with input as inp with data.inventory as inv
}

test_privileged_labels_pass if {
	labels := {"pod-security.kubernetes.io/warn": "privileged"}
	inp := fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	inv := _namespace(labels)
	count(bnd051.violation) == 0 with input as inp with data.inventory as inv
}
