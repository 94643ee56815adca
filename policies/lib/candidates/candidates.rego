# METADATA
# title: Candidate node groups
# description: >-
#   What the node-dependent rules evaluate the reviewed pod against (docs/semantics.md#candidate-nodes,
#   #any-candidate, #no-candidates, #fargate, #nodepools): the synced Nodes it can be scheduled on, the
#   Karpenter/Auto Mode NodePools that could launch a node for it, the pod itself (Fargate), parameter nodeKind, or
#   nothing known. Gatekeeper evaluates every template on its own and caches nothing across requests, so every
#   node-dependent template makes this search, and it must not cost much per Node: the Nodes are read in passes that
#   only look fields up (the cheapest rejection first), and everything costly (scheduling test, class, facts) runs
#   once per node group, Nodes that agree on all it reads.
package lib.candidates

import data.lib.k8s
import data.lib.nodes
import data.lib.scheduling

# --- which Nodes to read ------------------------------------------------------------------------------------
# Only inline lookups touch a Node: calling a function with a Node (or its labels) costs several times more,
# because Gatekeeper's store hands objects over lazily and a function argument is converted whole. Inside a pass
# over the Nodes the label key is written out (lib.nodes.compute_type): a reference to another rule per Node
# costs more than the lookup itself. A pass that tests one field walks `nodes.inventory_nodes[name]...` in one
# reference rather than binding each Node with `some name, node in` (2 allocations fewer per Node).

_selector := object.get(k8s.pod, ["spec", "nodeSelector"], {})

# The fields of the pod lib.scheduling reads: where it may run. The search hands this to the scheduling test, never
# the pod, so offline every pod placed alike is answered once (docs/performance.md#shared-across-inputs).
default _placement := {}

_placement := {"spec": object.filter(spec, _placement_fields)} if {
	spec := k8s.pod.spec
	is_object(spec)
}

_placement_fields := ["schedulerName", "nodeName", "nodeSelector", "affinity", "tolerations"]

_node_name := k8s.pod.spec.nodeName if {
	is_string(k8s.pod.spec.nodeName)
	k8s.pod.spec.nodeName != ""
}

# How the pod narrows the Nodes before anything costly runs.
default _narrowing := "none"

_narrowing := "nodeName" if {
	_node_name
} else := "fargate" if {
	scheduling.pod_fargate(_placement)
} else := "nodeSelector" if {
	count(_selector) > 0
}

# The names of the Nodes the pod's targets are drawn from.
_names := {_node_name} & object.keys(nodes.inventory_nodes) if {
	_narrowing == "nodeName"
} else := _fargate_everywhere if {
	_narrowing == "fargate"
} else := _selected if {
	_narrowing == "nodeSelector"
} else := _all_names

# The same for every pod (offline, computed once per run: docs/performance.md#shared-across-inputs).
_all_names := object.keys(nodes.inventory_nodes)

# One label lookup per Node: the pod's first nodeSelector entry.
_selected := _labelled(key, _selector[key]) if key := min(object.keys(_selector))

# A function of the label alone, so offline every pod that selects the same label is answered once.
_labelled(key, value) := {name |
	some name

	# One reference walk per Node: fewer allocations in Gatekeeper than binding the Node with `some ... in`.
	# regal ignore:prefer-some-in-iteration
	nodes.inventory_nodes[name].metadata.labels[key] == value
}

# The Nodes of class Fargate (lib.nodes: name prefix, label or taint) among those the pod's targets are drawn
# from: what BND040 reads. Among all Nodes one pass per signal, a lookup each; among a few, Node by Node.
fargate_names := _fargate_everywhere if {
	_narrowing in {"none", "fargate"}
} else := _fargate_among(_names)

_fargate_everywhere contains name if {
	some name in object.keys(nodes.inventory_nodes)
	startswith(name, "fargate-")
}

_fargate_everywhere contains name if {
	some name
	nodes.inventory_nodes[name].metadata.labels["eks.amazonaws.com/compute-type"] == "fargate"
}

_fargate_everywhere contains name if {
	some name
	taints := nodes.inventory_nodes[name].spec.taints
	some taint in taints
	taint.key == "eks.amazonaws.com/compute-type"
	taint.value == "fargate"
}

# Inline lookups by name (a function call per Node costs more).
_fargate_among(names) := ({name | some name in names; startswith(name, "fargate-")} | {name |
	some name in names
	nodes.inventory_nodes[name].metadata.labels["eks.amazonaws.com/compute-type"] == "fargate"
}) | {name |
	some name in names
	some taint in nodes.inventory_nodes[name].spec.taints
	taint.key == "eks.amazonaws.com/compute-type"
	taint.value == "fargate"
}

