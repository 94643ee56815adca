# METADATA
# title: Boundary recognition
# description: >-
#   Which containers of a pod run Coder Agent Firewall (Boundary) (docs/semantics.md#recognition): the
#   boundary-policy/container annotation, else any signal (Boundary's env vars, a launcher on the command line, its
#   flags, a mounted config), else parameter boundaryWorkspaces or a pod-level boundary-policy/ annotation for the
#   workspace container.
package lib.boundary.recognition

import data.lib.boundary.annotations
import data.lib.boundary.commandline
import data.lib.boundary.config
import data.lib.k8s

# Env vars only Boundary reads (docs/semantics.md#recognition, signal 2). The weak ones
# (CODER_AGENT_BOUNDARY_LOG_PROXY_SOCKET_PATH, PROXY_PORT, DISABLE_AUDIT_LOGS) never recognise Boundary
# (docs/semantics.md#weak-signals).
env_names := {
	"BOUNDARY_JAIL_TYPE", "BOUNDARY_NO_USER_NAMESPACE", "BOUNDARY_CONFIG", "BOUNDARY_ALLOW", "BOUNDARY_LOG_DIR",
	"BOUNDARY_LOG_LEVEL", "BOUNDARY_USE_REAL_DNS", "BOUNDARY_PPROF", "BOUNDARY_PPROF_PORT",
	"BOUNDARY_SESSION_CORRELATION_ENABLED", "BOUNDARY_SESSION_ID_INJECT_TARGET",
}

# The predicates below are total (a default of false, or null): OPA's per-query function cache keeps no undefined
# answer, and every template asks them again for each container (docs/performance.md#total-predicates).
default _signal(_, _, _) := false

_signal(_, entry, _) if {
	some e in object.get(entry.container, "env", [])
	e.name in env_names
}

_signal(_, entry, parameters) if {
	launchers := commandline.launchers | {name | some name in object.get(parameters, "wrapperNames", [])}
	some launcher in launchers
	commandline.mentions(entry, launcher)
	some token in commandline.tokens(entry)
	commandline.basename(token.word) in launchers
}

_signal(_, entry, _) if {
	some flag in ["--jail-type", "--no-user-namespace"]
	commandline.mentions(entry, flag)
	some token in commandline.option_tokens(entry)
	_flag_word(token.word, flag)
}

_signal(obj, entry, _) if {
	settings := config.mounted_config(obj, entry).settings
	some key in ["jail_type", "allowlist"]
	key in object.keys(settings)
}

_flag_word(word, flag) if word == flag

_flag_word(word, flag) if startswith(word, concat("", [flag, "="]))

# The container names in annotation boundary-policy/container (comma-separated; "none" names no container); null
# when the pod has no such annotation.
declared_names(obj) := {name |
	some part in split(value, ",")
	name := trim_space(part)
	name != ""
} if {
	value := k8s.annotations(obj)[annotations.container]
	is_string(value)
} else := null

# The annotations that declare Boundary for a pod without naming the container.
_pod_level := {annotations.jail_type, annotations.no_user_namespace, annotations.version}

default _pod_declared(_) := false

_pod_declared(obj) if {
	some key in _pod_level
	key in object.keys(k8s.annotations(obj))
}

# The Coder agent container: parameter boundaryContainer, else the container with CODER_AGENT_TOKEN or that runs
# `coder agent`, else the first container.
workspace_container(obj, parameters) := entries[0] if {
	entries := [entry |
		some entry in k8s.containers(obj)
		entry.kind == "containers"
		entry.name == parameters.boundaryContainer
	]
	count(entries) > 0
} else := entries[0] if {
	entries := [entry |
		some entry in k8s.containers(obj)
		entry.kind == "containers"
		_agent(entry)
	]
	count(entries) > 0
} else := entry if {
	entry := k8s.containers(obj)[0]
	entry.kind == "containers"
}

_agent(entry) if k8s.env(entry, "CODER_AGENT_TOKEN")

_agent(entry) if {
	commandline.mentions(entry, "agent")
	toks := commandline.tokens(entry)
	some i, token in toks
	commandline.basename(token.word) == "coder"
	toks[i + 1].word == "agent"
}

default runs_boundary(_, _, _) := false

runs_boundary(obj, entry, _) if {
	names := declared_names(obj)
	names != null
	entry.name in names
}

runs_boundary(obj, entry, parameters) if {
	declared_names(obj) == null
	_may_signal(entry.container)
	_signal(obj, entry, parameters)
}

runs_boundary(obj, entry, parameters) if {
	declared_names(obj) == null
	parameters.boundaryWorkspaces == true
	entry.path == workspace_container(obj, parameters).path
}

runs_boundary(obj, entry, parameters) if {
	declared_names(obj) == null
	_pod_declared(obj)
	not _any_signal(obj, parameters)
	entry.path == workspace_container(obj, parameters).path
}

default _any_signal(_, _) := false

_any_signal(obj, parameters) if {
	some entry in k8s.containers(obj)
	_may_signal(entry.container)
	_signal(obj, entry, parameters)
}

# Every signal is read from an env var, the command line or a mounted file: a container with none of these fields
# is passed over before any of them is looked for (the cheapest rejection first).
default _may_signal(_) := false

_may_signal(container) if {
	some field in ["env", "command", "args", "volumeMounts"]
	container[field]
}
