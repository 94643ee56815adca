package lib.candidates_test

import data.lib.candidates

# BND020 reads only the Nodes whose user namespaces may be disabled; it must find every target the full search
# finds disabled, with the same message text and first Node, for every kind of Node that can be disabled and every
# kind of placement.
# Three tests of two inventories each: opa test gives a test 5 s.
test_userns_suspects_hold_every_disabled_target_a if {
	every i in [0, 3] {
		every inp in _suspect_reviews {
			_disabled_agree with input as inp with data.inventory as _suspect_inventories[i]
		}
	}
}

test_userns_suspects_hold_every_disabled_target_b if {
	every i in [1, 4] {
		every inp in _suspect_reviews {
			_disabled_agree with input as inp with data.inventory as _suspect_inventories[i]
		}
	}
}

test_userns_suspects_hold_every_disabled_target_c if {
	every i in [2, 5] {
		every inp in _suspect_reviews {
			_disabled_agree with input as inp with data.inventory as _suspect_inventories[i]
		}
	}
}

test_userns_suspects_inventories_are_all_tested if count(_suspect_inventories) == 6

# With the input and inventory given by the caller.
_disabled_agree if {
	full := _disabled(candidates.non_fargate_userns_targets)
	suspects := _disabled(candidates.non_fargate_userns_suspects)
	_comparable(suspects) == _comparable(full)
	_said(suspects) == _said(full)
}

# The cases differ, so the comparison above cannot pass by finding nothing everywhere.
test_userns_suspects_cases_find_disabled_targets if {
	found := {count(ts) |
		some inp in _suspect_reviews
		ts := _disabled(candidates.non_fargate_userns_suspects) with input as inp
			with data.inventory as _suspect_inventories[0]
	}
	count(found) > 2
	0 in found
}

# Of all Nodes only those that may be disabled are keyed: not the Amazon Linux, Ubuntu, Auto Mode or Fargate ones.
# A pod that narrows its Nodes has them all keyed.
test_userns_suspects_are_few if {
	suspects := candidates.userns_suspects with input as _review({}) with data.inventory as _inv(_all)
	suspects == {"br-133", "br-130"}
	narrowed := candidates.userns_suspects with input as _review({"nodeSelector": {"group": "al"}})
		with data.inventory as _inv(_all)
	narrowed == {"al-1"}
}

_disabled(ts) := [t | some t in ts; t.class != "auto-mode"; t.userns.state == "disabled"]

# The targets without the scan they came from (BND020's message and details never read it).
_comparable(ts) := {object.remove(t, ["scan"]) | some t in ts}

_said(ts) := [s.text, s.node, s.first.userns.why] if {
	count(ts) > 0
	s := candidates.summary(ts)
} else := []

_with_info(node, info) := object.union(node, {"status": {"nodeInfo": info}})

_with_annotations(node, annotations) := object.union(node, {"metadata": {"annotations": annotations}})

_userns_fact := "boundary-policy/max-user-namespaces"

_suspect_nodes := [
	_br133, _br130, _al2023, _al2, _auto, _ubuntu, _fargate,
	# Bottlerocket by its runtime only, with an osImage that says nothing and with none.
	_with_info(
		_node("rt-br", {"group": "al"}, "", "6.1.1"),
		{"containerRuntimeVersion": "containerd://2.0.5+bottlerocket"},
	),
	{
		"metadata": {"name": "rt-only", "labels": {"group": "al"}},
		"status": {"nodeInfo": {"containerRuntimeVersion": "containerd://1.7+bottlerocket"}},
	},
	# Bottlerocket's runtime on an Auto Mode osImage: Auto Mode, never BND020's.
	_with_info(
		_node("rt-auto", {"group": "br"}, "", "6.1.1"),
		{"osImage": "Bottlerocket (EKS Auto) 2025.1", "containerRuntimeVersion": "containerd://2.1.5+bottlerocket"},
	),
	# Facts that disable an Amazon Linux Node, as a label and as an annotation; one that enables a Bottlerocket one.
	_node("al-off", {"group": "al", _userns_fact: "0"}, "Amazon Linux 2023.6.20241010", "6.1.1"),
	_with_annotations(_node("al-off-2", {"group": "al"}, "Amazon Linux 2023.6.20241010", "6.1.1"), {_userns_fact: "0"}),
	_node("br-on", {"group": "br", _userns_fact: "65536"}, "Bottlerocket OS 1.46.0 (aws-k8s-1.33)", "6.12.40"),
	# No status at all.
	{"metadata": {"name": "bare", "labels": {"group": "al"}}},
	# A tainted Bottlerocket Node only a toleration reaches.
	object.union(
		_node("br-tainted", {"group": "br"}, "Bottlerocket OS 1.46.0 (aws-k8s-1.33)", "6.12.40"),
		{"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}},
	),
]

# A Node launched by a NodePool whose EC2NodeClass user data turns user namespaces off on Amazon Linux.
_pool_node := _node("al-pool", {"group": "al", "karpenter.sh/nodepool": "agents"}, "Amazon Linux 2023.6", "6.1.1")

_user_data_off := {"spec": {
	"amiFamily": "AL2023",
	"userData": "[settings.kernel.sysctl]\nuser.max_user_namespaces = 0",
}}

_suspect_inventories := [
	_inv(_suspect_nodes),
	_inv([_al2023, _al2, _ubuntu, _auto, _fargate]),
	{"cluster": {
		"v1": {"Node": _nodes([_pool_node, _al2023])},
		"karpenter.sh/v1": {"NodePool": {"agents": _pool({}, _ec2("off"))}},
		"karpenter.k8s.aws/v1": {"EC2NodeClass": {"off": _user_data_off}},
	}},
	_empty_pool,
	_karpenter({"agents": _pool({"team": "coder"}, _ec2("br"))}, [_al2023, _br133]),
	_inv([]),
]

_suspect_reviews := [
	_review({}),
	_review({"tolerations": [{"operator": "Exists"}]}),
	_review({"nodeSelector": {"group": "br"}}),
	_review({"nodeSelector": {"group": "al"}}),
	_review({"nodeSelector": {"group": "none"}}),
	_review({"nodeName": "br-133"}),
	_review({"schedulerName": "fargate-scheduler"}),
	_review(_affinity({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["br-130", "al-off"]}]})),
	_review_with({"nodeSelector": {"group": "none"}}, {"nodeKind": "bottlerocket"}),
	_review_with({}, {"nodeKind": "bottlerocket"}),
	# A nodeSelector that is not an object: no search can be made, and no virtual target stands in for it.
	_review_with({"nodeSelector": []}, {"nodeKind": "bottlerocket"}),
	_review_with({"nodeSelector": null}, {"nodeKind": "bottlerocket"}),
]
