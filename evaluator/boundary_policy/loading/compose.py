"""PyYAML's composer with go-yaml v2's resolver: safe (no Python objects), libyaml-backed when available."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import ScalarNode, SequenceNode

from boundary_policy.loading.scalars import MAP, SEQ, STR, plain_tag

C_COMPOSER = hasattr(yaml, "CSafeLoader")
_Base: Any = yaml.CSafeLoader if C_COMPOSER else yaml.SafeLoader


class Composer(_Base):  # type: ignore[misc]
    """Only the composing half of the safe loader is used; values are built by convert.py."""

    def resolve(self, kind: type, value: str | None, implicit: Any) -> str:
        if kind is ScalarNode:
            # implicit is (plain, quoted); only untagged plain scalars are resolved, quoted ones are strings.
            return plain_tag(value or "") if implicit[0] else STR
        return SEQ if kind is SequenceNode else MAP
