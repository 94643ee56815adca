"""Reading Rego source without parsing it: tokens with their lines, refs, the package statement, rule heads.

One tokenizer serves every reader of Rego text (the template checks, the v0 -> v1 rewrite, the rules
catalog, the Rego test discovery), so comments and strings fool none of them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "TRIVIA",
    "Token",
    "package_of",
    "package_statement",
    "ref_at",
    "refers_to",
    "significant",
    "starts_line",
    "tokenize",
    "unindented",
]

_TOKEN = re.compile(
    r"(?P<comment>#[^\n]*)"
    r'|(?P<string>"(?:[^"\\\n]|\\.)*")'
    r"|(?P<raw>`[^`]*`)"
    r"|(?P<newline>\n)"
    r"|(?P<space>[ \t\r\f\v]+)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<number>[0-9][0-9.eE+\-]*)"
    r"|(?P<op>:=|==|!=|<=|>=|[{}\[\]().,;:=<>+\-*/%|&])"
    r"|(?P<other>.)",
    re.S,
)

TRIVIA = frozenset({"space", "newline", "comment"})
"""Token kinds that carry no meaning (a newline still ends a statement: see `starts_line`)."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """comment, string, raw, newline, space, ident, number, op or other."""
    text: str
    line: int
    """1-based line the token starts on."""


@functools.lru_cache(maxsize=512)
def tokenize(source: str) -> tuple[Token, ...]:
    """Every token of a module, trivia included, so the text is the tokens joined; cached, since every
    template of a bundle embeds the same libs."""
    found: list[Token] = []
    line = 1
    for match in _TOKEN.finditer(source):
        found.append(Token(str(match.lastgroup), match.group(), line))
        line += match.group().count("\n")
    return tuple(found)


@functools.lru_cache(maxsize=512)
def significant(source: str) -> tuple[Token, ...]:
    """The tokens that are not trivia."""
    return tuple(token for token in tokenize(source) if token.kind not in TRIVIA)


def starts_line(tokens: Sequence[Token], index: int) -> bool:
    """Whether the significant token at `index` is the first of its line (it starts a statement)."""
    return index == 0 or tokens[index - 1].line < tokens[index].line


def ref_at(tokens: Sequence[Token], index: int) -> tuple[list[str], int]:
    """The dotted/bracketed static ref starting at `index` (e.g. data.lib.x["y"]) and the index after it."""
    parts = [tokens[index].text]
    index += 1
    while index + 1 < len(tokens):
        if tokens[index].text == "." and tokens[index + 1].kind == "ident":
            parts.append(tokens[index + 1].text)
            index += 2
        elif tokens[index].text == "[" and tokens[index + 1].kind == "string" and index + 2 < len(tokens):
            if tokens[index + 2].text != "]":
                break
            parts.append(tokens[index + 1].text[1:-1])
            index += 3
        else:
            break
    return parts, index


def package_statement(source: str) -> tuple[str, int] | None:
    """The package's name ("" when it has none) and the line of its `package` keyword, or None."""
    tokens = significant(source)
    for i, token in enumerate(tokens):
        if token.text == "package" and token.kind == "ident":
            parts, _ = ref_at(tokens, i + 1) if i + 1 < len(tokens) else ([], 0)
            return ".".join(parts), token.line
    return None


def package_of(source: str) -> str | None:
    statement = package_statement(source)
    return (statement[0] or None) if statement is not None else None


def refers_to(source: str, *prefix: str) -> bool:
    """Whether the module holds a ref that starts with `prefix`, e.g. ("data", "inventory")."""
    tokens = significant(source)
    for i, token in enumerate(tokens):
        if token.text == prefix[0] and token.kind == "ident" and (i == 0 or tokens[i - 1].text != "."):
            parts, _ = ref_at(tokens, i)
            if tuple(parts[: len(prefix)]) == prefix:
                return True
    return False


def unindented(source: str) -> list[Token]:
    """The significant tokens that start at column 0: the heads of top-level statements and rules."""
    tokens = tokenize(source)
    return [
        token
        for i, token in enumerate(tokens)
        if token.kind not in TRIVIA and (i == 0 or tokens[i - 1].kind == "newline")
    ]
