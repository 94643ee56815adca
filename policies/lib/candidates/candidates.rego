# METADATA
# title: Candidate node groups
# description: >-
#   What the node-dependent rules evaluate the reviewed pod against (rules.md §3.4, §7.2-§7.4, §7.14): the synced
#   Nodes it can be scheduled on, the Karpenter/Auto Mode NodePools that could launch a node for it, the pod itself
#   (Fargate), parameter nodeKind, or nothing known. Gatekeeper evaluates every template on its own and caches
#   nothing across requests, so each node-dependent template makes this search: the Nodes are read in one pass
#   that only looks fields up, and everything costly (scheduling test, class, facts) runs once per node group.
package lib.candidates

import data.lib.k8s
import data.lib.nodes
import data.lib.scheduling

# --- one pass over the Nodes --------------------------------------------------------------------------------

_selector := object.get(k8s.pod, ["spec", "nodeSelector"], {})

_node_name := k8s.pod.spec.nodeName if {
	is_string(k8s.pod.spec.nodeName)
	k8s.pod.spec.nodeName != ""
}

# The label keys a node group must agree on: what the pod's scheduling reads, and what the classes and facts read.
_label_keys := scheduling.label_keys(k8s.pod) | nodes.label_keys

# Two Nodes with the same key are alike for every rule: the key is the Node reduced to the fields the scheduling
# test, the classes and the facts read; of the name only whether it starts "fargate-" (it decides the class),
# unless the pod's affinity matches on names. Missing fields read as the lookups in lib.nodes read them. The key is
# written out in each rule body: a function call per Node costs as much as the lookups themselves.
node_keys[name] := key if {
	node := nodes.inventory_nodes[_node_name]
	name := _node_name
	key := [
		startswith(name, "fargate-"), object.get(_names_read, name, ""),
		object.filter(object.get(node.metadata, "labels", {}), _label_keys),
		object.filter(object.get(node.metadata, "annotations", {}), nodes.fact_keys),
		object.get(node, ["spec", "taints"], []),
		object.filter(object.get(node, ["status", "nodeInfo"], {}), nodes.info_keys),
	]
}

# The cheapest rejection first: with a nodeSelector, a single label lookup per Node (an empty selector reads the
# label "", which no Node has, and wants null). Calling a function with a Node would cost as much as this whole
# pass: Gatekeeper's store hands the Node over lazily, and a function argument is copied whole.
node_keys[name] := key if {
	not _node_name
	some name, node in nodes.inventory_nodes
	object.get(node, ["metadata", "labels", _prefilter[0]], null) == _prefilter[1]
	key := [
		startswith(name, "fargate-"), object.get(_names_read, name, ""),
		object.filter(object.get(node.metadata, "labels", {}), _label_keys),
		object.filter(object.get(node.metadata, "annotations", {}), nodes.fact_keys),
		object.get(node, ["spec", "taints"], []),
		object.filter(object.get(node, ["status", "nodeInfo"], {}), nodes.info_keys),
	]
}

_prefilter := [key, _selector[key]] if {
	key := min(object.keys(_selector))
} else := ["", null]

# The Node names, only when the pod's required affinity matches on them (matchFields): then every Node is a
# group of its own.
_names_read := {name: name | scheduling.reads_node_name(k8s.pod); some name, _ in nodes.inventory_nodes}

# A node group as a Node-shaped view, for lib.nodes and lib.scheduling.
view(key) := {
	"metadata": {"name": _view_name(key), "labels": key[2], "annotations": key[3]},
	"spec": {"taints": key[4]},
	"status": {"nodeInfo": key[5]},
}

_view_name(key) := "fargate-" if key[0]

else := key[1]

# The node groups the pod can be scheduled on (spec.nodeName bypasses the scheduler).
node_groups := [_node_target(key, v) |
	some key in {key | some key in node_keys}
	v := view(key)
	_schedulable(v)
]

_schedulable(_) if _node_name

_schedulable(v) if scheduling.schedulable(k8s.pod, v)

# A candidate with its class and facts.
_node_target(key, v) := {
	"origin": "inventory",
	"key": key,
	"class": nodes.class(v),
	"userns": nodes.userns(v),
	"seccomp_default": nodes.seccomp_default(v),
	"landlock": nodes.landlock(v),
	"kernel": nodes.kernel_or_null(v),
	"kernel_version": object.get(key[5], "kernelVersion", ""),
}

