package rules.bnd071_test

import data.lib.fixtures_test as fx
import data.rules.bnd071

_read_only := {"readOnlyRootFilesystem": true}

_with(container, patch) := json.patch(container, patch)

test_unknown_home_without_volume if {
	inp := fx.review(fx.pod([fx.landjail(_read_only)]))
	v := bnd071.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary with readOnlyRootFilesystem: true and its config directory `,
			"(~/.config/coder_boundary) is not on a writable volume, so Boundary cannot write its CA files (ca-cert.pem, ",
			"ca-key.pem); fix: mount a writable volume at the home directory (Coder's Kubernetes template mounts a PVC at ",
			"/home/coder) or set XDG_CONFIG_HOME to a writable path.",
		]),
		"details": {
			"rule": "BND071", "container": "dev", "node": null,
			"field": ["spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"],
		},
	}}
}

test_unknown_home_with_home_volume_passes if {
	container := _with(fx.nsjail(_read_only), [{
		"op": "add", "path": "/volumeMounts",
		"value": [{"name": "home", "mountPath": "/home/coder"}],
	}])
	count(bnd071.violation) == 0 with input as fx.review(fx.pod([container]))
}

test_read_only_volume_does_not_count if {
	mounts := [{"name": "home", "mountPath": "/home/coder", "readOnly": true}]
	container := _with(fx.nsjail(_read_only), [{"op": "add", "path": "/volumeMounts", "value": mounts}])
	count(bnd071.violation) == 1 with input as fx.review(fx.pod([container]))
}

test_xdg_config_home if {
	patch := [
		{"op": "add", "path": "/env", "value": [{"name": "XDG_CONFIG_HOME", "value": "/data/config/"}]},
		{"op": "add", "path": "/volumeMounts", "value": [{"name": "home", "mountPath": "/home/coder"}]},
	]
	v := bnd071.violation with input as fx.review(fx.pod([_with(fx.nsjail(_read_only), patch)]))
	some x in v
	contains(x.msg, "readOnlyRootFilesystem: true and /data/config/coder_boundary is not on a writable volume")
	mount := {"op": "add", "path": "/volumeMounts/-", "value": {"name": "data", "mountPath": "/data"}}
	fixed := array.concat(patch, [mount])
	count(bnd071.violation) == 0 with input as fx.review(fx.pod([_with(fx.nsjail(_read_only), fixed)]))
}

test_home_env if {
	patch := [
		{"op": "add", "path": "/env", "value": [{"name": "HOME", "value": "/workspace"}]},
		{"op": "add", "path": "/volumeMounts", "value": [{"name": "w", "mountPath": "/workspace/.config/coder_boundary"}]},
	]
	count(bnd071.violation) == 0 with input as fx.review(fx.pod([_with(fx.nsjail(_read_only), patch)]))
}

test_root_home if {
	sc := object.union(_read_only, {"runAsUser": 0})
	v := bnd071.violation with input as fx.review(fx.pod([fx.nsjail(sc)]))
	some x in v
	contains(x.msg, "/root/.config/coder_boundary is not on a writable volume")
}

test_writable_root_passes if count(bnd071.violation) == 0 with input as fx.review(fx.pod([fx.nsjail({})]))
