package lib.capabilities_test

import data.lib.capabilities

_c(caps) := {"securityContext": {"capabilities": caps}}

test_normalize if {
	capabilities.normalize("cap_net_admin") == "NET_ADMIN"
	capabilities.normalize("Net_Admin") == "NET_ADMIN"
	not capabilities.normalize(7)
}

test_default_set if {
	capabilities.has({}, "CHOWN")
	not capabilities.has({}, "NET_ADMIN")
}

test_privileged_has_everything if {
	capabilities.has({"securityContext": {"privileged": true}}, "SYS_ADMIN")
	not capabilities.privileged({"securityContext": {"privileged": false}})
}

test_add if {
	capabilities.has(_c({"add": ["net_admin"]}), "NET_ADMIN")
	capabilities.has(_c({"add": ["CAP_NET_ADMIN"]}), "NET_ADMIN")
}

test_drop_all_empties_default if not capabilities.has(_c({"drop": ["ALL"]}), "CHOWN")

test_drop_all_then_add if capabilities.has(_c({"drop": ["ALL"], "add": ["NET_ADMIN"]}), "NET_ADMIN")

test_add_all if capabilities.has(_c({"add": ["ALL"]}), "SYS_ADMIN")

test_add_all_drop_all if not capabilities.has(_c({"add": ["ALL"], "drop": ["all"]}), "SYS_ADMIN")

test_added_and_dropped_is_dropped if not capabilities.has(
	_c({"add": ["NET_ADMIN"], "drop": ["NET_ADMIN"]}),
	"NET_ADMIN",
)

test_add_field if {
	capabilities.add_field(
		_c({"add": ["CHOWN", "cap_sys_admin", "SYS_ADMIN"]}),
		"SYS_ADMIN",
	) == ["securityContext", "capabilities", "add", 1]
	capabilities.add_field({}, "SYS_ADMIN") == ["securityContext"]
}

test_prefixed if {
	capabilities.prefixed(_c({"add": ["NET_ADMIN", "cap_sys_admin"], "drop": ["CAP_NET_RAW", 3]})) == [
		{"op": "add", "index": 1, "name": "cap_sys_admin"},
		{"op": "drop", "index": 0, "name": "CAP_NET_RAW"},
	]
	capabilities.prefixed({}) == []
}
