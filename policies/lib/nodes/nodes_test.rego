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

test_class if {
	nodes.class(_fargate) == "fargate"
	nodes.class(_auto) == "auto-mode"
	nodes.class(_br133) == "bottlerocket"
	nodes.class(_al2023) == "al2023"
	nodes.class(_al2) == "al2"
	nodes.class(_ubuntu) == "unknown"
	nodes.class({}) == "unknown"
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

# Every class has a message name, and the keys a node group is built from cover what the classes and facts read.
test_class_names_and_keys if {
	object.keys(nodes.class_names) == nodes.kinds
	nodes.label_keys == {
		"boundary-policy/max-user-namespaces", "boundary-policy/landlock", "boundary-policy/seccomp-default",
		"eks.amazonaws.com/compute-type", "karpenter.sh/nodepool",
	}
	nodes.info_keys == {"osImage", "kernelVersion", "containerRuntimeVersion", "kubeletVersion"}
}

test_inventory_nodes if {
	nodes.inventory_nodes == {}
	nodes.inventory_nodes == {"al-1": _al2023} with data.inventory as {"cluster": {"v1": {"Node": {"al-1": _al2023}}}}
}

test_fact_annotation_wins if {
	node := {"metadata": {
		"labels": {"boundary-policy/landlock": "false"},
		"annotations": {"boundary-policy/landlock": "true"},
	}}
	nodes.fact(node, "landlock") == "true"
	nodes.fact({"metadata": {"labels": {"boundary-policy/landlock": "false"}}}, "landlock") == "false"
	not nodes.fact({"metadata": {}}, "landlock")
}

test_userns_defaults if {
	nodes.userns(_br133).state == "disabled"
	nodes.userns(_auto).state == "disabled"
	nodes.userns(_al2023).state == "enabled"
	nodes.userns(_al2).state == "enabled"
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

# userns_of and seccomp_default_of take the class from the caller (a NodePool's, from its nodeClassRef), so a
# node view with no osImage still gets its class's defaults.
test_facts_of_given_class if {
	view := {"metadata": {"labels": {}, "annotations": {}}}
	nodes.userns_of(view, "bottlerocket") == {
		"state": "disabled",
		"why": "Bottlerocket sets user.max_user_namespaces = 0 by default",
	}
	nodes.userns_of(view, "auto-mode").why == "EKS Auto Mode nodes are Bottlerocket with user.max_user_namespaces = 0"
	nodes.userns_of(view, "al2023").state == "enabled"
	nodes.userns_of(view, "unknown") == {"state": "unknown", "why": "user namespace support is not known for this node"}
	nodes.seccomp_default_of(view, "al2") == {"state": "false", "why": "Amazon Linux kubelets leave seccompDefault off"}

	# A Bottlerocket pool's version is not known before a node is launched.
	nodes.seccomp_default_of(view, "bottlerocket") == {
		"state": "unknown",
		"why": "the kubelet seccompDefault setting is not known for this node",
	}
	labelled := {"metadata": {"labels": {"boundary-policy/max-user-namespaces": "10"}}}
	nodes.userns_of(labelled, "bottlerocket").state == "enabled"
	annotated := {"metadata": {"annotations": {"boundary-policy/seccomp-default": "true"}}}
	nodes.seccomp_default_of(annotated, "unknown").state == "true"
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

# The last setting in the user data wins, as in a TOML file read top to bottom.
test_karpenter_user_data_last_setting_wins if {
	user_data := concat("\n", [
		`"user.max_user_namespaces" = "65536"`,
		`"user.max_user_namespaces" = "0"`,
	])
	userns := nodes.userns(_karpenter_node) with data.inventory as _karpenter(user_data)
	userns == {"state": "disabled", "why": "EC2NodeClass cls user data sets user.max_user_namespaces = 0"}
}

test_karpenter_without_settings_uses_defaults if {
	nodes.userns(_karpenter_node).state == "disabled" with data.inventory as _karpenter("[settings.host-containers]\n")
	nodes.node_class(_karpenter_node).name == "cls" with data.inventory as _karpenter("")
	not nodes.node_class(_karpenter_node) with data.inventory as _karpenter(7)
	not nodes.node_class(_br133) with data.inventory as _karpenter("")
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

test_k8s_version if {
	nodes.k8s_version(_br130) == [1, 30]
	nodes.k8s_version(_auto) == [1, 34]
	not nodes.k8s_version(_ubuntu)
}

test_seccomp_default_fact if {
	node := json.patch(
		_al2023,
		[{"op": "add", "path": "/metadata/annotations", "value": {"boundary-policy/seccomp-default": "true"}}],
	)
	nodes.seccomp_default(node) == {"state": "true", "why": `boundary-policy/seccomp-default="true"`}
	maybe := json.patch(
		_al2023,
		[{"op": "add", "path": "/metadata/annotations", "value": {"boundary-policy/seccomp-default": "maybe"}}],
	)
	nodes.seccomp_default(maybe).state == "false"
}

test_landlock if {
	node := json.patch(
		_al2023,
		[{"op": "add", "path": "/metadata/annotations", "value": {"boundary-policy/landlock": "false"}}],
	)
	nodes.landlock(node) == {"state": "false", "why": `boundary-policy/landlock="false"`}
	nodes.landlock(_al2023) == {
		"state": "unknown",
		"why": "a Node object does not show whether the Landlock LSM is enabled",
	}
	nodes.landlock({"metadata": {"labels": {"boundary-policy/landlock": "yes"}}}).state == "unknown"
}

test_kernel if {
	nodes.kernel(_al2023) == [6, 1]
	nodes.kernel(_br133) == [6, 12]
	not nodes.kernel({})
	not nodes.kernel(_node("x", {}, "", "unknown"))
	nodes.kernel_or_null(_br133) == [6, 12]
	nodes.kernel_or_null({}) == null
}

test_at_least if {
	nodes.at_least([6, 12], [6, 7])
	nodes.at_least([7, 0], [6, 7])
	nodes.at_least([6, 7], [6, 7])
	not nodes.at_least([6, 1], [6, 7])
	not nodes.at_least([5, 15], [6, 7])
}

# --- NodePool classes (docs/semantics.md#nodepools) ----------------------------------------------------------------

_pool(ref) := {"spec": {"template": {"spec": {"nodeClassRef": ref}}}}

_ec2(name) := {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": name}

_classes(specs) := {"cluster": {"karpenter.k8s.aws/v1": {"EC2NodeClass": {name: {"spec": spec} |
	some name, spec in specs
}}}}

test_pool_class_auto_mode if {
	nodes.pool_class(_pool({"group": "eks.amazonaws.com", "kind": "NodeClass", "name": "default"})) == "auto-mode"
}

test_pool_class_alias if {
	inv := _classes({
		"br": {"amiSelectorTerms": [{"alias": "bottlerocket@latest"}]},
		"al": {"amiSelectorTerms": [{"alias": "al2023@v20250101"}]},
		"al2": {"amiSelectorTerms": [{"alias": "al2@latest"}]},
		"ids": {"amiSelectorTerms": [{"id": "ami-0123"}, {"alias": "bottlerocket@1.46.0"}]},
	})
	nodes.pool_class(_pool(_ec2("br"))) == "bottlerocket" with data.inventory as inv
	nodes.pool_class(_pool(_ec2("al"))) == "al2023" with data.inventory as inv
	nodes.pool_class(_pool(_ec2("al2"))) == "al2" with data.inventory as inv
	nodes.pool_class(_pool(_ec2("ids"))) == "bottlerocket" with data.inventory as inv
	terms := nodes.node_class_object(_pool(_ec2("br"))).spec.amiSelectorTerms with data.inventory as inv
	terms == [{"alias": "bottlerocket@latest"}]
}

# An alias that names no class falls back to amiFamily (any case); neither known is an unknown class.
test_pool_class_ami_family if {
	inv := _classes({
		"family": {"amiFamily": "Bottlerocket", "amiSelectorTerms": [{"id": "ami-0123"}]},
		"windows": {"amiFamily": "AL2023", "amiSelectorTerms": [{"alias": "windows2022@latest"}]},
		"custom": {"amiFamily": "Custom", "amiSelectorTerms": [{"id": "ami-0123"}]},
		"none": {},
	})
	nodes.pool_class(_pool(_ec2("family"))) == "bottlerocket" with data.inventory as inv
	nodes.pool_class(_pool(_ec2("windows"))) == "al2023" with data.inventory as inv
	nodes.pool_class(_pool(_ec2("custom"))) == "unknown" with data.inventory as inv
	nodes.pool_class(_pool(_ec2("none"))) == "unknown" with data.inventory as inv
}

test_pool_class_unknown if {
	nodes.pool_class(_pool(_ec2("missing"))) == "unknown" with data.inventory as _classes({})
	nodes.pool_class({"spec": {}}) == "unknown"
	not nodes.node_class_object(_pool(_ec2("missing"))) with data.inventory as _classes({})
}

# --- Landlock (landjail) ----------------------------------------------------------------------------------

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
