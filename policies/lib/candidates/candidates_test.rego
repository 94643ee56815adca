package lib.candidates_test

import data.lib.candidates

_node(name, labels, os, kernel) := {
	"metadata": {"name": name, "labels": labels},
	"status": {"nodeInfo": {"osImage": os, "kernelVersion": kernel, "containerRuntimeVersion": "containerd://1.7.25"}},
}

_br133 := _node("br-133", {"group": "br"}, "Bottlerocket OS 1.46.0 (aws-k8s-1.33)", "6.12.40")

_br130 := _node("br-130", {"group": "br"}, "Bottlerocket OS 1.32.0 (aws-k8s-1.30)", "6.1.128")

_al2023 := _node("al-1", {"group": "al"}, "Amazon Linux 2023.6.20241010", "6.1.112-122.189.amzn2023.x86_64")

_al2 := _node("al2-1", {"group": "al2"}, "Amazon Linux 2", "5.10.210-201.855.amzn2.x86_64")

_auto := _node(
	"i-0845",
	{"eks.amazonaws.com/compute-type": "auto"},
	"Bottlerocket (EKS Auto, Standard) 2025.12.5 (aws-k8s-1.34-standard)",
	"6.12.55",
)

_ubuntu := _node("ubuntu-1", {}, "Ubuntu 22.04.5 LTS", "6.8.0-1021-aws")

_fargate := object.union(
	_node(
		"fargate-ip-10-0-0-1.ec2.internal",
		{"eks.amazonaws.com/compute-type": "fargate"},
		"Amazon Linux 2",
		"5.10.234-225.910.amzn2.x86_64",
	),
	{"spec": {"taints": [{"key": "eks.amazonaws.com/compute-type", "value": "fargate", "effect": "NoSchedule"}]}},
)

_all := [_br133, _br130, _al2023, _al2, _auto, _ubuntu, _fargate]

_nodes(list) := {n.metadata.name: n | some n in list}

_inv(list) := {"cluster": {"v1": {"Node": _nodes(list)}}}

_review(spec) := {"review": {"object": {"kind": "Pod", "spec": spec}}, "parameters": {}}

_review_with(spec, parameters) := {"review": {"object": {"kind": "Pod", "spec": spec}}, "parameters": parameters}

# The Nodes in the groups of some targets, sorted; evaluated with the same input and inventory as the targets.
_members(ts) := sort([name |
	some scan in {t.scan | some t in ts; t.origin == "inventory"}
	keys := {t.key | some t in ts; t.origin == "inventory"; t.scan == scan}
	some name, key in candidates.keys_of(scan)
	key in keys
])

_origins(ts) := [t.origin | some t in ts]

