package rules.bnd002_test

import data.lib.fixtures_test as fx
import data.rules.bnd002

_pod(version) := json.patch(
	fx.pod([{"name": "dev", "args": ["boundary", "--no-user-namespace", "--", "sh"]}]),
	[{"op": "add", "path": "/metadata/annotations", "value": {"boundary-policy/boundary-version": version}}],
)

test_old_version if {
	inp := fx.review(_pod("v0.6.1"))
	v := bnd002.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary without a user namespace (flag --no-user-namespace), but the pod `,
			"declares Boundary 0.6.1 and the option exists only from v0.8.1, so Boundary rejects it; fix: upgrade Boundary ",
			"to v0.8.1 or later and update the boundary-policy/boundary-version annotation.",
		]),
		"details": {
			"rule": "BND002", "container": "dev", "node": null,
			"field": ["metadata", "annotations", "boundary-policy/boundary-version"],
		},
	}}
}

test_new_version_passes if count(bnd002.violation) == 0 with input as fx.review(_pod("0.8.1"))

test_no_version_passes if {
	inp := fx.review(fx.pod([{"name": "dev", "args": ["boundary", "--no-user-namespace"]}]))
	count(bnd002.violation) == 0 with input as inp
}

test_user_namespace_passes if {
	obj := json.patch(_pod("0.6.1"), [{"op": "replace", "path": "/spec/containers/0/args", "value": ["boundary"]}])
	count(bnd002.violation) == 0 with input as fx.review(obj)
}
