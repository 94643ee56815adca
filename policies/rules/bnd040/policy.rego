# METADATA
# title: nsjail on Fargate
# description: >-
#   EKS Fargate rejects added capabilities and privileged containers ("Pod not supported on Fargate: invalid
#   SecurityContext fields"), so nsjail cannot run there. Decided from a Fargate candidate node or from the pod
#   itself (fargate-scheduler, a fargate- nodeName, a compute-type fargate selector).
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: "Coder docs, nsjail on Kubernetes (the Option A/B fixes)"
#   - ref: https://docs.aws.amazon.com/eks/latest/userguide/fargate.html
#     description: "Amazon EKS docs, Fargate considerations"
# custom:
#   id: BND040
#   severity: error
#   kind: BoundaryNsjailOnFargate
#   constraint: bnd040-nsjail-on-fargate
#   fix: >-
#     Schedule the pod on EC2 nodes (remove it from the Fargate profile, or annotate the pod template
#     eks.amazonaws.com/compute-type: ec2), or use landjail if the Fargate kernel is 6.7 or later.
#   inventory: [Node, ConfigMap, Secret, NodePool, EC2NodeClass]
package rules.bnd040

import data.lib.boundary
import data.lib.candidates
import data.lib.k8s
import data.lib.scheduling

violation contains {"msg": msg, "details": boundary.details("BND040", c, summary.node, _field(c))} if {
	some c in boundary.nsjail
	fargate := candidates.fargate_targets
	count(fargate) > 0
	summary := candidates.summary(fargate)
	msg := sprintf(
		concat("", [
			"%s runs Boundary's nsjail on %s, and Fargate rejects the capabilities nsjail needs (\"Pod not ",
			"supported on Fargate: invalid SecurityContext fields\"); fix: schedule the pod on EC2 nodes ",
			"(remove it from the Fargate profile or annotate the pod template eks.amazonaws.com/compute-type: ",
			"ec2), or use landjail if the Fargate kernel is 6.7 or later.",
		]),
		[boundary.subject(c), summary.text],
	)
}

_field(_) := scheduling.pod_fargate(k8s.pod).field

_field(c) := c.path if not scheduling.pod_fargate(k8s.pod)