_affinity(term) := {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": _terms([term])}}}

_terms(terms) := {"nodeSelectorTerms": terms}

# --- candidate Nodes and groups -------------------------------------------------------------------------------

test_targets_inventory if {
	ts := candidates.targets with input as _review({"nodeSelector": {"group": "al"}}) with data.inventory as _inv(_all)
	count(ts) == 1
	object.remove(ts[0], {"key", "scan"}) == {
		"origin": "inventory",
		"class": "al2023",
		"userns": {"state": "enabled", "why": "Amazon Linux allows user namespaces"},
		"seccomp_default": {"state": "false", "why": "Amazon Linux kubelets leave seccompDefault off"},
		"landlock": {"state": "unknown", "why": "a Node object does not show whether the Landlock LSM is enabled"},
		"kernel": [6, 1],
		"kernel_version": "6.1.112-122.189.amzn2023.x86_64",
	}
	_members(ts) == ["al-1"] with input as _review({"nodeSelector": {"group": "al"}}) with data.inventory as _inv(_all)
}

test_targets_untainted_nodes if {
	inp := _review({})
	inv := _inv(_all)
	ts := candidates.targets with input as inp with data.inventory as inv
	_members(ts) == ["al-1", "al2-1", "br-130", "br-133", "i-0845", "ubuntu-1"] with input as inp
		with data.inventory as inv
	{t.class | some t in ts} == {"al2023", "al2", "bottlerocket", "auto-mode", "unknown"}
}

# A spec that is not an object says nothing about placement: the same Nodes as a pod with an empty spec.
test_targets_spec_not_an_object if {
	inp := {"review": {"object": {"kind": "Pod", "spec": "x"}}, "parameters": {}}
	inv := _inv(_all)
	ts := candidates.targets with input as inp with data.inventory as inv
	_members(ts) == ["al-1", "al2-1", "br-130", "br-133", "i-0845", "ubuntu-1"] with input as inp
		with data.inventory as inv
}

test_targets_node_without_kernel if {
	ts := candidates.targets with input as _review({}) with data.inventory as _inv([{"metadata": {"name": "bare"}}])
	ts[0].origin == "inventory"
	ts[0].kernel == null
	ts[0].kernel_version == ""
	ts[0].class == "unknown"
}

# spec.nodeName bypasses the scheduler: that Node only, even when tainted or not selected.
test_targets_node_name if {
	inv := _inv(_all)
	inp := _review({"nodeName": "al-1", "nodeSelector": {"group": "br"}})
	ts := candidates.targets with input as inp with data.inventory as inv
	_members(ts) == ["al-1"] with input as inp with data.inventory as inv
	[t.class | some t in ts] == ["al2023"]
	tainted := _review({"nodeName": "i-0845"})
	_members(candidates.targets) == ["i-0845"] with input as tainted
		with data.inventory as _inv([object.union(_auto, {"spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}})])
}

test_targets_node_name_unknown if {
	ts := candidates.targets with input as _review({"nodeName": "gone"}) with data.inventory as _inv(_all)
	_origins(ts) == ["none"]
	candidates.node_keys == {} with input as _review({"nodeName": "gone"}) with data.inventory as _inv(_all)
}

# The nodeSelector's first key is looked up on every Node before any grouping; the rest is the scheduling test.
test_targets_node_selector if {
	inv := _inv(_all)
	inp := _review({"nodeSelector": {"group": "br"}})
	ts := candidates.targets with input as inp with data.inventory as inv
	_members(ts) == ["br-130", "br-133"] with input as inp with data.inventory as inv
	count(ts) == 2
	object.keys(candidates.node_keys) == {"br-130", "br-133"} with input as inp with data.inventory as inv

	two := _review({"nodeSelector": {"group": "br", "os": "bottlerocket"}})
	labelled := json.patch(_br133, [{"op": "add", "path": "/metadata/labels/os", "value": "bottlerocket"}])
	_members(candidates.targets) == ["br-133"] with input as two with data.inventory as _inv([_br130, labelled, _al2023])
}

test_targets_affinity if {
	inv := _inv(_all)
	inp := _review(_affinity({"matchExpressions": [{"key": "group", "operator": "NotIn", "values": ["al", "br"]}]}))
	_members(candidates.targets) == ["al2-1", "i-0845", "ubuntu-1"] with input as inp with data.inventory as inv
	newer := _review(_affinity({"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["6"]}]}))
	numbered := _inv([_node("a", {"gen": "6"}, "", ""), _node("b", {"gen": "7"}, "", "")])
	_members(candidates.targets) == ["b"] with input as newer with data.inventory as numbered
}

# n Bottlerocket Nodes br-01 ... that differ only in name and hostname.
_fleet(n) := [_node(sprintf("br-%02d", [i]), _fleet_labels(i), _os, "6.12.40") | some i in numbers.range(1, n)]

_fleet_labels(i) := {"group": "br", "kubernetes.io/hostname": sprintf("h%d", [i])}

_os := "Bottlerocket OS 1.46.0 (aws-k8s-1.33)"

# Nodes that differ only in name and in labels nothing reads are one group: one target for five Nodes.
test_groups_collapse_identical_nodes if {
	inv := _inv(array.concat(_fleet(5), [_br130]))
	inp := _review({"nodeSelector": {"group": "br"}})
	ts := candidates.targets with input as inp with data.inventory as inv
	count(ts) == 2
	count(candidates.node_groups) == 2 with input as inp with data.inventory as inv
	_members(ts) == ["br-01", "br-02", "br-03", "br-04", "br-05", "br-130"] with input as inp with data.inventory as inv
	some t in ts
	t.seccomp_default.state == "true"
	_members([t]) == ["br-01", "br-02", "br-03", "br-04", "br-05"] with input as inp with data.inventory as inv
}

# A label the pod selects on splits the groups; one only the facts read does too.
test_groups_split_on_read_labels if {
	inv := _inv(_fleet(4))
	count(candidates.node_groups) == 1 with input as _review({}) with data.inventory as inv
	by_host := _review(_affinity({"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "Exists"}]}))
	count(candidates.node_groups) == 4 with input as by_host with data.inventory as inv
	fact := json.patch(_fleet(4)[3], [{
		"op": "add", "path": "/metadata/annotations",
		"value": {"boundary-policy/max-user-namespaces": "65536", "unrelated": "x"},
	}])
	ts := candidates.targets with input as _review({}) with data.inventory as _inv(array.concat(_fleet(3), [fact]))
	count(ts) == 2
	{t.userns.state | some t in ts} == {"enabled", "disabled"}
}

# A pod whose affinity matches on Node names reads every name: each Node is a group of its own.
test_groups_match_fields_one_per_node if {
	inv := _inv(_fleet(4))
	names := {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["br-01", "br-03"]}]}
	inp := _review(_affinity(names))
	ts := candidates.targets with input as inp with data.inventory as inv
	count(ts) == 2
	_members(ts) == ["br-01", "br-03"] with input as inp with data.inventory as inv
	count(candidates.node_keys) == 4 with input as inp with data.inventory as inv
	count({k | some k in candidates.node_keys}) == 4 with input as inp with data.inventory as inv
}

# A Fargate Node a pod names in matchFields keeps its name in the view, so it is scheduled there (BND040's case).
test_groups_match_fields_fargate_node if {
	names := {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["fargate-ip-10-0-0-1.ec2.internal"]}]}
	inp := _review(object.union(_affinity(names), {"tolerations": [{"operator": "Exists"}]}))
	ts := candidates.targets with input as inp with data.inventory as _inv(_all)
	[[t.origin, t.class] | some t in ts] == [["inventory", "fargate"]]
	_members(ts) == ["fargate-ip-10-0-0-1.ec2.internal"] with input as inp with data.inventory as _inv(_all)
}

# Of a Node's name only the "fargate-" prefix is read (it decides the class): two Fargate Nodes are one group.
test_groups_fargate_name_only_prefix if {
	inv := _inv([_node("fargate-a", {}, "", ""), _node("fargate-b", {}, "", ""), _node("ec2-a", {}, "", "")])
	ts := candidates.targets with input as _review({}) with data.inventory as inv
	count(ts) == 2
	{t.class | some t in ts} == {"fargate", "unknown"}
	fargate := [t | some t in ts; t.class == "fargate"]
	_members(fargate) == ["fargate-a", "fargate-b"] with input as _review({}) with data.inventory as inv
}

# --- NodePools (docs/semantics.md#nodepools) -----------------------------------------------------------------------

_pool(labels, ref) := {
	"apiVersion": "karpenter.sh/v1",
	"kind": "NodePool",
	"spec": {"template": {"metadata": {"labels": labels}, "spec": {"nodeClassRef": ref}}},
}

_ec2(name) := {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": name}

_auto_ref := {"group": "eks.amazonaws.com", "kind": "NodeClass", "name": "default"}

_bottlerocket_class := {"spec": {"amiSelectorTerms": [{"alias": "bottlerocket@latest"}]}}

_karpenter(pools, nodes) := {"cluster": {
	"v1": {"Node": _nodes(nodes)},
	"karpenter.sh/v1": {"NodePool": pools},
	"karpenter.k8s.aws/v1": {"EC2NodeClass": {"br": _bottlerocket_class}},
}}

_empty_pool := _karpenter({"agents": _pool({"team": "coder"}, _ec2("br"))}, [])

test_pool_target if {
	ts := candidates.targets with input as _review({}) with data.inventory as _empty_pool
	ts == [{
		"origin": "nodepool",
		"name": "agents",
		"node_class": _ec2("br"),
		"class": "bottlerocket",
		"userns": {"state": "disabled", "why": "Bottlerocket sets user.max_user_namespaces = 0 by default"},
		"seccomp_default": {"state": "unknown", "why": "the kubelet seccompDefault setting is not known for this node"},
		"landlock": {"state": "unknown", "why": "a Node object does not show whether the Landlock LSM is enabled"},
		"kernel": null,
		"kernel_version": "",
	}]
}

# The pool's facts come from its template's labels and annotations and from its EC2NodeClass user data.
test_pool_target_facts if {
	template := {
		"labels": {"boundary-policy/landlock": "true"},
		"annotations": {"boundary-policy/seccomp-default": "true"},
	}
	pool := json.patch(_pool({}, _ec2("br")), [{"op": "replace", "path": "/spec/template/metadata", "value": template}])
	inv := json.patch(_karpenter({"agents": pool}, []), [{
		"op": "add", "path": "/cluster/karpenter.k8s.aws~1v1/EC2NodeClass/br/spec/userData",
		"value": "[settings.kernel.sysctl]\n\"user.max_user_namespaces\" = \"65536\"\n",
	}])
	ts := candidates.targets with input as _review({}) with data.inventory as inv
	ts[0].userns == {"state": "enabled", "why": "EC2NodeClass br user data sets user.max_user_namespaces = 65536"}
	ts[0].seccomp_default.why == `boundary-policy/seccomp-default="true"`
	ts[0].landlock.state == "true"
}

test_pool_not_admitting if {
	_origins(candidates.targets) == ["none"] with input as _review({"nodeSelector": {"team": "other"}})
		with data.inventory as _empty_pool
	_origins(candidates.targets) == ["nodepool"] with input as _review({"nodeSelector": {"team": "coder"}})
		with data.inventory as _empty_pool
	pinned := _review({"nodeSelector": {"karpenter.sh/nodepool": "agents"}})
	_origins(candidates.targets) == ["nodepool"] with input as pinned with data.inventory as _empty_pool
}

# spec.nodeName names an existing Node: no pool launches it.
test_pool_not_a_candidate_with_node_name if {
	inv := _karpenter({"agents": _pool({}, _ec2("br"))}, [_al2023])
	ts := candidates.targets with input as _review({"nodeName": "al-1"}) with data.inventory as inv
	_origins(ts) == ["inventory"]
	candidates.pool_targets == [] with input as _review({"nodeName": "al-1"}) with data.inventory as inv
}

test_pools_and_nodes if {
	launched := json.patch(_br133, [{"op": "add", "path": "/metadata/labels/karpenter.sh~1nodepool", "value": "agents"}])
	inv := _karpenter({"agents": _pool({}, _ec2("br")), "auto": _pool({}, _auto_ref)}, [_al2023, launched])
	ts := candidates.targets with input as _review({}) with data.inventory as inv
	_origins(ts) == ["inventory", "inventory", "nodepool", "nodepool"]
	[t.name | some t in ts; t.origin == "nodepool"] == ["agents", "auto"]
	[t.class | some t in ts; t.origin == "nodepool"] == ["bottlerocket", "auto-mode"]
}

test_pool_auto_mode_and_unknown_class if {
	inv := _karpenter({"auto": _pool({}, _auto_ref), "odd": _pool({}, _ec2("missing"))}, [])
	ts := candidates.targets with input as _review({}) with data.inventory as inv
	[t.class | some t in ts] == ["auto-mode", "unknown"]
	ts[0].userns.state == "disabled"
	ts[1].userns.state == "unknown"
}

# --- Fargate, parameter, nothing known -------------------------------------------------------------------------

test_targets_fargate_from_inventory if {
	spec := {"schedulerName": "fargate-scheduler", "tolerations": [{"operator": "Exists"}]}
	inp := _review(spec)
	ts := candidates.targets with input as inp with data.inventory as _inv(_all)
	[t.class | some t in ts] == ["fargate"]
	_members(ts) == ["fargate-ip-10-0-0-1.ec2.internal"] with input as inp with data.inventory as _inv(_all)
}

test_targets_fargate_from_pod if {
	inp := _review_with({"schedulerName": "fargate-scheduler"}, {"nodeKind": "al2023"})
	ts := candidates.targets with input as inp with data.inventory as _empty_pool
	count(ts) == 1
	ts[0].class == "fargate"
	ts[0].origin == "pod"
	ts[0].why == "the pod's schedulerName: fargate-scheduler"
	ts[0].kernel == null

	# The pod's Fargate signal wins over candidate EC2 Nodes: only Fargate Nodes would be candidates.
	selector := _review({"nodeSelector": {"eks.amazonaws.com/compute-type": "fargate"}})
	_origins(candidates.targets) == ["pod"] with input as selector with data.inventory as _inv([_al2023])
	candidates.non_fargate_targets == [] with input as selector with data.inventory as _inv([_al2023])
}

test_targets_parameter if {
	ts := candidates.targets with input as _review_with({}, {"nodeKind": "bottlerocket"})
	[t.class | some t in ts] == ["bottlerocket"]
	ts[0].origin == "parameter"
	ts[0].userns.state == "disabled"
	ts[0].seccomp_default.state == "unknown"
}

test_targets_parameter_ignored_with_candidates if {
	inp := _review_with({"nodeName": "al-1"}, {"nodeKind": "bottlerocket"})
	ts := candidates.targets with input as inp with data.inventory as _inv(_all)
	[t.class | some t in ts] == ["al2023"]
	pool := candidates.targets with input as _review_with({}, {"nodeKind": "al2023"}) with data.inventory as _empty_pool
	[t.class | some t in pool] == ["bottlerocket"]
}

test_targets_nothing_known if {
	ts := candidates.targets with input as _review_with({}, {"nodeKind": "windows"})
	ts[0].origin == "none"
	ts[0].userns.state == "unknown"
	ts[0].why == "no candidate Node in the inventory and no nodeKind parameter"
	_origins(candidates.targets) == ["none"] with input as _review({}) with data.inventory as {}
}

test_non_fargate_targets if {
	inp := _review({"tolerations": [{"operator": "Exists"}]})
	inv := _inv([_al2023, _fargate])
	ts := candidates.non_fargate_targets with input as inp with data.inventory as inv
	[t.class | some t in ts] == ["al2023"]
	_members(ts) == ["al-1"] with input as inp with data.inventory as inv

	# Per aspect too; a pod bound for Fargate has none in every aspect.
	[t.class | some t in candidates.non_fargate_userns_targets] == ["al2023"] with input as inp with data.inventory as inv
	[t.class | some t in candidates.non_fargate_seccomp_targets] == ["al2023"] with input as inp with data.inventory as inv
	bound := _review({"schedulerName": "fargate-scheduler", "tolerations": [{"operator": "Exists"}]})
	candidates.non_fargate_targets == [] with input as bound with data.inventory as inv
	candidates.non_fargate_userns_targets == [] with input as bound with data.inventory as inv
	candidates.non_fargate_seccomp_targets == [] with input as bound with data.inventory as inv
}

# --- what BND040 and BND022 read -------------------------------------------------------------------------------

test_fargate_targets if {
	# Decided from the pod: a fargate- nodeName that is not synced, or the scheduler.
	by_name := candidates.fargate_targets with input as _review({"nodeName": "fargate-ip-2"})
		with data.inventory as _inv(_all)
	[[t.origin, t.class] | some t in by_name] == [["pod", "fargate"]]
	synced := _review({"nodeName": "fargate-ip-10-0-0-1.ec2.internal"})
	_origins(candidates.fargate_targets) == ["inventory"] with input as synced with data.inventory as _inv(_all)
	scheduler := _review({"schedulerName": "fargate-scheduler", "tolerations": [{"operator": "Exists"}]})
	ts := candidates.fargate_targets with input as scheduler with data.inventory as _inv(_all)
	_members(ts) == ["fargate-ip-10-0-0-1.ec2.internal"] with input as scheduler with data.inventory as _inv(_all)

	# A pod not bound for Fargate that a Fargate Node would take; one it would not; a declared Fargate node.
	tolerant := _review({"tolerations": [{"operator": "Exists"}]})
	fargate := candidates.fargate_targets with input as tolerant with data.inventory as _inv(_all)
	s := candidates.summary(fargate) with input as tolerant with data.inventory as _inv(_all)
	s.text == "node fargate-ip-10-0-0-1.ec2.internal (Fargate)"
	candidates.fargate_targets == [] with input as _review({}) with data.inventory as _inv(_all)
	declared := candidates.fargate_targets with input as _review_with({}, {"nodeKind": "fargate"})
	[[t.origin, t.class] | some t in declared] == [["parameter", "fargate"]]
}

# Among the Nodes a nodeSelector narrows to, Fargate is read from the label and the taint too, not only the name.
test_fargate_targets_among_selected if {
	labelled := _node("fg-label", {"group": "fg", "eks.amazonaws.com/compute-type": "fargate"}, "", "")
	tainted := object.union(_node("fg-taint", {"group": "fg"}, "", ""), {"spec": {"taints": [{
		"key": "eks.amazonaws.com/compute-type", "value": "fargate",
		"effect": "NoSchedule",
	}]}})
	inv := _inv([labelled, tainted, _node("ec2", {"group": "fg"}, "", ""), _fargate])
	inp := _review({"nodeSelector": {"group": "fg"}, "tolerations": [{"operator": "Exists"}]})
	ts := candidates.fargate_targets with input as inp with data.inventory as inv
	[t.class | some t in ts] == ["fargate", "fargate"]
	_members(ts) == ["fg-label", "fg-taint"] with input as inp with data.inventory as inv
}

test_auto_mode_targets if {
	inv := _karpenter({"auto": _pool({}, _auto_ref), "agents": _pool({}, _ec2("br"))}, [_auto, _al2023])
	ts := candidates.auto_mode_targets with input as _review({}) with data.inventory as inv
	_origins(ts) == ["inventory", "nodepool"]
	s := candidates.summary(ts) with input as _review({}) with data.inventory as inv
	s.text == "node i-0845 (EKS Auto Mode) and NodePool auto (EKS Auto Mode, NodeClass default)"
	s.node == "i-0845"
	candidates.auto_mode_targets == [] with input as _review({"nodeSelector": {"group": "al"}}) with data.inventory as inv
	fargate := _review_with({"schedulerName": "fargate-scheduler"}, {"nodeKind": "auto-mode"})
	candidates.auto_mode_targets == [] with input as fargate with data.inventory as inv
	declared := candidates.auto_mode_targets with input as _review_with({}, {"nodeKind": "auto-mode"})
	[[t.origin, t.class] | some t in declared] == [["parameter", "auto-mode"]]
}

# --- summary -----------------------------------------------------------------------------------------------------

test_summary_one_node if {
	inp := _review({"nodeSelector": {"group": "al"}})
	s := candidates.summary(candidates.targets) with input as inp with data.inventory as _inv(_all)
	s.text == "node al-1 (Amazon Linux 2023)"
	s.node == "al-1"
	s.first.class == "al2023"
}

test_summary_several_nodes if {
	inp := _review({})
	inv := _inv(_all)
	ts := candidates.targets with input as inp with data.inventory as inv
	al := [t | some t in ts; t.class in {"al2023", "al2"}]
	s2 := candidates.summary(al) with input as inp with data.inventory as inv
	s2.text == "nodes al-1 (Amazon Linux 2023) and al2-1 (Amazon Linux 2)"
	s := candidates.summary(ts) with input as inp with data.inventory as inv
	s.text == "nodes al-1 (Amazon Linux 2023), al2-1 (Amazon Linux 2), br-130 (Bottlerocket) and 3 more"
	s.node == "al-1"
	s.first.class == "al2023"
}

# One group of many Nodes is named by its first three Nodes and a count.
test_summary_group_and_more if {
	inv := _inv(_fleet(12))
	s := candidates.summary(candidates.targets) with input as _review({}) with data.inventory as inv
	s.text == "nodes br-01 (Bottlerocket), br-02 (Bottlerocket), br-03 (Bottlerocket) and 9 more"
	s.node == "br-01"
}

test_summary_pools if {
	s := candidates.summary(candidates.targets) with input as _review({}) with data.inventory as _empty_pool
	s.text == "NodePool agents (Bottlerocket, EC2NodeClass br)"
	s.node == null
	s.first.name == "agents"
	inv := _karpenter({"zeta": _pool({}, _ec2("br")), "auto": _pool({}, _auto_ref), "bare": _pool({}, {})}, [])
	ts := candidates.targets with input as _review({}) with data.inventory as inv
	several := candidates.summary(ts) with input as _review({}) with data.inventory as inv
	several.text == concat("", [
		"NodePool auto (EKS Auto Mode, NodeClass default), NodePool bare (unknown OS, NodeClass ) and ",
		"NodePool zeta (Bottlerocket, EC2NodeClass br)",
	])
	several.first.name == "auto"
}

test_summary_nodes_and_pool if {
	inv := _karpenter({"agents": _pool({}, _ec2("br"))}, [_br133])
	s := candidates.summary(candidates.targets) with input as _review({}) with data.inventory as inv
	s.text == "node br-133 (Bottlerocket) and NodePool agents (Bottlerocket, EC2NodeClass br)"
	s.node == "br-133"
	s.first.origin == "inventory"
	s.first.seccomp_default.state == "true"
	more := _karpenter({"agents": _pool({}, _ec2("br"))}, _fleet(3))
	s3 := candidates.summary(candidates.targets) with input as _review({}) with data.inventory as more
	s3.text == "nodes br-01 (Bottlerocket), br-02 (Bottlerocket), br-03 (Bottlerocket) and 1 more"
}

test_summary_fargate if {
	inp := _review({"schedulerName": "fargate-scheduler"})
	s := candidates.summary(candidates.targets) with input as inp
	s.text == "Fargate (the pod's schedulerName: fargate-scheduler)"
	s.node == null
	s.first.origin == "pod"
	node := candidates.summary(candidates.targets) with input as _review({"tolerations": [{"operator": "Exists"}]})
		with data.inventory as _inv([_fargate])
	node.text == "node fargate-ip-10-0-0-1.ec2.internal (Fargate)"
}

test_summary_parameter if {
	s := candidates.summary(candidates.targets) with input as _review_with({}, {"nodeKind": "auto-mode"})
	s.text == "nodes of kind EKS Auto Mode (parameter nodeKind)"
	s.node == null
	s.first.class == "auto-mode"
}

test_summary_unknown if {
	s := candidates.summary(candidates.targets) with input as _review({})
	s.text == "an unknown node (no candidate Node in the inventory and no nodeKind parameter)"
	s.node == null
	s.first.origin == "none"
}