# The same for the Nodes that may be of class auto-mode (label or osImage): what BND022 reads.
auto_mode_names := _auto_mode_everywhere if {
	_narrowing == "none"
} else := _auto_mode_among(_names)

_auto_mode_among(names) := {name |
	some name in names
	nodes.inventory_nodes[name].metadata.labels["eks.amazonaws.com/compute-type"] == "auto"
} | {name |
	some name in names
	startswith(nodes.inventory_nodes[name].status.nodeInfo.osImage, "Bottlerocket (EKS Auto")
}

_auto_mode_everywhere contains name if {
	some name
	nodes.inventory_nodes[name].metadata.labels["eks.amazonaws.com/compute-type"] == "auto"
}

_auto_mode_everywhere contains name if {
	some name
	startswith(nodes.inventory_nodes[name].status.nodeInfo.osImage, "Bottlerocket (EKS Auto")
}

# --- node groups ------------------------------------------------------------------------------------------
# Each rule reads one aspect of a target, and its Nodes are keyed by only the fields that aspect (and the class,
# and the pod's scheduling) reads: every field costs a lookup per Node, and a field no rule reads (kernelVersion
# for the userns rules, say) would only split the groups. "all" is the whole target, for tests and tools.
_aspects := {
	"class": {"labels": {nodes.compute_type}, "annotations": set(), "info": _class_info},
	# Nodes with a Fargate signal are of class Fargate whatever else they show; those with an Auto Mode one are
	# Fargate or Auto Mode, which the runtime cannot change. Their scans key only what tells these apart.
	"fargate": {"labels": {nodes.compute_type}, "annotations": set(), "info": set()},
	"auto-mode": {"labels": {nodes.compute_type}, "annotations": set(), "info": {"osImage"}},
	"userns": {
		"labels": {nodes.compute_type, nodes.nodepool_label, "boundary-policy/max-user-namespaces"},
		"annotations": {"boundary-policy/max-user-namespaces"},
		"info": _class_info,
	},
	"seccomp": {
		"labels": {nodes.compute_type, nodes.nodepool_label, "boundary-policy/seccomp-default"},
		"annotations": {"boundary-policy/seccomp-default"},
		"info": _class_info | {"kubeletVersion"},
	},
	"landlock": {
		"labels": {nodes.compute_type, "boundary-policy/landlock"},
		"annotations": {"boundary-policy/landlock"},
		"info": _class_info | {"kernelVersion"},
	},
	"all": {"labels": nodes.label_keys, "annotations": nodes.fact_keys, "info": nodes.info_keys},
}

# What lib.nodes.class reads of nodeInfo.
_class_info := {"osImage", "containerRuntimeVersion"}

# The fields of an aspect as the paths a key holds the values of, in this order, with the label keys the pod's
# scheduling reads.
_paths(aspect, label_keys) := [path |
	f := _aspects[aspect]
	some part in [
		[["metadata", "labels", k] | some k in sort(f.labels | label_keys)],
		[["metadata", "annotations", k] | some k in sort(f.annotations)],
		[["spec", "taints"]],
		[["status", "nodeInfo", k] | some k in sort(f.info)],
	]
	some path in part
]

_label_keys := scheduling.label_keys(_placement)

# Two Nodes with the same key are alike for every rule reading that aspect: the key is the Node reduced to the
# values of the aspect's paths (null where missing); of the name only whether it starts "fargate-" (it decides
# the class), unless the pod's affinity matches on names. Each value is one lookup from the Node itself, the
# cheapest way to read a synced object: binding metadata.labels first, or an inner comprehension per field, costs
# more per Node.
_keys(names, aspect) := _keys_by(_source(names, aspect))

# Which of the three key functions answers for some names and an aspect, with its arguments. Offline, the key
# functions and what is computed from their values are answered once for every pod that asks the same
# (docs/performance.md#shared-across-inputs), so they take the names and paths, never the pod.
# regal ignore:external-reference
_source(names, aspect) := [_how(names), names, _paths(aspect, _label_keys)]

# regal ignore:external-reference
_how(names) := "named" if {
	_reads_names
} else := "everywhere" if {
	# All Nodes (the names are always some of them): no lookup by name. A count costs nothing; comparing the names
	# with all names would list every Node.
	count(names) == count(nodes.inventory_nodes)
} else := "among"

_keys_by(["named", names, paths]) := _named_keys(names, paths)

_keys_by(["everywhere", _, paths]) := _keys_everywhere(paths)

_keys_by(["among", names, paths]) := _keys_among(names, paths)

_named_keys(names, paths) := {name: [name, values] |
	some name in names
	node := nodes.inventory_nodes[name]
	values := [object.get(node, path, null) | some path in paths]
}

