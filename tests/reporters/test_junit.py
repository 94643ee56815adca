"""`-o junit`: parsed back with xml.etree, its totals agree with the findings and --fail-on."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from boundary_policy.reporters import get_reporter
from boundary_policy.reporters.base import Report
from tests.reporters.samples import awkward, empty, typical


def parsed(report: Report) -> ET.Element:
    return ET.fromstring(get_reporter("junit").render(report))


def totals(element: ET.Element) -> tuple[int, int, int]:
    return int(element.get("tests", "-1")), int(element.get("failures", "-1")), int(element.get("errors", "-1"))


def test_totals_add_up_and_errors_at_fail_on_are_failures() -> None:
    root = parsed(typical())
    assert root.tag == "testsuites" and root.get("name") == "boundary-policy"
    # 6 findings (4 errors) + one passing case for the clean file.
    assert totals(root) == (7, 4, 0)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == sorted(typical().paths)
    assert sum(totals(s)[0] for s in suites) == 7
    assert sum(totals(s)[1] for s in suites) == 4
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases)
        assert int(suite.get("failures", "")) == sum(1 for c in cases if c.find("failure") is not None)
        assert all(c.get("classname") == suite.get("name") for c in cases)


def test_findings_below_fail_on_pass_with_their_text_in_system_out() -> None:
    root = parsed(typical())
    ws = next(s for s in root if s.get("name") == "manifests/ws.yaml")
    cases = {c.get("name"): c for c in ws}
    advice = cases["BND070 Deployment/ws-alice [dev]"]
    assert advice.find("failure") is None
    assert "the agent-firewall module version is not pinned" in (advice.findtext("system-out") or "")
    assert totals(parsed(dataclasses.replace(typical(), fail_on="info")))[1] == 6
    assert totals(parsed(dataclasses.replace(typical(), fail_on="warning")))[1] == 5


def test_failure_has_message_type_and_details_with_line_and_fix() -> None:
    root = parsed(typical())
    ws = next(s for s in root if s.get("name") == "manifests/ws.yaml")
    case = next(c for c in ws if (c.get("name") or "").startswith("BND010"))
    assert case.get("name") == "BND010 Deployment/ws-alice [dev]"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "BND010"
    assert (
        failure.get("message") == 'container "dev" does not add NET_ADMIN; nsjail cannot create the network namespace'
    )
    details = failure.text or ""
    assert "manifests/ws.yaml:31" in details
    assert "fix: Add NET_ADMIN to securityContext.capabilities.add of the agent container." in details
    assert "constraint: BoundaryNetAdmin/bnd010 (deny)" in details


def test_cases_without_resource_or_container_and_clean_files() -> None:
    suites = {s.get("name"): s for s in parsed(typical())}
    assert [c.get("name") for c in suites["manifests/broken.yaml"]] == ["BND000"]
    assert [c.get("name") for c in suites["inventory/namespaces.yaml"]] == ["BND050 Namespace/coder"]
    clean = suites["manifests/clean.yaml"].findall("testcase")
    assert [(c.get("name"), c.find("failure")) for c in clean] == [("no findings", None)]


def test_without_paths_only_files_with_findings_appear() -> None:
    root = parsed(dataclasses.replace(typical(), paths=()))
    assert "manifests/clean.yaml" not in {s.get("name") for s in root}
    assert totals(root) == (6, 4, 0)


def test_awkward_text_stays_well_formed_and_round_trips() -> None:
    root = parsed(awkward())
    assert totals(root) == (6, 5, 0)  # fail_on=warning: only the info finding passes
    messages = {f.get("message") for f in root.iter("failure")}
    assert "first line\nsecond line\r\nthird line" in messages
    assert "100% of 50%, a:b, c::d" in messages
    assert "ünïcødé ✓ 日本語 — “quotes” <tag> & | pipe `tick` *star*" in messages
    out = next(root.iter("system-out")).text or ""
    # XML 1.0 cannot hold ESC, BEL or NUL, so they are written as visible escapes.
    assert "escape \\x1b[31mred\\x1b[0m bell\\x07 nul\\x00 tab\tend" in out
    assert {s.get("name") for s in root} == {f.file for f in awkward().findings}


def test_empty_report() -> None:
    root = parsed(empty())
    assert totals(root) == (0, 0, 0)
    assert list(root) == []
    assert get_reporter("junit").render(empty()).startswith("<?xml version='1.0' encoding='utf-8'?>\n")
