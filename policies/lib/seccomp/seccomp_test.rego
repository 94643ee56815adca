package lib.seccomp_test

import data.lib.seccomp

_entry(sc) := {"name": "dev", "path": ["spec", "containers", 0], "container": {"name": "dev", "securityContext": sc}}

_pod(profile) := {"metadata": {}, "spec": {"securityContext": {"seccompProfile": profile}}}

test_privileged_is_unconfined if {
	seccomp.explicit(_pod({"type": "RuntimeDefault"}), _entry({"privileged": true})) == {
		"type": "Unconfined",
		"source": "privileged",
		"field": ["spec", "containers", 0, "securityContext", "privileged"],
		"localhost_profile": "",
	}
}

test_container_over_pod if {
	seccomp.explicit(
		_pod({"type": "RuntimeDefault"}),
		_entry({"seccompProfile": {"type": "Localhost", "localhostProfile": "boundary.json"}}),
	) == {
		"type": "Localhost",
		"source": "container",
		"field": ["spec", "containers", 0, "securityContext", "seccompProfile", "type"],
		"localhost_profile": "boundary.json",
	}
}

test_pod_profile if {
	seccomp.explicit(_pod({"type": "RuntimeDefault"}), _entry({})) == {
		"type": "RuntimeDefault",
		"source": "pod",
		"field": ["spec", "securityContext", "seccompProfile", "type"],
		"localhost_profile": "",
	}
}

test_none if not seccomp.explicit({"spec": {}}, _entry({}))

test_annotations_never_count if {
	obj := {"metadata": {"annotations": {seccomp.pod_annotation: "unconfined"}}, "spec": {}}
	not seccomp.explicit(obj, _entry({}))
}

test_legacy_annotations if {
	obj := {"metadata": {"annotations": {
		seccomp.pod_annotation: "runtime/default",
		"container.seccomp.security.alpha.kubernetes.io/dev": "unconfined",
		"container.seccomp.security.alpha.kubernetes.io/other": "unconfined",
	}}}
	seccomp.legacy_annotations(obj, _entry({})) == [
		{"key": seccomp.pod_annotation, "value": "runtime/default"},
		{"key": "container.seccomp.security.alpha.kubernetes.io/dev", "value": "unconfined"},
	]
	seccomp.legacy_annotations({"metadata": {}}, _entry({})) == []
}

test_legacy_type if {
	seccomp.legacy_type("runtime/default") == "RuntimeDefault"
	seccomp.legacy_type("docker/default") == "RuntimeDefault"
	seccomp.legacy_type("unconfined") == "Unconfined"
	seccomp.legacy_type("localhost/profile.json") == "Localhost"
	not seccomp.legacy_type("other")
}
