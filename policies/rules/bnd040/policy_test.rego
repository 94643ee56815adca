package rules.bnd040_test

import data.lib.fixtures_test as fx
import data.rules.bnd040

test_fargate_scheduler if {
	obj := fx.pod_with([fx.nsjail(fx.net_admin)], {"schedulerName": "fargate-scheduler"})
	inp := fx.review(obj)
	v := bnd040.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail on Fargate (the pod's schedulerName: fargate-scheduler), `,
			`and Fargate rejects the capabilities nsjail needs ("Pod not supported on Fargate: invalid SecurityContext `,
			`fields"); fix: schedule the pod on EC2 nodes (remove it from the Fargate profile or annotate the pod template `,
			"eks.amazonaws.com/compute-type: ec2), or use landjail if the Fargate kernel is 6.7 or later.",
		]),
		"details": {"rule": "BND040", "container": "dev", "node": null, "field": ["spec", "schedulerName"]},
	}}
}

test_fargate_candidate_node if {
	obj := fx.pod_with([fx.nsjail(fx.net_admin)], {"tolerations": [{"operator": "Exists"}]})
	v := bnd040.violation with input as fx.review(obj) with data.inventory as fx.inventory([fx.fargate, fx.al2023])
	[x.details | some x in v] == [{
		"rule": "BND040", "container": "dev", "node": "fargate-ip-1",
		"field": ["spec", "containers", 0],
	}]
}

# Fargate decided from the pod's nodeName alone: the Node need not be synced.
test_fargate_node_name if {
	obj := fx.pod_with([fx.nsjail(fx.net_admin)], {"nodeName": "fargate-ip-2"})
	v := bnd040.violation with input as fx.review(obj) with data.inventory as fx.inventory([fx.al2023])
	[x.details | some x in v] == [{"rule": "BND040", "container": "dev", "node": null, "field": ["spec", "nodeName"]}]
	some x in v
	contains(x.msg, "on Fargate (the pod's nodeName: fargate-ip-2)")
}

test_ec2_passes if {
	count(bnd040.violation) == 0 with input as fx.review(fx.on("al", [fx.nsjail(fx.net_admin)]))
		with data.inventory as fx.inventory([fx.al2023, fx.fargate])
}

test_landjail_passes if {
	obj := fx.pod_with([fx.landjail({})], {"schedulerName": "fargate-scheduler"})
	count(bnd040.violation) == 0 with input as fx.review(obj)
}
