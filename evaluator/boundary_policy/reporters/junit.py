"""`-o junit`: one <testsuite> per file, one <testcase> per finding.

Findings at or above --fail-on are <failure>s; those below pass and keep their text in <system-out>, so CI totals
agree with the exit code. Files read without any finding (when the report lists them) get one passing case.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from boundary_policy.model import Finding
from boundary_policy.reporters.base import (
    FIX_MARKER,
    TOOL_NAME,
    BaseReporter,
    Report,
    fails,
    fix_to_append,
    location,
    ordered,
    resource_label,
)

__all__ = ["JunitReporter", "case_name", "details", "failure_message", "testcase", "testsuite", "xml_text"]

# Characters XML 1.0 cannot carry at all, even escaped; ElementTree would write them raw and break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def case_name(finding: Finding) -> str:
    name = finding.rule
    if finding.resource is not None:
        name += f" {finding.resource.kind}/{finding.resource.name}"
    if finding.container is not None:
        name += f" [{finding.container}]"
    return name


def details(report: Report, finding: Finding) -> str:
    lines = [f"{finding.severity} {finding.rule} at {location(finding)}"]
    if finding.resource is not None:
        lines.append(f"resource: {finding.resource.api_version} {resource_label(finding.resource)}")
    if finding.container is not None:
        lines.append(f"container: {finding.container}")
    if finding.node is not None:
        lines.append(f"node: {finding.node}")
    if finding.constraint_kind is not None or finding.constraint_name is not None:
        constraint = f"{finding.constraint_kind or '?'}/{finding.constraint_name or '?'}"
        lines.append(f"constraint: {constraint} ({finding.enforcement_action})")
    lines += ["", finding.message]
    fix = fix_to_append(report, finding)
    if fix is not None:
        lines += ["", f"fix: {fix}"]
    return xml_text("\n".join(lines) + "\n")


def failure_message(finding: Finding) -> str:
    """The failure's `message` attribute: what is wrong, without the fix. CI pages show the attribute beside the
    failure's text, which holds the whole message, so the fix is given there once."""
    head, marker, _fix = finding.message.rpartition(FIX_MARKER)
    return head.rstrip().rstrip(";,").rstrip() if marker and head.strip() else finding.message


def testcase(report: Report, finding: Finding) -> ET.Element:
    case = ET.Element("testcase", classname=xml_text(finding.file), name=xml_text(case_name(finding)))
    if fails(finding, report.fail_on):
        failure = ET.SubElement(
            case, "failure", message=xml_text(failure_message(finding)), type=xml_text(finding.rule)
        )
        failure.text = details(report, finding)
    else:
        ET.SubElement(case, "system-out").text = details(report, finding)
    return case


def testsuite(file: str, cases: list[ET.Element]) -> ET.Element:
    failures = sum(1 for case in cases if case.find("failure") is not None)
    suite = ET.Element(
        "testsuite", name=xml_text(file), tests=str(len(cases)), failures=str(failures), errors="0", skipped="0"
    )
    suite.extend(cases)
    return suite


def _errors_suite(errors: Sequence[str]) -> ET.Element:
    """Evaluations that did not complete, as errored cases: a CI that reads only the JUnit file sees the run failed."""
    count = str(len(errors))
    suite = ET.Element("testsuite", name=TOOL_NAME, tests=count, failures="0", errors=count, skipped="0")
    for line in errors:
        case = ET.SubElement(suite, "testcase", classname=TOOL_NAME, name="evaluation")
        ET.SubElement(case, "error", message=xml_text(line), type="incomplete")
    return suite


class JunitReporter(BaseReporter):
    def render(self, report: Report) -> str:
        suites: dict[str, ET.Element] = {}
        for file, group in itertools.groupby(ordered(report.findings), key=lambda finding: finding.file):
            suites[file] = testsuite(file, [testcase(report, finding) for finding in group])
        for file in set(report.paths) - suites.keys():
            clean = ET.Element("testcase", classname=xml_text(file), name="no findings")
            suites[file] = testsuite(file, [clean])
        root = ET.Element("testsuites", name=TOOL_NAME)
        root.extend(suites[file] for file in sorted(suites))
        if report.errors:
            root.append(_errors_suite(report.errors))
        root.set("tests", str(sum(int(suite.get("tests", "0")) for suite in root)))
        root.set("failures", str(sum(int(suite.get("failures", "0")) for suite in root)))
        root.set("errors", str(len(report.errors)))
        ET.indent(root)
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
