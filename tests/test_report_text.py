"""The rich text report: exact layout, plain and deterministic when rendered to a string."""

from __future__ import annotations

import re
from dataclasses import replace
from io import StringIO

import pytest
from rich.console import Console
from test_report_helpers import (
    empty_report,
    golden,
    leak,
    not_analysed,
    one,
    return_changed,
    seed_report,
    series_report,
)

from pte_check.findings import Outcome
from pte_check.report import Format, formatter
from pte_check.report.text import render, render_to, step_line, summary_line


def _lines(text: str) -> list[str]:
    return text.splitlines()


def test_series_matches_golden() -> None:
    golden("series.txt", render(series_report()))


def test_empty_matches_golden() -> None:
    golden("empty.txt", render(empty_report()))


def test_patch_header_names_subject_source_status_and_kernel() -> None:
    lines = _lines(render(seed_report()))
    assert lines[:3] == [
        "Patch 1/1: mm/filemap: allow pte_offset_map_lock() to fail",
        "  filemap.patch:1, analysed, kernel model 6.4, from Hugh Dickins",
        "  functions: filemap_map_pages(), filemap_map_pmd()",
    ]


def test_finding_header_message_and_outcomes() -> None:
    lines = _lines(render(one(return_changed())))
    start = lines.index("  WARNING: return-changed in filemap_map_pages() (mm/filemap.c:3497)")
    assert lines[start + 1] == ("    filemap_map_pages() returned VM_FAULT_NOPAGE; it now returns 0 "
                                "when PMD maps a huge devmap page")
    assert "    entry states:" in lines
    assert "      - PMD is bad (pmd_bad() true)" in lines
    assert "    returns:  VM_FAULT_NOPAGE \u2192 0" in lines
    assert lines[-3] == ("    hunk:  @@ -3501,6 +3494,11 @@ vm_fault_t filemap_map_pages(struct "
                         "vm_fault *vmf,")


def test_witness_paths_show_function_line_text_and_branch() -> None:
    lines = _lines(render(one(return_changed())))
    before = lines.index("    before the patch (returns VM_FAULT_NOPAGE):")
    after = lines.index("    after the patch (returns 0):")
    assert before < after
    assert lines[before + 1] == "      filemap_map_pages  model  vm_fault_t ret = 0;"
    assert lines[before + 5].startswith("      filemap_map_pmd    model  if (pmd_trans_huge")
    assert lines[before + 5].endswith("false")
    assert re.fullmatch(r" {26}3412  if \(pmd_devmap_trans_unstable\(vmf->pmd\)\) \{ +true",
                        lines[before + 7])
    assert lines[before + 8] == " " * 26 + "3413  folio_unlock(folio);"


def test_paths_line_up_one_above_the_other() -> None:
    lines = _lines(render(one(return_changed())))
    notes = [line for line in lines if line.endswith(("  true", "  false"))]
    assert len(notes) == 10
    assert len({len(line.rstrip("truefals")) for line in notes}) == 1


def test_resources_and_fault_rows() -> None:
    lines = _lines(render(one(leak())))
    assert "    resources:  page-table lock released \u2192 page-table lock leaked" in lines
    assert "    fault:      none \u2192 page-table lock still held on return" in lines
    assert "  ERROR: resource-imbalance in do_fault_around() (mm/memory.c:4650)" in lines


def test_waived_finding_is_marked_with_its_reason() -> None:
    lines = _lines(render(seed_report()))
    assert ("  WARNING: fault-outcome-changed in do_read_fault() (mm/filemap.c:3497)  [waived]"
            in lines)
    assert ("    waived: it really doesn't matter whether we return VM_FAULT_NOPAGE or 0 for it"
            in lines)
    assert ("    via:      do_read_fault() \u2192 do_fault_around() \u2192 filemap_map_pages()"
            in lines)


def test_not_analysed_without_function_or_line() -> None:
    lines = _lines(render(one(not_analysed())))
    assert "  NOTE: not-analysed (mm/huge_memory.c)" in lines
    assert not any("returns:" in line or "entry states" in line for line in lines)


def test_notes_and_skipped_files_close_the_patch() -> None:
    text = render(series_report())
    assert "\n  skipped:  Documentation/mm/transhuge.rst\n\nPatch 3/3:" in text
    assert "\n  note:  model: Linux 6.4 function bodies, 6.5 primitive contracts\n\nPatch 2/3" in text


def test_patches_without_findings_claim_nothing_unless_analysed() -> None:
    text = render(series_report())
    assert "  not analysed (see the notes): nothing is claimed\n" in text
    assert "no behavioural difference found" in render(one())


def test_subject_is_not_taken_for_markup() -> None:
    assert "Patch 3/3: mm: [bold]check pmd[0] first[/bold]\n" in render(series_report())


def test_summary_is_the_last_line_and_one_line() -> None:
    last = _lines(render(series_report()))[-1]
    assert last == ("pte-check 0.1.0: 3 patches (1 analysed, 1 incomplete, 1 not analysable); "
                    "4 findings: 1 error, 2 warnings, 1 note; 1 waived")
    assert summary_line(one().summary) == ("1 patch (1 analysed, 0 incomplete, 0 not analysable); "
                                           "0 findings: 0 errors, 0 warnings, 0 notes; 0 waived")


def test_plain_deterministic_and_within_width(monkeypatch: pytest.MonkeyPatch) -> None:
    first = render(series_report())
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    assert render(series_report()) == first
    assert "\x1b" not in first
    assert all(len(line) <= 100 for line in _lines(first)[:-1])
    assert not any(line != line.rstrip() for line in _lines(first))


def test_render_to_a_colour_terminal() -> None:
    buffer = StringIO()
    console = Console(file=buffer, width=100, force_terminal=True, color_system="standard",
                      markup=False, highlight=False, _environ={})
    render_to(console, series_report())
    coloured = buffer.getvalue()
    assert "\x1b[1;31mERROR:" in coloured
    plain = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert [line.rstrip() for line in plain.splitlines()] == _lines(render(series_report()))


def test_formatter_selects_text() -> None:
    assert formatter(Format.TEXT)(seed_report()) == render(seed_report())


def test_step_line_and_missing_outcome() -> None:
    assert step_line(return_changed().after.path[-5]) == (  # type: ignore[union-attr]
        "filemap_map_pages:3497  if (!vmf->pte) {  [true]")
    added = replace(return_changed(), before=None, after=Outcome(("VM_FAULT_SIGBUS",)))
    assert "    returns:  nothing \u2192 VM_FAULT_SIGBUS" in _lines(render(one(added)))
