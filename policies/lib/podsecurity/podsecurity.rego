# METADATA
# title: Pod Security Admission levels and the nsjail container
# description: >-
#   The Pod Security Admission labels of the pod's namespace (a synced Namespace) and what in an nsjail
#   container the baseline and restricted levels forbid (BND050/051, docs/semantics.md#pod-security): added capabilities
#   outside the baseline set (NET_ADMIN, SYS_ADMIN), privileged, Unconfined seccomp.
package lib.podsecurity

import data.lib.capabilities
import data.lib.k8s

label_prefix := "pod-security.kubernetes.io/"

# Levels that forbid what nsjail needs: both forbid adding NET_ADMIN.
forbidding_levels := {"baseline", "restricted"}

# Capabilities Pod Security baseline allows to add.
baseline_capabilities := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
	"SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

# The labels of a synced Namespace; undefined when the namespace is not synced.
namespace_labels(ns) := object.get(k8s.inventory_object("", "v1", "Namespace", ns), ["metadata", "labels"], {})

# The forbidding level of a mode (enforce, warn, audit): {"key": label, "level": level}; undefined otherwise.
forbidding(labels, mode) := {"key": key, "level": labels[key]} if {
	key := concat("", [label_prefix, mode])
	labels[key] in forbidding_levels
}

# What the container does that baseline forbids, in spec order: [{"what": "...", "field": [...]}].
offences(obj, entry) := [offence |
	some list in [_privileged(entry), _added(entry), _unconfined(obj, entry)]
	some offence in list
]

_privileged(entry) := [{"what": "privileged: true", "field": field} |
	capabilities.privileged(entry.container)
	field := array.concat(entry.path, ["securityContext", "privileged"])
]

_added(entry) := [{"what": sprintf("adding %s", [name]), "field": field} |
	some i, name in object.get(entry.container, ["securityContext", "capabilities", "add"], [])
	not capabilities.normalize(name) in baseline_capabilities
	field := array.concat(entry.path, ["securityContext", "capabilities", "add", i])
]

_unconfined(obj, entry) := array.concat(
	[{"what": "seccompProfile type Unconfined", "field": field} |
		entry.container.securityContext.seccompProfile.type == "Unconfined"
		field := array.concat(entry.path, ["securityContext", "seccompProfile", "type"])
	],
	[{"what": "pod seccompProfile type Unconfined", "field": ["spec", "securityContext", "seccompProfile", "type"]} |
		obj.spec.securityContext.seccompProfile.type == "Unconfined"
	],
)

# "adding NET_ADMIN and privileged: true"; nsjail always needs NET_ADMIN even before the manifest adds it.
forbidden_phrase(offences) := k8s.enumerate([o.what | some o in offences], 3) if {
	count(offences) > 0
} else := "adding NET_ADMIN"

# The field of the first offence, else the fallback (where the fix goes).
offence_field(offences, fallback) := offences[0].field if {
	count(offences) > 0
} else := fallback
