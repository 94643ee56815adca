# METADATA
# title: Candidate nodes and their facts
# description: >-
#   Which synced Nodes a pod can land on (rules.md §3.4: nodeName, nodeSelector, required node affinity, taints
#   and tolerations, fargate-scheduler), the class of each node (§4) and the facts a Node object does not show
#   (§6, §7.11: boundary-policy/ labels and annotations, Karpenter EC2NodeClass user data, class defaults).
#   Without candidates the pod itself (Fargate, §7.3) or parameter nodeKind decides, else facts are unknown.
package lib.nodes

import data.lib.k8s

compute_type := "eks.amazonaws.com/compute-type"

fact_prefix := "boundary-policy/"

kinds := {"fargate", "auto-mode", "bottlerocket", "al2023", "al2", "unknown"}

# Human names of the node classes, for messages.
class_names := {
	"fargate": "Fargate",
	"auto-mode": "EKS Auto Mode",
	"bottlerocket": "Bottlerocket",
	"al2023": "Amazon Linux 2023",
	"al2": "Amazon Linux 2",
	"unknown": "unknown OS",
}

# Every synced Node by name.
inventory_nodes := object.get(k8s.inventory, ["cluster", "v1", "Node"], {})

_labels(node) := object.get(node, ["metadata", "labels"], {})

_os(node) := object.get(node, ["status", "nodeInfo", "osImage"], "")

# rules.md §4, in order: Fargate reports an Amazon Linux 2 osImage, Auto Mode nodes are Bottlerocket.
class(node) := "fargate" if {
	_fargate(node)
} else := "auto-mode" if {
	_auto_mode(node)
} else := "bottlerocket" if {
	_bottlerocket(node)
} else := "al2023" if {
	startswith(_os(node), "Amazon Linux 2023")
} else := "al2" if {
	startswith(_os(node), "Amazon Linux 2")
} else := "unknown"

_fargate(node) if startswith(object.get(node, ["metadata", "name"], ""), "fargate-")

_fargate(node) if _labels(node)[compute_type] == "fargate"

_fargate(node) if {
	some taint in object.get(node, ["spec", "taints"], [])
	taint.key == compute_type
	taint.value == "fargate"
}

_auto_mode(node) if _labels(node)[compute_type] == "auto"

_auto_mode(node) if startswith(_os(node), "Bottlerocket (EKS Auto")

_bottlerocket(node) if startswith(_os(node), "Bottlerocket OS")

_bottlerocket(node) if {
	runtime := object.get(node, ["status", "nodeInfo", "containerRuntimeVersion"], "")
	contains(runtime, "+bottlerocket")
}

# A boundary-policy/<name> fact: the annotation wins over the label (rules.md §7.11).
fact(node, name) := value if {
	value := node.metadata.annotations[concat("", [fact_prefix, name])]
} else := node.metadata.labels[concat("", [fact_prefix, name])]

# The Karpenter EC2NodeClass behind a node: {"name": n, "user_data": s}, via label karpenter.sh/nodepool and the
# NodePool's nodeClassRef.
node_class(node) := {"name": ref.name, "user_data": user_data} if {
	pool := _labels(node)["karpenter.sh/nodepool"]
	ref := k8s.inventory.cluster["karpenter.sh/v1"].NodePool[pool].spec.template.spec.nodeClassRef
	user_data := k8s.inventory.cluster["karpenter.k8s.aws/v1"].EC2NodeClass[ref.name].spec.userData
	is_string(user_data)
}

_user_data_setting(node, pattern) := {"value": matches[count(matches) - 1][1], "class": nc.name} if {
	nc := node_class(node)
	matches := regex.find_all_string_submatch_n(pattern, nc.user_data, -1)
	count(matches) > 0
}

# User namespaces: {"state": "enabled"|"disabled"|"unknown", "why": "..."}.
userns(node) := {
	"state": _positive(to_number(value)),
	"why": sprintf("%s%s=%q", [fact_prefix, "max-user-namespaces", value]),
} if {
	value := fact(node, "max-user-namespaces")
	regex.match(`^[0-9]+$`, value)
} else := {
	"state": _positive(to_number(setting.value)),
	"why": sprintf("EC2NodeClass %s user data sets user.max_user_namespaces = %s", [setting.class, setting.value]),
} if {
	setting := _user_data_setting(node, `"?user\.max_user_namespaces"?\s*=\s*"?([0-9]+)"?`)
} else := class_userns(class(node))

