"""Every format that appends a rule's fix decides the same way: not when the message already gives one."""

from __future__ import annotations

import dataclasses

import pytest

from boundary_policy.reporters import get_reporter
from tests.reporters.samples import finding, typical

CATALOG_FIX = "Pass the node inventory with --inventory."


@pytest.mark.parametrize("fmt", ["text", "github", "junit"])
def test_the_catalog_fix_is_appended_when_the_message_has_none(fmt: str) -> None:
    report = dataclasses.replace(typical(), findings=[finding("BND023", "warning", "unknown nodes")])
    assert "fix: " + CATALOG_FIX in get_reporter(fmt, width=200).render(report)


@pytest.mark.parametrize("fmt", ["text", "github", "junit"])
def test_the_catalog_fix_is_not_repeated_when_the_message_gives_one(fmt: str) -> None:
    report = dataclasses.replace(
        typical(), findings=[finding("BND023", "warning", "unknown nodes; fix: pass --inventory")]
    )
    rendered = get_reporter(fmt, width=200).render(report)
    assert "fix: pass --inventory" in rendered
    assert CATALOG_FIX not in rendered
