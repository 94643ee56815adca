# METADATA
# title: Boundary's mounted config
# description: >-
#   The Boundary config file a container sees from a ConfigMap or Secret volume whose object is synced
#   (docs/semantics.md#mounted-config): at the path --config or BOUNDARY_CONFIG gives, else at
#   .../coder_boundary/config.yaml.
package lib.boundary.config

import data.lib.boundary.commandline
import data.lib.k8s

# The files a container sees from ConfigMap/Secret volumes whose object is synced (docs/semantics.md#mounted-config):
# [{"path": "/home/coder/.config/coder_boundary/config.yaml", "text": "...", "field": [... "volumeMounts", k]}].
mounted_files(obj, entry) := [file |
	some k, mount in object.get(entry.container, "volumeMounts", [])
	some volume in object.get(obj, ["spec", "volumes"], [])
	volume.name == mount.name
	source := _volume_source(volume)
	content := _content(k8s.namespace(obj), source)
	some file in _files(mount, source, content, array.concat(entry.path, ["volumeMounts", k]))
]

_volume_source(volume) := {
	"kind": "ConfigMap",
	"name": volume.configMap.name,
	"items": object.get(volume.configMap, "items", []),
}

_volume_source(volume) := {
	"kind": "Secret",
	"name": volume.secret.secretName,
	"items": object.get(volume.secret, "items", []),
}

_content(ns, source) := object.get(k8s.inventory_object(ns, "v1", "ConfigMap", source.name), "data", {}) if {
	source.kind == "ConfigMap"
}

_content(ns, source) := object.union(decoded, object.get(secret, "stringData", {})) if {
	source.kind == "Secret"
	secret := k8s.inventory_object(ns, "v1", "Secret", source.name)
	decoded := {key: base64.decode(value) |
		some key, value in object.get(secret, "data", {})
		base64.is_valid(value)
	}
}

_mount_path(mount) := trim_right(mount.mountPath, "/")

# subPath: one file at mountPath. Otherwise a directory: the listed items, or every key.
_files(mount, source, content, field) := [{"path": _mount_path(mount), "text": content[key], "field": field} |
	key := _item_key(source.items, mount.subPath)
] if {
	object.get(mount, "subPath", "") != ""
} else := [{"path": concat("/", [_mount_path(mount), item.path]), "text": content[item.key], "field": field} |
	some item in source.items
] if {
	count(source.items) > 0
} else := [{"path": concat("/", [_mount_path(mount), key]), "text": text, "field": field} |
	some key, text in content
]

_item_key(items, path) := path if {
	count(items) == 0
} else := keys[0] if {
	keys := [item.key | some item in items; item.path == path]
	count(keys) > 0
}

# The path Boundary reads its config from when --config or BOUNDARY_CONFIG sets it: {"known": bool, "value": p}.
explicit_config_path(entry) := {"known": commandline.literal(v.value), "value": v.value} if {
	v := commandline.last(commandline.option_flag_values(entry, "--config"))
} else := {"known": e.known, "value": e.value} if {
	e := k8s.env(entry, "BOUNDARY_CONFIG")
}

_config_files(obj, entry) := [file |
	path := explicit_config_path(entry)
	path.known == true
	some file in mounted_files(obj, entry)
	file.path == path.value
] if {
	explicit_config_path(entry)
} else := sort([file |
	some file in mounted_files(obj, entry)
	endswith(file.path, "/coder_boundary/config.yaml")
])

# The mounted Boundary config: {"settings": {...parsed YAML...}, "path": p, "field": [...]}; undefined when none
# is mounted or its object is not synced.
mounted_config(obj, entry) := {"settings": settings, "path": file.path, "field": file.field} if {
	file := _config_files(obj, entry)[0]
	yaml.is_valid(file.text)
	settings := yaml.unmarshal(file.text)
	is_object(settings)
}
