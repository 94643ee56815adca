# METADATA
# title: Linux capabilities of a container
# description: >-
#   The effective bounding set containerd gives a container (docs/semantics.md#capabilities): privileged gives
#   every capability; otherwise containerd's default set, add ALL, drop ALL, then individual adds, then individual
#   drops (a capability both added and dropped is dropped). Names compare case-insensitively; a CAP_ prefix
#   counts as the capability it names (docs/semantics.md#cap-prefix; BND011 reports the prefix itself).
package lib.capabilities

# containerd's default capability set (CRI defaults, same as Docker's).
default_set := {
	"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
	"NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
}

# Upper case without the CAP_ prefix: "cap_net_admin" -> "NET_ADMIN".
normalize(name) := trim_prefix(upper(name), "CAP_") if is_string(name)

privileged(container) if object.get(container, ["securityContext", "privileged"], false) == true

_list(container, op) := {normalize(name) |
	some name in object.get(container, ["securityContext", "capabilities", op], [])
}

# Is `cap` (upper case, no prefix) in the container's bounding set?
has(container, _) if privileged(container)

has(container, cap) if {
	not cap in _list(container, "drop")
	_granted(container, cap)
}

_granted(container, cap) if cap in _list(container, "add")

_granted(container, _) if {
	not "ALL" in _list(container, "drop")
	"ALL" in _list(container, "add")
}

_granted(container, cap) if {
	not "ALL" in _list(container, "drop")
	cap in default_set
}

# The JSON path (relative to the container) of the add entry for `cap`, else of the container's securityContext.
add_field(container, cap) := ["securityContext", "capabilities", "add", indexes[0]] if {
	indexes := [i |
		some i, name in object.get(container, ["securityContext", "capabilities", "add"], [])
		normalize(name) == cap
	]
	count(indexes) > 0
} else := ["securityContext"]

# Every add/drop entry written with a CAP_ prefix: {"op": "add", "index": 1, "name": "CAP_NET_ADMIN"}.
prefixed(container) := [{"op": op, "index": i, "name": name} |
	some op in ["add", "drop"]
	some i, name in object.get(container, ["securityContext", "capabilities", op], [])
	is_string(name)
	startswith(upper(name), "CAP_")
]
