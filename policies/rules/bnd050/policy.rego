# METADATA
# title: Pod Security enforce forbids nsjail
# description: >-
#   Pod Security baseline and restricted forbid adding NET_ADMIN or SYS_ADMIN, privileged and Unconfined seccomp, so
#   nsjail cannot pass either level; landjail needs none of these. Read from the pod namespace's pod-
#   security.kubernetes.io enforce label on a synced Namespace; other Pod Security findings are not this rule's
#   business.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/
#     description: "Kubernetes Pod Security Standards"
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-admission/
#     description: "Kubernetes Pod Security Admission labels"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
# custom:
#   id: BND050
#   severity: error
#   kind: BoundaryPodSecurityEnforce
#   constraint: bnd050-pod-security-enforce
#   fix: >-
#     Label the namespace pod-security.kubernetes.io/enforce: privileged, exempt it in the cluster's PodSecurity
#     AdmissionConfiguration, or switch to landjail.
#   inventory: [Namespace, ConfigMap, Secret]
package rules.bnd050

import data.lib.boundary
import data.lib.k8s
import data.lib.podsecurity

violation contains {"msg": msg, "details": boundary.details("BND050", c, null, field)} if {
	ns := k8s.namespace(k8s.pod)
	label := podsecurity.forbidding(podsecurity.namespace_labels(ns), "enforce")
	some c in boundary.nsjail
	offences := podsecurity.offences(k8s.pod, c)
	field := podsecurity.offence_field(offences, boundary.security_context_field(c))
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail in namespace %s, whose label %s: %s forbids %s, which nsjail needs, so ",
			"the API server rejects the pod; fix: label the namespace %s: privileged, exempt it in the ",
			"cluster's PodSecurity AdmissionConfiguration, or use landjail.",
		]),
		[boundary.subject(c), ns, label.key, label.level, podsecurity.forbidden_phrase(offences), label.key],
	)
}
