# METADATA
# title: Non-default runtimeClassName
# description: >-
#   The capability, seccomp and user namespace reasoning of these rules assumes runc with containerd; under another
#   runtime class (sysbox, gVisor, Kata) their results are unverified.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/containers/runtime-class/
#     description: "Kubernetes docs, RuntimeClass"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/docker
#     description: "Coder docs, nsjail on Docker (capabilities and seccomp)"
# custom:
#   id: BND043
#   severity: warning
#   kind: BoundaryRuntimeClass
#   constraint: bnd043-runtime-class
#   fix: >-
#     Verify the jail on that runtime (Coder documents sysbox-runc as needing only NET_ADMIN), or remove
#     runtimeClassName.
#   inventory: [ConfigMap, Secret]
package rules.bnd043

import data.lib.boundary
import data.lib.k8s

violation contains {"msg": msg, "details": boundary.details("BND043", c, null, ["spec", "runtimeClassName"])} if {
	runtime := k8s.pod.spec.runtimeClassName
	is_string(runtime)
	runtime != ""
	some c in boundary.containers
	c.jail.value in boundary.jail_types
	msg := sprintf(
		concat("", [
			"%s runs Boundary's %s under runtimeClassName %q, and the capability, seccomp and user namespace ",
			"checks assume runc with containerd, so their results are unverified for this runtime; fix: ",
			"verify the jail on that runtime (Coder documents sysbox-runc as needing only NET_ADMIN) or ",
			"remove runtimeClassName.",
		]),
		[boundary.subject(c), c.jail.value, runtime],
	)
}
