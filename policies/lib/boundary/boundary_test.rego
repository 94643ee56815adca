package lib.boundary_test

import data.lib.boundary
import data.lib.boundary.annotations
import data.lib.boundary.config
import data.lib.boundary.recognition

_pod(annotations, containers) := {
	"kind": "Pod",
	"metadata": {"name": "ws", "namespace": "coder", "annotations": annotations},
	"spec": {"containers": containers},
}

_names(obj, parameters) := [c.name | some c in boundary.recognised(obj, parameters)]

# --- recognition ---

test_env_recognises if {
	b := {"name": "b", "env": [{"name": "BOUNDARY_ALLOW", "value": "domain=x"}]}
	_names(_pod({}, [{"name": "a"}, b]), {}) == ["b"]
}

test_weak_env_never_recognises if {
	weak := ["CODER_AGENT_BOUNDARY_LOG_PROXY_SOCKET_PATH", "PROXY_PORT", "DISABLE_AUDIT_LOGS"]
	env := [{"name": n, "value": "1"} | some n in weak]
	_names(_pod({}, [{"name": "a", "env": env}]), {}) == []
}

test_command_recognises if {
	_names(_pod({}, [{"name": "a", "command": ["/usr/local/bin/boundary", "--", "claude"]}]), {}) == ["a"]
	_names(_pod({}, [{"name": "a", "command": ["coder"], "args": ["agent-firewall", "--", "sh"]}]), {}) == ["a"]
}

test_script_words_recognise if {
	script := "set -e\n# boundary is started later\nexec \"$HOME/.coder-modules/agent-firewall-wrapper.sh\" claude"
	_names(_pod({}, [{"name": "a", "command": ["sh", "-ec", script]}]), {}) == ["a"]
}

test_comment_and_prompt_do_not_recognise if {
	_names(_pod({}, [{"name": "a", "command": ["sh", "-c", "echo hi # boundary"]}]), {}) == []
	_names(_pod({}, [{"name": "a", "args": ["explain the boundary of this module"]}]), {}) == []
}

test_flag_recognises if {
	_names(_pod({}, [{"name": "a", "args": ["run", "--jail-type=landjail"]}]), {}) == ["a"]
	_names(_pod({}, [{"name": "a", "args": ["run", "--no-user-namespace"]}]), {}) == ["a"]
}

test_wrapper_names_parameter if {
	container := {"name": "a", "command": ["sh", "-c", "exec boundary-agent sh /tmp/coder-init.sh"]}
	_names(_pod({}, [container]), {"wrapperNames": ["boundary-agent"]}) == ["a"]
	_names(_pod({}, [container]), {}) == []
}

test_exempt_images_skip if {
	container := {"name": "a", "image": "registry/tools:1", "env": [{"name": "BOUNDARY_ALLOW", "value": "x"}]}
	_names(_pod({}, [container]), {"exemptImages": ["registry/*"]}) == []
}

test_only_pods if {
	pod := _pod({}, [{"name": "a", "env": [{"name": "BOUNDARY_ALLOW"}]}])
	obj := json.patch(pod, [{"op": "replace", "path": "/kind", "value": "Deployment"}])
	_names(obj, {}) == []
}

test_annotation_names_containers if {
	containers := [{"name": "a", "env": [{"name": "BOUNDARY_ALLOW"}]}, {"name": "b"}, {"name": "c"}]
	_names(_pod({annotations.container: "b, c"}, containers), {}) == ["b", "c"]
	_names(_pod({annotations.container: "none"}, containers), {"boundaryWorkspaces": true}) == []
}

test_pod_annotation_picks_agent_container if {
	containers := [{"name": "side"}, {"name": "dev", "env": [{"name": "CODER_AGENT_TOKEN", "value": "t"}]}]
	_names(_pod({annotations.jail_type: "nsjail"}, containers), {}) == ["dev"]
}

test_pod_annotation_defers_to_signals if {
	containers := [
		{"name": "side", "env": [{"name": "BOUNDARY_ALLOW"}]},
		{"name": "dev", "env": [{"name": "CODER_AGENT_TOKEN"}]},
	]
	_names(_pod({annotations.jail_type: "nsjail"}, containers), {}) == ["side"]
}

