package lib.nodes_test

import data.lib.nodes

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

_inv(list) := {"cluster": {"v1": {"Node": {n.metadata.name: n | some n in list}}}}

test_class if {
	nodes.class(_fargate) == "fargate"
	nodes.class(_auto) == "auto-mode"
	nodes.class(_br133) == "bottlerocket"
	nodes.class(_al2023) == "al2023"
	nodes.class(_al2) == "al2"
	nodes.class(_ubuntu) == "unknown"
}

test_class_fargate_signals if {
	nodes.class(_node("fargate-x", {}, "Amazon Linux 2", "5.10")) == "fargate"
	nodes.class({
		"metadata": {"name": "x"},
		"spec": {"taints": [{"key": "eks.amazonaws.com/compute-type", "value": "fargate"}]},
	}) == "fargate"
	nodes.class(_node("x", {"eks.amazonaws.com/compute-type": "fargate"}, "", "")) == "fargate"
}

test_class_other_signals if {
	nodes.class(_node("x", {}, "Bottlerocket (EKS Auto) 2025.3.14 (aws-k8s-1.30)", "6.1")) == "auto-mode"
	nodes.class({
		"metadata": {"name": "x"},
		"status": {"nodeInfo": {"containerRuntimeVersion": "containerd://1.6.31+bottlerocket"}},
	}) == "bottlerocket"
}

test_fact_annotation_wins if {
	node := {"metadata": {
		"labels": {"boundary-policy/landlock": "false"},
		"annotations": {"boundary-policy/landlock": "true"},
	}}
	nodes.fact(node, "landlock") == "true"
	nodes.fact({"metadata": {"labels": {"boundary-policy/landlock": "false"}}}, "landlock") == "false"
}

test_userns_defaults if {
	nodes.userns(_br133).state == "disabled"
	nodes.userns(_auto).state == "disabled"
	nodes.userns(_al2023).state == "enabled"
	nodes.userns(_ubuntu).state == "unknown"
}

test_userns_fact if {
	node := json.patch(
		_br133,
		[{"op": "add", "path": "/metadata/labels/boundary-policy~1max-user-namespaces", "value": "65536"}],
	)
	nodes.userns(node) == {"state": "enabled", "why": `boundary-policy/max-user-namespaces="65536"`}
	zero := json.patch(
		_al2023,
		[{"op": "add", "path": "/metadata/labels/boundary-policy~1max-user-namespaces", "value": "0"}],
	)
	nodes.userns(zero).state == "disabled"
	bad := json.patch(
		_br133,
		[{"op": "add", "path": "/metadata/labels/boundary-policy~1max-user-namespaces", "value": "lots"}],
	)
	nodes.userns(bad).state == "disabled"
}

_karpenter_node := json.patch(
	_br133,
	[{"op": "add", "path": "/metadata/labels/karpenter.sh~1nodepool", "value": "pool"}],
)

_karpenter(user_data) := {"cluster": {
	"karpenter.sh/v1": {"NodePool": {"pool": {"spec": {"template": {"spec": {"nodeClassRef": {"name": "cls"}}}}}}},
	"karpenter.k8s.aws/v1": {"EC2NodeClass": {"cls": {"spec": {"userData": user_data}}}},
}}

test_userns_from_karpenter_user_data if {
	user_data := concat("\n", [
		"[settings.kernel.sysctl]",
		`"user.max_user_namespaces" = "65536"`,
		"[settings.kubernetes]",
		"seccomp-default = false",
	])
	inv := _karpenter(user_data)
	userns := nodes.userns(_karpenter_node) with data.inventory as inv
	userns == {"state": "enabled", "why": "EC2NodeClass cls user data sets user.max_user_namespaces = 65536"}
	seccomp := nodes.seccomp_default(_karpenter_node) with data.inventory as inv
	seccomp == {"state": "false", "why": "EC2NodeClass cls user data sets seccomp-default = false"}
}

test_karpenter_without_settings_uses_defaults if {
	nodes.userns(_karpenter_node).state == "disabled" with data.inventory as _karpenter("[settings.host-containers]\n")
	nodes.node_class(_karpenter_node).name == "cls" with data.inventory as _karpenter("")
	not nodes.node_class(_karpenter_node) with data.inventory as _karpenter(7)
}

