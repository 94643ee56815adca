# METADATA
# title: Boundary recognition and effective options
# description: >-
#   Which containers of the reviewed pod run Coder Agent Firewall (Boundary) (rules.md §3.2) and the options each
#   runs with (§3.3, §7.7): jail type and no_user_namespace from command-line flag > env > mounted config file >
#   boundary-policy/ pod annotation > default, plus the declared Boundary version.
package lib.boundary

import data.lib.k8s

container_annotation := "boundary-policy/container"

jail_annotation := "boundary-policy/jail-type"

no_user_namespace_annotation := "boundary-policy/no-user-namespace"

version_annotation := "boundary-policy/boundary-version"

jail_types := {"nsjail", "landjail"}

# Env vars only Boundary reads (rules.md §3.2 signal 2). The weak ones (CODER_AGENT_BOUNDARY_LOG_PROXY_SOCKET_PATH,
# PROXY_PORT, DISABLE_AUDIT_LOGS) never recognise Boundary (§7.6).
env_names := {
	"BOUNDARY_JAIL_TYPE", "BOUNDARY_NO_USER_NAMESPACE", "BOUNDARY_CONFIG", "BOUNDARY_ALLOW", "BOUNDARY_LOG_DIR",
	"BOUNDARY_LOG_LEVEL", "BOUNDARY_USE_REAL_DNS", "BOUNDARY_PPROF", "BOUNDARY_PPROF_PORT",
	"BOUNDARY_SESSION_CORRELATION_ENABLED", "BOUNDARY_SESSION_ID_INJECT_TARGET",
}

# Command basenames that launch Boundary (signal 3); parameter wrapperNames adds site-specific ones.
launchers := {
	"boundary", "agent-firewall", "boundary-run", "coder-no-caps", "agent-firewall-wrapper.sh",
	"boundary-wrapper.sh",
}

_annotations(obj) := object.get(obj, ["metadata", "annotations"], {})

# --- command line -----------------------------------------------------------------------------------------

# The words of a shell script: comments removed, split at blanks and shell operators, quotes trimmed.
words(script) := [word |
	some raw in regex.split(`[\s;|&()<>]+`, regex.replace(script, `(^|\s)#[^\n]*`, " "))
	word := trim(raw, "\"'`")
	word != ""
]

_argv(entry) := [{"value": value, "field": array.concat(entry.path, [field, j])} |
	some field in ["command", "args"]
	some j, value in object.get(entry.container, field, [])
	is_string(value)
]

# The tokens of a container's command line: argv elements as they are, and the words of an `sh -c` script.
tokens(entry) := [token |
	argv := _argv(entry)
	some k, arg in argv
	some word in _arg_words(argv, k)
	token := {"word": word, "field": arg.field}
]

_arg_words(argv, k) := words(argv[k].value) if {
	k > 0
	regex.match(`^-[A-Za-z]*c$`, argv[k - 1].value)
} else := [argv[k].value]

basename(word) := parts[count(parts) - 1] if parts := split(word, "/")

# The tokens Boundary parses as its own options: everything before the `--` that follows a launcher
# (what comes after it is the jailed command's argv).
option_tokens(entry) := array.slice(toks, 0, min(cuts)) if {
	toks := tokens(entry)
	cuts := [i |
		some i, token in toks
		token.word == "--"
		some j, launcher in toks
		j < i
		basename(launcher.word) in launchers
	]
	count(cuts) > 0
} else := tokens(entry)

# Every value given to a flag: `--flag value` or `--flag=value`; {"value": v, "field": [...]}, in order.
flag_values(toks, flag) := [v |
	some i, token in toks
	v := _flag_value(toks, i, token, flag)
]

_flag_value(toks, i, token, flag) := {"value": toks[i + 1].word, "field": toks[i + 1].field} if {
	token.word == flag
	i + 1 < count(toks)
}

_flag_value(_, _, token, flag) := {"value": substring(token.word, count(flag) + 1, -1), "field": token.field} if {
	startswith(token.word, concat("", [flag, "="]))
}

# Occurrences of a boolean flag: bare (`--flag`, value "true") or `--flag=value`.
bool_flag_values(toks, flag) := [v |
	some token in toks
	v := _bool_flag_value(token, flag)
]

_bool_flag_value(token, flag) := {"value": "true", "field": token.field} if token.word == flag

_bool_flag_value(token, flag) := {"value": substring(token.word, count(flag) + 1, -1), "field": token.field} if {
	startswith(token.word, concat("", [flag, "="]))
}

_last(values) := values[count(values) - 1] if count(values) > 0

# A value from the command line is unknown when the shell expands it.
_literal(value) := false if contains(value, "$")

_literal(value) if not contains(value, "$")

# --- mounted config ---------------------------------------------------------------------------------------

