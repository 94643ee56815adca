# METADATA
# title: Pod Security warn or audit flags nsjail
# description: >-
#   Pod Security baseline and restricted forbid adding NET_ADMIN or SYS_ADMIN, privileged and Unconfined seccomp, so
#   nsjail cannot pass either level; landjail needs none of these. Read from the pod namespace's pod-
#   security.kubernetes.io warn and audit labels on a synced Namespace; other Pod Security findings are not this
#   rule's business. Reported when the enforce level admits the pod.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/
#     description: "Kubernetes Pod Security Standards"
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-admission/
#     description: "Kubernetes Pod Security Admission labels"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
# custom:
#   id: BND051
#   severity: warning
#   kind: BoundaryPodSecurityWarn
#   constraint: bnd051-pod-security-warn
#   fix: >-
#     Label the namespace pod-security.kubernetes.io/warn and pod-security.kubernetes.io/audit: privileged (matching
#     enforce), exempt it in the cluster's PodSecurity AdmissionConfiguration, or switch to landjail.
#   inventory: [Namespace, ConfigMap, Secret]
package rules.bnd051

import data.lib.boundary
import data.lib.k8s
import data.lib.podsecurity

violation contains {"msg": msg, "details": boundary.details("BND051", c, null, field)} if {
	ns := k8s.namespace(k8s.pod)
	labels := podsecurity.namespace_labels(ns)
	not podsecurity.forbidding(labels, "enforce")
	found := [label | some mode in ["warn", "audit"]; label := podsecurity.forbidding(labels, mode)]
	count(found) > 0
	some c in boundary.nsjail
	offences := podsecurity.offences(k8s.pod, c)
	field := podsecurity.offence_field(offences, boundary.security_context_field(c))
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail in namespace %s, whose %s forbid%s %s, which nsjail needs, so the API ",
			"server warns on or audits the pod; fix: set %s to privileged, exempt the namespace in the ",
			"cluster's PodSecurity AdmissionConfiguration, or use landjail.",
		]),
		[
			boundary.subject(c), ns, k8s.enumerate([sprintf("label %s: %s", [l.key, l.level]) | some l in found], 3),
			_verb_suffix(found), podsecurity.forbidden_phrase(offences), k8s.enumerate([l.key | some l in found], 3),
		],
	)
}

_verb_suffix(found) := "s" if count(found) == 1

_verb_suffix(found) := "" if count(found) > 1
