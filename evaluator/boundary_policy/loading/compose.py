"""PyYAML's composer with go-yaml v2's resolver: safe (no Python objects), libyaml-backed when available."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode, SequenceNode

from boundary_policy.loading.scalars import MAP, SEQ, STR, plain_tag

__all__ = ["Composer", "PythonComposer"]


def _resolve(self: Any, kind: type, value: str | None, implicit: Any) -> str:
    if kind is ScalarNode:
        # implicit is (plain, quoted); only untagged plain scalars are resolved, quoted ones are strings.
        return plain_tag(value or "") if implicit[0] else STR
    return SEQ if kind is SequenceNode else MAP


class PythonComposer(yaml.SafeLoader):
    """Only the composing half of the safe loader is used; values are built by convert.py."""

    resolve = _resolve


Composer: type[Any] = PythonComposer
if hasattr(yaml, "CSafeLoader"):

    class CComposer(yaml.CSafeLoader):
        """The same on libyaml: several times faster. Its error positions count bytes, not characters."""

        resolve = _resolve

    Composer = CComposer