_positive(n) := "enabled" if n > 0

_positive(n) := "disabled" if n <= 0

# What a node class implies for user namespaces when nothing else is known.
class_userns(c) := {"state": "disabled", "why": "Bottlerocket sets user.max_user_namespaces = 0 by default"} if {
	c == "bottlerocket"
} else := {"state": "disabled", "why": "EKS Auto Mode nodes are Bottlerocket with user.max_user_namespaces = 0"} if {
	c == "auto-mode"
} else := {"state": "enabled", "why": "Amazon Linux allows user namespaces"} if {
	c in {"al2023", "al2"}
} else := {"state": "unknown", "why": "user namespace support is not known for this node"}

# kubelet seccompDefault: {"state": "true"|"false"|"unknown", "why": "..."}.
seccomp_default(node) := {"state": value, "why": sprintf("%s%s=%q", [fact_prefix, "seccomp-default", value])} if {
	value := fact(node, "seccomp-default")
	value in {"true", "false"}
} else := {
	"state": setting.value,
	"why": sprintf("EC2NodeClass %s user data sets seccomp-default = %s", [setting.class, setting.value]),
} if {
	setting := _user_data_setting(node, `seccomp-default\s*=\s*"?(true|false)"?`)
} else := _bottlerocket_seccomp(version) if {
	class(node) == "bottlerocket"
	version := k8s_version(node)
} else := class_seccomp_default(class(node))

_bottlerocket_seccomp(version) := {
	"state": "true",
	"why": "Bottlerocket aws-k8s-1.33 and later enable kubelet seccompDefault",
} if {
	version[0] == 1
	version[1] >= 33
} else := {"state": "false", "why": sprintf("Bottlerocket aws-k8s-%d.%d leaves kubelet seccompDefault off", version)}

# What a node class implies for the kubelet seccomp default when nothing else is known.
class_seccomp_default(c) := {"state": "false", "why": "Amazon Linux kubelets leave seccompDefault off"} if {
	c in {"al2023", "al2"}
} else := {"state": "unknown", "why": "the kubelet seccompDefault setting is not known for this node"}

# Landlock LSM enabled: {"state": "true"|"false"|"unknown", "why": "..."}; only an operator fact tells.
landlock(node) := {"state": value, "why": sprintf("%s%s=%q", [fact_prefix, "landlock", value])} if {
	value := fact(node, "landlock")
	value in {"true", "false"}
} else := {"state": "unknown", "why": "a Node object does not show whether the Landlock LSM is enabled"}

# The Kubernetes minor version of a node: the Bottlerocket variant in osImage, else kubeletVersion. [1, 33]
k8s_version(node) := [to_number(m[2]), to_number(m[3])] if {
	m := regex.find_all_string_submatch_n(`\((aws|vmware|metal)-k8s-([0-9]+)\.([0-9]+)`, _os(node), 1)[0]
} else := [to_number(m[1]), to_number(m[2])] if {
	kubelet := object.get(node, ["status", "nodeInfo", "kubeletVersion"], "")
	m := regex.find_all_string_submatch_n(`^v?([0-9]+)\.([0-9]+)`, kubelet, 1)[0]
}

# The kernel major.minor of a node from status.nodeInfo.kernelVersion: [6, 12]; undefined when unparseable.
kernel(node) := [to_number(m[1]), to_number(m[2])] if {
	version := object.get(node, ["status", "nodeInfo", "kernelVersion"], "")
	m := regex.find_all_string_submatch_n(`^([0-9]+)\.([0-9]+)`, version, 1)[0]
}

_kernel_or_null(node) := k if {
	k := kernel(node)
} else := null

# Is a [major, minor] version at least [major, minor]? Numeric comparison (6.12 > 6.7).
at_least(v, minimum) if v[0] > minimum[0]

at_least(v, minimum) if {
	v[0] == minimum[0]
	v[1] >= minimum[1]
}

# --- scheduling -------------------------------------------------------------------------------------------

