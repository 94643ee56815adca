package lib.scheduling_test

import data.lib.scheduling

_node(name, labels, os) := {
	"metadata": {"name": name, "labels": labels},
	"status": {"nodeInfo": {"osImage": os}},
}

_fargate := object.union(
	_node("fargate-ip-10-0-0-1.ec2.internal", {"eks.amazonaws.com/compute-type": "fargate"}, "Amazon Linux 2"),
	{"spec": {"taints": [{"key": "eks.amazonaws.com/compute-type", "value": "fargate", "effect": "NoSchedule"}]}},
)

# Sorted by name, like the lists the tests expect.
_all := [
	_node("al-1", {"group": "al"}, "Amazon Linux 2023.6.20241010"),
	_node("al2-1", {"group": "al2"}, "Amazon Linux 2"),
	_node("br-130", {"group": "br"}, "Bottlerocket OS 1.32.0 (aws-k8s-1.30)"),
	_node("br-133", {"group": "br"}, "Bottlerocket OS 1.46.0 (aws-k8s-1.33)"),
	_fargate,
	_node("i-0845", {"eks.amazonaws.com/compute-type": "auto"}, "Bottlerocket (EKS Auto, Standard) 2025.12.5"),
	_node("ubuntu-1", {}, "Ubuntu 22.04.5 LTS"),
]

# The names of the nodes the pod can be scheduled on.
_names(obj) := [n.metadata.name | some n in _all; scheduling.schedulable(obj, n)]

_affinity(term) := {"spec": {"affinity": {"nodeAffinity": _required([term])}}}

_required(terms) := {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}

_expression(key, operator, values) := {"key": key, "operator": operator, "values": values}

# --- the pod-side Fargate signal ----------------------------------------------------------------------------

test_pod_fargate if {
	scheduling.pod_fargate({"spec": {"schedulerName": "fargate-scheduler"}}) == {
		"text": "schedulerName: fargate-scheduler",
		"field": ["spec", "schedulerName"],
	}
	scheduling.pod_fargate({"spec": {"nodeName": "fargate-ip-1"}}).text == "nodeName: fargate-ip-1"
	scheduling.pod_fargate({"spec": {"nodeName": "fargate-ip-1"}}).field == ["spec", "nodeName"]
	selector := {"eks.amazonaws.com/compute-type": "fargate"}
	by_selector := scheduling.pod_fargate({"spec": {"nodeSelector": selector}})
	by_selector.field == ["spec", "nodeSelector", "eks.amazonaws.com/compute-type"]
	by_selector.text == "nodeSelector eks.amazonaws.com/compute-type: fargate"
	requirement := _expression("eks.amazonaws.com/compute-type", "In", ["fargate"])
	affinity := _affinity({"matchExpressions": [requirement]})
	scheduling.pod_fargate(affinity).text == "required node affinity eks.amazonaws.com/compute-type: fargate"
	scheduling.pod_fargate(affinity).field == [
		"spec", "affinity", "nodeAffinity",
		"requiredDuringSchedulingIgnoredDuringExecution",
	]
	not scheduling.pod_fargate({"spec": {"nodeName": "ip-1"}})
	not scheduling.pod_fargate({"spec": {}})
}

# Affinity decides Fargate only when every term asks for it (any term may be the one that schedules the pod).
test_pod_fargate_affinity_every_term if {
	fargate := {"matchExpressions": [_expression("eks.amazonaws.com/compute-type", "In", ["fargate"])]}
	ec2 := {"matchExpressions": [_expression("group", "In", ["al"])]}
	pod := {"spec": {"affinity": {"nodeAffinity": _required([fargate, ec2])}}}
	not scheduling.pod_fargate(pod)
	not scheduling.pod_fargate({"spec": {"affinity": {"nodeAffinity": _required([])}}})
	either := {"matchExpressions": [_expression("eks.amazonaws.com/compute-type", "In", ["fargate", "ec2"])]}
	not scheduling.pod_fargate(_affinity(either))
}

