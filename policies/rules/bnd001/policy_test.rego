package rules.bnd001_test

import data.lib.fixtures_test as fx
import data.rules.bnd001

test_invalid_env_jail_type if {
	container := {"name": "dev", "env": [{"name": "BOUNDARY_JAIL_TYPE", "value": "landlock"}]}
	inp := fx.review(fx.pod([container]))
	v := bnd001.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" sets the Boundary jail type to "landlock" (env BOUNDARY_JAIL_TYPE), but Boundary `,
			`accepts only nsjail or landjail and exits with "invalid JailType: landlock"; fix: set it to nsjail or landjail.`,
		]),
		"details": {"rule": "BND001", "container": "dev", "node": null, "field": ["spec", "containers", 0, "env", 0]},
	}}
}

test_case_sensitive_flag if {
	v := bnd001.violation with input as fx.review(fx.pod([{"name": "dev", "args": ["boundary", "--jail-type=NSJAIL"]}]))
	[x.details.field | some x in v] == [["spec", "containers", 0, "args", 1]]
}

test_valid_jail_types_pass if {
	count(bnd001.violation) == 0 with input as fx.review(fx.pod([fx.nsjail({})]))
	count(bnd001.violation) == 0 with input as fx.review(fx.pod([fx.landjail({})]))
}

test_unknown_jail_type_passes if {
	container := {"name": "dev", "env": [{"name": "BOUNDARY_JAIL_TYPE", "valueFrom": {"configMapKeyRef": {}}}]}
	count(bnd001.violation) == 0 with input as fx.review(fx.pod([container]))
}
