"""The registry, and what every format promises: byte-stable output whatever the order of the findings."""

from __future__ import annotations

import dataclasses
import random

import pytest

from boundary_policy.reporters import REPORTERS, UnknownFormatError, get_reporter
from tests.reporters.samples import REPORTS

FORMATS = ["text", "json", "sarif", "junit", "github"]


def test_registry_lists_exactly_the_documented_formats() -> None:
    assert sorted(REPORTERS) == sorted(FORMATS)


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(UnknownFormatError, match=r"unknown output format 'yaml': choose one of text, json, sarif"):
        get_reporter("yaml")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sample", sorted(REPORTS))
def test_render_is_byte_stable(fmt: str, sample: str) -> None:
    report = REPORTS[sample]()
    first = get_reporter(fmt).render(report)
    assert first == get_reporter(fmt).render(report)
    assert first.endswith("\n") and not first.endswith("\n\n\n")
    for seed in range(5):
        shuffled = list(report.findings)
        random.Random(seed).shuffle(shuffled)
        assert get_reporter(fmt).render(dataclasses.replace(report, findings=shuffled)) == first


@pytest.mark.parametrize("fmt", FORMATS)
def test_order_is_total_even_when_file_line_rule_and_message_tie(fmt: str) -> None:
    report = REPORTS["typical"]()
    base = report.findings[0]
    twins = [
        dataclasses.replace(base, container="b"),
        dataclasses.replace(base, container="a"),
        dataclasses.replace(base, container=None),
        dataclasses.replace(base, node="n1"),
    ]
    outputs = {
        get_reporter(fmt).render(dataclasses.replace(report, findings=order))
        for order in (twins, twins[::-1], [twins[2], twins[0], twins[3], twins[1]])
    }
    assert len(outputs) == 1


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "text"])
def test_machine_formats_ignore_color(fmt: str) -> None:
    report = REPORTS["typical"]()
    assert get_reporter(fmt, color=True, width=40).render(report) == get_reporter(fmt).render(report)
    assert "\x1b[" not in get_reporter(fmt, color=True).render(report)
