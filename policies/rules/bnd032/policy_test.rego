package rules.bnd032_test

import data.lib.fixtures_test as fx
import data.rules.bnd032

test_nsjail_root_or_unknown if {
	inp := fx.review(fx.pod([fx.nsjail(fx.net_admin)]))
	v := bnd032.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" runs Boundary's nsjail, so its image "img:1" needs ip (iproute2), iptables and `,
			"sysctl, plus setpriv and passwordless sudo if it runs as non-root, which a manifest cannot show; fix: use an ",
			"image that has them, e.g. codercom/enterprise-base:ubuntu.",
		]),
		"details": {"rule": "BND032", "container": "dev", "node": null, "field": ["spec", "containers", 0, "image"]},
	}}
}

test_nsjail_non_root if {
	v := bnd032.violation with input as fx.review(fx.pod([fx.nsjail({"runAsNonRoot": true})]))
	some x in v
	contains(x.msg, "needs ip (iproute2), iptables, sysctl, setpriv (util-linux) and passwordless sudo for its user,")
}

test_landjail_passes if count(bnd032.violation) == 0 with input as fx.review(fx.pod([fx.landjail({})]))
