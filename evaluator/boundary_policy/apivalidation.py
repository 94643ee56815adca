"""The API server's checks of names, labels and annotations (k8s.io/apimachinery `util/validation`), worded as it
words them, so an object `kubectl apply` would be refused for is refused here for the same reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

__all__ = ["dns_subdomain_errors", "label_value_errors", "metadata_errors", "qualified_name_errors"]

_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAME_MESSAGE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character"
)
_MAX_ANNOTATIONS_BYTES = 256 * 1024


def dns_subdomain_errors(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append("must be no more than 253 characters")
    if not _SUBDOMAIN.fullmatch(value):
        errors.append(_SUBDOMAIN_MESSAGE)
    return errors


def qualified_name_errors(value: str) -> list[str]:
    """A label or annotation key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters."""
    prefix, slash, name = value.rpartition("/")
    if slash and not prefix:
        return ["prefix part must be non-empty"]
    if value.count("/") > 1:
        return [f"a qualified name {_NAME_MESSAGE.replace('name part ', '')} with an optional DNS subdomain prefix"]
    errors = [f"prefix part {e}" for e in dns_subdomain_errors(prefix)] if slash else []
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    elif not _NAME.fullmatch(name):
        errors.append(_NAME_MESSAGE)
    return errors


def label_value_errors(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if value and not _NAME.fullmatch(value):
        errors.append(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character"
        )
    return errors


def metadata_errors(metadata: Any) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path under metadata, message) for what `ValidateObjectMeta` refuses in labels and annotations, and for
    fields the JSON decoder refuses (a map that is not of strings, a name that is not a string)."""
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        yield (), "metadata must be an object"
        return
    for field in ("name", "namespace", "generateName"):
        if field in metadata and metadata[field] is not None and not isinstance(metadata[field], str):
            yield (field,), f"metadata.{field} must be a string"
    for field in ("labels", "annotations"):
        value = metadata.get(field)
        if value is None:
            continue
        if not isinstance(value, dict):
            yield (field,), f"metadata.{field} must be a map of strings, not {_describe(value)}"
            continue
        for key, item in value.items():
            if not isinstance(item, str):
                yield (field, key), f"metadata.{field}.{key} must be a string, not {_describe(item)}"
                continue
            for message in qualified_name_errors(key):
                yield (field, key), f'metadata.{field}: Invalid value: "{key}": {message}'
            if field == "labels":
                for message in label_value_errors(item):
                    yield (field, key), f'metadata.labels: Invalid value: "{item}": {message}'
        if field == "annotations":
            size = sum(len(k.encode()) + len(v.encode()) for k, v in value.items() if isinstance(v, str))
            if size > _MAX_ANNOTATIONS_BYTES:
                yield (field,), f"metadata.annotations: Too long: must have at most {_MAX_ANNOTATIONS_BYTES} bytes"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else "a string"
