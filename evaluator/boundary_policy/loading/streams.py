"""A file's text as kubectl's reader takes it apart, rewritten for the YAML composer without moving any line.

kubectl (`k8s.io/apimachinery/pkg/util/yaml.YAMLOrJSONDecoder`) looks at the first character: text that starts
with `{` is a stream of JSON objects, read one after the other by Go's JSON decoder (`kubectl get -o json`
piped through `jq -c` writes one object per line); anything else is YAML documents, split at `---` lines and
each decoded on its own, so a byte order mark at the start of a document is dropped as it is at the start of
the file. The composer reads YAML, so:

- a JSON stream gets a `--- ` before each object after the first (on the same line: lines stay where they are);
- in a JSON stream, `\\uD83D\\uDE00` escapes (UTF-16 surrogate pairs, which YAML refuses) become the character
  they stand for, and a lone surrogate escape U+FFFD, as Go's JSON decoder reads them;
- a BOM right after a `---` line is dropped.
"""

from __future__ import annotations

import itertools
import json
import re

__all__ = ["kubectl_text"]

_SURROGATE = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")
_BOM_AFTER_SEPARATOR = re.compile(r"^(---[ \t]*\r?\n)\ufeff", re.MULTILINE)


def kubectl_text(text: str) -> str:
    if text.lstrip()[:1] == "{":
        return _json_stream(_surrogates(text))
    return _BOM_AFTER_SEPARATOR.sub(r"\1", text)


def _surrogates(text: str) -> str:
    """UTF-16 surrogate escapes written out as Go's JSON decoder reads them (an escaped backslash is left)."""
    if "\\u" not in text:
        return text
    out: list[str] = []
    at = 0
    for found in _SURROGATE.finditer(text):
        if found.start() < at or len(found.group(1)) % 2 == 0:
            continue  # inside a pair already written, or `\\uD800`: an escaped backslash, then text
        code = int(found.group(2), 16)
        end = found.end()
        character = "\ufffd"
        if code < 0xDC00:
            low = re.match(r"\\u([dD][c-fC-F][0-9a-fA-F]{2})", text[end:])
            if low is not None:
                character = chr(0x10000 + ((code - 0xD800) << 10) + (int(low.group(1), 16) - 0xDC00))
                end += low.end()
        backslashes = found.group(1)[:-1]  # the escaped backslashes before this escape stay
        out.append(text[at : found.start()] + backslashes + character)
        at = end
    out.append(text[at:])
    return "".join(out)


def _json_stream(text: str) -> str:
    """`--- ` before every top-level object after the first, so the composer reads one document per object."""
    decoder = json.JSONDecoder()
    starts: list[int] = []
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        if at >= len(text) or text[at] != "{":
            break  # the end, or something Go's decoder would refuse: the composer says where
        try:
            _, end = decoder.raw_decode(text, at)
        except ValueError:
            break
        starts.append(at)
        at = end
    if len(starts) < 2:
        return text
    out: list[str] = []
    at = 0
    for previous, start in itertools.pairwise(starts):
        newline = text.rfind("\n", previous, start)
        if newline >= 0:
            # `---` must begin a line: before the object's indentation, on the object's own line.
            out.append(text[at : newline + 1] + "--- ")
            at = newline + 1
        else:
            # Objects on one line are split onto two: the lines after this one move down by one.
            out.append(text[at:start] + "\n--- ")
            at = start
    out.append(text[at:])
    return "".join(out)
