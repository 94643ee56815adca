"""Go (RE2) regular expressions, as gator compiles Suite assertions and `--run` filters, run with Python's `re`.

The pattern is translated token by token so that what matches in Go matches here:

- `\\d \\w \\s \\b` and POSIX classes `[[:alpha:]]` are ASCII in Go; `$` without the `m` flag is the end of
  the text (`\\z`), `\\Q...\\E` quotes, `\\x{10FFFF}` and octal `\\123` are code points;
- syntax Python would accept with another meaning, or that RE2 refuses (backreferences, lookaround,
  atomic groups, `\\Z`, `\\p{...}` classes, flags after the start, repeats over 1000) is refused with
  a message that says so, rather than silently matching something else.
"""

from __future__ import annotations

import re

from boundary_policy.errors import BoundaryPolicyError

__all__ = ["GoRegexError", "compile_go"]

_WORD = "0-9A-Za-z_"
_SPACE = "\\t\\n\\f\\r "
_PERL_CLASSES = {"d": "0-9", "w": _WORD, "s": _SPACE}
_POSIX_CLASSES = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": _WORD,
    "xdigit": "0-9A-Fa-f",
}
_BOUNDARY = f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))"
_NOT_BOUNDARY = f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))"
_SIMPLE_ESCAPES = {"a": "\\x07", "f": "\\f", "t": "\\t", "n": "\\n", "r": "\\r", "v": "\\v"}
_MAX_REPEAT = 1000


class GoRegexError(BoundaryPolicyError):
    """A pattern Go would refuse, or one whose Go meaning cannot be reproduced."""


def compile_go(pattern: str) -> re.Pattern[str]:
    """Compile a Go regular expression; use `.search` for Go's `MatchString`. Raises GoRegexError."""
    translated = _Translator(pattern).run()
    try:
        return re.compile(translated)
    except re.error as error:
        raise GoRegexError(f"invalid regular expression {pattern!r}: {error}") from None


def _code_point(value: int) -> str:
    return f"\\U{value:08x}"