# --- Karpenter and EKS Auto Mode NodePools (rules.md §7.14) -------------------------------------------------

_pools := object.get(k8s.inventory, ["cluster", "karpenter.sh/v1", "NodePool"], {})

# The NodePools that could launch a node for the pod (none when spec.nodeName bypasses the scheduler).
pool_targets := [_pool_target(name, pool) |
	not _node_name
	some name, pool in _pools
	scheduling.pool_admits(k8s.pod, name, pool)
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

# What the node-dependent rules evaluate the reviewed pod against (rules.md §7.2, §7.3, §7.14).
targets := _fargate_targets(signal) if {
	signal := scheduling.pod_fargate(k8s.pod)
} else := ts if {
	ts := array.concat(node_groups, pool_targets)
	count(ts) > 0
} else := [virtual_target(k8s.params.nodeKind, "parameter", "parameter nodeKind")] if {
	k8s.params.nodeKind in nodes.kinds
} else := [virtual_target("unknown", "none", "no candidate Node in the inventory and no nodeKind parameter")]

_fargate_targets(signal) := ts if {
	ts := [t | some t in node_groups; t.class == "fargate"]
	count(ts) > 0
} else := [virtual_target("fargate", "pod", sprintf("the pod's %s", [signal.text]))]

# The targets that are not Fargate: an nsjail container bound for Fargate gets BND040 only (rules.md §7.4).
non_fargate_targets := [t | some t in targets; t.class != "fargate"]

# --- messages ---------------------------------------------------------------------------------------------

# How a message names some failing targets, computed once per violation:
#   "text": "node a (Bottlerocket)", "nodes a (Bottlerocket), b (Bottlerocket) and 3 more",
#           "NodePool gpu (Bottlerocket, EC2NodeClass br)", "Fargate (the pod's ...)";
#   "node": the first Node by name (null when no synced Node is among them), for the violation's details;
#   "first": the target that explains them: the group of that Node, else the first pool by name.
summary(ts) := _listed(ts, _members(ts), sort([[t.name, t] | some t in ts; t.origin == "nodepool"])) if {
	ts[0].origin in {"inventory", "nodepool"}
} else := {"text": sprintf("Fargate (%s)", [ts[0].why]), "node": null, "first": ts[0]} if {
	ts[0].origin == "pod"
} else := {
	"text": sprintf("nodes of kind %s (%s)", [nodes.class_names[ts[0].class], ts[0].why]),
	"node": null,
	"first": ts[0],
} if {
	ts[0].origin == "parameter"
} else := {"text": sprintf("an unknown node (%s)", [ts[0].why]), "node": null, "first": ts[0]}

# The Nodes of some targets' groups as [name, target], sorted by name: a second pass over the Nodes, made only
# for a violation.
_members(ts) := sort([[name, by_key[key]] |
	by_key := {t.key: t | some t in ts; t.origin == "inventory"}
	some name, key in node_keys
	by_key[key]
])

_listed(_, members, pools) := {
	"text": _with_noun(count(members), _enumerate(
		array.concat(
			[sprintf("%s (%s)", [m[0], nodes.class_names[m[1].class]]) | some m in array.slice(members, 0, 3)],
			[_pool_phrase(p[1]) | some p in pools],
		),
		count(members) + count(pools),
	)),
	"node": _first_name(members),
	"first": array.concat(members, pools)[0][1],
}

# k8s.enumerate of `total` items of which only the first three (and the pools after them) were worded.
_enumerate(items, total) := k8s.enumerate(items, 3) if {
	total <= 3
} else := sprintf("%s and %d more", [concat(", ", array.slice(items, 0, 3)), total - 3])

_with_noun(0, text) := text

_with_noun(1, text) := concat(" ", ["node", text])

_with_noun(n, text) := concat(" ", ["nodes", text]) if n > 1

_first_name(members) := members[0][0]

_first_name([]) := null

_pool_phrase(t) := sprintf("NodePool %s (%s, %s %s)", [
	t.name,
	nodes.class_names[t.class],
	object.get(t.node_class, "kind", "NodeClass"),
	object.get(t.node_class, "name", ""),
])
