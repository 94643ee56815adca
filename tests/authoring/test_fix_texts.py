"""Each rule's METADATA fix (what `explain`, the rule docs and SARIF help show) and the fix its messages give (what
the cluster prints) agree: they name the same remedies, so neither reader is told less than the other.

A remedy is named by its key terms: capabilities and env vars (NET_ADMIN, BOUNDARY_NO_USER_NAMESPACE), flags,
label and annotation keys, manifest fields (seccompProfile), sysctls, Option A/B and the jail types. The messages
are the real ones: every case of the rule's gator Suite, evaluated with the embedded engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pytest

from boundary_policy.authoring.catalog import CatalogRule, load_catalog
from boundary_policy.engine import open_engine
from boundary_policy.suites import Runner, find_suite_files, read_suite
from tests.conftest import ROOT

_KEY_TERM = re.compile(
    r"[A-Z][A-Z0-9]*_[A-Z0-9_]+"  # NET_ADMIN, BOUNDARY_NO_USER_NAMESPACE, CLONE_NEWUSER
    r"|(?<![\w-])--[a-z][a-z-]+"  # --no-user-namespace
    r"|(?:[a-z0-9-]+\.)*(?:boundary-policy|kubernetes\.io|amazonaws\.com)/[a-z][a-z0-9-]*"  # label/annotation keys
    r"|\b[a-z]+(?:[A-Z][a-z]+)+\b"  # manifest fields and parameters: seccompProfile, runAsUser, nodeKind
    r"|\buser\.max_user_namespaces\b"
    r"|\b[a-z]+_[a-z_]+\b"  # Boundary config keys: jail_type, no_user_namespace
    r"|\bOption [AB]\b|\b(?:nsjail|landjail|Unconfined|RuntimeDefault)\b"
    r"|\b(?:iproute2|iptables|setpriv|sudo)\b"  # what an image must contain
    r"|\b[a-z0-9.-]+/[a-z0-9.-]+:[\w.-]+"  # an image reference
)


def key_terms(text: str) -> set[str]:
    return set(_KEY_TERM.findall(text))


def split_fix(message: str) -> tuple[str, str]:
    """(what is wrong, the fix) of a message that ends with '; fix: …'."""
    assert message.count("fix:") == 1, f"a message gives its fix exactly once: {message}"
    before, fix = message.split("fix:")
    return before, fix


CATALOG = load_catalog(ROOT / "policies")


@cache
def suite_messages() -> dict[str, tuple[str, ...]]:
    """Rule folder (bnd020) -> every violation message of its Suite's cases."""
    engine = open_engine("embedded")
    try:
        runner = Runner(engine)
        found: dict[str, list[str]] = {}
        for file, shown in find_suite_files([str(ROOT / "gatekeeper" / "suites") + "/..."]):
            suite = read_suite(file, shown)
            if suite is None:
                continue
            result = runner.run(suite)
            messages = [m for test in result.tests for case in test.cases for m in case.messages]
            found.setdefault(file.parent.name, []).extend(messages)
    finally:
        engine.close()
    return {stem: tuple(dict.fromkeys(messages)) for stem, messages in found.items()}


def _enforced() -> Iterator[CatalogRule]:
    yield from CATALOG.enforced()


@pytest.mark.parametrize("rule", list(_enforced()), ids=lambda rule: rule.id)
def test_message_fix_and_metadata_fix_name_the_same_remedies(rule: CatalogRule) -> None:
    messages = suite_messages().get(rule.file_stem, ())
    assert messages, f"{rule.id}: its Suite produces no violation to compare with"
    metadata_terms = key_terms(rule.info.fix)
    assert metadata_terms, f"{rule.id}: the METADATA fix names no remedy"
    said: set[str] = set()
    for message in messages:
        before, fix = split_fix(message)
        # Terms of the case itself (the capability written wrongly, the profile file) may be repeated in its fix.
        extra = key_terms(fix) - metadata_terms - key_terms(before)
        assert not extra, f"{rule.id}: the message's fix names {sorted(extra)}, the METADATA fix does not:\n{message}"
        said |= key_terms(message)
    missing = metadata_terms - said
    assert not missing, f"{rule.id}: the METADATA fix names {sorted(missing)}, which no message of its Suite says"


def test_every_rule_has_a_fix_without_broken_words() -> None:
    for rule in CATALOG:
        fix = " ".join(rule.info.fix.split())
        assert fix, rule.id
        # A YAML folded line broken after a hyphen leaves "boundary- policy": keep such keys on one line.
        assert not re.search(r"\w- \w", fix), f"{rule.id}: {fix}"


def test_bnd020_says_the_nodes_must_show_the_fact() -> None:
    # Fixing the user data alone does not clear the finding: the Nodes (or their EC2NodeClass) must show it.
    rule = CATALOG.get("BND020")
    assert rule is not None
    for text in (rule.info.fix, *suite_messages()["bnd020"]):
        assert "boundary-policy/max-user-namespaces" in text, text
        assert "EC2NodeClass" in text, text
