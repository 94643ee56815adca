# lib.candidates, continued: how messages name the failing targets.
package lib.candidates

import data.lib.k8s
import data.lib.nodes

# How a message names some failing targets, computed once per violation:
#   "text": "node a (Bottlerocket)", "nodes a (Bottlerocket), b (Bottlerocket) and 3 more",
#           "NodePool gpu (Bottlerocket, EC2NodeClass br)", "Fargate (the pod's ...)";
#   "node": the first Node by name (null when no synced Node is among them), for the violation's details;
#   "first": the target that explains them: the group of that Node, else the first pool by name.
summary(ts) := _listed(_members(ts), sort([[t.name, t] | some t in ts; t.origin == "nodepool"])) if {
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

# The Nodes of some targets' groups, by name: how many, and the first three as [name, target]. Another pass over
# the Nodes' keys, made only for a violation.
_members(ts) := {"count": named[0], "first": [[m[0], by_key[m[1]]] | some m in named[1]]} if {
	by_key := {t.key: t | some t in ts; t.origin == "inventory"}
	sources := [_scan_source(scan) | some scan in {t.scan | some t in ts; t.origin == "inventory"}]
	named := _named_in(sources, object.keys(by_key))
}

# A function of the key sources and keys alone (see _source).
_named_in(sources, keys) := [count(pairs), array.slice(pairs, 0, 3)] if {
	pairs := sort([[name, key] | some source in sources; some name, key in _keys_by(source); keys[key]])
}

_listed(members, pools) := {
	"text": _with_noun(members.count, _enumerate(
		array.concat(
			[sprintf("%s (%s)", [m[0], nodes.class_names[m[1].class]]) | some m in members.first],
			[_pool_phrase(p[1]) | some p in pools],
		),
		members.count + count(pools),
	)),
	"node": _first_name(members.first),
	"first": array.concat(members.first, pools)[0][1],
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
