"""Which objects `eval` puts in data.inventory: what the cluster would sync for the templates, not everything.

`gator test` puts every input object in data.inventory; a cluster holds only what its Config and SyncSets
replicate, and a template says what it needs in `metadata.gatekeeper.sh/requires-sync-data` (the bundle's
SyncSets, gatekeeper/sync.yaml, are that annotation's union). Holding every manifest there costs memory and
compile time in proportion to the manifests while the bundled rules read only Nodes, Namespaces, ConfigMaps,
Secrets and Karpenter's NodePools and EC2NodeClasses. So, for each template that reads data.inventory:

1. its requires-sync-data annotation, read as Gatekeeper reads it (`pkg/cachemanager/parser`): every
   group/version/kind any requirement names;
2. else its Rego refs, when every ref into data.inventory names the group/version and kind literally
   (`data.inventory.cluster["v1"].Node`, `data.inventory.namespace[ns]["v1"]["ConfigMap"]`);
3. else nothing can be told, and data.inventory holds every object, as under gator test.

Namespaces are always kept: matching reads them (namespaceSelector, the object's Namespace), as Gatekeeper's
matcher does whether or not they are synced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from boundary_policy.gatekeeper.templates import Template
from boundary_policy.k8s import group_kind, group_version_kind, is_namespace
from boundary_policy.rego.source import Token, refers_to, significant

__all__ = [
    "ALWAYS_SYNCED",
    "GVK",
    "SYNC_ANNOTATION",
    "ClusterKinds",
    "cluster_kinds",
    "declared_sync",
    "inventory_objects",
    "read_sync_annotation",
    "sync_needs",
]

SYNC_ANNOTATION = "metadata.gatekeeper.sh/requires-sync-data"

GVK = tuple[str, str, str]
"""(group, version, kind); the core group is ""."""

_CLAUSE_KEYS = frozenset({"groups", "versions", "kinds"})

ALWAYS_SYNCED: tuple[GVK, ...] = (("", "v1", "Node"), ("", "v1", "Namespace"))
"""Read from a cluster whatever the templates say: the node rules need Nodes, matching needs Namespaces."""


def read_sync_annotation(value: str) -> frozenset[GVK] | None:
    """Every group/version/kind the annotation names, or None when Gatekeeper could not decode it.

    Gatekeeper trims newlines and double quotes around the value, then decodes [[{groups, versions, kinds}]]
    (unknown fields refused); each clause stands for every combination of its groups, versions and kinds.
    """
    text = value.strip('\n"')
    try:
        decoded, _ = json.JSONDecoder().raw_decode(text.lstrip())
    except ValueError:
        return None
    if decoded is None:
        return frozenset()
    if not isinstance(decoded, list):
        return None
    found: set[GVK] = set()
    for requirement in decoded:
        if requirement is None:
            continue
        if not isinstance(requirement, list):
            return None
        for clause in requirement:
            if not isinstance(clause, dict) or not set(clause) <= _CLAUSE_KEYS:
                return None
            lists = [clause.get(key) or [] for key in ("groups", "versions", "kinds")]
            if not all(isinstance(items, list) and all(isinstance(i, str) for i in items) for items in lists):
                return None
            found |= {(g, v, k) for g in lists[0] for v in lists[1] for k in lists[2]}
    return frozenset(found)


def sync_needs(template: Template) -> frozenset[GVK] | None:
    """What the template reads from data.inventory (empty: nothing), or None when that cannot be told."""
    sources = (template.rego, *template.libs)
    if not any(refers_to(source, "data", "inventory") for source in sources):
        return frozenset()
    metadata = template.document.obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    value = annotations.get(SYNC_ANNOTATION) if isinstance(annotations, Mapping) else None
    if isinstance(value, str):
        declared = read_sync_annotation(value)
        if declared is not None:
            return declared
    found: set[GVK] = set()
    for source in sources:
        named = _literal_inventory_refs(significant(source))
        if named is None:
            return None
        found |= named
    return frozenset(found)


def _literal_inventory_refs(tokens: Sequence[Token]) -> set[GVK] | None:
    """The kinds named by the module's refs into data.inventory; None when any ref is not literal (an alias of
    data.inventory, a variable group/version or kind, `data` used whole or indexed by a variable)."""
    found: set[GVK] = set()
    for i, token in enumerate(tokens):
        if token.kind != "ident" or token.text != "data" or (i > 0 and tokens[i - 1].text == "."):
            continue
        parts = _ref_parts(tokens, i + 1)
        if not parts or parts[0] is None:
            return None  # `data` alone, or `data[x]`
        if parts[0] != "inventory":
            continue
        if parts[1:2] == ["cluster"] and len(parts) >= 4 and parts[2] and parts[3]:
            found.add(_gvk(parts[2], parts[3]))
        elif parts[1:2] == ["namespace"] and len(parts) >= 5 and parts[3] and parts[4]:
            found.add(_gvk(parts[3], parts[4]))
        else:
            return None
    return found


def _ref_parts(tokens: Sequence[Token], index: int) -> list[str | None]:
    """The parts after a ref's head: `.name` and `["name"]` literally, a one-token `[var]` as None."""
    parts: list[str | None] = []
    while index + 1 < len(tokens):
        if tokens[index].text == "." and tokens[index + 1].kind == "ident":
            parts.append(tokens[index + 1].text)
            index += 2
        elif tokens[index].text == "[" and index + 2 < len(tokens) and tokens[index + 2].text == "]":
            inner = tokens[index + 1]
            if inner.kind == "string":
                parts.append(json.loads(inner.text))
            elif inner.kind == "raw":
                parts.append(inner.text[1:-1])
            elif inner.kind == "ident":
                parts.append(None)
            else:
                break
            index += 3
        else:
            break
    return parts


