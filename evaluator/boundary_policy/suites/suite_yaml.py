"""Suite files read as gator reads them: go-yaml v3 (go.yaml.in/yaml/v3), not the go-yaml v2 of Kubernetes objects.

gator decodes a Suite with yaml v3, where only true/True/TRUE and false/False/FALSE are booleans, so the
gatekeeper-library's unquoted `violations: yes` / `violations: no` are the strings its assertions want. The
objects under test keep Kubernetes' YAML 1.1 reading (loading/), as gator reads them too.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from boundary_policy.model import JSON

__all__ = ["SuiteYamlError", "first_document"]


class SuiteYamlError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_WORDS: dict[str, JSON] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64), falling back to ParseUint: 0x, 0o, 0b and a leading 0 (octal) prefixes."""
    sign, body = (-1, text[1:]) if text[:1] == "-" else (1, text[1:] if text[:1] == "+" else text)
    lowered = body.lower()
    base, digits = 10, body
    for prefix, prefix_base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if lowered.startswith(prefix):
            base, digits = prefix_base, body[2:]
            break
    else:
        if len(body) > 1 and body.startswith("0"):
            base, digits = 8, body[1:]
    if not digits or not all(c in "0123456789abcdef"[:base] for c in digits.lower()):
        return None
    value = sign * int(digits, base)
    if _INT64[0] <= value <= _INT64[1] or (sign == 1 and text[:1] != "+" and value <= _UINT64_MAX):
        return value
    return None


def _plain(text: str) -> JSON:
    """A plain (unquoted, untagged) scalar, resolved as yaml v3's resolve() does for an interface{} target."""
    if text in _WORDS:
        return _WORDS[text]
    first = text[:1]
    if first == ".":
        try:
            return float(text)
        except ValueError:
            return text
    if first.isdigit() or first in "+-":
        plain = text.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None:
            return number
        if _YAML_STYLE_FLOAT.match(plain):
            return float(plain)
    return text


_PLAIN = "!plain"
_RESOLVED_AS_PLAIN = {_PLAIN, *(f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "null"))}
_MAX_NODES = 100_000
"""Nodes that aliases may expand to: a Suite is small, and an alias bomb must not exhaust memory."""


class _Composer(yaml.SafeLoader):
    """Only the composing half of PyYAML's safe loader: nodes, with marks; values are built below."""

    def resolve(self, kind: type, value: str | None, implicit: Any) -> str:
        # implicit is (plain, quoted): an untagged plain scalar is resolved later by yaml v3's rules.
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else "tag:yaml.org,2002:str"
        return "tag:yaml.org,2002:seq" if kind is SequenceNode else "tag:yaml.org,2002:map"


def _value(node: Node, budget: list[int]) -> JSON:
    budget[0] -= 1
    if budget[0] < 0:
        raise SuiteYamlError(node.start_mark.line + 1, f"more than {_MAX_NODES} YAML nodes once aliases are expanded")
    if isinstance(node, ScalarNode):
        return _plain(str(node.value)) if node.tag in _RESOLVED_AS_PLAIN else str(node.value)
    if isinstance(node, SequenceNode):
        return [_value(item, budget) for item in node.value]
    if isinstance(node, MappingNode):
        result: dict[str, JSON] = {}
        for key_node, value_node in node.value:
            key = _value(key_node, budget)
            name = key if isinstance(key, str) else _key_text(key)
            if name in result:
                raise SuiteYamlError(key_node.start_mark.line + 1, f'mapping key "{name}" already defined')
            result[name] = _value(value_node, budget)
        return result
    raise SuiteYamlError(node.start_mark.line + 1, f"unexpected YAML node {node.tag}")


def _key_text(key: Any) -> str:
    # gator decodes into map[string]interface{}; a non-string key becomes its text, as json.Marshal writes it.
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def first_document(text: str) -> JSON:
    """The first YAML document of a Suite file, as yaml v3 Unmarshal builds it (None when there is none)."""
    loader = _Composer(text)
    try:
        node = loader.get_node() if loader.check_node() else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise SuiteYamlError(mark.line + 1 if mark else None, str(error.problem or error)) from None
    except yaml.YAMLError as error:
        raise SuiteYamlError(None, str(error)) from None
    finally:
        loader.dispose()
    return None if node is None else _value(node, [_MAX_NODES])
