package lib.podsecurity_test

import data.lib.podsecurity

_inv(labels) := {"cluster": {"v1": {"Namespace": {"ws": {"metadata": {"labels": labels}}}}}}

test_namespace_labels if {
	podsecurity.namespace_labels("ws") == {"a": "b"} with data.inventory as _inv({"a": "b"})
	not podsecurity.namespace_labels("other") with data.inventory as _inv({})
}

test_forbidding if {
	labels := {"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "privileged"}
	podsecurity.forbidding(labels, "enforce") == {"key": "pod-security.kubernetes.io/enforce", "level": "baseline"}
	not podsecurity.forbidding(labels, "warn")
	not podsecurity.forbidding(labels, "audit")
}

_entry(sc) := {"path": ["spec", "containers", 0], "container": {"securityContext": sc}}

test_offences if {
	sc := {
		"privileged": true,
		"capabilities": {"add": ["CHOWN", "NET_ADMIN", "cap_sys_admin"]},
		"seccompProfile": {"type": "Unconfined"},
	}
	obj := {"spec": {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}}
	offences := podsecurity.offences(obj, _entry(sc))
	offences == [
		{"what": "privileged: true", "field": ["spec", "containers", 0, "securityContext", "privileged"]},
		{"what": "adding NET_ADMIN", "field": ["spec", "containers", 0, "securityContext", "capabilities", "add", 1]},
		{
			"what": "adding cap_sys_admin",
			"field": ["spec", "containers", 0, "securityContext", "capabilities", "add", 2],
		},
		{
			"what": "seccompProfile type Unconfined",
			"field": ["spec", "containers", 0, "securityContext", "seccompProfile", "type"],
		},
		{
			"what": "pod seccompProfile type Unconfined",
			"field": ["spec", "securityContext", "seccompProfile", "type"],
		},
	]
	podsecurity.forbidden_phrase(offences) == "privileged: true, adding NET_ADMIN, adding cap_sys_admin and 2 more"
	podsecurity.offence_field(offences, ["x"]) == ["spec", "containers", 0, "securityContext", "privileged"]
}

test_no_offences if {
	offences := podsecurity.offences({"spec": {}}, _entry({"capabilities": {"add": ["CHOWN"]}}))
	offences == []
	podsecurity.forbidden_phrase(offences) == "adding NET_ADMIN"
	podsecurity.offence_field(offences, ["x"]) == ["x"]
}
