# METADATA
# title: Invalid Boundary jail type
# description: >-
#   Boundary accepts only the jail types nsjail and landjail (case-sensitive) from --jail-type, BOUNDARY_JAIL_TYPE
#   or jail_type in its config file, and exits with "invalid JailType" on anything else. An invalid type is reported
#   by this rule alone.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall
#     description: "Coder docs, Agent Firewall configuration and jail comparison"
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
# custom:
#   id: BND001
#   severity: error
#   kind: BoundaryInvalidJailType
#   constraint: bnd001-invalid-jail-type
#   fix: >-
#     Set the jail type to nsjail or landjail (lower case) wherever it is given: --jail-type, BOUNDARY_JAIL_TYPE,
#     jail_type in the config file, or the boundary-policy/jail-type annotation.
#   inventory: [ConfigMap, Secret]
package rules.bnd001

import data.lib.boundary

violation contains {"msg": msg, "details": boundary.details("BND001", c, null, c.jail.field)} if {
	some c in boundary.containers
	c.jail.known
	not c.jail.value in boundary.jail_types
	msg := sprintf(
		concat("", [
			"%s sets the Boundary jail type to %q (%s), but Boundary accepts only nsjail or landjail and ",
			"exits with \"invalid JailType: %s\"; fix: set it to nsjail or landjail.",
		]),
		[boundary.subject(c), c.jail.value, boundary.source_phrases.jail[c.jail.source], c.jail.value],
	)
}
