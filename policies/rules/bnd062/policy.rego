# METADATA
# title: landjail trade-offs
# description: >-
#   landjail only controls clients that honour HTTP(S)_PROXY, blocks other TCP, does not control UDP, gives no PID
#   isolation, and can be bypassed by connecting to another host on the proxy port.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall
#     description: "Coder docs, Agent Firewall configuration and jail comparison"
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/landjail
#     description: "Coder docs, landjail"
# custom:
#   id: BND062
#   severity: info
#   kind: BoundaryLandjailTradeoffs
#   constraint: bnd062-landjail-tradeoffs
#   fix: >-
#     Use nsjail (Option A or B on EC2 nodes) where these gaps matter, or accept them for this workload.
#   inventory: [ConfigMap, Secret]
package rules.bnd062

import data.lib.boundary

violation contains {"msg": msg, "details": boundary.details("BND062", c, null, c.path)} if {
	some c in boundary.landjail
	msg := sprintf(
		concat("", [
			"%s runs Boundary's landjail, which only controls clients that honour HTTP(S)_PROXY, blocks other ",
			"TCP, does not control UDP, gives no PID isolation and can be bypassed through another host on ",
			"the proxy port; fix: use nsjail (Option A or B on EC2 nodes) where these gaps matter.",
		]),
		[boundary.subject(c)],
	)
}