# The pod-side Fargate signal (rules.md §7.3): {"text": ..., "field": [...]}; undefined when the pod does not ask
# for Fargate.
pod_fargate(obj) := {"text": "schedulerName: fargate-scheduler", "field": ["spec", "schedulerName"]} if {
	obj.spec.schedulerName == "fargate-scheduler"
} else := {"text": sprintf("nodeName: %s", [obj.spec.nodeName]), "field": ["spec", "nodeName"]} if {
	startswith(obj.spec.nodeName, "fargate-")
} else := {
	"text": sprintf("nodeSelector %s: fargate", [compute_type]),
	"field": ["spec", "nodeSelector", compute_type],
} if {
	obj.spec.nodeSelector[compute_type] == "fargate"
} else := {
	"text": sprintf("required node affinity %s: fargate", [compute_type]),
	"field": ["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"],
} if {
	terms := obj.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
	count(terms) > 0
	every term in terms {
		some e in object.get(term, "matchExpressions", [])
		e.key == compute_type
		e.operator == "In"
		e.values == ["fargate"]
	}
}

# The synced Nodes a pod can be scheduled on, sorted by name.
candidates(obj) := candidates_in(obj, inventory_nodes)

# The nodes (by name) a pod can be scheduled on, sorted by name.
candidates_in(obj, pool) := [node | node := pool[obj.spec.nodeName]] if {
	is_string(obj.spec.nodeName)
	obj.spec.nodeName != ""
} else := [node |
	# The nodeSelector is read once and checked first: it is the cheap test that rules out most nodes,
	# which matters because this runs for every pod against every synced Node.
	selector := object.get(obj, ["spec", "nodeSelector"], {})
	some name in sort([n |
		some n, candidate in pool
		_selector_ok(selector, candidate)
	])
	node := pool[name]
	_schedulable_rest(obj, node)
]

schedulable(obj, node) if {
	_selector_ok(object.get(obj, ["spec", "nodeSelector"], {}), node)
	_schedulable_rest(obj, node)
}

_selector_ok(selector, node) if {
	labels := _labels(node)
	every key, value in selector {
		labels[key] == value
	}
}

_schedulable_rest(obj, node) if {
	_scheduler_ok(obj, node)
	_affinity_ok(obj, node)
	every taint in object.get(node, ["spec", "taints"], []) {
		_tolerated(obj, taint)
	}
}

_affinity_ok(obj, _) if {
	not obj.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
}

_affinity_ok(obj, node) if {
	some term in obj.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
	term_matches(term, node)
}

# A node selector term matches when all its requirements do; an empty term matches nothing (Kubernetes).
term_matches(term, node) if {
	expressions := object.get(term, "matchExpressions", [])
	fields := object.get(term, "matchFields", [])
	count(expressions) + count(fields) > 0
	every e in expressions {
		requirement_matches(e, _labels(node))
	}
	every f in fields {
		requirement_matches(f, {"metadata.name": object.get(node, ["metadata", "name"], "")})
	}
}

requirement_matches(e, labels) if {
	e.operator == "In"
	labels[e.key] in object.get(e, "values", [])
}

requirement_matches(e, labels) if {
	e.operator == "NotIn"
	not object.get(labels, e.key, null) in object.get(e, "values", [])
}

requirement_matches(e, labels) if {
	e.operator == "Exists"
	e.key in object.keys(labels)
}

requirement_matches(e, labels) if {
	e.operator == "DoesNotExist"
	not e.key in object.keys(labels)
}

requirement_matches(e, labels) if {
	e.operator == "Gt"
	_integer(labels[e.key]) > _integer(e.values[0])
}

requirement_matches(e, labels) if {
	e.operator == "Lt"
	_integer(labels[e.key]) < _integer(e.values[0])
}

_integer(s) := to_number(s) if regex.match(`^-?[0-9]+$`, s)

# Only NoSchedule and NoExecute taints keep a pod off a node.
_tolerated(_, taint) if not taint.effect in {"NoSchedule", "NoExecute"}

_tolerated(obj, taint) if {
	some toleration in object.get(obj, ["spec", "tolerations"], [])
	tolerates(toleration, taint)
}

tolerates(toleration, taint) if {
	_toleration_key_ok(toleration, taint)
	_toleration_value_ok(toleration, taint)
	object.get(toleration, "effect", "") in {"", taint.effect}
}

_toleration_key_ok(toleration, taint) if toleration.key == taint.key

_toleration_key_ok(toleration, _) if {
	object.get(toleration, "key", "") == ""
	toleration.operator == "Exists"
}

_toleration_value_ok(toleration, _) if toleration.operator == "Exists"

_toleration_value_ok(toleration, taint) if {
	object.get(toleration, "operator", "Equal") == "Equal"
	object.get(toleration, "value", "") == object.get(taint, "value", "")
}