# The files a container sees from ConfigMap/Secret volumes whose object is synced (rules.md §7.13):
# [{"path": "/home/coder/.config/coder_boundary/config.yaml", "text": "...", "field": [... "volumeMounts", k]}].
mounted_files(obj, entry) := [file |
	some k, mount in object.get(entry.container, "volumeMounts", [])
	some volume in object.get(obj, ["spec", "volumes"], [])
	volume.name == mount.name
	source := _volume_source(volume)
	content := _content(k8s.namespace(obj), source)
	some file in _files(mount, source, content, array.concat(entry.path, ["volumeMounts", k]))
]

_volume_source(volume) := {
	"kind": "ConfigMap",
	"name": volume.configMap.name,
	"items": object.get(volume.configMap, "items", []),
}

_volume_source(volume) := {
	"kind": "Secret",
	"name": volume.secret.secretName,
	"items": object.get(volume.secret, "items", []),
}

_content(ns, source) := object.get(k8s.inventory_object(ns, "v1", "ConfigMap", source.name), "data", {}) if {
	source.kind == "ConfigMap"
}

_content(ns, source) := object.union(decoded, object.get(secret, "stringData", {})) if {
	source.kind == "Secret"
	secret := k8s.inventory_object(ns, "v1", "Secret", source.name)
	decoded := {key: base64.decode(value) |
		some key, value in object.get(secret, "data", {})
		base64.is_valid(value)
	}
}

_mount_path(mount) := trim_right(mount.mountPath, "/")

# subPath: one file at mountPath. Otherwise a directory: the listed items, or every key.
_files(mount, source, content, field) := [{"path": _mount_path(mount), "text": content[key], "field": field} |
	key := _item_key(source.items, mount.subPath)
] if {
	object.get(mount, "subPath", "") != ""
} else := [{"path": concat("/", [_mount_path(mount), item.path]), "text": content[item.key], "field": field} |
	some item in source.items
] if {
	count(source.items) > 0
} else := [{"path": concat("/", [_mount_path(mount), key]), "text": text, "field": field} |
	some key, text in content
]

_item_key(items, path) := path if {
	count(items) == 0
} else := keys[0] if {
	keys := [item.key | some item in items; item.path == path]
	count(keys) > 0
}

# The path Boundary reads its config from when --config or BOUNDARY_CONFIG sets it: {"known": bool, "value": p}.
explicit_config_path(entry) := {"known": _literal(v.value), "value": v.value} if {
	v := _last(flag_values(option_tokens(entry), "--config"))
} else := {"known": e.known, "value": e.value} if {
	e := k8s.env(entry, "BOUNDARY_CONFIG")
}

_config_files(obj, entry) := [file |
	path := explicit_config_path(entry)
	path.known == true
	some file in mounted_files(obj, entry)
	file.path == path.value
] if {
	explicit_config_path(entry)
} else := sort([file |
	some file in mounted_files(obj, entry)
	endswith(file.path, "/coder_boundary/config.yaml")
])

# The mounted Boundary config: {"settings": {...parsed YAML...}, "path": p, "field": [...]}; undefined when none
# is mounted or its object is not synced.
config(obj, entry) := {"settings": settings, "path": file.path, "field": file.field} if {
	file := _config_files(obj, entry)[0]
	yaml.is_valid(file.text)
	settings := yaml.unmarshal(file.text)
	is_object(settings)
}

# --- recognition ------------------------------------------------------------------------------------------

_signal(_, entry, _) if {
	some e in object.get(entry.container, "env", [])
	e.name in env_names
}

_signal(_, entry, parameters) if {
	some token in tokens(entry)
	basename(token.word) in (launchers | {name | some name in object.get(parameters, "wrapperNames", [])})
}

_signal(_, entry, _) if {
	some token in option_tokens(entry)
	some flag in ["--jail-type", "--no-user-namespace"]
	_flag_word(token.word, flag)
}

_signal(obj, entry, _) if {
	settings := config(obj, entry).settings
	some key in ["jail_type", "allowlist"]
	key in object.keys(settings)
}

_flag_word(word, flag) if word == flag

_flag_word(word, flag) if startswith(word, concat("", [flag, "="]))

# The container names in annotation boundary-policy/container (comma-separated; "none" names no container).
declared_names(obj) := {name |
	some part in split(value, ",")
	name := trim_space(part)
	name != ""
} if {
	value := _annotations(obj)[container_annotation]
	is_string(value)
}

# The pod declares Boundary without naming the container.
_pod_declared(obj) if {
	some key in [jail_annotation, no_user_namespace_annotation, version_annotation]
	key in object.keys(_annotations(obj))
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
	toks := tokens(entry)
	some i, token in toks
	basename(token.word) == "coder"
	toks[i + 1].word == "agent"
}

_recognised(obj, entry, _) if entry.name in declared_names(obj)

_recognised(obj, entry, parameters) if {
	not declared_names(obj)
	_signal(obj, entry, parameters)
}

_recognised(obj, entry, parameters) if {
	not declared_names(obj)
	parameters.boundaryWorkspaces == true
	entry.path == workspace_container(obj, parameters).path
}

