# METADATA
# title: Legacy seccomp annotation
# description: >-
#   The seccomp.security.alpha.kubernetes.io annotations are ignored by kubelets since Kubernetes 1.25 and removed
#   in 1.27, so they never change the profile Boundary runs under; if one disagrees with a
#   securityContext.seccompProfile field the API server rejects the pod.
# related_resources:
#   - ref: https://github.com/kubernetes/kubernetes/pull/109819
#     description: "kubernetes#109819, kubelets ignore the legacy seccomp annotations from v1.25"
#   - ref: https://kubernetes.io/docs/reference/node/seccomp/
#     description: "Kubernetes docs, seccomp (field precedence, Localhost profiles)"
# custom:
#   id: BND015
#   severity: info
#   kind: BoundaryLegacySeccompAnnotation
#   constraint: bnd015-legacy-seccomp-annotation
#   fix: >-
#     Remove the annotation and set securityContext.seccompProfile on the container (or pod) instead.
#   inventory: [ConfigMap, Secret]
package rules.bnd015

import data.lib.boundary
import data.lib.k8s
import data.lib.seccomp

_conflict_text := ", and it disagrees with seccompProfile type %s, so the API server rejects the pod"

violation contains {"msg": msg, "details": boundary.details("BND015", c, null, field)} if {
	some c in boundary.containers
	c.jail.value in boundary.jail_types
	some annotation in seccomp.legacy_annotations(k8s.pod, c)
	field := ["metadata", "annotations", annotation.key]
	msg := sprintf(
		concat("", [
			"%s is covered by the legacy annotation %s: %q, which kubelets ignore since Kubernetes 1.25, so ",
			"it does not set the seccomp profile Boundary runs under%s; fix: remove it and set ",
			"securityContext.seccompProfile instead.",
		]),
		[boundary.subject(c), annotation.key, annotation.value, _conflict(c, annotation.value)],
	)
}

_conflict(c, value) := sprintf(_conflict_text, [type]) if {
	profile := seccomp.explicit(k8s.pod, c)
	profile.source != "privileged"
	seccomp.legacy_type(value) != profile.type
	type := profile.type
} else := ""
