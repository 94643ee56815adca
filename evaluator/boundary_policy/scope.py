"""The namespace kubectl would give an object that names none: `kubectl apply -f` puts a namespaced object in the
`default` namespace (or the one of `--namespace`), so the webhook reviews it there and Constraints matching on
namespaces see it there. Whether a kind is namespaced is what the API server's discovery says: the built-in
kinds below, and for custom resources the `scope` of a CustomResourceDefinition among the objects read.
A kind that is neither keeps its object as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from boundary_policy.k8s import group_kind, meta
from boundary_policy.model import Document

__all__ = ["CLUSTER_SCOPED_KINDS", "NAMESPACED_KINDS", "crd_scopes", "with_default_namespace"]

NAMESPACED_KINDS = frozenset(
    {
        *(("", kind) for kind in ("Binding", "ConfigMap", "Endpoints", "Event", "LimitRange", "Pod", "PodTemplate")),
        *(("", kind) for kind in ("PersistentVolumeClaim", "ReplicationController", "ResourceQuota", "Secret")),
        *(("", kind) for kind in ("Service", "ServiceAccount")),
        *(("apps", kind) for kind in ("ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet")),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("batch", "CronJob"),
        ("batch", "Job"),
        ("coordination.k8s.io", "Lease"),
        ("discovery.k8s.io", "EndpointSlice"),
        ("events.k8s.io", "Event"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("policy", "PodDisruptionBudget"),
        ("rbac.authorization.k8s.io", "Role"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("storage.k8s.io", "CSIStorageCapacity"),
    }
)
CLUSTER_SCOPED_KINDS = frozenset(
    {
        *(("", kind) for kind in ("ComponentStatus", "Namespace", "Node", "PersistentVolume")),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("networking.k8s.io", "IngressClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("scheduling.k8s.io", "PriorityClass"),
        *(("storage.k8s.io", kind) for kind in ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")),
        # Custom resources this project reads, cluster-scoped in their CRDs.
        ("karpenter.sh", "NodePool"),
        ("karpenter.sh", "NodeClaim"),
        ("karpenter.k8s.aws", "EC2NodeClass"),
        ("eks.amazonaws.com", "NodeClass"),
        *(("mutations.gatekeeper.sh", kind) for kind in ("Assign", "AssignImage", "AssignMetadata", "ModifySet")),
        ("expansion.gatekeeper.sh", "ExpansionTemplate"),
        ("templates.gatekeeper.sh", "ConstraintTemplate"),
    }
)


def crd_scopes(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced, for the CustomResourceDefinitions among `objects`."""
    scopes: dict[tuple[str, str], bool] = {}
    for obj in objects:
        if group_kind(obj) != ("apiextensions.k8s.io", "CustomResourceDefinition"):
            continue
        spec = obj.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        names = spec.get("names")
        kind = names.get("kind") if isinstance(names, dict) else None
        group, scope = spec.get("group"), spec.get("scope")
        if isinstance(kind, str) and isinstance(group, str) and scope in ("Namespaced", "Cluster"):
            scopes[(group, kind)] = scope == "Namespaced"
    return scopes


def _namespaced(obj: Mapping[str, Any], scopes: Mapping[tuple[str, str], bool]) -> bool:
    key = group_kind(obj)
    if key in scopes:
        return scopes[key]
    if key[0] == "constraints.gatekeeper.sh":
        return False
    return key in NAMESPACED_KINDS


def with_default_namespace(
    documents: Sequence[Document], namespace: str, scopes: Mapping[tuple[str, str], bool]
) -> list[Document]:
    """The documents, each namespaced object without a namespace put in `namespace` (a copy; lines kept)."""
    out: list[Document] = []
    for document in documents:
        obj = document.obj
        if meta(obj, "namespace") or not isinstance(obj.get("metadata"), dict) or not _namespaced(obj, scopes):
            out.append(document)
            continue
        placed = {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}
        out.append(replace(document, obj=placed))
    return out
