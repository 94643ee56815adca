package rules.bnd012_test

import data.lib.fixtures_test as fx
import data.rules.bnd012

_fix := concat("", [
	"fix: Option A, add NET_ADMIN and set seccompProfile: {type: Unconfined} on this container, or Option B, ",
	"add NET_ADMIN and SYS_ADMIN (capabilities.add: [NET_ADMIN, SYS_ADMIN]).",
])

test_node_default_runtime_default if {
	inp := fx.review(fx.on("br", [fx.nsjail(fx.net_admin)]))
	inv := fx.inventory([fx.bottlerocket, fx.al2023])
	v := bnd012.violation with input as inp with data.inventory as inv
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail with no seccompProfile and without CAP_SYS_ADMIN on `,
			"node br-1 (Bottlerocket), whose kubelet applies RuntimeDefault by default (Bottlerocket aws-k8s-1.33 and ",
			"later enable kubelet seccompDefault), and that profile blocks the clone and unshare calls that create the ",
			"jail's namespaces; ", _fix,
		]),
		"details": {
			"rule": "BND012", "container": "dev", "node": "br-1",
			"field": ["spec", "containers", 0, "securityContext"],
		},
	}}
}

test_explicit_runtime_default if {
	sc := object.union(fx.net_admin, {"seccompProfile": {"type": "RuntimeDefault"}})
	inp := fx.review(fx.pod([fx.nsjail(sc)]))
	v := bnd012.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail under the RuntimeDefault seccomp profile set in the `,
			"container securityContext without CAP_SYS_ADMIN, and that profile blocks the clone and unshare calls that ",
			"create the jail's namespaces; ", _fix,
		]),
		"details": {
			"rule": "BND012", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext", "seccompProfile", "type"],
		},
	}}
}

test_option_a_passes if {
	sc := object.union(fx.net_admin, {"seccompProfile": {"type": "Unconfined"}})
	count(bnd012.violation) == 0 with input as fx.review(fx.on("br", [fx.nsjail(sc)]))
		with data.inventory as fx.inventory([fx.bottlerocket])
}

test_option_b_passes if {
	count(bnd012.violation) == 0 with input as fx.review(fx.on("br", [fx.nsjail(fx.option_b)]))
		with data.inventory as fx.inventory([fx.bottlerocket])
}

test_amazon_linux_passes if {
	count(bnd012.violation) == 0 with input as fx.review(fx.on("al", [fx.nsjail(fx.net_admin)]))
		with data.inventory as fx.inventory([fx.al2023])
}

test_fargate_is_bnd040_only if {
	container := fx.nsjail({"seccompProfile": {"type": "RuntimeDefault"}})
	obj := fx.pod_with([container], {"schedulerName": "fargate-scheduler"})
	count(bnd012.violation) == 0 with input as fx.review(obj)
}