test_workspaces_parameter if {
	containers := [{"name": "side"}, {"name": "dev", "command": ["sh", "-c", "exec ./coder agent"]}]
	_names(_pod({}, containers), {"boundaryWorkspaces": true}) == ["dev"]
	_names(_pod({}, containers), {"boundaryWorkspaces": true, "boundaryContainer": "side"}) == ["side"]
	_names(_pod({}, containers), {"boundaryWorkspaces": true, "boundaryContainer": "gone"}) == ["dev"]
	_names(_pod({}, [{"name": "x"}, {"name": "y"}]), {"boundaryWorkspaces": true}) == ["x"]
	_names(_pod({}, containers), {}) == []
}

test_workspace_container_never_init if {
	obj := {"kind": "Pod", "metadata": {}, "spec": {"initContainers": [{"name": "init"}]}}
	not recognition.workspace_container(obj, {})
}

# --- effective options ---

_c(container) := c if {
	cs := boundary.recognised(_pod({}, [container]), {})
	c := cs[0]
}

_c_with(declared, container) := c if {
	cs := boundary.recognised(_pod(declared, [container]), {})
	c := cs[0]
}

test_jail_default if {
	jail := _c({"name": "a", "command": ["boundary"]}).jail
	jail == {"value": "nsjail", "known": true, "source": "default", "field": ["spec", "containers", 0]}
}

test_jail_flag_beats_env if {
	container := {
		"name": "a",
		"args": ["boundary", "--jail-type", "landjail"],
		"env": [{"name": "BOUNDARY_JAIL_TYPE", "value": "nsjail"}],
	}
	jail := _c(container).jail
	jail == {"value": "landjail", "known": true, "source": "flag", "field": ["spec", "containers", 0, "args", 2]}
}

test_jail_flag_shell_variable_unknown if {
	_c({"name": "a", "command": ["sh", "-c", "boundary --jail-type=$JAIL -- x"]}).jail.known == false
}

test_jail_env if {
	_c({"name": "a", "env": [{"name": "BOUNDARY_JAIL_TYPE", "value": "landjail"}]}).jail == {
		"value": "landjail", "known": true, "source": "env",
		"field": ["spec", "containers", 0, "env", 0],
	}
	_c({"name": "a", "env": [{"name": "BOUNDARY_JAIL_TYPE", "valueFrom": {}}]}).jail.value == null
}

test_jail_annotation_is_lowest if {
	declared := {annotations.jail_type: "landjail"}
	_c_with(declared, {"name": "a", "command": ["boundary"]}).jail.source == "annotation"
	container := {"name": "a", "env": [{"name": "BOUNDARY_JAIL_TYPE", "value": "nsjail"}]}
	_c_with(declared, container).jail.value == "nsjail"
}

test_no_user_namespace_default if _c({"name": "a", "command": ["boundary"]}).no_user_namespace.value == false

test_no_user_namespace_flag if {
	_c({"name": "a", "args": ["boundary", "--no-user-namespace"]}).no_user_namespace.value == true
	_c({"name": "a", "args": ["boundary", "--no-user-namespace=0"]}).no_user_namespace.value == false
	_c({"name": "a", "args": ["boundary", "--no-user-namespace=maybe"]}).no_user_namespace.known == false
	_c({"name": "a", "command": ["sh", "-c", "boundary --no-user-namespace=$X"]}).no_user_namespace.known == false
}

test_no_user_namespace_env if {
	_c({"name": "a", "env": [{"name": "BOUNDARY_NO_USER_NAMESPACE", "value": "true"}]}).no_user_namespace == {
		"value": true, "known": true, "source": "env",
		"field": ["spec", "containers", 0, "env", 0],
	}
	_c({"name": "a", "env": [{"name": "BOUNDARY_NO_USER_NAMESPACE", "valueFrom": {}}]}).no_user_namespace.known == false
}

test_no_user_namespace_annotation if {
	c := _c_with({annotations.no_user_namespace: "true"}, {"name": "a", "command": ["boundary"]})
	c.no_user_namespace == {
		"value": true, "known": true, "source": "annotation",
		"field": ["metadata", "annotations", "boundary-policy/no-user-namespace"],
	}
}

test_version if {
	boundary.version({"metadata": {"annotations": {annotations.version: "v0.8.1"}}}) == [0, 8, 1]
	boundary.version({"metadata": {"annotations": {annotations.version: "0.10.2-rc1"}}}) == [0, 10, 2]
	not boundary.version({"metadata": {"annotations": {annotations.version: "latest"}}})
	not boundary.version({"metadata": {}})
}