test_seccomp_default if {
	nodes.seccomp_default(_br133).state == "true"
	nodes.seccomp_default(_br130) == {
		"state": "false",
		"why": "Bottlerocket aws-k8s-1.30 leaves kubelet seccompDefault off",
	}
	nodes.seccomp_default(_al2).state == "false"
	nodes.seccomp_default(_auto).state == "unknown"
	nodes.seccomp_default(_ubuntu).state == "unknown"
}

test_seccomp_default_bottlerocket_version_unknown if {
	node := _node("br", {}, "Bottlerocket OS 1.0", "6.1")
	nodes.seccomp_default(node).state == "unknown"
}

test_seccomp_default_kubelet_version if {
	node := object.union(
		_node("br", {}, "Bottlerocket OS 1.0", "6.1"),
		{"status": {"nodeInfo": {"kubeletVersion": "v1.33.1-eks-1"}}},
	)
	nodes.k8s_version(node) == [1, 33]
	nodes.seccomp_default(node).state == "true"
}

test_seccomp_default_fact if {
	node := json.patch(
		_al2023,
		[{"op": "add", "path": "/metadata/annotations", "value": {"boundary-policy/seccomp-default": "true"}}],
	)
	nodes.seccomp_default(node) == {"state": "true", "why": `boundary-policy/seccomp-default="true"`}
}

test_landlock if {
	node := json.patch(
		_al2023,
		[{"op": "add", "path": "/metadata/annotations", "value": {"boundary-policy/landlock": "false"}}],
	)
	nodes.landlock(node).state == "false"
	nodes.landlock(_al2023).state == "unknown"
}

test_kernel if {
	nodes.kernel(_al2023) == [6, 1]
	nodes.kernel(_br133) == [6, 12]
	not nodes.kernel({})
}

test_at_least if {
	nodes.at_least([6, 12], [6, 7])
	nodes.at_least([7, 0], [6, 7])
	nodes.at_least([6, 7], [6, 7])
	not nodes.at_least([6, 1], [6, 7])
	not nodes.at_least([5, 15], [6, 7])
}

test_pod_fargate if {
	nodes.pod_fargate({"spec": {"schedulerName": "fargate-scheduler"}}).field == ["spec", "schedulerName"]
	nodes.pod_fargate({"spec": {"nodeName": "fargate-ip-1"}}).text == "nodeName: fargate-ip-1"
	selector := {"eks.amazonaws.com/compute-type": "fargate"}
	field := nodes.pod_fargate({"spec": {"nodeSelector": selector}}).field
	field == ["spec", "nodeSelector", "eks.amazonaws.com/compute-type"]
	requirement := {"key": "eks.amazonaws.com/compute-type", "operator": "In", "values": ["fargate"]}
	affinity := _affinity({"matchExpressions": [requirement]})
	nodes.pod_fargate(affinity).text == "required node affinity eks.amazonaws.com/compute-type: fargate"
	not nodes.pod_fargate({"spec": {"nodeName": "ip-1"}})
}

_all := [_br133, _br130, _al2023, _al2, _auto, _ubuntu, _fargate]

_names(obj) := [n.metadata.name | some n in nodes.candidates_in(obj, _inv(_all).cluster.v1.Node)]

test_candidates_node_name if {
	_names({"spec": {"nodeName": "al-1"}}) == ["al-1"]
	_names({"spec": {"nodeName": "gone"}}) == []
}

test_candidates_untainted_nodes_sorted if {
	_names({"spec": {}}) == ["al-1", "al2-1", "br-130", "br-133", "i-0845", "ubuntu-1"]
}

test_candidates_node_selector if _names({"spec": {"nodeSelector": {"group": "br"}}}) == ["br-130", "br-133"]

_affinity(term) := {"spec": {"affinity": {"nodeAffinity": _required([term])}}}

_required(terms) := {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}

test_candidates_affinity_operators if {
	_names(_affinity({"matchExpressions": [{"key": "group", "operator": "In", "values": ["al", "al2"]}]})) == [
		"al-1",
		"al2-1",
	]
	not_in := {"key": "group", "operator": "NotIn", "values": ["al", "br"]}
	_names(_affinity({"matchExpressions": [not_in]})) == ["al2-1", "i-0845", "ubuntu-1"]
	exists := {"key": "eks.amazonaws.com/compute-type", "operator": "Exists"}
	_names(_affinity({"matchExpressions": [exists]})) == ["i-0845"]
	_names(_affinity({"matchExpressions": [{"key": "group", "operator": "DoesNotExist"}]})) == ["i-0845", "ubuntu-1"]
	_names(_affinity({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["br-133"]}]})) == ["br-133"]
	_names(_affinity({})) == []
}