_recognised(obj, entry, parameters) if {
	not declared_names(obj)
	_pod_declared(obj)
	not _any_signal(obj, parameters)
	entry.path == workspace_container(obj, parameters).path
}

_any_signal(obj, parameters) if {
	some entry in k8s.containers(obj)
	_signal(obj, entry, parameters)
}

# --- effective options ------------------------------------------------------------------------------------

# The jail type: {"value": "nsjail"|..., "known": bool, "source": "flag"|"env"|"config"|"annotation"|"default",
# "field": [...]}. An unknown value (shell variable, valueFrom) has value null.
jail(obj, entry) := _option(v.value, _literal(v.value), "flag", v.field) if {
	v := _last(flag_values(option_tokens(entry), "--jail-type"))
} else := _option(e.value, e.known, "env", array.concat(entry.path, ["env", e.index])) if {
	e := k8s.env(entry, "BOUNDARY_JAIL_TYPE")
} else := _option(sprintf("%v", [c.settings.jail_type]), true, "config", c.field) if {
	c := config(obj, entry)
	"jail_type" in object.keys(c.settings)
} else := _option(value, true, "annotation", ["metadata", "annotations", jail_annotation]) if {
	value := _annotations(obj)[jail_annotation]
} else := _option("nsjail", true, "default", entry.path)

_option(value, true, source, field) := {"value": value, "known": true, "source": source, "field": field}

_option(_, false, source, field) := {"value": null, "known": false, "source": source, "field": field}

# no_user_namespace: like jail(); the value is a boolean, or null when unknown (unparseable values included).
no_user_namespace(obj, entry) := _bool_option(v.value, _literal(v.value), "flag", v.field) if {
	v := _last(bool_flag_values(option_tokens(entry), "--no-user-namespace"))
} else := _bool_option(e.value, e.known, "env", array.concat(entry.path, ["env", e.index])) if {
	e := k8s.env(entry, "BOUNDARY_NO_USER_NAMESPACE")
} else := _bool_option(c.settings.no_user_namespace, true, "config", c.field) if {
	c := config(obj, entry)
	"no_user_namespace" in object.keys(c.settings)
} else := _bool_option(value, true, "annotation", ["metadata", "annotations", no_user_namespace_annotation]) if {
	value := _annotations(obj)[no_user_namespace_annotation]
} else := _option(false, true, "default", entry.path)

_bool_option(value, true, source, field) := _option(b, true, source, field) if {
	b := k8s.parse_bool(value)
} else := _option(null, false, source, field)

_bool_option(_, false, source, field) := _option(null, false, source, field)

# The Boundary version the pod declares: [0, 8, 1]; undefined when not declared or not a version.
version(obj) := [to_number(m[1]), to_number(m[2]), to_number(m[3])] if {
	m := regex.find_all_string_submatch_n(`^v?([0-9]+)\.([0-9]+)\.([0-9]+)`, _annotations(obj)[version_annotation], 1)[0]
}

# --- the reviewed pod -------------------------------------------------------------------------------------

# The recognised containers of a pod with their effective options, in spec order.
recognised(obj, parameters) := [object.union(entry, {
	"phrase": k8s.container_phrase(entry),
	"jail": jail(obj, entry),
	"no_user_namespace": no_user_namespace(obj, entry),
}) |
	obj.kind == "Pod"
	some entry in k8s.containers(obj)
	not k8s.exempt(entry, parameters)
	_recognised(obj, entry, parameters)
]

# The Boundary containers of the reviewed pod.
containers := recognised(k8s.pod, k8s.params)

# Boundary containers whose jail type is known to be nsjail / landjail (an invalid type is BND001's alone, §7.8).
nsjail := [c | some c in containers; c.jail.value == "nsjail"]

landjail := [c | some c in containers; c.jail.value == "landjail"]

# How each source of an option is named in messages.
source_phrases := {
	"jail": {
		"flag": "flag --jail-type",
		"env": "env BOUNDARY_JAIL_TYPE",
		"config": "jail_type in the mounted Boundary config",
		"annotation": "annotation boundary-policy/jail-type",
		"default": "the default",
	},
	"no_user_namespace": {
		"flag": "flag --no-user-namespace",
		"env": "env BOUNDARY_NO_USER_NAMESPACE",
		"config": "no_user_namespace in the mounted Boundary config",
		"annotation": "annotation boundary-policy/no-user-namespace",
		"default": "the default",
	},
}

# The JSON path of a container's securityContext (where a fix goes), or of the container when it has none.
security_context_field(c) := array.concat(c.path, ["securityContext"]) if {
	c.container.securityContext
} else := c.path

# The resource and container a message is about: `Deployment coder/ws container "dev"`.
subject(c) := sprintf("%s %s", [k8s.resource_phrase(k8s.pod), c.phrase])

# The details of a violation (the output contract shared by every rule).
details(rule, c, node, field) := {"rule": rule, "container": c.name, "node": node, "field": field}