class _Translator:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.out: list[str] = []
        self.multiline = [False]
        """The `m` flag per open group; Go flags last until the end of the group."""

    def fail(self, message: str) -> GoRegexError:
        return GoRegexError(f"regular expression {self.pattern!r}: {message}")

    def run(self) -> str:
        text = self.pattern
        while self.pos < len(text):
            char = text[self.pos]
            if char == "\\":
                self.out.append(self._escape(in_class=False))
            elif char == "[":
                self._char_class()
            elif char == "(":
                self._group()
            elif char == ")":
                if len(self.multiline) > 1:
                    self.multiline.pop()
                self.out.append(char)
                self.pos += 1
            elif char == "$":
                self.out.append("$" if self.multiline[-1] else "\\Z")
                self.pos += 1
            elif char == "{":
                self._repeat()
            elif char in "*+?":
                self.out.append(char)
                self.pos += 1
                self._refuse_possessive()
            else:
                self.out.append(char)
                self.pos += 1
        return "".join(self.out)

    def _repeat(self) -> None:
        found = re.compile(r"\{(\d+)(,(\d*))?\}").match(self.pattern, self.pos)
        if found is None:
            self.out.append("\\{")  # Go reads a `{` that starts no repeat as a literal
            self.pos += 1
            return
        low, high = int(found[1]), int(found[3]) if found[3] else None
        if low > _MAX_REPEAT or (high is not None and high > _MAX_REPEAT):
            raise self.fail(f"repeat count {found[0]} exceeds Go's limit of {_MAX_REPEAT}")
        self.out.append(found[0])
        self.pos = found.end()
        self._refuse_possessive()

    def _refuse_possessive(self) -> None:
        # Python 3.11 reads `a*+` as a possessive repeat; Go refuses it.
        if self.pattern.startswith("+", self.pos):
            raise self.fail("invalid nested repetition operator (possessive repeats are not Go syntax)")

    def _group(self) -> None:
        text = self.pattern
        rest = text[self.pos :]
        if not rest.startswith("(?"):
            self.multiline.append(self.multiline[-1])
            self.out.append("(")
            self.pos += 1
            return
        for prefix, what in (
            ("(?=", "lookahead"),
            ("(?!", "negative lookahead"),
            ("(?<=", "lookbehind"),
            ("(?<!", "negative lookbehind"),
            ("(?>", "an atomic group"),
            ("(?#", "a comment group"),
            ("(?(", "a conditional"),
            ("(?P=", "a backreference"),
        ):
            if rest.startswith(prefix):
                raise self.fail(f"{what} {prefix}...) is not supported by Go (RE2)")
        named = re.compile(r"\(\?P?<([A-Za-z0-9_]+)>").match(text, self.pos)
        if named is not None:
            self.multiline.append(self.multiline[-1])
            self.out.append(f"(?P<{named[1]}>")
            self.pos = named.end()
            return
        flags = re.compile(r"\(\?([A-Za-z]*)(?:-([A-Za-z]*))?([:)])").match(text, self.pos)
        if flags is None:
            raise self.fail(f"invalid or unsupported group syntax at {rest[:6]!r}")
        on, off, end = flags[1], flags[2] or "", flags[3]
        unknown = set(on + off) - set("imsU")
        if unknown:
            raise self.fail(f"unknown flag {''.join(sorted(unknown))!r} (Go knows i, m, s, U)")
        if "U" in on + off:
            raise self.fail("the ungreedy flag U has no equivalent in Python")
        multiline = ("m" in on or self.multiline[-1]) and "m" not in off
        python_flags = "".join(f for f in on if f != "U") + (f"-{off}" if off else "")
        if end == ":":
            self.multiline.append(multiline)
            self.out.append(f"(?{python_flags}:" if python_flags else "(?:")
        elif self.out or len(self.multiline) > 1:
            raise self.fail("flags after the start of the pattern are not supported here; use (?flags:...) instead")
        else:
            self.multiline[-1] = multiline
            if python_flags:
                self.out.append(f"(?{python_flags})")
        self.pos = flags.end()

    def _char_class(self) -> None:
        text = self.pattern
        self.pos += 1
        parts = ["["]
        if text.startswith("^", self.pos):
            parts.append("^")
            self.pos += 1
        first = True
        while True:
            if self.pos >= len(text):
                raise self.fail("missing closing ]")
            char = text[self.pos]
            if char == "]" and not first:
                parts.append("]")
                self.pos += 1
                break
            first = False
            if char == "\\":
                parts.append(self._escape(in_class=True))
                continue
            posix = re.compile(r"\[:(\^?)([a-z]+):\]").match(text, self.pos)
            if posix is not None:
                members = _POSIX_CLASSES.get(posix[2])
                if members is None:
                    raise self.fail(f"invalid character class [:{posix[2]}:]")
                if posix[1]:
                    raise self.fail(f"negated class [:^{posix[2]}:] inside brackets is not supported here")
                parts.append(members)
                self.pos = posix.end()
                continue
            # Characters Python gives a meaning inside a class (nested sets, set operations) stay literal.
            parts.append("\\" + char if char in "[]&~|-" and not self._is_range_dash(parts, char) else char)
            self.pos += 1
        self.out.append("".join(parts))

    def _is_range_dash(self, parts: list[str], char: str) -> bool:
        """A `-` between two members is a range, as in Go; elsewhere it is a literal."""
        if char != "-":
            return False
        after = self.pattern[self.pos + 1 : self.pos + 2]
        return parts[-1] not in ("[", "[^") and after not in ("", "]")

    def _escape(self, *, in_class: bool) -> str:
        text = self.pattern
        if self.pos + 1 >= len(text):
            raise self.fail("trailing backslash")
        char = text[self.pos + 1]
        self.pos += 2
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char in _PERL_CLASSES:
            return _PERL_CLASSES[char] if in_class else f"[{_PERL_CLASSES[char]}]"
        if char in "DWS":
            if in_class:
                raise self.fail(f"\\{char} inside brackets is not supported here; write the class out")
            return f"[^{_PERL_CLASSES[char.lower()]}]"
        if char in "bB" and not in_class:
            return _BOUNDARY if char == "b" else _NOT_BOUNDARY
        if char == "A" and not in_class:
            return "\\A"
        if char == "z" and not in_class:
            return "\\Z"
        if char == "Q" and not in_class:
            end = text.find("\\E", self.pos)
            quoted = text[self.pos :] if end < 0 else text[self.pos : end]
            self.pos = len(text) if end < 0 else end + 2
            return re.escape(quoted)
        if char == "x":
            return self._hex()
        if char in "01234567":
            digits = re.compile(r"[0-7]{0,2}").match(text, self.pos)
            assert digits is not None
            if char != "0" and not digits[0]:
                raise self.fail(f"a backreference \\{char} is not supported by Go (RE2)")
            self.pos = digits.end()
            return _code_point(int(char + digits[0], 8))
        if char in "pP":
            raise self.fail(f"Unicode classes \\{char}... are not supported here")
        if char.isascii() and not char.isalnum():
            return re.escape(char)
        raise self.fail(f"invalid escape sequence \\{char} in Go")

    def _hex(self) -> str:
        text = self.pattern
        braced = re.compile(r"\{([0-9A-Fa-f]{1,8})\}").match(text, self.pos)
        if braced is not None:
            self.pos = braced.end()
            value = int(braced[1], 16)
        else:
            two = re.compile(r"[0-9A-Fa-f]{2}").match(text, self.pos)
            if two is None:
                raise self.fail("invalid \\x escape")
            self.pos = two.end()
            value = int(two[0], 16)
        if value > 0x10FFFF:
            raise self.fail("\\x escape beyond U+10FFFF")
        return _code_point(value)
