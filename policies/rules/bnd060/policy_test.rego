package rules.bnd060_test

import data.lib.fixtures_test as fx
import data.rules.bnd060

test_old_kernel if {
	inp := fx.review(fx.pod([fx.landjail({})]))
	inv := fx.inventory([fx.al2, fx.al2023])
	v := bnd060.violation with input as inp with data.inventory as inv
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's landjail on node al2-1 (Amazon Linux 2), whose kernel is `,
			"5.10.234-225.910.amzn2.x86_64, and landjail needs Landlock ABI v4 (Linux 6.7 or later with Landlock enabled) ",
			`or fails with "failed to apply Landlock network restrictions"; fix: run it on nodes with kernel 6.7 or later `,
			"and Landlock enabled (e.g. Bottlerocket aws-k8s-1.33 and later, non-FIPS, or AL2023 for Kubernetes 1.33 and ",
			"later), or use nsjail.",
		]),
		"details": {"rule": "BND060", "container": "dev", "node": "al2-1", "field": ["spec", "containers", 0]},
	}}
}

test_fargate_unknown_kernel if {
	obj := fx.pod_with([fx.landjail({})], {"nodeSelector": {"eks.amazonaws.com/compute-type": "fargate"}})
	v := bnd060.violation with input as fx.review(obj)
	some x in v
	contains(x.msg, "(the pod's nodeSelector eks.amazonaws.com/compute-type: fargate), whose kernel is not known")
}

test_landlock_disabled if {
	node := json.patch(fx.al2023, [{
		"op": "add", "path": "/metadata/labels/boundary-policy~1landlock",
		"value": "false",
	}])
	v := bnd060.violation with input as fx.review(fx.pod([fx.landjail({})])) with data.inventory as fx.inventory([node])
	some x in v
	contains(x.msg, `where Landlock is disabled (boundary-policy/landlock="false")`)
}

# A NodePool's kernel is unknown before it launches a node: BND060 only when its template records Landlock off.
test_nodepool_landlock_disabled if {
	count(bnd060.violation) == 0 with input as fx.review(fx.pod([fx.landjail({})]))
		with data.inventory as fx.empty_bottlerocket_pool
	pool := json.patch(fx.empty_bottlerocket_pool, [{
		"op": "add", "path": "/cluster/karpenter.sh~1v1/NodePool/bottlerocket/spec/template/metadata",
		"value": {"labels": {"boundary-policy/landlock": "false"}},
	}])
	v := bnd060.violation with input as fx.review(fx.pod([fx.landjail({})])) with data.inventory as pool
	some x in v
	contains(x.msg, concat("", [
		"landjail on NodePool bottlerocket (Bottlerocket, EC2NodeClass bottlerocket), ",
		`where Landlock is disabled (boundary-policy/landlock="false")`,
	]))
	x.details.node == null
}

test_new_kernel_passes if {
	inp := fx.review(fx.pod([fx.landjail({})]))
	inv := fx.inventory([fx.al2023])
	count(bnd060.violation) == 0 with input as inp with data.inventory as inv
	count(bnd060.violation) == 0 with input as fx.review(fx.pod([fx.landjail({})]))
}

test_nsjail_passes if {
	inp := fx.review(fx.pod([fx.nsjail({})]))
	inv := fx.inventory([fx.al2])
	count(bnd060.violation) == 0 with input as inp with data.inventory as inv
}
