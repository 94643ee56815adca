package rules.bnd015_test

import data.lib.fixtures_test as fx
import data.rules.bnd015

_annotated(annotations, sc) := json.patch(fx.pod([fx.nsjail(sc)]), [{
	"op": "add", "path": "/metadata/annotations",
	"value": annotations,
}])

test_pod_annotation if {
	inp := fx.review(_annotated({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}, {}))
	v := bnd015.violation with input as inp
	v == {{
		"msg": concat("", [
			`Pod coder/ws container "dev" is covered by the legacy annotation seccomp.security.alpha.kubernetes.io/pod: `,
			`"unconfined", which kubelets ignore since Kubernetes 1.25, so it does not set the seccomp profile Boundary `,
			"runs under; fix: remove it and set securityContext.seccompProfile instead.",
		]),
		"details": {
			"rule": "BND015", "container": "dev", "node": null,
			"field": ["metadata", "annotations", "seccomp.security.alpha.kubernetes.io/pod"],
		},
	}}
}

test_disagreeing_container_annotation if {
	obj := _annotated(
		{"container.seccomp.security.alpha.kubernetes.io/dev": "unconfined"},
		{"seccompProfile": {"type": "RuntimeDefault"}},
	)
	v := bnd015.violation with input as fx.review(obj)
	some x in v
	contains(x.msg, ", and it disagrees with seccompProfile type RuntimeDefault, so the API server rejects the pod;")
}

test_agreeing_annotation if {
	obj := _annotated(
		{"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"},
		{"seccompProfile": {"type": "RuntimeDefault"}},
	)
	v := bnd015.violation with input as fx.review(obj)
	some x in v
	not contains(x.msg, "disagrees")
}

test_no_annotation_passes if count(bnd015.violation) == 0 with input as fx.review(fx.pod([fx.nsjail({})]))
