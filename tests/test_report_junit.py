"""JUnit XML: parsed back, a suite per patch, a case per function, failures, errors and skips."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from test_report_helpers import (
    WAIVER,
    empty_report,
    golden,
    leak,
    map_pmd_changed,
    not_analysed,
    one,
    return_changed,
    series_report,
)

from pte_check.findings import Report
from pte_check.report import Format, formatter
from pte_check.report.junit import render
from pte_check.rules import Severity


def _parse(report: Report) -> ET.Element:
    text = render(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    return ET.fromstring(text.split("\n", 1)[1])


def _counts(element: ET.Element) -> tuple[str | None, ...]:
    return tuple(element.get(k) for k in ("tests", "failures", "errors", "skipped"))


def test_series_matches_golden() -> None:
    golden("series.junit.xml", render(series_report()))


def test_suites_and_totals() -> None:
    root = _parse(series_report())
    assert root.get("name") == "pte-check"
    assert _counts(root) == ("6", "3", "2", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "mm/filemap: allow pte_offset_map_lock() to fail",
        "mm/memory: bail out of do_fault_around() early",
        "mm: [bold]check pmd[0] first[/bold]"]
    assert [_counts(s) for s in suites] == [
        ("3", "2", "0", "1"), ("2", "1", "1", "0"), ("1", "0", "1", "0")]


def test_a_case_per_function_with_unique_names() -> None:
    seed = _parse(series_report()).findall("testsuite")[0]
    cases = seed.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("mm/filemap: allow pte_offset_map_lock() to fail", "filemap_map_pages"),
        ("mm/filemap: allow pte_offset_map_lock() to fail", "filemap_map_pmd"),
        ("mm/filemap: allow pte_offset_map_lock() to fail", "do_read_fault")]


def test_failure_carries_the_finding() -> None:
    [case] = _parse(one(leak())).findall("testsuite/testcase")
    [failure] = case.findall("failure")
    assert failure.get("type") == "resource-imbalance"
    assert failure.get("message") == (
        "Resource imbalance: do_fault_around() now returns with the page-table lock held")
    assert failure.text == (
        "error resource-imbalance: do_fault_around() now returns with the page-table lock held\n"
        "at mm/memory.c:4650\n"
        "entry state: PMD maps a page table (pmd_none() false, pmd_trans_huge() false)\n"
        "returns: 0 \u2192 0\n"
        "resources: page-table lock released \u2192 page-table lock leaked\n"
        "fault: none \u2192 page-table lock still held on return\n"
        "hunk: @@ -4640,7 +4640,9 @@ static vm_fault_t do_fault_around(struct vm_fault *vmf)")


def test_two_findings_in_one_function_are_two_failures() -> None:
    again = replace(return_changed(), line=3500)
    [case] = _parse(one(return_changed(), again)).findall("testsuite/testcase")
    assert len(case.findall("failure")) == 2


def test_waived_is_skipped_and_notes_do_not_fail() -> None:
    waived = return_changed().waive(WAIVER)
    note = replace(map_pmd_changed(), rule="path-added", severity=Severity.NOTE)
    root = _parse(one(waived, note))
    first, second = root.findall("testsuite/testcase")
    assert first.find("skipped") is not None
    assert first.find("skipped").get("message") == f"waived: {WAIVER}"  # type: ignore[union-attr]
    assert second.findall("failure") == [] and second.find("skipped") is None
    assert second.findtext("system-out", "").startswith("note path-added: filemap_map_pmd()")
    assert _counts(root) == ("2", "0", "0", "1")


def test_not_analysed_is_an_error() -> None:
    [case] = _parse(one(not_analysed())).findall("testsuite/testcase")
    assert case.get("name") == "mm/huge_memory.c"
    [error] = case.findall("error")
    assert (error.get("type"), error.get("message")) == (
        "not-analysed",
        "Not analysed: hunk @@ -1203,6 +1203,7 @@: no function of the model contains it")


def test_unreadable_patch_is_one_error_case() -> None:
    broken = _parse(series_report()).findall("testsuite")[2]
    [case] = broken.findall("testcase")
    assert case.get("name") == "(patch)"
    assert case.findtext("error") == "series.mbox:495: hunk header @@ -10,7 +10,7 @@ cut short"
    props = {p.get("name"): p.get("value") for p in broken.findall("properties/property")}
    assert props == {"source": "series.mbox:480", "status": "error",
                     "note": "series.mbox:495: hunk header @@ -10,7 +10,7 @@ cut short"}


def test_clean_patch_passes_and_empty_report() -> None:
    clean = Report("0.1.0", (replace(one().patches[0], functions=("do_fault",)),))
    [case] = _parse(clean).findall("testsuite/testcase")
    assert (case.get("name"), len(case)) == ("do_fault", 0)
    assert _counts(_parse(clean)) == ("1", "0", "0", "0")
    assert _counts(_parse(empty_report())) == ("0", "0", "0", "0")


def test_formatter_selects_junit() -> None:
    assert formatter(Format.JUNIT)(series_report()) == render(series_report())
