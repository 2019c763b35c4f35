"""GitHub annotations: exact command lines, escaping as the runner decodes it, most severe first."""

from __future__ import annotations

from dataclasses import replace

from test_report_helpers import (
    golden,
    leak,
    not_analysed,
    one,
    return_changed,
    seed_report,
    series_report,
)

from pte_check.report import Format, formatter
from pte_check.report.github import annotation, escape_data, escape_property, render


def test_series_matches_golden() -> None:
    golden("series.github.txt", render(series_report()))


def test_one_line_per_live_finding_most_severe_first() -> None:
    lines = render(series_report()).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error", "::warning", "::warning", "::notice"]
    assert lines[1].startswith("::warning file=mm/filemap.c,line=3497,")
    assert lines[2].startswith("::warning file=mm/filemap.c,line=3411,")


def test_waived_findings_are_not_annotated() -> None:
    assert "do_read_fault" not in render(seed_report())
    assert len(render(seed_report()).splitlines()) == 2


def test_exact_annotation() -> None:
    assert annotation(leak()) == (
        "::error file=mm/memory.c,line=4650,title=Resource imbalance (resource-imbalance) in "
        "do_fault_around()::do_fault_around() now returns with the page-table lock held%0A"
        "Entry states:%0A- PMD maps a page table (pmd_none() false, pmd_trans_huge() false)%0A"
        "Returns: 0 \u2192 0%0A"
        "Resources: page-table lock released \u2192 page-table lock leaked%0A"
        "Fault: none \u2192 page-table lock still held on return%0A"
        "Hunk: @@ -4640,7 +4640,9 @@ static vm_fault_t do_fault_around(struct vm_fault *vmf)")


def test_no_line_no_function() -> None:
    assert annotation(not_analysed()) == (
        "::notice file=mm/huge_memory.c,title=Not analysed (not-analysed)::"
        "hunk @@ -1203,6 +1203,7 @@: no function of the model contains it")


def test_escaping() -> None:
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    odd = replace(return_changed(), file="mm/a,b:c.c", message="50%\nnext", entry_states=(),
                  before=None, after=None, hunk=None)
    assert annotation(odd) == (
        "::warning file=mm/a%2Cb%3Ac.c,line=3497,title=Return value changed (return-changed) "
        "in filemap_map_pages()::50%25%0Anext")


def test_nothing_to_report_is_empty() -> None:
    assert render(one()) == ""


def test_formatter_selects_github() -> None:
    assert formatter(Format.GITHUB)(series_report()) == render(series_report())
