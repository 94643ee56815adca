package lib.candidates_test

import data.lib.candidates

# The sample is a few Nodes spread over the sorted names, each the very target the full search makes of it.
test_sampled_targets_are_targets if {
	many := [_node(sprintf("n-%02d", [i]), {"group": group}, os, "6.1.1") |
		some i in numbers.range(0, 19)
		group := ["al", "br"][i % 2]
		os := [_al2023, _br133][i % 2].status.nodeInfo.osImage
	]
	inv := _inv(array.concat(many, _all))
	every spec in [
		{},
		{"tolerations": [{"operator": "Exists"}]},
		{"nodeSelector": {"group": "br"}},
		_affinity({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n-03", "al-1"]}]}),
	] {
		userns := candidates.sampled_targets("userns") with input as _review(spec) with data.inventory as inv
		count(userns) > 0
		all_userns := candidates.userns_targets with input as _review(spec) with data.inventory as inv
		every t in userns {
			t in all_userns
		}
		seccomp := candidates.sampled_targets("seccomp") with input as _review(spec) with data.inventory as inv
		all_seccomp := candidates.seccomp_targets with input as _review(spec) with data.inventory as inv
		every t in seccomp {
			t in all_seccomp
		}
		landlock := candidates.sampled_targets("landlock") with input as _review(spec) with data.inventory as inv
		all_landlock := candidates.landlock_targets with input as _review(spec) with data.inventory as inv
		every t in landlock {
			t in all_landlock
		}
	}
}

test_sample_is_spread_over_the_names if {
	# A fact each Node states differently: a group per Node.
	many := [_node(sprintf("n-%02d", [i]), {fact: sprintf("%d", [i])}, "Amazon Linux 2023", "6.1.1") |
		some i in numbers.range(0, 19)
		fact := "boundary-policy/max-user-namespaces"
	]
	inp := _review({})
	sampled := candidates.sampled_targets("userns") with input as inp with data.inventory as _inv(many)
	keys := {t.key | some t in sampled}
	names := sort([name |
		some name, key in candidates.keys_of(["all", "userns"]) with input as inp with data.inventory as _inv(many)
		key in keys
	])
	names == ["n-00", "n-02", "n-05", "n-07", "n-10", "n-12", "n-15", "n-17"]
	candidates.sampled_targets("userns") == [] with input as _review({"schedulerName": "fargate-scheduler"})
		with data.inventory as _inv(many)
}
