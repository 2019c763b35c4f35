"""b4 check output: one entry per patch at fault, pass/warn/fail, `[]` when nothing to report."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from test_report_helpers import (
    WAIVER,
    empty_report,
    golden,
    leak,
    not_analysed,
    one,
    return_changed,
    seed_report,
    series_report,
)

from pte_check.findings import Report
from pte_check.report import Format, formatter
from pte_check.report.b4 import render


def _entries(report: Report) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(render(report))
    return data


def test_series_matches_golden() -> None:
    golden("series.b4.json", render(series_report()))


def test_warning_patch() -> None:
    assert _entries(seed_report()) == [{
        "tool": "pte-check", "status": "warn", "summary": "2 warnings", "url": "",
        "details": json.dumps([
            {"status": "warn", "description": "mm/filemap.c:3497: return-changed: "
             + return_changed().message},
            {"status": "warn", "description": "mm/filemap.c:3411: return-changed: "
             "filemap_map_pmd() returned true; it now returns false when PMD maps a huge "
             "devmap page (pmd_devmap() true, pmd_trans_huge() false)"}])}]


def test_error_fails_and_counts_both() -> None:
    [entry] = _entries(one(leak(), return_changed()))
    assert (entry["status"], entry["summary"]) == ("fail", "1 error, 1 warning")
    assert [d["status"] for d in json.loads(entry["details"])] == ["fail", "warn"]


def test_several_patches_name_theirs() -> None:
    entries = _entries(series_report())
    assert [(e["status"], e["summary"]) for e in entries] == [
        ("warn", "mm/filemap: allow pte_offset_map_lock() to fail: 2 warnings"),
        ("fail", "mm/memory: bail out of do_fault_around() early: 1 error")]


def test_nothing_to_report_is_an_empty_list() -> None:
    assert render(empty_report()) == "[]\n"
    assert render(one()) == "[]\n"
    assert render(one(not_analysed())) == "[]\n"
    assert render(one(leak().waive(WAIVER), return_changed().waive(WAIVER))) == "[]\n"


def test_waived_error_leaves_the_warning() -> None:
    [entry] = _entries(one(leak().waive(WAIVER), return_changed()))
    assert (entry["status"], entry["summary"]) == ("warn", "1 warning")


def test_line_unknown() -> None:
    [entry] = _entries(one(replace(leak(), line=None)))
    assert json.loads(entry["details"])[0]["description"].startswith(
        "mm/memory.c: resource-imbalance: ")


def test_formatter_selects_b4() -> None:
    assert formatter(Format.B4)(series_report()) == render(series_report())