_keys_everywhere(paths) := {name: [startswith(name, "fargate-"), values] |
	some name, node in nodes.inventory_nodes
	values := [object.get(node, path, null) | some path in paths]
}

_keys_among(names, paths) := {name: [startswith(name, "fargate-"), values] |
	some name in names
	node := nodes.inventory_nodes[name]
	values := [object.get(node, path, null) | some path in paths]
}

# The distinct keys of a key source's Nodes, the groups, each as [key, view].
_distinct(source) := {[key, _view(key, source[2])] | some key in {key | some key in _keys_by(source)}}

# Whether the pod's required affinity matches on names (matchFields): then every Node is a group of its own.
default _reads_names := false

_reads_names if scheduling.reads_node_name(_placement)

# The group key of every Node the pod's targets are drawn from, by name (the whole target), for tests and tools.
node_keys := _keys(_names, "all")

# Which key map a target's group came from ([names, aspect]), for naming its Nodes.
keys_of(scan) := _keys_by(_scan_source(scan))

# The key function and arguments of a scan's key map.
_scan_source(scan) := _source(_scan_names(scan[0]), scan[1])

# The names a scan's groups were drawn from.
_scan_names("all") := _names

_scan_names("fargate") := fargate_names

_scan_names("auto-mode") := auto_mode_names

# A node group as a Node-shaped view, for lib.nodes and lib.scheduling.
_view(key, paths) := {
	"metadata": {
		"name": _view_name(key[0]),
		"labels": _present(paths, key[1], "labels"),
		"annotations": _present(paths, key[1], "annotations"),
	},
	"spec": {"taints": object.get(_present(paths, key[1], "spec"), "taints", [])},
	"status": {"nodeInfo": _present(paths, key[1], "nodeInfo")},
}

# The values of a key under one parent (labels, annotations, spec or nodeInfo), missing ones left out.
_present(paths, values, parent) := {path[2]: values[i] |
	some i, path in paths
	path[1] == parent
	values[i] != null
} if {
	parent != "spec"
} else := {path[1]: values[i] |
	some i, path in paths
	path[0] == parent
	values[i] != null
}

_view_name(part) := part if is_string(part)

_view_name(true) := "fargate-"

_view_name(false) := ""

# The node groups the pod can be scheduled on (spec.nodeName bypasses the scheduler), with their class and what
# the aspect reads.
_groups(names, scan) := _schedulable_groups(_source(names, scan[1]), scan, _placement, _narrowing == "nodeName")

# A function of the key source and the placement alone (see _source).
_schedulable_groups(source, scan, placement, bypassed) := [_node_target(key, v, scan) |
	some [key, v] in _distinct(source)
	_schedulable(placement, v, bypassed)
]

_schedulable(_, _, true) := true

_schedulable(placement, v, false) if scheduling.schedulable(placement, v)

node_groups := _groups(_names, ["all", "all"])

_node_target(key, v, scan) := object.union(
	{"origin": "inventory", "scan": scan, "key": key, "class": nodes.class(v)},
	_aspect_fields(scan[1], v),
)

_aspect_fields("class", _) := {}

_aspect_fields("fargate", _) := {}

_aspect_fields("auto-mode", _) := {}

_aspect_fields("userns", v) := _userns_fields(v)

_aspect_fields("seccomp", v) := _seccomp_fields(v)

_aspect_fields("landlock", v) := _landlock_fields(v)

_aspect_fields("all", v) := object.union_n([_userns_fields(v), _seccomp_fields(v), _landlock_fields(v)])

_userns_fields(v) := {"userns": nodes.userns(v)}

_seccomp_fields(v) := {"seccomp_default": nodes.seccomp_default(v)}

_landlock_fields(v) := {
	"landlock": nodes.landlock(v),
	"kernel": nodes.kernel_or_null(v),
	"kernel_version": object.get(v.status.nodeInfo, "kernelVersion", ""),
}

# --- Karpenter and EKS Auto Mode NodePools (docs/semantics.md#nodepools) -------------------------------------------

_pools := object.get(k8s.inventory, ["cluster", "karpenter.sh/v1", "NodePool"], {})

# The NodePools that could launch a node for the pod (none when spec.nodeName bypasses the scheduler).
pool_targets := [_pool_target(name, pool) |
	_narrowing != "nodeName"
	some name, pool in _pools
	scheduling.pool_admits(_placement, name, pool)
]