test_a_container_without_env_command_or_mounts_has_no_signal if {
	bare := {"name": "a", "image": "ghcr.io/coder/boundary:1", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}
	_names(_pod({}, [bare]), {}) == []

	# It is still the workspace container a pod-level annotation or parameter boundaryWorkspaces declares.
	_names(_pod({annotations.jail_type: "nsjail"}, [bare]), {}) == ["a"]
	_names(_pod({}, [bare]), {"boundaryWorkspaces": true}) == ["a"]
}

# --- mounted config ---

_mount_pod(mount, volume, env) := {
	"kind": "Pod",
	"metadata": {"name": "ws", "namespace": "coder"},
	"spec": {
		"containers": [{"name": "dev", "volumeMounts": [mount], "env": env}],
		"volumes": [volume],
	},
}

_cm(content) := {"namespace": {"coder": {"v1": {"ConfigMap": {"cfg": {"data": content}}}}}}

_cm_volume := {"name": "cfg", "configMap": {"name": "cfg"}}

test_config_sub_path if {
	mount := {"name": "cfg", "mountPath": "/home/coder/.config/coder_boundary/config.yaml", "subPath": "config.yaml"}
	obj := _mount_pod(mount, _cm_volume, [])
	inv := _cm({"config.yaml": "jail_type: landjail\nno_user_namespace: true\n"})
	cs := boundary.recognised(obj, {}) with data.inventory as inv
	field := ["spec", "containers", 0, "volumeMounts", 0]
	cs[0].jail == {"value": "landjail", "known": true, "source": "config", "field": field}
	cs[0].no_user_namespace.value == true
}

test_a_mounted_config_alone_recognises if {
	mount := {"name": "cfg", "mountPath": "/home/coder/.config/coder_boundary/config.yaml", "subPath": "config.yaml"}
	obj := json.remove(_mount_pod(mount, _cm_volume, []), ["spec/containers/0/env"])
	not obj.spec.containers[0].env
	_names(obj, {}) == ["dev"] with data.inventory as _cm({"config.yaml": "jail_type: landjail\n"})
}

test_config_directory_mount if {
	obj := _mount_pod({"name": "cfg", "mountPath": "/root/.config/coder_boundary/"}, _cm_volume, [])
	inv := _cm({"config.yaml": "allowlist: [domain=x]\n", "other": "x"})
	cs := boundary.recognised(obj, {}) with data.inventory as inv
	cs[0].jail.source == "default"
}

test_config_items if {
	items := [{"key": "boundary", "path": "coder_boundary/config.yaml"}]
	volume := {"name": "cfg", "configMap": {"name": "cfg", "items": items}}
	obj := _mount_pod({"name": "cfg", "mountPath": "/home/u/.config"}, volume, [])
	cs := boundary.recognised(obj, {}) with data.inventory as _cm({"boundary": "jail_type: landjail"})
	cs[0].jail.value == "landjail"
	sub_mount := {"name": "cfg", "mountPath": "/x/coder_boundary/config.yaml", "subPath": "coder_boundary/config.yaml"}
	sub := _mount_pod(sub_mount, volume, [])
	inv := _cm({"boundary": "jail_type: landjail"})
	boundary.recognised(sub, {})[0].jail.value == "landjail" with data.inventory as inv
	wrong := _mount_pod({"name": "cfg", "mountPath": "/x/coder_boundary/config.yaml", "subPath": "nope"}, volume, [])
	boundary.recognised(wrong, {}) == [] with data.inventory as _cm({"boundary": "jail_type: landjail"})
}

test_config_explicit_path if {
	env := [{"name": "BOUNDARY_CONFIG", "value": "/etc/boundary/b.yaml"}]
	obj := _mount_pod({"name": "cfg", "mountPath": "/etc/boundary"}, _cm_volume, env)
	inv := _cm({"b.yaml": "jail_type: landjail", "config.yaml": "jail_type: nsjail"})
	boundary.recognised(obj, {})[0].jail.value == "landjail" with data.inventory as inv
}

test_config_flag_path if {
	obj := json.patch(
		_mount_pod({"name": "cfg", "mountPath": "/etc/boundary"}, _cm_volume, []),
		[{"op": "add", "path": "/spec/containers/0/args", "value": ["boundary", "--config=/etc/boundary/b.yaml"]}],
	)
	inv := _cm({"b.yaml": "jail_type: landjail"})
	boundary.recognised(obj, {})[0].jail.value == "landjail" with data.inventory as inv
}

