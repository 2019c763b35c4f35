"""SARIF 2.1.0: valid against the schema, every rule, results with locations, flows and waivers."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft4Validator
from test_report_helpers import (
    GOLDEN,
    WAIVER,
    empty_report,
    golden,
    leak,
    not_analysed,
    one,
    return_changed,
    series_report,
)

from pte_check.findings import HunkRef
from pte_check.report import Format, formatter
from pte_check.report.sarif import render
from pte_check.rules import ALL_RULES

_SCHEMA = json.loads((GOLDEN / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _log(report: Any) -> dict[str, Any]:
    text = render(report)
    errors = sorted(Draft4Validator(_SCHEMA).iter_errors(json.loads(text)), key=str)
    assert [e.message for e in errors] == []
    data: dict[str, Any] = json.loads(text)
    return data


def _results(report: Any) -> list[dict[str, Any]]:
    runs = _log(report)["runs"]
    assert len(runs) == 1
    results: list[dict[str, Any]] = runs[0]["results"]
    return results


@pytest.mark.parametrize("report", [series_report(), empty_report(), one(not_analysed())])
def test_valid_against_the_schema(report: Any) -> None:
    _log(report)


def test_series_matches_golden() -> None:
    golden("series.sarif", render(series_report()))


def test_deterministic() -> None:
    assert render(series_report()) == render(series_report())
    assert "Utc" not in render(series_report())


def test_driver_and_every_rule() -> None:
    log = _log(empty_report())
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == (
        "pte-check", "0.1.0", "https://github.com/pte-check/pte-check")
    assert [r["id"] for r in driver["rules"]] == [r.id for r in ALL_RULES]
    leak_rule = driver["rules"][1]
    assert leak_rule["name"] == "ResourceImbalance"
    assert leak_rule["shortDescription"] == {"text": "Resource imbalance"}
    assert leak_rule["fullDescription"]["text"].startswith("A path now leaks or releases twice")
    assert leak_rule["help"]["markdown"].startswith(
        "**Resource imbalance** (`resource-imbalance`, default severity error)\n\nA path now")
    assert [r["defaultConfiguration"]["level"] for r in driver["rules"]] == [
        "warning", "error", "error", "note", "note", "warning", "note"]


def test_result_message_location_and_fingerprints() -> None:
    [res] = _results(one(return_changed()))
    assert res["ruleId"] == "return-changed"
    assert res["ruleIndex"] == 0
    assert res["level"] == "warning"
    assert res["message"]["text"] == (
        "Return value changed: filemap_map_pages() returned VM_FAULT_NOPAGE; it now returns 0 "
        "when PMD maps a huge devmap page (pmd_devmap() true, pmd_trans_huge() false) "
        "(and 3 more entry states)")
    assert res["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": "mm/filemap.c"},
                             "region": {"startLine": 3497}},
        "logicalLocations": [{"name": "filemap_map_pages", "kind": "function"}]}]
    assert res["partialFingerprints"]["pteCheck/v1"] == "8ead7278a379b74b"
    assert res["partialFingerprints"]["primaryLocationLineHash"].endswith(":1")
    assert "suppressions" not in res


def test_related_location_is_the_hunk_pre_image() -> None:
    [res] = _results(one(return_changed()))
    assert res["relatedLocations"] == [{
        "id": 0,
        "physicalLocation": {"artifactLocation": {"uri": "mm/filemap.c"},
                             "region": {"startLine": 3501}},
        "message": {"text": "before the patch: hunk @@ -3501,6 +3494,11 @@ vm_fault_t "
                            "filemap_map_pages(struct vm_fault *vmf,"}}]


def test_new_file_hunk_and_unknown_line_have_no_region() -> None:
    new_file = HunkRef("mm/new.c", 0, "@@ -0,0 +1,20 @@", 0, 1)
    [res] = _results(one(replace(leak(), line=None, hunk=new_file)))
    assert "region" not in res["locations"][0]["physicalLocation"]
    assert res["relatedLocations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "mm/new.c"}}


def test_not_analysed_has_no_flows_nor_function() -> None:
    [res] = _results(one(not_analysed()))
    assert res["level"] == "note"
    assert res["locations"] == [{"physicalLocation": {"artifactLocation": {
        "uri": "mm/huge_memory.c"}}}]
    assert "codeFlows" not in res and "relatedLocations" not in res


def test_code_flows_before_and_after() -> None:
    [res] = _results(one(return_changed()))
    [flow] = res["codeFlows"]
    before, after = flow["threadFlows"]
    assert (before["id"], after["id"]) == ("before", "after")
    assert before["message"]["text"] == "before the patch: returns VM_FAULT_NOPAGE"
    assert after["message"]["text"] == "after the patch: returns 0"
    assert len(before["locations"]) == 13 and len(after["locations"]) == 14
    assert before["locations"][0] == {"location": {
        "message": {"text": "vm_fault_t ret = 0;"},
        "logicalLocations": [{"name": "filemap_map_pages", "kind": "function"}]}}
    assert before["locations"][6] == {"location": {
        "message": {"text": "if (pmd_devmap_trans_unstable(vmf->pmd)) { [true]"},
        "physicalLocation": {"artifactLocation": {"uri": "mm/filemap.c"},
                             "region": {"startLine": 3412}},
        "logicalLocations": [{"name": "filemap_map_pmd", "kind": "function"}]}}


def test_waived_finding_is_suppressed_with_the_reason() -> None:
    results = _results(series_report())
    waived = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in waived] == ["fault-outcome-changed"]
    assert waived[0]["suppressions"] == [{"kind": "external", "justification": WAIVER}]


def test_line_hash_counts_repeats_of_file_function_rule() -> None:
    first, second = _results(one(return_changed(), replace(return_changed(), line=3500)))
    one_hash, one_n = first["partialFingerprints"]["primaryLocationLineHash"].split(":")
    two_hash, two_n = second["partialFingerprints"]["primaryLocationLineHash"].split(":")
    assert (one_hash, one_n, two_n) == (two_hash, "1", "2")
    assert len(one_hash) == 16


def test_incomplete_and_failed_patches_are_notified() -> None:
    notes = _log(series_report())["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes == [
        {"level": "warning",
         "message": {"text": "mm/memory: bail out of do_fault_around() early: analysis "
                             "incomplete"}},
        {"level": "error",
         "message": {"text": "mm: [bold]check pmd[0] first[/bold]: analysis error "
                             "(series.mbox:495: hunk header @@ -10,7 +10,7 @@ cut short)"}}]


def test_formatter_selects_sarif() -> None:
    assert formatter(Format.SARIF)(series_report()) == render(series_report())


def test_schema_rejects_what_it_must() -> None:
    bad = json.loads(render(one(return_changed())))
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not Draft4Validator(_SCHEMA).is_valid(bad)