# A pool as a node: its template's labels and annotations carry the facts, its nodeClassRef the class and
# user data; the kernel of a node not launched yet is unknown.
_pool_target(name, pool) := {
	"origin": "nodepool",
	"name": name,
	"node_class": object.get(pool, ["spec", "template", "spec", "nodeClassRef"], {}),
	"class": c,
	"userns": nodes.userns_of(v, c),
	"seccomp_default": nodes.seccomp_default_of(v, c),
	"landlock": nodes.landlock(v),
	"kernel": null,
	"kernel_version": "",
} if {
	c := nodes.pool_class(pool)
	template := object.get(pool, ["spec", "template"], {})
	v := {"metadata": {
		"labels": object.union(object.get(template, ["metadata", "labels"], {}), {nodes.nodepool_label: name}),
		"annotations": object.get(template, ["metadata", "annotations"], {}),
	}}
}

# --- targets ----------------------------------------------------------------------------------------------

# A node known only by its class: decided from the pod (Fargate), declared by parameter nodeKind, or nothing known.
virtual_target(c, origin, why) := {
	"origin": origin,
	"why": why,
	"class": c,
	"userns": nodes.class_userns(c),
	"seccomp_default": nodes.class_seccomp_default(c),
	"landlock": {"state": "unknown", "why": "the node's Landlock LSM state is not known"},
	"kernel": null,
	"kernel_version": "",
}

# What the node-dependent rules evaluate the reviewed pod against (docs/semantics.md#any-candidate, #no-candidates,
# #nodepools): every field of every target, and the same with only the fields one aspect reads (what the rules use).
targets := _targets(node_groups)

class_targets := _targets(_groups(_names, ["all", "class"]))

userns_targets := _targets(_groups(_names, ["all", "userns"]))

seccomp_targets := _targets(_groups(_names, ["all", "seccomp"]))

landlock_targets := _targets(_groups(_names, ["all", "landlock"]))

_targets(groups) := _fargate_targets(signal, groups) if {
	signal := scheduling.pod_fargate(k8s.pod)
} else := ts if {
	ts := array.concat(groups, pool_targets)
	count(ts) > 0
} else := [virtual_target(k8s.params.nodeKind, "parameter", "parameter nodeKind")] if {
	k8s.params.nodeKind in nodes.kinds
} else := [virtual_target("unknown", "none", "no candidate Node in the inventory and no nodeKind parameter")]

_fargate_targets(signal, groups) := ts if {
	ts := [t | some t in groups; t.class == "fargate"]
	count(ts) > 0
} else := [virtual_target("fargate", "pod", sprintf("the pod's %s", [signal.text]))]

# The targets that are not Fargate: an nsjail container bound for Fargate gets BND040 only
# (docs/semantics.md#fargate). A pod bound for Fargate has none, which needs no search. Rules, not one function of
# the targets: OPA evaluates a function's arguments first, which would make the search the first branch skips.
non_fargate_targets := [] if {
	scheduling.pod_fargate(_placement)
} else := [t | some t in targets; t.class != "fargate"]

non_fargate_userns_targets := [] if {
	scheduling.pod_fargate(_placement)
} else := [t | some t in userns_targets; t.class != "fargate"]

non_fargate_seccomp_targets := [] if {
	scheduling.pod_fargate(_placement)
} else := [t | some t in seccomp_targets; t.class != "fargate"]

# The groups of eight of the pod's Nodes spread over their sorted names, each a target the full search makes too:
# BND013/BND023/BND061 warn only when no target fails, so one failing here spares keying every Node.
sampled_targets(aspect) := [] if {
	scheduling.pod_fargate(_placement)
} else := _groups(_spread(_names), ["all", aspect])

# A function of the names alone: offline, every pod with the same candidate Nodes shares it.
_spread(names) := {sorted[floor((i * count(sorted)) / 8)] | sorted := sort(names); some i in numbers.range(0, 7)}

# The Fargate targets, what BND040 reads: for a pod not bound for Fargate only the Fargate Nodes are read (the
# whole search only when parameter nodeKind could make the answer a declared Fargate node).
fargate_targets := [t | some t in class_targets; t.class == "fargate"] if {
	scheduling.pod_fargate(_placement)
} else := ts if {
	ts := [t | some t in _groups(fargate_names, ["fargate", "fargate"]); t.class == "fargate"]
	count(ts) > 0
} else := [t | k8s.params.nodeKind == "fargate"; some t in class_targets; t.class == "fargate"]

# The non-Fargate targets of class auto-mode, what BND022 reads: the Nodes that may be Auto Mode and the pools
# (again the whole search only for parameter nodeKind).
auto_mode_targets := ts if {
	not scheduling.pod_fargate(_placement)
	ts := [t |
		some t in array.concat(_groups(auto_mode_names, ["auto-mode", "auto-mode"]), pool_targets)
		t.class == "auto-mode"
	]
	count(ts) > 0
} else := [t | k8s.params.nodeKind == "auto-mode"; some t in class_targets; t.class == "auto-mode"]