# --- schedulable ----------------------------------------------------------------------------------------------

test_schedulable_untainted_nodes if {
	_names({"spec": {}}) == ["al-1", "al2-1", "br-130", "br-133", "i-0845", "ubuntu-1"]
	scheduling.schedulable({"spec": {}}, {})
}

test_schedulable_node_selector if {
	_names({"spec": {"nodeSelector": {"group": "br"}}}) == ["br-130", "br-133"]
	_names({"spec": {"nodeSelector": {"group": "br", "zone": "a"}}}) == []
}

test_schedulable_affinity_operators if {
	_names(_affinity({"matchExpressions": [_expression("group", "In", ["al", "al2"])]})) == ["al-1", "al2-1"]
	not_in := _expression("group", "NotIn", ["al", "br"])
	_names(_affinity({"matchExpressions": [not_in]})) == ["al2-1", "i-0845", "ubuntu-1"]
	exists := {"key": "eks.amazonaws.com/compute-type", "operator": "Exists"}
	_names(_affinity({"matchExpressions": [exists]})) == ["i-0845"]
	_names(_affinity({"matchExpressions": [{"key": "group", "operator": "DoesNotExist"}]})) == ["i-0845", "ubuntu-1"]
	_names(_affinity({"matchFields": [_expression("metadata.name", "In", ["br-133"])]})) == ["br-133"]
	_names(_affinity({"matchFields": [_expression("metadata.name", "NotIn", ["br-133"])]})) == [
		"al-1", "al2-1", "br-130", "i-0845",
		"ubuntu-1",
	]
	_names(_affinity({"matchExpressions": [_expression("group", "Unknown", ["al"])]})) == []
}

# An empty term matches nothing; terms are ORed, the requirements of one term ANDed.
test_schedulable_affinity_terms if {
	_names(_affinity({})) == []
	_names(_affinity({"matchExpressions": [], "matchFields": []})) == []
	al := {"matchExpressions": [_expression("group", "In", ["al"])]}
	auto := {"matchExpressions": [{"key": "eks.amazonaws.com/compute-type", "operator": "Exists"}]}
	_names({"spec": {"affinity": {"nodeAffinity": _required([al, auto])}}}) == ["al-1", "i-0845"]
	both := {
		"matchExpressions": [_expression("group", "In", ["br"])],
		"matchFields": [_expression("metadata.name", "In", ["br-130"])],
	}
	_names(_affinity(both)) == ["br-130"]
	_names({"spec": {"affinity": {"nodeAffinity": _required([])}}}) == []
}

test_schedulable_affinity_numeric if {
	numbered := [_node("a", {"gen": "6"}, ""), _node("b", {"gen": "7"}, ""), _node("c", {"gen": "x"}, "")]
	gt_pod := _affinity({"matchExpressions": [_expression("gen", "Gt", ["6"])]})
	[n.metadata.name | some n in numbered; scheduling.schedulable(gt_pod, n)] == ["b"]
	lt_pod := _affinity({"matchExpressions": [_expression("gen", "Lt", ["7"])]})
	[n.metadata.name | some n in numbered; scheduling.schedulable(lt_pod, n)] == ["a"]
	negative := _affinity({"matchExpressions": [_expression("gen", "Gt", ["-1"])]})
	[n.metadata.name | some n in numbered; scheduling.schedulable(negative, n)] == ["a", "b"]
	not_a_number := _affinity({"matchExpressions": [_expression("gen", "Gt", ["six"])]})
	[n.metadata.name | some n in numbered; scheduling.schedulable(not_a_number, n)] == []
}

_fargate_pod(tolerations) := {"spec": {
	"tolerations": tolerations,
	"nodeSelector": {"eks.amazonaws.com/compute-type": "fargate"},
}}