test_candidates_affinity_numeric if {
	inv := _inv([
		_node("a", {"gen": "6"}, "", ""),
		_node("b", {"gen": "7"}, "", ""),
		_node("c", {"gen": "x"}, "", ""),
	])
	gt_term := _affinity({"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["6"]}]})
	[n.metadata.name | some n in nodes.candidates(gt_term)] == ["b"] with data.inventory as inv
	lt_term := _affinity({"matchExpressions": [{"key": "gen", "operator": "Lt", "values": ["7"]}]})
	[n.metadata.name | some n in nodes.candidates(lt_term)] == ["a"] with data.inventory as inv
}

_fargate_pod(tolerations) := {"spec": {
	"tolerations": tolerations,
	"nodeSelector": {"eks.amazonaws.com/compute-type": "fargate"},
}}

test_candidates_tolerations if {
	_names({"spec": {
		"tolerations": [{"operator": "Exists"}],
		"nodeSelector": {"eks.amazonaws.com/compute-type": "fargate"},
	}}) == ["fargate-ip-10-0-0-1.ec2.internal"]
	equal_toleration := {"key": "eks.amazonaws.com/compute-type", "value": "fargate", "effect": "NoSchedule"}
	_names(_fargate_pod([equal_toleration])) == ["fargate-ip-10-0-0-1.ec2.internal"]
	wrong_effect := {"key": "eks.amazonaws.com/compute-type", "operator": "Exists", "effect": "NoExecute"}
	_names(_fargate_pod([wrong_effect])) == []
	wrong_value := {"key": "eks.amazonaws.com/compute-type", "value": "ec2"}
	_names({"spec": {"tolerations": [wrong_value], "nodeSelector": {"eks.amazonaws.com/compute-type": "fargate"}}}) == []
}

test_prefer_no_schedule_taint_is_ignored if {
	node := object.union(
		_node("soft", {}, "", ""),
		{"spec": {"taints": [{"key": "k", "effect": "PreferNoSchedule"}]}},
	)
	[n.metadata.name | some n in nodes.candidates({"spec": {}})] == ["soft"] with data.inventory as _inv([node])
}

test_candidates_fargate_scheduler_only_fargate if {
	pod := {"spec": {"schedulerName": "fargate-scheduler", "tolerations": [{"operator": "Exists"}]}}
	_names(pod) == ["fargate-ip-10-0-0-1.ec2.internal"]
}

test_targets_inventory if {
	ts := nodes.targets_for({"spec": {"nodeSelector": {"group": "al"}}}, {}) with data.inventory as _inv(_all)
	ts == [{
		"name": "al-1",
		"origin": "inventory",
		"class": "al2023",
		"userns": {"state": "enabled", "why": "Amazon Linux allows user namespaces"},
		"seccomp_default": {"state": "false", "why": "Amazon Linux kubelets leave seccompDefault off"},
		"landlock": {"state": "unknown", "why": "a Node object does not show whether the Landlock LSM is enabled"},
		"kernel": [6, 1],
		"kernel_version": "6.1.112-122.189.amzn2023.x86_64",
	}]
}

test_targets_node_without_kernel if {
	ts := nodes.targets_for({"spec": {}}, {}) with data.inventory as _inv([{"metadata": {"name": "bare"}}])
	ts[0].kernel == null
	ts[0].kernel_version == ""
}

test_targets_fargate_from_inventory if {
	pod := {"spec": {"schedulerName": "fargate-scheduler", "tolerations": [{"operator": "Exists"}]}}
	names := [t.name | some t in nodes.targets_for(pod, {})] with data.inventory as _inv(_all)
	names == ["fargate-ip-10-0-0-1.ec2.internal"]
}

test_targets_fargate_from_pod if {
	ts := nodes.targets_for({"spec": {"schedulerName": "fargate-scheduler"}}, {"nodeKind": "al2023"})
	count(ts) == 1
	ts[0].name == null
	ts[0].class == "fargate"
	ts[0].origin == "pod"
	ts[0].why == "the pod's schedulerName: fargate-scheduler"
}

test_targets_parameter if {
	ts := nodes.targets_for({"spec": {}}, {"nodeKind": "bottlerocket"})
	[t.class | some t in ts] == ["bottlerocket"]
	ts[0].userns.state == "disabled"
	ts[0].seccomp_default.state == "unknown"
}

test_targets_parameter_ignored_with_candidates if {
	pod := {"spec": {"nodeName": "al-1"}}
	names := [t.name | some t in nodes.targets_for(pod, {"nodeKind": "bottlerocket"})] with data.inventory as _inv(_all)
	names == ["al-1"]
}

test_targets_nothing_known if {
	ts := nodes.targets_for({"spec": {}}, {"nodeKind": "windows"})
	ts[0].origin == "none"
	ts[0].userns.state == "unknown"
}

test_targets_of_input if {
	pod := {"kind": "Pod", "spec": {"nodeSelector": {"group": "br"}}}
	[t.name | some t in nodes.targets] == ["br-130", "br-133"] with input as {"review": {"object": pod}}
		with data.inventory as _inv(_all)
}

test_non_fargate_targets if {
	pod := {"kind": "Pod", "spec": {"tolerations": [{"operator": "Exists"}]}}
	names := [t.name | some t in nodes.non_fargate_targets] with input as {"review": {"object": pod}}
		with data.inventory as _inv([_al2023, _fargate])
	names == ["al-1"]
}

test_describe if {
	ts := nodes.targets_for({"spec": {}}, {}) with data.inventory as _inv(_all)
	nodes.describe([ts[0]]) == "node al-1 (Amazon Linux 2023)"
	nodes.describe(array.slice(ts, 0, 2)) == "nodes al-1 (Amazon Linux 2023) and al2-1 (Amazon Linux 2)"
	nodes.describe(ts) == "nodes al-1 (Amazon Linux 2023), al2-1 (Amazon Linux 2), br-130 (Bottlerocket) and 3 more"
	nodes.first_name(ts) == "al-1"
}

test_describe_virtual if {
	fargate := nodes.targets_for({"spec": {"schedulerName": "fargate-scheduler"}}, {})
	nodes.describe(fargate) == "Fargate (the pod's schedulerName: fargate-scheduler)"
	declared := nodes.targets_for({"spec": {}}, {"nodeKind": "auto-mode"})
	nodes.describe(declared) == "nodes of kind EKS Auto Mode (parameter nodeKind)"
	unknown := nodes.targets_for({"spec": {}}, {})
	nodes.describe(unknown) == "an unknown node (no candidate Node in the inventory and no nodeKind parameter)"
	nodes.first_name(nodes.targets_for({"spec": {}}, {})) == null
}

_target(kernel, version, class, landlock) := {
	"kernel": kernel,
	"kernel_version": version,
	"class": class,
	"landlock": {"state": landlock, "why": "why"},
}

test_landlock_fails if {
	nodes.landlock_fails(_target([5, 10], "5.10.1", "al2", "unknown"))
	nodes.landlock_fails(_target(null, "", "fargate", "unknown"))
	nodes.landlock_fails(_target([6, 12], "6.12.1", "al2023", "false"))
	not nodes.landlock_fails(_target([6, 12], "6.12.1", "al2023", "unknown"))
	not nodes.landlock_fails(_target(null, "", "unknown", "unknown"))
}

test_landlock_failure if {
	nodes.landlock_failure(_target([5, 10], "5.10.1", "al2", "unknown")) == "whose kernel is 5.10.1"
	fargate := _target(null, "", "fargate", "unknown")
	nodes.landlock_failure(fargate) == "whose kernel is not known (AWS documents Fargate kernels 5.10)"
	nodes.landlock_failure(_target([6, 12], "6.12.1", "al2023", "false")) == "where Landlock is disabled (why)"
}

test_landlock_unknown if {
	known := _target([6, 12], "6.12.1", "al2023", "unknown")
	nodes.landlock_unknown(known) == "kernel 6.12.1 has Landlock ABI v4 but why"
	unknown := _target(null, "", "unknown", "unknown")
	nodes.landlock_unknown(unknown) == "neither the kernel version nor the Landlock LSM state is known"
}
