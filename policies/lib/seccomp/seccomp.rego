# METADATA
# title: Seccomp profile of a container
# description: >-
#   The seccomp profile a manifest sets for a container (docs/semantics.md#seccomp): privileged always runs
#   Unconfined, then the container's securityContext.seccompProfile, then the pod's. Legacy seccomp annotations
#   are ignored by kubelets since v1.25 and are never counted (BND015 reports them).
package lib.seccomp

import data.lib.capabilities

pod_annotation := "seccomp.security.alpha.kubernetes.io/pod"

container_annotation_prefix := "container.seccomp.security.alpha.kubernetes.io/"

# The explicit profile: {"type": "RuntimeDefault", "source": "container"|"pod"|"privileged", "field": [...],
# "localhost_profile": "..."}; undefined when neither the container nor the pod sets one.
explicit(obj, entry) := {
	"type": "Unconfined",
	"source": "privileged",
	"field": array.concat(entry.path, ["securityContext", "privileged"]),
	"localhost_profile": "",
} if {
	capabilities.privileged(entry.container)
} else := _profile(profile, "container", array.concat(entry.path, ["securityContext", "seccompProfile"])) if {
	profile := entry.container.securityContext.seccompProfile
	is_string(profile.type)
} else := _profile(profile, "pod", ["spec", "securityContext", "seccompProfile"]) if {
	profile := obj.spec.securityContext.seccompProfile
	is_string(profile.type)
}

_profile(profile, source, path) := {
	"type": profile.type,
	"source": source,
	"field": array.concat(path, ["type"]),
	"localhost_profile": object.get(profile, "localhostProfile", ""),
}

# The legacy seccomp annotations that apply to a container: [{"key": k, "value": v}], pod annotation first.
legacy_annotations(obj, entry) := [{"key": key, "value": value} |
	some key in [pod_annotation, concat("", [container_annotation_prefix, entry.name])]
	value := obj.metadata.annotations[key]
]

# The securityContext type a legacy annotation value stands for (what API validation compares it with).
legacy_type(value) := "RuntimeDefault" if value in {"runtime/default", "docker/default"}

legacy_type("unconfined") := "Unconfined"

legacy_type(value) := "Localhost" if startswith(value, "localhost/")
