# lib.candidates, continued: the targets whose user namespaces may be disabled, what BND020 reads, found with a
# lookup or two per Node before any Node is keyed.
package lib.candidates

import data.lib.nodes
import data.lib.scheduling

# The same, but of the Nodes only those whose user namespaces may be disabled (userns_suspects): what BND020 reads,
# every failing target and no other Node's group. The pools and virtual targets are those of the full search: they
# come only where the pod has no schedulable Node at all, which the sample usually rules out.
non_fargate_userns_suspects := [] if {
	scheduling.pod_fargate(_placement)
} else := [t | some t in _userns_suspect_targets; t.class != "fargate"]

_userns_suspect_targets := array.concat(_groups(userns_suspects, ["userns", "userns"]), pool_targets) if {
	_any_target
} else := _targets(_groups(_names, ["all", "userns"]))

# Whether the full search has any target from the inventory (a schedulable Node group or a NodePool). The last test
# is the full search itself, which the else above then reuses: where it cannot be made (a nodeSelector that is not
# an object), there is no target either way, as before.
_any_target if count(pool_targets) > 0

_any_target if count(sampled_targets("class")) > 0

_any_target if count(_groups(_names, ["all", "userns"])) > 0

# The names the suspects' groups were drawn from, for naming their Nodes (lib.candidates._scan_source). Here, not
# with the others: a module of this package may use another, never the other way round too, or an OPA server, which
# compiles each module as it is put, could load neither first.
_scan_names("userns") := userns_suspects

# The pod's Nodes whose user namespaces may be disabled (lib.nodes.userns): a fact or a NodePool's user data to read,
# or class Bottlerocket by osImage or runtime (one that is not Auto Mode's). Every other Node's class leaves them
# enabled or unknown, or is Fargate or Auto Mode, which BND020 does not read: so these are all the Node groups BND020
# can fail on, found with a lookup per Node and signal instead of keying every Node. A pod that narrows its Nodes
# (nodeName, nodeSelector) has few enough to key them all.
userns_suspects := _userns_suspects_everywhere if {
	_narrowing == "none"
} else := _names

_userns_suspects_everywhere contains name if {
	some name
	is_string(nodes.inventory_nodes[name].metadata.labels["boundary-policy/max-user-namespaces"])
}

_userns_suspects_everywhere contains name if {
	some name
	is_string(nodes.inventory_nodes[name].metadata.annotations["boundary-policy/max-user-namespaces"])
}

_userns_suspects_everywhere contains name if {
	some name
	is_string(nodes.inventory_nodes[name].metadata.labels["karpenter.sh/nodepool"])
}

_userns_suspects_everywhere contains name if {
	some name
	startswith(nodes.inventory_nodes[name].status.nodeInfo.osImage, "Bottlerocket OS")
}

_userns_suspects_everywhere contains name if {
	some name
	info := nodes.inventory_nodes[name].status.nodeInfo
	contains(info.containerRuntimeVersion, "+bottlerocket")

	# With a default: a missing osImage must not make the body fail (OPA looks the reference up outside `not`).
	not startswith(object.get(info, "osImage", ""), "Bottlerocket (EKS Auto")
}
