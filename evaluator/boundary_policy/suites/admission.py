"""AdmissionReview case objects: reviewed as their request, checked as strictly as gator converts them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.k8s import api_group

__all__ = ["ADMISSION_GROUP", "InvalidAdmissionReview", "admission_request", "is_admission_review"]

ADMISSION_GROUP = "admission.k8s.io"

_REVIEW_FIELDS = {"apiVersion", "kind", "request", "response"}
_REQUEST_FIELDS = {
    "uid",
    "kind",
    "resource",
    "subResource",
    "requestKind",
    "requestResource",
    "requestSubResource",
    "name",
    "namespace",
    "operation",
    "userInfo",
    "object",
    "oldObject",
    "dryRun",
    "options",
}
_USER_INFO_FIELDS = {"username", "uid", "groups", "extra"}


class InvalidAdmissionReview(BoundaryPolicyError):
    """An AdmissionReview case object gator would refuse; the case fails with this message."""


def is_admission_review(obj: Mapping[str, Any]) -> bool:
    return obj.get("kind") == "AdmissionReview" and api_group(obj) == ADMISSION_GROUP


def admission_request(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The AdmissionReview's request, checked as strictly as gator converts it."""
    problems = [*_unknown(obj, _REVIEW_FIELDS, "")]
    request = obj.get("request")
    if request is None:
        raise InvalidAdmissionReview("invalid AdmissionReview: it has no request")
    if not isinstance(request, dict):
        raise InvalidAdmissionReview("invalid AdmissionReview: request must be a mapping")
    problems.extend(_unknown(request, _REQUEST_FIELDS, "request."))
    user = request.get("userInfo")
    if isinstance(user, dict):
        problems.extend(_unknown(user, _USER_INFO_FIELDS, "request.userInfo."))
    if problems:
        raise InvalidAdmissionReview(f"invalid AdmissionReview: unknown field {', '.join(problems)}")
    present = [key for key in ("object", "oldObject") if request.get(key) is not None]
    if not present:
        raise InvalidAdmissionReview('invalid AdmissionReview: the request has no "object" or "oldObject" to review')
    for key in present:
        value = request[key]
        if not isinstance(value, dict) or not value.get("kind"):
            raise InvalidAdmissionReview(f"invalid AdmissionReview: request.{key} must be an object with a kind")
    return request


def _unknown(obj: Mapping[str, Any], known: set[str], prefix: str) -> Iterator[str]:
    for key in obj:
        if key not in known:
            yield f'"{prefix}{key}"'
