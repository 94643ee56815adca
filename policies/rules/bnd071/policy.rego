# METADATA
# title: Writable Boundary config directory
# description: >-
#   Boundary writes its CA files (ca-cert.pem, ca-key.pem) to $XDG_CONFIG_HOME/coder_boundary or
#   ~/.config/coder_boundary; with readOnlyRootFilesystem: true that directory must be on a writable volume.
# related_resources:
#   - ref: https://github.com/coder/boundary
#     description: "coder/boundary source (CLI options, nsjail, landjail, privilege escalation)"
#   - ref: https://github.com/coder/coder/blob/main/examples/templates/kubernetes/main.tf
#     description: "Coder Kubernetes template (PVC at /home/coder)"
# custom:
#   id: BND071
#   severity: info
#   kind: BoundaryWritableConfigDir
#   constraint: bnd071-writable-config-dir
#   fix: >-
#     Mount a writable volume at the home directory (Coder's Kubernetes template mounts a PVC at /home/coder), or
#     set XDG_CONFIG_HOME to a writable path.
#   inventory: [ConfigMap, Secret]
package rules.bnd071

import data.lib.boundary
import data.lib.k8s

violation contains {"msg": msg, "details": boundary.details("BND071", c, null, field)} if {
	some c in boundary.containers
	c.jail.value in boundary.jail_types
	c.container.securityContext.readOnlyRootFilesystem == true
	dir := _config_dir(c)
	not _writable(c, dir)
	field := array.concat(c.path, ["securityContext", "readOnlyRootFilesystem"])
	msg := sprintf(
		concat("", [
			"%s runs Boundary with readOnlyRootFilesystem: true and %s is not on a writable volume, so ",
			"Boundary cannot write its CA files (ca-cert.pem, ca-key.pem); fix: mount a writable volume at ",
			"the home directory (Coder's Kubernetes template mounts a PVC at /home/coder) or set ",
			"XDG_CONFIG_HOME to a writable path.",
		]),
		[boundary.subject(c), _dir_phrase(dir)],
	)
}

# Boundary's config directory: from XDG_CONFIG_HOME, else HOME, else /root for root; "" when unknown.
_config_dir(c) := concat("/", [trim_right(e.value, "/"), "coder_boundary"]) if {
	e := k8s.env(c, "XDG_CONFIG_HOME")
	e.known
} else := concat("/", [trim_right(e.value, "/"), ".config/coder_boundary"]) if {
	e := k8s.env(c, "HOME")
	e.known
} else := "/root/.config/coder_boundary" if {
	k8s.root(k8s.pod, c, k8s.params)
} else := ""

_writable_mounts(c) := [trim_right(m.mountPath, "/") |
	some m in object.get(c.container, "volumeMounts", [])
	not m.readOnly == true
	object.get(m, "subPath", "") == ""
]

_writable(c, dir) if {
	dir != ""
	some path in _writable_mounts(c)
	_covers(path, dir)
}

# Home unknown: any writable volume under /home or /root counts.
_writable(c, "") if {
	some path in _writable_mounts(c)
	some home in ["/home", "/root"]
	_covers(home, path)
}

_covers(parent, path) if parent == path

_covers(parent, path) if startswith(path, concat("", [parent, "/"]))

_dir_phrase("") := "its config directory (~/.config/coder_boundary)"

_dir_phrase(dir) := dir if dir != ""