test_config_unknown_explicit_path_reads_nothing if {
	env := [{"name": "BOUNDARY_CONFIG", "valueFrom": {}}]
	obj := _mount_pod({"name": "cfg", "mountPath": "/x/coder_boundary/config.yaml", "subPath": "c"}, _cm_volume, env)
	boundary.recognised(obj, {})[0].jail.source == "default" with data.inventory as _cm({"c": "jail_type: landjail"})
}

test_config_not_synced_or_invalid if {
	obj := _mount_pod({"name": "cfg", "mountPath": "/x/coder_boundary/config.yaml", "subPath": "c"}, _cm_volume, [])
	boundary.recognised(obj, {}) == []
	boundary.recognised(obj, {}) == [] with data.inventory as _cm({"c": "jail_type: [unclosed"})
	boundary.recognised(obj, {}) == [] with data.inventory as _cm({"c": "just text"})
	boundary.recognised(obj, {}) == [] with data.inventory as _cm({"c": "log_level: debug"})
}

test_config_secret if {
	volume := {"name": "cfg", "secret": {"secretName": "s"}}
	obj := _mount_pod({"name": "cfg", "mountPath": "/x/coder_boundary"}, volume, [])
	encoded := {"config.yaml": base64.encode("jail_type: landjail"), "bad": "%%"}
	inv := {"namespace": {"coder": {"v1": {"Secret": {"s": {"data": encoded}}}}}}
	boundary.recognised(obj, {})[0].jail.value == "landjail" with data.inventory as inv
	plain := {"config.yaml": "jail_type: nsjail"}
	string_data := {"namespace": {"coder": {"v1": {"Secret": {"s": {"stringData": plain}}}}}}
	boundary.recognised(obj, {})[0].jail.value == "nsjail" with data.inventory as string_data
}

test_config_pod_without_namespace if {
	pod := _mount_pod({"name": "cfg", "mountPath": "/x/coder_boundary"}, _cm_volume, [])
	obj := json.remove(pod, ["/metadata/namespace"])
	inv := {"cluster": {"v1": {"ConfigMap": {"cfg": {"data": {"config.yaml": "jail_type: 7"}}}}}}
	boundary.recognised(obj, {})[0].jail.value == "7" with data.inventory as inv
}

test_other_volumes_ignored if {
	obj := _mount_pod({"name": "cfg", "mountPath": "/x/coder_boundary"}, {"name": "cfg", "emptyDir": {}}, [])
	config.mounted_files(obj, boundary.recognised(_pod({}, [{"name": "dev", "command": ["boundary"]}]), {})[0]) == []
}

# --- the reviewed pod ---

test_containers_of_input if {
	obj := _pod({}, [
		{"name": "a", "command": ["boundary"]},
		{"name": "b", "args": ["boundary", "--jail-type", "landjail"]},
		{"name": "c", "args": ["boundary", "--jail-type", "bad"]},
	])
	[c.name | some c in boundary.containers] == ["a", "b", "c"] with input as {"review": {"object": obj}}
	[c.name | some c in boundary.nsjail] == ["a"] with input as {"review": {"object": obj}}
	[c.name | some c in boundary.landjail] == ["b"] with input as {"review": {"object": obj}}
}

test_subject_and_details if {
	c := _c({"name": "a", "command": ["boundary"]})
	boundary.subject(c) == `Pod coder/ws container "a"` with input as {"review": {"object": _pod({}, [])}}
	boundary.details("BND010", c, null, ["x"]) == {"rule": "BND010", "container": "a", "node": null, "field": ["x"]}
}

test_security_context_field if {
	boundary.security_context_field(_c({"name": "a", "command": ["boundary"]})) == ["spec", "containers", 0]
	c := _c({"name": "a", "command": ["boundary"], "securityContext": {}})
	boundary.security_context_field(c) == ["spec", "containers", 0, "securityContext"]
}

test_flags_after_double_dash_belong_to_the_jailed_command if {
	argv := ["coder", "boundary", "--", "mytool", "--jail-type=weird", "--no-user-namespace"]
	container := {"name": "a", "command": argv}
	c := _c(container)
	c.jail.source == "default"
	c.no_user_namespace.source == "default"
	script := {"name": "a", "command": ["sh", "-c", "set -- x; boundary --jail-type landjail -- claude --jail-type=x"]}
	_c(script).jail.value == "landjail"
	_names(_pod({}, [{"name": "a", "args": ["--", "--jail-type=landjail"]}]), {}) == ["a"]
}
