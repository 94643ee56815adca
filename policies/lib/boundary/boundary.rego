# METADATA
# title: Boundary containers and their effective options
# description: >-
#   The containers of the reviewed pod that run Coder Agent Firewall (Boundary) (lib.boundary.recognition) and the
#   options each runs with (docs/semantics.md#effective-options, docs/semantics.md#precedence): jail type and
#   no_user_namespace from command-line flag > env > mounted config file > boundary-policy/ pod annotation >
#   default, plus the declared Boundary version.
package lib.boundary

import data.lib.boundary.annotations
import data.lib.boundary.commandline
import data.lib.boundary.config
import data.lib.boundary.recognition
import data.lib.k8s

jail_types := {"nsjail", "landjail"}

# --- effective options ------------------------------------------------------------------------------------

# The jail type: {"value": "nsjail"|..., "known": bool, "source": "flag"|"env"|"config"|"annotation"|"default",
# "field": [...]}. An unknown value (shell variable, valueFrom) has value null.
jail(obj, entry) := _option(v.value, commandline.literal(v.value), "flag", v.field) if {
	v := commandline.last(commandline.option_flag_values(entry, "--jail-type"))
} else := _option(e.value, e.known, "env", array.concat(entry.path, ["env", e.index])) if {
	e := k8s.env(entry, "BOUNDARY_JAIL_TYPE")
} else := _option(sprintf("%v", [c.settings.jail_type]), true, "config", c.field) if {
	c := config.mounted_config(obj, entry)
	"jail_type" in object.keys(c.settings)
} else := _option(value, true, "annotation", ["metadata", "annotations", annotations.jail_type]) if {
	value := k8s.annotations(obj)[annotations.jail_type]
} else := _option("nsjail", true, "default", entry.path)

_option(value, true, source, field) := {"value": value, "known": true, "source": source, "field": field}

_option(_, false, source, field) := {"value": null, "known": false, "source": source, "field": field}

# no_user_namespace: like jail(); the value is a boolean, or null when unknown (unparseable values included).
no_user_namespace(obj, entry) := _bool_option(v.value, commandline.literal(v.value), "flag", v.field) if {
	v := commandline.last(commandline.option_bool_flag_values(entry, "--no-user-namespace"))
} else := _bool_option(e.value, e.known, "env", array.concat(entry.path, ["env", e.index])) if {
	e := k8s.env(entry, "BOUNDARY_NO_USER_NAMESPACE")
} else := _bool_option(c.settings.no_user_namespace, true, "config", c.field) if {
	c := config.mounted_config(obj, entry)
	"no_user_namespace" in object.keys(c.settings)
} else := _bool_option(value, true, "annotation", ["metadata", "annotations", annotations.no_user_namespace]) if {
	value := k8s.annotations(obj)[annotations.no_user_namespace]
} else := _option(false, true, "default", entry.path)

_bool_option(value, true, source, field) := _option(b, true, source, field) if {
	b := k8s.parse_bool(value)
} else := _option(null, false, source, field)

_bool_option(_, false, source, field) := _option(null, false, source, field)

# The Boundary version the pod declares: [0, 8, 1]; undefined when not declared or not a version.
version(obj) := [to_number(m[1]), to_number(m[2]), to_number(m[3])] if {
	declared := k8s.annotations(obj)[annotations.version]
	m := regex.find_all_string_submatch_n(`^v?([0-9]+)\.([0-9]+)\.([0-9]+)`, declared, 1)[0]
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
	recognition.runs_boundary(obj, entry, parameters)
]

# The Boundary containers of the reviewed pod.
containers := recognised(k8s.pod, k8s.params)

# Boundary containers whose jail type is known to be nsjail / landjail (an invalid type is BND001's alone:
# docs/semantics.md#invalid-jail-type).
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