test_schedulable_tolerations if {
	_names(_fargate_pod([{"operator": "Exists"}])) == ["fargate-ip-10-0-0-1.ec2.internal"]
	equal_toleration := {"key": "eks.amazonaws.com/compute-type", "value": "fargate", "effect": "NoSchedule"}
	_names(_fargate_pod([equal_toleration])) == ["fargate-ip-10-0-0-1.ec2.internal"]
	exists_key := {"key": "eks.amazonaws.com/compute-type", "operator": "Exists"}
	_names(_fargate_pod([exists_key])) == ["fargate-ip-10-0-0-1.ec2.internal"]
	wrong_effect := {"key": "eks.amazonaws.com/compute-type", "operator": "Exists", "effect": "NoExecute"}
	_names(_fargate_pod([wrong_effect])) == []
	wrong_value := {"key": "eks.amazonaws.com/compute-type", "value": "ec2"}
	_names(_fargate_pod([wrong_value])) == []
	wrong_key := {"key": "dedicated", "operator": "Exists"}
	_names(_fargate_pod([wrong_key])) == []

	# An empty key tolerates every taint only with operator Exists.
	empty_key_equal := {"key": "", "operator": "Equal", "value": "fargate"}
	_names(_fargate_pod([empty_key_equal])) == []
	_names(_fargate_pod([])) == []
}

test_tolerates_value_defaults if {
	scheduling.tolerates({"key": "k"}, {"key": "k", "effect": "NoSchedule"})
	scheduling.tolerates({"key": "k", "operator": "Equal", "value": ""}, {"key": "k", "effect": "NoExecute"})
	not scheduling.tolerates({"key": "k", "value": "v"}, {"key": "k", "effect": "NoSchedule"})
	no_schedule := {"key": "k", "operator": "Exists", "effect": "NoSchedule"}
	not scheduling.tolerates(no_schedule, {"key": "k", "effect": "NoExecute"})
}

test_prefer_no_schedule_taint_is_ignored if {
	soft := object.union(_node("soft", {}, ""), {"spec": {"taints": [{"key": "k", "effect": "PreferNoSchedule"}]}})
	scheduling.schedulable({"spec": {}}, soft)
	hard := object.union(_node("hard", {}, ""), {"spec": {"taints": [{"key": "k", "effect": "NoExecute"}]}})
	not scheduling.schedulable({"spec": {}}, hard)
}

test_fargate_scheduler_only_fargate if {
	pod := {"spec": {"schedulerName": "fargate-scheduler", "tolerations": [{"operator": "Exists"}]}}
	_names(pod) == ["fargate-ip-10-0-0-1.ec2.internal"]
	_names({"spec": {"tolerations": [{"operator": "Exists"}]}}) == [n.metadata.name | some n in _all]
}

test_label_keys if {
	scheduling.label_keys({"spec": {}}) == set()
	pod := {"spec": {
		"nodeSelector": {"group": "br"},
		"affinity": {"nodeAffinity": _required([
			{"matchExpressions": [_expression("zone", "In", ["a"])]},
			{"matchFields": [_expression("metadata.name", "In", ["x"])]},
		])},
	}}
	scheduling.label_keys(pod) == {"group", "zone"}
}

test_reads_node_name if {
	scheduling.reads_node_name(_affinity({"matchFields": [_expression("metadata.name", "In", ["x"])]}))
	not scheduling.reads_node_name(_affinity({"matchExpressions": [_expression("zone", "In", ["a"])]}))
	not scheduling.reads_node_name(_affinity({"matchFields": []}))
	not scheduling.reads_node_name({"spec": {}})
}

# --- Karpenter NodePools (docs/semantics.md#nodepools) ------------------------------------------------------------

_pool(labels, requirements, taints) := {"spec": {"template": {
	"metadata": {"labels": labels},
	"spec": {
		"nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
		"requirements": requirements,
		"taints": taints,
	},
}}}

_open := _pool({}, [], [])

_selecting(selector) := {"spec": {"nodeSelector": selector}}

_requiring(expressions) := _affinity({"matchExpressions": expressions})

