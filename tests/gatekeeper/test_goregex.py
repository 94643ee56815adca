"""Go (RE2) regular expressions on Python's `re`: Go's meaning where Python differs, refusals where it cannot."""

from __future__ import annotations

import pytest

from boundary_policy.gatekeeper.goregex import GoRegexError, compile_go


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (r"^\[Implied by x\] .*JailType: Landjail$", "[Implied by x] invalid JailType: Landjail", True),
        ("end$", "end\n", False),  # Go's $ is the end of the text, Python's also before a final newline
        ("(?m)end$", "end\nmore", True),
        (r"\d+", "٣", False),  # ASCII digits only
        (r"\w", "é", False),
        (r"\s", "\v", False),  # Go's \s has no vertical tab
        (r"\bfoo\b", "a foo b", True),
        (r"\bfoo\b", "afoo", False),
        (r"\Bo\B", "go", False),
        (r"\Bo\B", "foo", True),
        ("[[:alpha:]]+[[:digit:]]", "ab1", True),
        (r"\Qa.b*\E", "a.b*", True),
        (r"\Qa.b\E", "axb", False),
        (r"\x{263A}", "☺", True),
        (r"\x41", "A", True),
        (r"\101", "A", True),
        ("[^]a]", "]", False),
        ("[]a]", "]", True),
        ("[a-c-]", "-", True),
        ("[[]", "[", True),
        ("a{,2}", "a{,2}", True),  # not a repeat in Go: literal
        ("a{2}", "aa", True),
        ("(?i)abc", "ABC", True),
        ("(?i:a)b", "Ab", True),
        ("(?P<n>x)(?<m>y)", "xy", True),
        (r"\Aab\z", "ab", True),
        (r"\Aab\z", "ab\n", False),
        (r"a\.b", "a.b", True),
    ],
)
def test_matches_as_go_does(pattern: str, text: str, found: bool) -> None:
    assert bool(compile_go(pattern).search(text)) is found


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("a(?=b)", "lookahead (?=...) is not supported by Go"),
        ("a(?!b)", "negative lookahead"),
        ("(?<=a)b", "lookbehind"),
        ("(?>a)", "atomic group"),
        (r"(a)\1", r"backreference \1"),
        ("(?P<a>x)(?P=a)", "backreference"),
        ("a*+", "invalid nested repetition operator"),
        ("a{2}+", "invalid nested repetition operator"),
        (r"a\Z", r"invalid escape sequence \Z"),
        (r"\e", r"invalid escape sequence \e"),
        (r"\pL", "Unicode classes"),
        ("a(?i)b", "flags after the start"),
        ("(?U)a", "ungreedy"),
        ("(?x)a", "unknown flag 'x'"),
        ("a{1001}", "exceeds Go's limit of 1000"),
        (r"[\D]", "inside brackets"),
        ("[[:nope:]]", "invalid character class"),
        ("[a", "missing closing ]"),
        ("(a", "invalid regular expression"),
        ("a\\", "trailing backslash"),
    ],
)
def test_refuses_what_go_refuses_or_python_cannot_mean(pattern: str, message: str) -> None:
    with pytest.raises(GoRegexError, match=None) as raised:
        compile_go(pattern)
    assert message in str(raised.value)
