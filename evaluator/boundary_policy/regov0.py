"""Rewrite Rego v0 source into v1 text with the same meaning, keeping every line where it was.

Gatekeeper parses templates as v0 unless `code[].source.version` is "v1"; the embedded engine (and an
OPA server) only parse v1. The rewrite works on tokens at the top level of a module and never looks
inside rule bodies:

- R1  a rule body `{` gets `if ` in front: `p {`, `f(x) = y {`, `else = z {`, `else {`;
- R2  a partial set head `name[t]` (with or without a body) becomes `name contains t`;
- R3  v0 multi-body rules `h { a } { b }` are split into `h if { a } h if { b }`, on the same line;
- R4  deprecated builtins, which v1 does not have: `re_match` -> `regex.match`, `net.cidr_overlap` ->
      `net.cidr_contains`, and `any`, `all`, `set_diff`, `cast_array`, `cast_set` -> helper functions
      appended after the last line (so error locations in the original lines do not move);
- R5  a repeated identical import (a v1 compile error) is dropped.

Line numbers matter: Gatekeeper reports Rego runtime errors as `template:<line>: ...`, and the
evaluator must produce the same text. Nothing is ever inserted as a new line before the end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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

_OPEN = frozenset("{[(")
_CLOSE = frozenset("}])")
_TRIVIA = frozenset({"space", "newline", "comment"})

# After one of these a `{` (or the next line) continues a value, it does not start a rule body.
_VALUE_BEFORE = frozenset(
    {
        "=",
        ":=",
        ",",
        "(",
        "[",
        ":",
        "==",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        "+",
        "-",
        "*",
        "/",
        "%",
        "|",
        "&",
        "{",
        "contains",
    }
)
_NOT_RULE_HEADS = frozenset({"package", "import", "default", "else"})

# Deprecated builtins that v1 removed, renamed to a v1 builtin with the same signature and meaning.
_RENAMED = {"re_match": "regex.match", "net.cidr_overlap": "net.cidr_contains"}

# Deprecated builtins without a v1 twin: a helper with the builtin's documented behaviour.
_HELPERS = {
    "any": "__bp_v0_any(c) := true if {\n\tsome x in c\n\tx == true\n} else := false",
    "all": "__bp_v0_all(c) := false if {\n\tsome x in c\n\tx != true\n} else := true",
    "set_diff": "__bp_v0_set_diff(a, b) := a - b",
    "cast_array": "__bp_v0_cast_array(x) := [v | some v in x]",
    "cast_set": "__bp_v0_cast_set(x) := {v | some v in x}",
}


@dataclass
class _Token:
    kind: str
    text: str


def _tokenize(source: str) -> list[_Token]:
    return [_Token(str(m.lastgroup), m.group()) for m in _TOKEN.finditer(source)]


def _is_v1_already(tokens: Sequence[_Token]) -> bool:
    """`import rego.v1` marks a module written in v1 syntax; it needs no rewrite."""
    significant = [t.text for t in tokens if t.kind not in _TRIVIA]
    return any(significant[i : i + 4] == ["import", "rego", ".", "v1"] for i in range(len(significant)))


class _Rewriter:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.before: dict[int, str] = {}
        """Text inserted before a token."""
        self.replace: dict[int, str] = {}
        """Replacement text of a token."""
        self.helpers: set[str] = set()

    def text(self, index: int) -> str:
        return self.tokens[index].text

    def significant(self, index: int) -> bool:
        return self.tokens[index].kind not in _TRIVIA

    def skip_block(self, index: int) -> int:
        """Index just after the bracket group that opens at `index`."""
        depth = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.kind == "op":
                if token.text in _OPEN:
                    depth += 1
                elif token.text in _CLOSE:
                    depth -= 1
            self.rewrite_call(index)
            index += 1
            if depth == 0:
                return index
        return index

    def rewrite_call(self, index: int) -> None:
        """R4: deprecated builtin calls, wherever they are."""
        token = self.tokens[index]
        if token.kind != "ident":
            return
        previous = self.previous_significant(index)
        if previous is not None and self.text(previous) == ".":
            return
        name, end = token.text, index
        if name == "net" and self._peek_text(index, 3) == [".", "cidr_overlap", "("]:
            name, end = "net.cidr_overlap", self._skip_trivia(self._skip_trivia(index + 1) + 1)
        nxt = self._skip_trivia(end + 1)
        if nxt >= len(self.tokens) or self.text(nxt) != "(":
            return
        if name in _RENAMED:
            self.replace[index] = _RENAMED[name]
            for dropped in range(index + 1, end + 1):
                self.replace[dropped] = ""
        elif name in _HELPERS:
            self.replace[index] = f"__bp_v0_{name}"
            self.helpers.add(name)

    def _skip_trivia(self, index: int) -> int:
        while index < len(self.tokens) and not self.significant(index):
            index += 1
        return index

    def _peek_text(self, index: int, count: int) -> list[str]:
        found: list[str] = []
        at = index
        while len(found) < count:
            at = self._skip_trivia(at + 1)
            if at >= len(self.tokens):
                break
            found.append(self.text(at))
        return found

    def previous_significant(self, index: int) -> int | None:
        index -= 1
        while index >= 0 and not self.significant(index):
            index -= 1
        return index if index >= 0 else None

    def mark_partial_set(self, head: list[int]) -> None:
        """R2: `name[t]` (nothing after the closing bracket) -> `name contains t`.

        Only a plain name: in v0, `a.b[t] { ... }` is already the ref-head rule a.b[t] = true.
        """
        if len(head) < 4 or self.tokens[head[0]].kind != "ident" or self.text(head[0]) in _NOT_RULE_HEADS:
            return
        if self.text(head[1]) != "[":
            return
        depth = 0
        for offset, index in enumerate(head[1:], 1):
            value = self.text(index)
            if self.tokens[index].kind == "op":
                depth += value in _OPEN
                depth -= value in _CLOSE
            if depth == 0:
                if offset == len(head) - 1:
                    self.replace[head[1]] = " contains "
                    self.replace[index] = ""
                return

    def head_text(self, head: list[int]) -> str:
        """The head as rewritten, on one line (a repeated head must not add lines)."""
        parts = []
        for i in range(head[0], head[-1] + 1):
            kind = self.tokens[i].kind
            if kind != "comment":
                parts.append(" " if kind == "newline" else self.replace.get(i, self.text(i)))
        return "".join(parts)

    def run(self) -> None:
        tokens = self.tokens
        index, depth = 0, 0
        head: list[int] = []
        while index < len(tokens):
            token = tokens[index]
            if token.kind in ("space", "comment"):
                index += 1
                continue
            if token.kind == "newline":
                if depth == 0 and head and self.text(head[-1]) not in _VALUE_BEFORE | {"else"}:
                    self.mark_partial_set(head)
                    head = []
                index += 1
                continue
            self.rewrite_call(index)
            is_body = (
                depth == 0
                and token.text == "{"
                and token.kind == "op"
                and bool(head)
                and self.text(head[-1]) not in _VALUE_BEFORE
            )
            if is_body:
                index = self.rule_body(head, index)
                head = []
                continue
            if token.kind == "op":
                depth += token.text in _OPEN
                depth -= token.text in _CLOSE
            head.append(index)
            index += 1
        if head:
            self.mark_partial_set(head)

    def rule_body(self, head: list[int], index: int) -> int:
        """R1 and R3 for the body opening at `index`; returns the index after the last body."""
        if self.text(head[-1]) == "if":
            # `p[x] if {` (v0 with future.keywords.if) is already the ref-head rule p[x] = true: v1 reads
            # it the same way, so it is not a partial set.
            rule_head = head[:-1]
        else:
            self.mark_partial_set(head)
            self.before[index] = "if "
            rule_head = head
        repeat = None if self.text(head[0]) == "else" or not rule_head else self.head_text(rule_head)
        index = self.skip_block(index)
        while repeat is not None:
            nxt = self._skip_trivia(index)
            if nxt >= len(self.tokens) or self.text(nxt) != "{":
                break
            self.before[nxt] = f"{repeat} if "
            index = self.skip_block(nxt)
        return index

    def drop_duplicate_imports(self) -> None:
        """R5: OPA v1 rejects an import that repeats an earlier one."""
        seen: set[str] = set()
        index = 0
        while index < len(self.tokens):
            if self.text(index) != "import" or not self._starts_line(index):
                index += 1
                continue
            end = index
            while end < len(self.tokens) and self.tokens[end].kind != "newline":
                end += 1
            statement = "".join(t.text for t in self.tokens[index:end] if t.kind not in _TRIVIA)
            if statement in seen:
                for dropped in range(index, end):
                    self.replace[dropped] = ""
            seen.add(statement)
            index = end

    def _starts_line(self, index: int) -> bool:
        previous = index - 1
        while previous >= 0 and self.tokens[previous].kind == "space":
            previous -= 1
        return previous < 0 or self.tokens[previous].kind == "newline"

    def output(self) -> str:
        text = "".join(self.before.get(i, "") + self.replace.get(i, t.text) for i, t in enumerate(self.tokens))
        if self.helpers:
            helpers = "\n\n".join(_HELPERS[name] for name in sorted(self.helpers))
            text = text.rstrip("\n") + "\n\n" + helpers + "\n"
        return text


def v0_to_v1(source: str) -> str:
    """The v1 text of the Rego v0 module `source`; lines of the original keep their numbers."""
    tokens = _tokenize(source)
    if _is_v1_already(tokens):
        return source
    rewriter = _Rewriter(tokens)
    rewriter.drop_duplicate_imports()
    rewriter.run()
    return rewriter.output()
