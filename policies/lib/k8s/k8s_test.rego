package lib.k8s_test

import data.lib.k8s

_pod := {
	"kind": "Pod",
	"metadata": {"name": "ws", "namespace": "coder"},
	"spec": {
		"containers": [{"name": "dev", "image": "codercom/enterprise-base:ubuntu"}, {"name": "side"}],
		"initContainers": [{"name": "init"}],
		"ephemeralContainers": [{"name": "debug"}],
	},
}

test_containers_in_spec_order_with_paths if {
	k8s.containers(_pod) == [
		{
			"name": "dev",
			"kind": "containers",
			"index": 0,
			"path": ["spec", "containers", 0],
			"container": _pod.spec.containers[0],
		},
		{
			"name": "side",
			"kind": "containers",
			"index": 1,
			"path": ["spec", "containers", 1],
			"container": {"name": "side"},
		},
		{
			"name": "init",
			"kind": "initContainers",
			"index": 0,
			"path": ["spec", "initContainers", 0],
			"container": {"name": "init"},
		},
		{
			"name": "debug", "kind": "ephemeralContainers", "index": 0, "path": ["spec", "ephemeralContainers", 0],
			"container": {"name": "debug"},
		},
	]
}

test_container_phrases if {
	[k8s.container_phrase(e) | some e in k8s.containers(_pod)] == [
		`container "dev"`,
		`container "side"`,
		`init container "init"`,
		`ephemeral container "debug"`,
	]
}

test_resource_phrase_pod if k8s.resource_phrase(_pod) == "Pod coder/ws"

test_resource_phrase_without_namespace if {
	k8s.resource_phrase({"kind": "Pod", "metadata": {"name": "ws"}}) == "Pod ws"
}

test_resource_phrase_owner if {
	obj := json.patch(
		_pod,
		[{"op": "add", "path": "/metadata/ownerReferences", "value": [{"kind": "Deployment", "name": "app"}]}],
	)
	k8s.resource_phrase(obj) == "Deployment coder/app"
}

test_params_default if k8s.params == {} with input as {"review": {"object": _pod}}

test_params_given if k8s.params == {"nodeKind": "al2"} with input as {
	"review": {"object": _pod},
	"parameters": {"nodeKind": "al2"},
}

test_pod_is_review_object if k8s.pod == _pod with input as {"review": {"object": _pod}}

test_inventory_default if k8s.inventory == {}

test_inventory_object if {
	inv := {
		"namespace": {"coder": {"v1": {"ConfigMap": {"a": {"data": {"k": "ns"}}}}}},
		"cluster": {"v1": {"ConfigMap": {"a": {"data": {"k": "cluster"}}}}},
	}
	k8s.inventory_object("coder", "v1", "ConfigMap", "a").data.k == "ns" with data.inventory as inv
	k8s.inventory_object("", "v1", "ConfigMap", "a").data.k == "cluster" with data.inventory as inv
	not k8s.inventory_object("other", "v1", "ConfigMap", "a") with data.inventory as inv
}

test_namespace if {
	k8s.namespace(_pod) == "coder"
	k8s.namespace({"metadata": {}}) == ""
}

test_image_matches if {
	k8s.image_matches("codercom/enterprise-base:ubuntu", "codercom/enterprise-base:ubuntu")
	k8s.image_matches("codercom/enterprise-base:ubuntu", "codercom/*")
	not k8s.image_matches("codercom/enterprise-base:ubuntu", "codercom/enterprise-base")
	not k8s.image_matches("docker.io/codercom/x", "codercom/*")
}

test_exempt if {
	entry := k8s.containers(_pod)[0]
	k8s.exempt(entry, {"exemptImages": ["busybox", "codercom/*"]})
	not k8s.exempt(entry, {"exemptImages": ["busybox"]})
	not k8s.exempt(entry, {})
}

_entry(sc) := {"name": "dev", "kind": "containers", "index": 0, "path": ["spec", "containers", 0], "container": {
	"name": "dev",
	"image": "img:1",
	"securityContext": sc,
}}

_with_pod_sc(sc) := {"spec": {"securityContext": sc}}

test_non_root_container_uid if k8s.non_root(_with_pod_sc({}), _entry({"runAsUser": 1000}), {})

test_non_root_pod_uid if k8s.non_root(_with_pod_sc({"runAsUser": 1000}), _entry({}), {})

test_non_root_container_overrides_pod if not k8s.non_root(
	_with_pod_sc({"runAsUser": 1000}),
	_entry({"runAsUser": 0}),
	{},
)

test_non_root_run_as_non_root if k8s.non_root(_with_pod_sc({"runAsNonRoot": true}), _entry({}), {})

test_non_root_image_user if {
	k8s.non_root({}, _entry({}), {"imageUsers": [{"image": "img:*", "uid": 1000}]})
	not k8s.non_root({}, _entry({}), {"imageUsers": [{"image": "img:*", "uid": 0}]})
	not k8s.non_root({}, _entry({}), {"imageUsers": [{"image": "other", "uid": 1000}]})
}

test_non_root_unknown if not k8s.non_root({}, _entry({}), {})

test_non_root_host_users_false_is_unknown if {
	not k8s.non_root({"spec": {"hostUsers": false}}, _entry({"runAsUser": 1000}), {})
}

test_root if {
	k8s.root({}, _entry({"runAsUser": 0}), {})
	k8s.root(_with_pod_sc({"runAsUser": 0}), _entry({}), {})
	k8s.root({}, _entry({}), {"imageUsers": [{"image": "img:1", "uid": 0}]})
	not k8s.root({}, _entry({}), {})
	not k8s.root({}, _entry({"runAsUser": 1000}), {})
	not k8s.root({"spec": {"hostUsers": false}}, _entry({"runAsUser": 0}), {})
}

_env_entry(env) := {"container": {"env": env}}

test_env_literal if {
	k8s.env(_env_entry([{"name": "A", "value": "x"}]), "A") == {"known": true, "value": "x", "index": 0}
}

test_env_missing_value_is_empty if k8s.env(_env_entry([{"name": "A"}]), "A").value == ""

test_env_last_wins if {
	k8s.env(_env_entry([{"name": "A", "value": "x"}, {"name": "A", "value": "y"}]), "A") == {
		"known": true,
		"value": "y",
		"index": 1,
	}
}

test_env_unknown if {
	k8s.env(
		_env_entry([{"name": "A", "valueFrom": {"secretKeyRef": {}}}]),
		"A",
	) == {"known": false, "value": null, "index": 0}
	k8s.env(_env_entry([{"name": "A", "value": "$(B)"}]), "A").known == false
}

test_env_absent if not k8s.env(_env_entry([{"name": "A", "value": "x"}]), "B")

test_parse_bool if {
	every s in ["1", "t", "T", "TRUE", "true", "True"] {
		k8s.parse_bool(s) == true
	}
	every s in ["", "0", "f", "F", "FALSE", "false", "False"] {
		k8s.parse_bool(s) == false
	}
}

test_parse_bool_booleans_and_invalid if {
	k8s.parse_bool(true) == true
	k8s.parse_bool(false) == false
	not k8s.parse_bool("yes")
}

test_enumerate if {
	k8s.enumerate(["a"], 3) == "a"
	k8s.enumerate(["a", "b"], 3) == "a and b"
	k8s.enumerate(["a", "b", "c"], 3) == "a, b and c"
	k8s.enumerate(["a", "b", "c", "d", "e"], 3) == "a, b, c and 2 more"
}

test_security_contexts if {
	k8s.security_context({"container": {}}) == {}
	k8s.pod_security_context({}) == {}
}