test_pool_admits_pod_without_constraints if {
	scheduling.pool_admits({"spec": {}}, "default", _open)
	scheduling.pool_admits({"spec": {}}, "bare", {})
	scheduling.pool_admits({"spec": {}}, "bare", {"spec": {"template": {}}})
}

test_pool_template_labels if {
	pool := _pool({"team": "coder", "group": "br"}, [], [])
	scheduling.pool_admits(_selecting({"group": "br"}), "p", pool)
	scheduling.pool_admits(_selecting({"group": "br", "team": "coder"}), "p", pool)
	not scheduling.pool_admits(_selecting({"group": "al"}), "p", pool)
	scheduling.pool_admits(_requiring([_expression("group", "In", ["al", "br"])]), "p", pool)
	not scheduling.pool_admits(_requiring([_expression("group", "NotIn", ["br"])]), "p", pool)
	scheduling.pool_admits(_requiring([{"key": "team", "operator": "Exists"}]), "p", pool)
	not scheduling.pool_admits(_requiring([{"key": "team", "operator": "DoesNotExist"}]), "p", pool)
}

# A template label fixes the value even when a requirement on the same key would allow others.
test_pool_template_label_over_requirement if {
	pool := _pool({"group": "br"}, [_expression("group", "In", ["al", "br"])], [])
	scheduling.pool_admits(_selecting({"group": "br"}), "p", pool)
	not scheduling.pool_admits(_selecting({"group": "al"}), "p", pool)
}

test_pool_requirement_in if {
	pool := _pool({}, [_expression("node.kubernetes.io/instance-family", "In", ["m7i", "c7i"])], [])
	scheduling.pool_admits(_selecting({"node.kubernetes.io/instance-family": "m7i"}), "p", pool)
	not scheduling.pool_admits(_selecting({"node.kubernetes.io/instance-family": "r7i"}), "p", pool)
	not_in := _expression("node.kubernetes.io/instance-family", "NotIn", ["m7i"])
	scheduling.pool_admits(_requiring([not_in]), "p", pool)
	exists := {"key": "node.kubernetes.io/instance-family", "operator": "Exists"}
	scheduling.pool_admits(_requiring([exists]), "p", pool)
}

test_pool_requirement_not_in if {
	pool := _pool({}, [_expression("tier", "NotIn", ["spot-only"])], [])
	scheduling.pool_admits(_selecting({"tier": "general"}), "p", pool)
	scheduling.pool_admits(_requiring([{"key": "tier", "operator": "Exists"}]), "p", pool)
}

test_pool_requirement_exists if {
	pool := _pool({}, [{"key": "tier", "operator": "Exists"}], [])
	scheduling.pool_admits(_selecting({"tier": "general"}), "p", pool)
	scheduling.pool_admits(_requiring([_expression("tier", "NotIn", ["gpu"])]), "p", pool)
}

test_pool_requirement_does_not_exist if {
	pool := _pool({}, [{"key": "tier", "operator": "DoesNotExist"}], [])
	not scheduling.pool_admits(_selecting({"tier": "general"}), "p", pool)
	not scheduling.pool_admits(_requiring([{"key": "tier", "operator": "Exists"}]), "p", pool)
}

test_pool_requirement_gt if {
	generation := "karpenter.k8s.aws/instance-generation"
	pool := _pool({}, [_expression(generation, "Gt", ["5"])], [])
	scheduling.pool_admits(_selecting({generation: "7"}), "p", pool)
	scheduling.pool_admits(_requiring([_expression(generation, "Gt", ["6"])]), "p", pool)

	# The pod's Gt is read against the values a pool's In lists.
	listed := _pool({}, [_expression(generation, "In", ["6", "7"])], [])
	scheduling.pool_admits(_requiring([_expression(generation, "Gt", ["6"])]), "p", listed)
	not scheduling.pool_admits(_requiring([_expression(generation, "Gt", ["7"])]), "p", listed)
	scheduling.pool_admits(_requiring([_expression(generation, "Lt", ["7"])]), "p", listed)
}

