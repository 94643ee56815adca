"""The one Rego source reader: comments and strings fool none of its users."""

from __future__ import annotations

from boundary_policy.rego.source import package_of, package_statement, refers_to, significant, tokenize, unindented

MODULE = """# METADATA
# title: package decoy
package rules.bnd001

import data.lib.k8s

msg := "data.inventory is only text here"
# data.inventory in a comment

test_allowed if {
\ttest_inner := 1
\ttest_inner == 1
}

todo_test_later if { true }
"""


def test_tokens_join_back_to_the_source_and_carry_their_line() -> None:
    tokens = tokenize(MODULE)
    assert "".join(t.text for t in tokens) == MODULE
    package = next(t for t in tokens if t.text == "package")
    assert package.line == 3
    assert all(t.kind not in ("space", "newline", "comment") for t in significant(MODULE))


def test_the_package_statement_is_found_past_a_comment_that_mentions_it() -> None:
    assert package_statement(MODULE) == ("rules.bnd001", 3)
    assert package_of('package a["b-c"]\n') == "a.b-c"
    assert package_of("# package nothing\n") is None


def test_refs_in_strings_and_comments_do_not_count() -> None:
    assert not refers_to(MODULE, "data", "inventory")
    assert refers_to(MODULE, "data", "lib", "k8s")
    assert refers_to('x := data["inventory"].cluster\n', "data", "inventory")
    assert not refers_to("x := input.data.inventory\n", "data", "inventory")


def test_unindented_tokens_are_the_statement_heads() -> None:
    heads = [t.text for t in unindented(MODULE) if t.kind == "ident"]
    assert heads == ["package", "import", "msg", "test_allowed", "todo_test_later"]