_scheduler_ok(obj, _) if object.get(obj, ["spec", "schedulerName"], "") != "fargate-scheduler"

_scheduler_ok(_, node) if class(node) == "fargate"

# --- targets ----------------------------------------------------------------------------------------------

# A candidate node with its class and facts.
node_target(node) := {
	"name": object.get(node, ["metadata", "name"], ""),
	"origin": "inventory",
	"class": class(node),
	"userns": userns(node),
	"seccomp_default": seccomp_default(node),
	"landlock": landlock(node),
	"kernel": _kernel_or_null(node),
	"kernel_version": object.get(node, ["status", "nodeInfo", "kernelVersion"], ""),
}

# A node known only by its class: decided from the pod (Fargate), declared by parameter nodeKind, or nothing known.
virtual_target(c, origin, why) := {
	"name": null,
	"origin": origin,
	"why": why,
	"class": c,
	"userns": class_userns(c),
	"seccomp_default": class_seccomp_default(c),
	"landlock": {"state": "unknown", "why": "the node's Landlock LSM state is not known"},
	"kernel": null,
	"kernel_version": "",
}

# What the node-dependent rules evaluate a pod against (rules.md §7.2, §7.3), sorted by node name.
targets_for(obj, parameters) := _fargate_targets(obj, signal) if {
	signal := pod_fargate(obj)
} else := ts if {
	ts := [node_target(node) | some node in candidates(obj)]
	count(ts) > 0
} else := [virtual_target(parameters.nodeKind, "parameter", "parameter nodeKind")] if {
	parameters.nodeKind in kinds
} else := [virtual_target("unknown", "none", "no candidate Node in the inventory and no nodeKind parameter")]

_fargate_targets(obj, signal) := ts if {
	ts := [node_target(node) | some node in candidates(obj); class(node) == "fargate"]
	count(ts) > 0
} else := [virtual_target("fargate", "pod", sprintf("the pod's %s", [signal.text]))]

# The targets of the reviewed pod.
targets := targets_for(k8s.pod, k8s.params)

# The targets that are not Fargate: an nsjail container bound for Fargate gets BND040 only (rules.md §7.4).
non_fargate_targets := [t | some t in targets; t.class != "fargate"]

# "node a (Bottlerocket)", "nodes a (Bottlerocket), b (Bottlerocket) and 3 more", "Fargate (the pod's ...)".
describe(ts) := sprintf("node %s", [_node_phrase(ts[0])]) if {
	count(ts) == 1
	ts[0].origin == "inventory"
} else := sprintf("nodes %s", [k8s.enumerate([_node_phrase(t) | some t in ts], 3)]) if {
	ts[0].origin == "inventory"
} else := sprintf("Fargate (%s)", [ts[0].why]) if {
	ts[0].origin == "pod"
} else := sprintf("nodes of kind %s (%s)", [class_names[ts[0].class], ts[0].why]) if {
	ts[0].origin == "parameter"
} else := sprintf("an unknown node (%s)", [ts[0].why])

_node_phrase(t) := sprintf("%s (%s)", [t.name, class_names[t.class]])

# The name of the first target, null for a node known only by its class.
first_name(ts) := ts[0].name

# --- Landlock (landjail) ----------------------------------------------------------------------------------

# Does landjail fail on this target: kernel older than 6.7, a Fargate node of unknown kernel (AWS documents
# 5.10, rules.md §7.4), or Landlock known to be disabled.
landlock_fails(t) if {
	t.kernel != null
	not at_least(t.kernel, [6, 7])
}

landlock_fails(t) if {
	t.kernel == null
	t.class == "fargate"
}

landlock_fails(t) if t.landlock.state == "false"

# Why landjail fails on a target, for messages.
landlock_failure(t) := sprintf("whose kernel is %s", [t.kernel_version]) if {
	t.kernel != null
	not at_least(t.kernel, [6, 7])
} else := "whose kernel is not known (AWS documents Fargate kernels 5.10)" if {
	t.kernel == null
	t.class == "fargate"
} else := sprintf("where Landlock is disabled (%s)", [t.landlock.why])

# Why Landlock support is unknown on a target that does not fail, for messages.
landlock_unknown(t) := sprintf("kernel %s has Landlock ABI v4 but %s", [t.kernel_version, t.landlock.why]) if {
	t.kernel != null
} else := "neither the kernel version nor the Landlock LSM state is known"
