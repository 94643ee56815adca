# METADATA
# title: Node classes and facts
# description: >-
#   The class of a node (docs/semantics.md#node-classes) and the facts a Node object does not show
#   (docs/semantics.md#node-facts: boundary-policy/ labels and annotations, Karpenter EC2NodeClass user data, class
#   defaults), and the class of a Karpenter or EKS Auto Mode NodePool (docs/semantics.md#nodepools). Every function
#   takes a Node or a node view (lib.candidates): an object in the Node's shape holding only the fields read here.
package lib.nodes

import data.lib.k8s

compute_type := "eks.amazonaws.com/compute-type"

nodepool_label := "karpenter.sh/nodepool"

fact_prefix := "boundary-policy/"

# The boundary-policy/ facts, read from a Node's labels or annotations.
fact_keys := {"boundary-policy/max-user-namespaces", "boundary-policy/landlock", "boundary-policy/seccomp-default"}

# Every label the classes and facts read.
label_keys := fact_keys | {compute_type, nodepool_label}

# The status.nodeInfo fields the classes and facts read.
info_keys := {"osImage", "kernelVersion", "containerRuntimeVersion", "kubeletVersion"}

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

# docs/semantics.md#node-classes, in order: Fargate reports an Amazon Linux 2 osImage, Auto Mode nodes are Bottlerocket.
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

# The class of a NodePool's nodes, from its nodeClassRef (docs/semantics.md#nodepools): an EKS Auto Mode NodeClass, or a
# Karpenter EC2NodeClass by its AMI alias or amiFamily.
pool_class(pool) := "auto-mode" if {
	pool.spec.template.spec.nodeClassRef.group == "eks.amazonaws.com"
} else := c if {
	c := _ami_class(node_class_object(pool).spec)
} else := "unknown"

# The first AMI alias that names a class (`bottlerocket@latest`), else the amiFamily.
_ami_class(spec) := classes[0] if {
	classes := [c | some term in spec.amiSelectorTerms; c := _ami_classes[split(term.alias, "@")[0]]]
	count(classes) > 0
} else := _ami_classes[lower(spec.amiFamily)]

_ami_classes := {"bottlerocket": "bottlerocket", "al2023": "al2023", "al2": "al2"}

# The Karpenter EC2NodeClass object a NodePool refers to.
node_class_object(pool) := k8s.inventory.cluster["karpenter.k8s.aws/v1"].EC2NodeClass[name] if {
	name := pool.spec.template.spec.nodeClassRef.name
}

# A boundary-policy/<name> fact: the annotation wins over the label (docs/semantics.md#node-facts).
fact(node, name) := value if {
	value := node.metadata.annotations[concat("", [fact_prefix, name])]
} else := node.metadata.labels[concat("", [fact_prefix, name])]

# The Karpenter EC2NodeClass behind a node: {"name": n, "user_data": s}, via label karpenter.sh/nodepool and the
# NodePool's nodeClassRef.
node_class(node) := {"name": ref.name, "user_data": user_data} if {
	pool := _labels(node)[nodepool_label]
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
userns(node) := userns_of(node, class(node))

# The same for a node whose class is known already (a NodePool's, from its nodeClassRef).
userns_of(node, c) := {
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
} else := class_userns(c)

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
seccomp_default(node) := seccomp_default_of(node, class(node))

# The same for a node whose class is known already.
seccomp_default_of(node, c) := {"state": value, "why": sprintf("%s%s=%q", [fact_prefix, "seccomp-default", value])} if {
	value := fact(node, "seccomp-default")
	value in {"true", "false"}
} else := {
	"state": setting.value,
	"why": sprintf("EC2NodeClass %s user data sets seccomp-default = %s", [setting.class, setting.value]),
} if {
	setting := _user_data_setting(node, `seccomp-default\s*=\s*"?(true|false)"?`)
} else := _bottlerocket_seccomp(version) if {
	c == "bottlerocket"
	version := k8s_version(node)
} else := class_seccomp_default(c)

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

kernel_or_null(node) := k if {
	k := kernel(node)
} else := null

# Is a [major, minor] version at least [major, minor]? Numeric comparison (6.12 > 6.7).
at_least(v, minimum) if v[0] > minimum[0]

at_least(v, minimum) if {
	v[0] == minimum[0]
	v[1] >= minimum[1]
}

# --- Landlock (landjail) ----------------------------------------------------------------------------------

# Does landjail fail on this target: kernel older than 6.7, a Fargate node of unknown kernel (AWS documents
# 5.10, docs/semantics.md#fargate), or Landlock known to be disabled.
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
