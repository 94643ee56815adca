"""The Boundary recognition summary: a line in text, `summary.boundary` in JSON (version 1, added keys only)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema

from boundary_policy.recognition import Recognition
from boundary_policy.reporters import get_reporter
from boundary_policy.reporters.base import Report, recognition_lines
from tests.reporters.samples import empty, typical

SCHEMA = json.loads((Path(__file__).parents[1] / "fixtures" / "reporters" / "report-v1.schema.json").read_text())


def _with(report: Report, recognition: Recognition | None) -> Report:
    return dataclasses.replace(report, recognition=recognition)


def test_counts_and_reasons() -> None:
    found = Recognition(workloads=3, recognised=2, reasons={"annotation": 1, "module": 1}, workspaces_unrecognised=1)
    assert recognition_lines(_with(typical(), found)) == [
        "Boundary recognised in 2 of 3 workloads (annotation 1, module 1); 1 Coder workspace without a Boundary signal"
    ]


def test_none_recognised_among_workspaces_is_a_note() -> None:
    found = Recognition(workloads=2, recognised=0, reasons={}, workspaces_unrecognised=2)
    first, note = recognition_lines(_with(empty(), found))
    assert first == "Boundary recognised in 0 of 2 workloads"
    assert note.startswith("note: 2 workloads look like Coder workspaces")
    assert "boundaryWorkspaces" in note and "boundary-policy/container" in note


def test_nothing_to_say_without_workloads_or_recognition() -> None:
    assert recognition_lines(_with(empty(), None)) == []
    assert recognition_lines(_with(empty(), Recognition())) == []


def test_text_prints_it_after_the_summary() -> None:
    found = Recognition(workloads=1, recognised=0, reasons={}, workspaces_unrecognised=1)
    lines = get_reporter("text", width=100).render(_with(empty(), found)).splitlines()
    assert lines[0] == "No findings in 0 resources from 0 files"
    assert lines[1] == "Boundary recognised in 0 of 1 workload"
    assert lines[2].startswith("note: 1 workload looks like a Coder workspace")


def test_json_adds_summary_boundary_and_keeps_the_contract() -> None:
    found = Recognition(workloads=3, recognised=2, reasons={"env": 1, "parameter": 1}, workspaces_unrecognised=0)
    data = json.loads(get_reporter("json").render(_with(typical(), found)))
    jsonschema.validate(data, SCHEMA)
    assert data["summary"]["boundary"] == {
        "workloads": 3,
        "recognised": 2,
        "reasons": {"env": 1, "parameter": 1},
        "workspacesWithoutBoundary": 0,
    }
    without = json.loads(get_reporter("json").render(typical()))
    assert "boundary" not in without["summary"]
    assert {k: v for k, v in data["summary"].items() if k != "boundary"} == without["summary"]


def test_github_prints_it_after_the_summary_and_in_the_step_summary() -> None:
    from boundary_policy.reporters.github import step_summary_markdown

    found = Recognition(workloads=2, recognised=1, reasons={"module": 1}, workspaces_unrecognised=0)
    report = _with(empty(), found)
    lines = get_reporter("github").render(report).splitlines()
    assert lines[-1] == "boundary-policy: Boundary recognised in 1 of 2 workloads (module 1)"
    assert step_summary_markdown(report).endswith("\n\nBoundary recognised in 1 of 2 workloads (module 1)\n")