# A well-known label the pool leaves open allows any value, but Karpenter always sets it.
test_pool_well_known_keys_open if {
	scheduling.pool_admits(_selecting({"kubernetes.io/arch": "arm64"}), "p", _open)
	scheduling.pool_admits(_selecting({"topology.kubernetes.io/zone": "us-west-2a"}), "p", _open)
	scheduling.pool_admits(_selecting({"node.kubernetes.io/instance-type": "m7i.2xlarge"}), "p", _open)
	scheduling.pool_admits(_selecting({"karpenter.sh/capacity-type": "spot"}), "p", _open)
	scheduling.pool_admits(_selecting({"karpenter.k8s.aws/instance-family": "m7i"}), "p", _open)
	scheduling.pool_admits(_selecting({"eks.amazonaws.com/instance-category": "m"}), "p", _open)
	scheduling.pool_admits(_requiring([_expression("kubernetes.io/arch", "NotIn", ["arm64"])]), "p", _open)

	# A requirement on a well-known key constrains it.
	amd64 := _pool({}, [_expression("kubernetes.io/arch", "In", ["amd64"])], [])
	not scheduling.pool_admits(_selecting({"kubernetes.io/arch": "arm64"}), "p", amd64)
	scheduling.pool_admits(_selecting({"kubernetes.io/arch": "amd64"}), "p", amd64)
}

# A key the pool neither labels nor constrains is never on its nodes.
test_pool_unknown_keys_refused if {
	not scheduling.pool_admits(_selecting({"group": "br"}), "p", _open)
	not scheduling.pool_admits(_requiring([_expression("group", "In", ["br"])]), "p", _open)
	not scheduling.pool_admits(_requiring([{"key": "group", "operator": "Exists"}]), "p", _open)
	scheduling.pool_admits(_requiring([_expression("group", "NotIn", ["br"])]), "p", _open)
	scheduling.pool_admits(_requiring([{"key": "group", "operator": "DoesNotExist"}]), "p", _open)
}

test_pool_nodepool_label_is_its_name if {
	scheduling.pool_admits(_selecting({"karpenter.sh/nodepool": "gpu"}), "gpu", _open)
	not scheduling.pool_admits(_selecting({"karpenter.sh/nodepool": "gpu"}), "general", _open)
	scheduling.pool_admits(_requiring([_expression("karpenter.sh/nodepool", "NotIn", ["gpu"])]), "general", _open)
	not scheduling.pool_admits(_requiring([_expression("karpenter.sh/nodepool", "NotIn", ["gpu"])]), "gpu", _open)

	# The name wins over a template label that claims another pool.
	claims := _pool({"karpenter.sh/nodepool": "other"}, [], [])
	scheduling.pool_admits(_selecting({"karpenter.sh/nodepool": "gpu"}), "gpu", claims)
}

test_pool_taints if {
	tainted := _pool({}, [], [{"key": "dedicated", "value": "agents", "effect": "NoSchedule"}])
	not scheduling.pool_admits({"spec": {}}, "p", tainted)
	toleration := {"key": "dedicated", "operator": "Equal", "value": "agents", "effect": "NoSchedule"}
	scheduling.pool_admits({"spec": {"tolerations": [toleration]}}, "p", tainted)
	scheduling.pool_admits({"spec": {"tolerations": [{"operator": "Exists"}]}}, "p", tainted)
	wrong := {"key": "dedicated", "value": "builds"}
	not scheduling.pool_admits({"spec": {"tolerations": [wrong]}}, "p", tainted)
	soft := _pool({}, [], [{"key": "dedicated", "effect": "PreferNoSchedule"}])
	scheduling.pool_admits({"spec": {}}, "p", soft)
}

