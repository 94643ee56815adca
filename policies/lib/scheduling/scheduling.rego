# METADATA
# title: Scheduling
# description: >-
#   Whether the scheduler may place a pod on a node (docs/semantics.md#candidate-nodes: nodeSelector, required node
#   affinity, taints and tolerations, fargate-scheduler) and whether Karpenter may launch a node for it from a
#   NodePool (docs/semantics.md#nodepools).
package lib.scheduling

import data.lib.nodes

compute_type := nodes.compute_type

nodepool_label := nodes.nodepool_label

# The pod-side Fargate signal (docs/semantics.md#no-candidates): {"text": ..., "field": [...]}; undefined when the
# pod does not ask for Fargate.
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

# May the scheduler place the pod on this Node (or node view)?
schedulable(obj, node) if {
	_scheduler_ok(obj, node)
	_affinity_ok(obj, node)
	labels := object.get(node, ["metadata", "labels"], {})
	every key, value in object.get(obj, ["spec", "nodeSelector"], {}) {
		labels[key] == value
	}
	every taint in object.get(node, ["spec", "taints"], []) {
		_tolerated(obj, taint)
	}
}

_required_terms(obj) := obj.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms

# The Node label keys the pod's nodeSelector and required node affinity read.
label_keys(obj) := object.keys(object.get(obj, ["spec", "nodeSelector"], {})) | {e.key |
	some term in _required_terms(obj)
	some e in object.get(term, "matchExpressions", [])
}

# Does the pod's required node affinity read the Node's name (matchFields on metadata.name)?
reads_node_name(obj) if {
	some term in _required_terms(obj)
	count(object.get(term, "matchFields", [])) > 0
}

_affinity_ok(obj, _) if not _required_terms(obj)

_affinity_ok(obj, node) if {
	some term in _required_terms(obj)
	term_matches(term, node)
}

# A node selector term matches when all its requirements do; an empty term matches nothing (Kubernetes).
term_matches(term, node) if {
	expressions := object.get(term, "matchExpressions", [])
	fields := object.get(term, "matchFields", [])
	count(expressions) + count(fields) > 0
	every e in expressions {
		requirement_matches(e, object.get(node, ["metadata", "labels"], {}))
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

_scheduler_ok(_, node) if nodes.class(node) == "fargate"

# --- Karpenter NodePools (docs/semantics.md#nodepools) -------------------------------------------------------------

# Labels Karpenter gives a node from what it launches (instance type, zone, capacity type ...): a pool that does
# not constrain one of these allows any value.
well_known_labels := {
	"kubernetes.io/arch",
	"kubernetes.io/os",
	"node.kubernetes.io/instance-type",
	"topology.kubernetes.io/region",
	"topology.kubernetes.io/zone",
	"karpenter.sh/capacity-type",
}

_well_known(key) if key in well_known_labels

_well_known(key) if startswith(key, "karpenter.k8s.aws/instance-")

_well_known(key) if startswith(key, "eks.amazonaws.com/instance-")

# May Karpenter launch a node for the pod from this NodePool: its template labels and requirements admit the
# pod's nodeSelector and required node affinity, and the pod tolerates its taints (startupTaints do not count).
pool_admits(obj, name, pool) if {
	template := object.get(pool, ["spec", "template"], {})
	labels := object.union(object.get(template, ["metadata", "labels"], {}), {nodepool_label: name})
	requirements := object.get(template, ["spec", "requirements"], [])
	_pool_affinity_ok(obj, labels, requirements)
	every key, value in object.get(obj, ["spec", "nodeSelector"], {}) {
		_pool_allows(labels, requirements, {"key": key, "operator": "In", "values": [value]})
	}
	every taint in object.get(template, ["spec", "taints"], []) {
		_tolerated(obj, taint)
	}
}

_pool_affinity_ok(obj, _, _) if not _required_terms(obj)

_pool_affinity_ok(obj, labels, requirements) if {
	some term in _required_terms(obj)
	count(object.get(term, "matchFields", [])) == 0 # a node not launched yet has no name to match
	count(object.get(term, "matchExpressions", [])) > 0
	every e in term.matchExpressions {
		_pool_allows(labels, requirements, e)
	}
}

# A template label fixes the key's value: the pod's requirement is read against it.
_pool_allows(labels, _, e) if {
	e.key in object.keys(labels)
	requirement_matches(e, labels)
}

# Otherwise the pool's requirements on the key decide; a well-known key the pool leaves open allows any value.
_pool_allows(labels, requirements, e) if {
	not e.key in object.keys(labels)
	some r in requirements
	r.key == e.key
	_overlaps(r, e)
}

_pool_allows(labels, requirements, e) if {
	not e.key in object.keys(labels)
	not e.key in {r.key | some r in requirements}
	_well_known(e.key)
	e.operator != "DoesNotExist"
}

_pool_allows(labels, requirements, e) if {
	e.operator in {"NotIn", "DoesNotExist"}
	not e.key in object.keys(labels)
	not e.key in {r.key | some r in requirements}
	not _well_known(e.key)
}

# Can a value allowed by the pool's requirement r satisfy the pod's requirement e?
_overlaps(r, e) if {
	r.operator == "In"
	some value in r.values
	requirement_matches(e, {e.key: value})
}

# A value the pod lists must be one the pool's requirement allows.
_overlaps(r, e) if {
	r.operator != "In"
	e.operator == "In"
	some value in e.values
	requirement_matches(r, {e.key: value})
}

_overlaps(r, e) if {
	r.operator in {"Exists", "NotIn", "Gt", "Lt"}
	e.operator in {"Exists", "NotIn", "Gt", "Lt"}
}

# A node launched from a pool that does not require the key may lack it.
_overlaps(r, e) if {
	r.operator in {"NotIn", "DoesNotExist"}
	e.operator in {"NotIn", "DoesNotExist"}
}