def _gvk(group_version: str, kind: str) -> GVK:
    group, _, version = group_version.rpartition("/")
    return group, version, kind


def inventory_objects(templates: Iterable[Template], objects: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The objects for data.inventory (and matching): the kinds the templates need, and every Namespace; every
    object when some template's needs cannot be told."""
    everything = list(objects)
    needed: set[GVK] = set()
    for template in templates:
        needs = sync_needs(template)
        if needs is None:
            return everything
        needed |= needs
    return [obj for obj in everything if is_namespace(obj) or group_version_kind(obj) in needed]


def declared_sync(objects: Iterable[Mapping[str, Any]]) -> list[GVK]:
    """The kinds the SyncSets (spec.gvks) and Gatekeeper Configs (spec.sync.syncOnly) among `objects` replicate
    into data.inventory, in the order written."""
    found: list[GVK] = []
    for obj in objects:
        spec = obj.get("spec")
        if not isinstance(spec, Mapping):
            continue
        if group_kind(obj) == ("syncset.gatekeeper.sh", "SyncSet"):
            entries = spec.get("gvks")
        elif group_kind(obj) == ("config.gatekeeper.sh", "Config"):
            sync = spec.get("sync")
            entries = sync.get("syncOnly") if isinstance(sync, Mapping) else None
        else:
            continue
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and entry.get("version") and entry.get("kind"):
                gvk = (str(entry.get("group") or ""), str(entry["version"]), str(entry["kind"]))
                if gvk not in found:
                    found.append(gvk)
    return found


@dataclass(frozen=True)
class ClusterKinds:
    kinds: list[GVK]
    """What to read from a cluster for data.inventory."""
    untold: list[str]
    """Templates that read data.inventory without saying which kinds (no requires-sync-data, refs not literal)."""


def cluster_kinds(templates: Iterable[Template], declared: Iterable[GVK]) -> ClusterKinds:
    """What a cluster's data.inventory holds for these templates: Nodes and Namespaces, the kinds the SyncSets and
    Config replicate (`declared`), and the kinds each template needs (its requires-sync-data, else its literal
    refs), so a template of the user's that needs a kind no bundled SyncSet names gets it too."""
    kinds = list(dict.fromkeys([*ALWAYS_SYNCED, *declared]))
    needed: set[GVK] = set()
    untold: list[str] = []
    for template in templates:
        needs = sync_needs(template)
        if needs is None:
            untold.append(template.name)
        else:
            needed |= needs
    kinds += sorted(needed - set(kinds))
    return ClusterKinds(kinds, sorted(untold))