# Startup taints are removed once the node is ready: a pod need not tolerate them.
test_pool_startup_taints_ignored if {
	pool := json.patch(_open, [{
		"op": "add", "path": "/spec/template/spec/startupTaints",
		"value": [{"key": "node.cilium.io/agent-not-ready", "effect": "NoExecute"}],
	}])
	scheduling.pool_admits({"spec": {}}, "p", pool)
}

# A node not launched yet has no name, so a term with matchFields never admits a pool; other terms still may.
test_pool_match_fields_never_admitted if {
	by_name := {"matchFields": [_expression("metadata.name", "In", ["ip-1"])]}
	not scheduling.pool_admits(_affinity(by_name), "p", _open)
	with_arch := {
		"matchExpressions": [_expression("kubernetes.io/arch", "In", ["amd64"])],
		"matchFields": [_expression("metadata.name", "NotIn", ["ip-1"])],
	}
	not scheduling.pool_admits(_affinity(with_arch), "p", _open)
	arch := {"matchExpressions": [_expression("kubernetes.io/arch", "In", ["amd64"])]}
	scheduling.pool_admits({"spec": {"affinity": {"nodeAffinity": _required([by_name, arch])}}}, "p", _open)
	not scheduling.pool_admits(_affinity({}), "p", _open)
}

_requiring_pool(requirements) := {"spec": {"template": {"spec": {"requirements": requirements}}}}

_requiring_one(e) := _requiring([e])

# A pod's NotIn/DoesNotExist is read against the pool's requirements and well-known keys, not only its labels.
test_pool_negative_requirements if {
	family := "node.kubernetes.io/instance-family"
	listed := _requiring_pool([{"key": family, "operator": "In", "values": ["m7i", "c7i"]}])
	not scheduling.pool_admits(_requiring_one({"key": family, "operator": "NotIn", "values": ["m7i", "c7i"]}), "p", listed)
	scheduling.pool_admits(_requiring_one({"key": family, "operator": "NotIn", "values": ["m7i"]}), "p", listed)
	not scheduling.pool_admits(_requiring_one({"key": family, "operator": "DoesNotExist"}), "p", listed)
	exists := _requiring_pool([{"key": "tier", "operator": "Exists"}])
	not scheduling.pool_admits(_requiring_one({"key": "tier", "operator": "DoesNotExist"}), "p", exists)
	no_arch := _requiring_one({"key": "kubernetes.io/arch", "operator": "DoesNotExist"})
	not scheduling.pool_admits(no_arch, "p", _requiring_pool([]))

	# A node the pool launches may lack the key: pool NotIn/DoesNotExist and pod NotIn/DoesNotExist agree.
	absent := _requiring_pool([{"key": "tier", "operator": "DoesNotExist"}])
	scheduling.pool_admits(_requiring_one({"key": "tier", "operator": "DoesNotExist"}), "p", absent)
	scheduling.pool_admits(_requiring_one({"key": "tier", "operator": "NotIn", "values": ["gpu"]}), "p", absent)
	not_gpu := _requiring_pool([{"key": "tier", "operator": "NotIn", "values": ["gpu"]}])
	scheduling.pool_admits(_requiring_one({"key": "tier", "operator": "DoesNotExist"}), "p", not_gpu)
	scheduling.pool_admits(_requiring_one({"key": "tier", "operator": "DoesNotExist"}), "p", _requiring_pool([]))

	# A value the pod selects must be one the pool's NotIn/Gt/Lt allows.
	sel := {"spec": {"nodeSelector": {"tier": "gpu"}}}
	not scheduling.pool_admits(sel, "p", not_gpu)
	scheduling.pool_admits({"spec": {"nodeSelector": {"tier": "cpu"}}}, "p", not_gpu)
	generation := "karpenter.k8s.aws/instance-generation"
	newer := _requiring_pool([{"key": generation, "operator": "Gt", "values": ["5"]}])
	not scheduling.pool_admits({"spec": {"nodeSelector": {generation: "3"}}}, "p", newer)
	scheduling.pool_admits({"spec": {"nodeSelector": {generation: "7"}}}, "p", newer)
}
