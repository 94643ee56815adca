"""YAML scalars with the meaning Kubernetes tools give them, not PyYAML's.

Gatekeeper, gator and kubectl read YAML with sigs.k8s.io/yaml: go-yaml v2 (YAML 1.1) decodes each document
into Go values, which are converted to JSON and decoded again as unstructured Kubernetes objects. The Rego
policies see that JSON, so this module reproduces the go-yaml v2 resolver (resolve.go) and the JSON
conversion instead of PyYAML's own YAML 1.1 resolver, which differs in ways that change policy results:

- ``y``/``Y``/``n``/``N`` are booleans; ``1:20`` (a base-60 int in PyYAML) and ``2001-12-14`` (a date) stay
  strings; ``1e3`` is a number (PyYAML needs a dot); timestamps are always the string as written;
- ``!!binary`` is the decoded bytes as a string, not base64 and not ``bytes``;
- integers outside int64 become floats, and integral floats (``1.0``) become ints, as the unstructured JSON
  decoder does; ``.inf`` and ``.nan`` cannot be written as JSON at all;
- mapping keys become strings: ``1`` -> "1", ``true``/``y`` -> "true", ``1.5`` -> "1.5" (Go's float32 "%g"),
  while null, collection and uint64 keys are errors.

Each of these was checked against gator v3.23.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import math
import re
import struct
from collections.abc import Callable

from boundary_policy.errors import BoundaryPolicyError
from boundary_policy.model import JSON

__all__ = [
    "BINARY",
    "BOOL",
    "FLOAT",
    "INT",
    "MAP",
    "MERGE",
    "NULL",
    "SEQ",
    "STR",
    "TAG",
    "TIMESTAMP",
    "ScalarError",
    "key_string",
    "plain_tag",
    "scalar_go",
    "scalar_json",
]

TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = TAG + "str", TAG + "int", TAG + "float", TAG + "bool", TAG + "null"
MERGE, BINARY, TIMESTAMP = TAG + "merge", TAG + "binary", TAG + "timestamp"
SEQ, MAP = TAG + "seq", TAG + "map"

INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


class ScalarError(BoundaryPolicyError):
    """A scalar go-yaml or the JSON conversion rejects; the message is for the user."""


# go-yaml v2 resolveMap: plain scalars that are looked up, not parsed.
_SPECIAL: dict[str, tuple[str, JSON]] = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], (BOOL, True)),
    **dict.fromkeys(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], (BOOL, False)),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], (NULL, None)),
    **dict.fromkeys([".nan", ".NaN", ".NAN"], (FLOAT, math.nan)),
    **dict.fromkeys([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], (FLOAT, math.inf)),
    **dict.fromkeys(["-.inf", "-.Inf", "-.INF"], (FLOAT, -math.inf)),
    "<<": (MERGE, "<<"),
}
# go-yaml v2 resolveTable: the first character decides whether a plain scalar can be anything but a string.
_HINT: dict[str, str] = {
    **dict.fromkeys("+-", "S"),
    **dict.fromkeys("0123456789", "D"),
    **dict.fromkeys("yYnNtTfFoO~<", "M"),
    ".": ".",
}
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?", re.ASCII)
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?", re.ASCII)
_DIGITS = {
    16: re.compile(r"[0-9a-fA-F]+", re.ASCII),
    10: re.compile(r"[0-9]+", re.ASCII),
    8: re.compile(r"[0-7]+", re.ASCII),
    2: re.compile(r"[01]+", re.ASCII),
}
_PREFIX_BASE = {"x": 16, "X": 16, "o": 8, "O": 8, "b": 2, "B": 2}
# go-yaml v2 allowedTimestampFormats; only consulted for an explicit !!timestamp tag, because an
# untagged timestamp is the string as written either way.
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[-+]\d{2}:\d{2}))"
    r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?",
    re.ASCII,
)


def plain_tag(value: str) -> str:
    """The tag go-yaml v2 gives an untagged plain scalar."""
    hint = _HINT.get(value[:1]) if value else "N"
    if hint is None:
        return STR
    special = _SPECIAL.get(value)
    if special is not None:
        return special[0]
    if hint == "M":
        return STR
    if hint == ".":
        return FLOAT if _DOT_FLOAT.fullmatch(value) else STR
    return _number(value)[0]


def _parse_go_int(text: str) -> int | None:
    """strconv.ParseInt/ParseUint with base 0, without the bit-size limit: 0x, 0o, 0b and leading-0 octal."""
    body = text[1:] if text[:1] in "+-" else text
    base = 10
    if len(body) > 1 and body[0] == "0":
        base = _PREFIX_BASE.get(body[1], 8)
        body = body[1:] if base == 8 and body[1] not in "oO" else body[2:]
    if not _DIGITS[base].fullmatch(body):
        return None
    # More digits than any 64-bit value has in any base is out of range for Go, and may be too long for int().
    number = UINT64_MAX + 1 if len(body.lstrip("0")) > 64 else int(body, base)
    return -number if text[0] == "-" else number


def _number(value: str) -> tuple[str, JSON, str]:
    """Resolve a scalar starting with a digit or sign: (tag, value, Go type: int, uint, float or str)."""
    plain = value.replace("_", "")
    number = _parse_go_int(plain) if plain else None
    if number is not None:
        if INT64_MIN <= number <= INT64_MAX:
            return INT, number, "int"
        if 0 <= number <= UINT64_MAX and plain[0] != "+":
            return INT, number, "uint"
    if _YAML_STYLE_FLOAT.fullmatch(plain):
        parsed = float(plain)
        if not math.isinf(parsed):  # strconv.ParseFloat reports overflow as an error: the scalar stays a string
            return FLOAT, parsed, "float"
    return STR, value, "str"


def _resolve(value: str) -> tuple[str, JSON, str]:
    """go-yaml v2 resolve() for any scalar text: (tag, value, Go type)."""
    hint = _HINT.get(value[:1]) if value else "N"
    if hint is None:
        return STR, value, "str"
    special = _SPECIAL.get(value)
    if special is not None:
        tag, result = special
        return tag, result, {BOOL: "bool", NULL: "null", FLOAT: "float"}.get(tag, "str")
    if hint == "." and _DOT_FLOAT.fullmatch(value):
        return FLOAT, float(value), "float"
    if hint in "DS":
        return _number(value)
    return STR, value, "str"


def _short(tag: str) -> str:
    return "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag


def _typed(tag: str, value: str) -> tuple[JSON, str]:
    """A scalar with a resolvable tag (untagged plain ones carry the tag plain_tag gave them)."""
    if tag == TIMESTAMP:
        if not _is_timestamp(value):
            raise ScalarError(f"cannot decode !!str `{value}` as a !!timestamp")
        return value, "str"
    resolved_tag, result, go_type = _resolve(value)
    if resolved_tag == tag:
        return result, go_type
    if tag == FLOAT and go_type == "int":
        return float(result), "float"
    raise ScalarError(f"cannot decode {_short(resolved_tag)} `{value}` as a {_short(tag)}")


def _is_timestamp(value: str) -> bool:
    match = _TIMESTAMP.fullmatch(value)
    if match is None:
        return False
    year, month, day = (int(part) for part in match.group(1, 2, 3))
    clock = [int(part) for part in match.groups()[3:] if part is not None]
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return not clock or (clock[0] < 24 and clock[1] < 60 and clock[2] < 60)


def _binary(value: str) -> tuple[JSON, str]:
    # Go's base64 decoder skips line breaks, nothing else; the bytes become a Go string, and
    # json.Marshal replaces invalid UTF-8.
    try:
        data = base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    except binascii.Error:
        raise ScalarError("!!binary value contains invalid base64 data") from None
    return data.decode("utf-8", errors="replace"), "str"


_CONVERTERS: dict[str, Callable[[str, str], tuple[JSON, str]]] = {
    **dict.fromkeys((INT, FLOAT, BOOL, NULL, TIMESTAMP), _typed),
    BINARY: lambda _tag, value: _binary(value),
}


def scalar_go(tag: str, value: str) -> tuple[JSON, str]:
    """The Go value of a scalar node: (value, Go type). Unknown tags (``!foo``, ``!!merge x``) keep the text."""
    convert = _CONVERTERS.get(tag)
    if convert is None:
        return value, "str"
    return convert(tag, value)


def scalar_json(tag: str, value: str) -> JSON:
    """The JSON value of a scalar node, as Kubernetes decodes it."""
    result, go_type = scalar_go(tag, value)
    if go_type == "uint":
        return float(result)  # beyond int64: the unstructured JSON decoder makes it a float64
    if go_type == "float":
        if math.isinf(result) or math.isnan(result):
            raise ScalarError(f"{value!r} is not a JSON number (infinity and NaN cannot be sent to the API server)")
        if result.is_integer() and abs(result) < 2**63:
            return int(result)  # Go writes 1.0 as 1, which the unstructured decoder reads back as int64
    return result


def key_string(tag: str, value: str) -> str:
    """The JSON key sigs.k8s.io/yaml makes of a scalar mapping key."""
    result, go_type = scalar_go(tag, value)
    if go_type == "str":
        return str(result)
    if go_type == "bool":
        return "true" if result else "false"
    if go_type == "int":
        return str(result)
    if go_type == "float":
        return _go_float32_g(float(result))
    what = "null" if go_type == "null" else f"{value!r} (too large for int64)"
    raise ScalarError(f"mapping key {what} cannot be converted to a JSON key")


def _go_float32_g(number: float) -> str:
    """strconv.FormatFloat(number, 'g', -1, 32), with go-yaml's names for the infinities and NaN."""
    if math.isnan(number):
        return ".nan"
    try:
        single = struct.unpack("f", struct.pack("f", number))[0]
    except OverflowError:
        single = math.copysign(math.inf, number)
    if math.isinf(single):
        return ".inf" if single > 0 else "-.inf"
    if single == 0:
        return "-0" if math.copysign(1, single) < 0 else "0"
    sign = "-" if single < 0 else ""
    for precision in range(1, 10):  # the shortest decimal that reads back as the same float32
        text = f"{abs(single):.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == abs(single):
            break
    mantissa, exponent = text.split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    point = int(exponent) + 1  # digits[:point] is the integer part
    limit = len(digits) if len(digits) < 6 and len(digits) >= point else 6
    if point - 1 < -4 or point - 1 >= limit:
        fraction = "." + digits[1:] if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{fraction}e{'-' if point - 1 < 0 else '+'}{abs(point - 1):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"
