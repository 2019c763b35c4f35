"""The Markdown reply: per patch a heading, each finding under its quoted hunk header."""

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
from pte_check.report.markdown import code, escape, render


def test_series_matches_golden() -> None:
    golden("series.md", render(series_report()))


def test_patch_heading_and_facts() -> None:
    assert render(seed_report()).startswith(
        "### mm/filemap: allow pte_offset_map_lock() to fail\n\n"
        "`filemap.patch:1`, analysed, kernel model 6.4, from Hugh Dickins\n\n")


def test_finding_quotes_the_hunk_then_message_states_and_change() -> None:
    text = render(one(return_changed()))
    assert (
        "**warning** `return-changed` in `filemap_map_pages()` (`mm/filemap.c:3497`)\n\n"
        "```diff\n@@ -3501,6 +3494,11 @@ vm_fault_t filemap_map_pages(struct vm_fault *vmf,\n```"
        "\n\nfilemap_map_pages() returned VM_FAULT_NOPAGE; it now returns 0 when PMD maps a "
        "huge devmap page (pmd_devmap() true, pmd_trans_huge() false) (and 3 more entry "
        "states)\n\nEntry states:\n\n"
        "- PMD maps a huge devmap page (pmd_devmap() true, pmd_trans_huge() false)\n"
        "- PMD holds a migration entry (not present)\n"
        "- PMD is bad (pmd_bad() true)\n"
        "- PMD is none (pmd_none() true); then another CPU installs a transparent huge PMD "
        "before the pmd_install() in filemap_map_pmd()\n\n"
        "Before \u2192 after:\n\n- returns: `VM_FAULT_NOPAGE` \u2192 `0`\n\n") in text


def test_resources_and_fault_changes() -> None:
    text = render(one(leak()))
    assert ("- returns: `0` \u2192 `0`\n"
            "- resources: page-table lock released \u2192 page-table lock leaked\n"
            "- fault: none \u2192 page-table lock still held on return\n") in text


def test_waived_and_propagated() -> None:
    text = render(seed_report())
    assert "in `do_read_fault()` (`mm/filemap.c:3497`) (waived)\n" in text
    assert ("\n*Waived: it really doesn't matter whether we return VM\\_FAULT\\_NOPAGE or 0 "
            "for it*\n") not in text
    assert ("\n*Waived: it really doesn't matter whether we return VM_FAULT_NOPAGE or 0 "
            "for it*\n") in text
    assert ("- via: do\\_read\\_fault() \u2192 do\\_fault\\_around() \u2192 "
            "filemap\\_map\\_pages()") not in text
    assert "- via: do_read_fault() \u2192 do_fault_around() \u2192 filemap_map_pages()\n" in text


def test_not_analysed_has_no_diff_block() -> None:
    text = render(one(not_analysed()))
    assert ("**note** `not-analysed` (`mm/huge_memory.c`)\n\n"
            "hunk @@ -1203,6 +1203,7 @@: no function of the model contains it\n\n*pte-check") in text
    assert "```" not in text


def test_notes_skipped_and_empty_patches() -> None:
    text = render(series_report())
    assert "Skipped files:\n\n- `Documentation/mm/transhuge.rst`\n" in text
    assert "Not analysed (see the notes): nothing is claimed.\n\nNotes:\n\n- series.mbox:495" in text
    assert "No behavioural difference found.\n" in render(one())
    assert text.endswith("*pte-check 0.1.0: 3 patches (1 analysed, 1 incomplete, 1 not "
                         "analysable); 4 findings: 1 error, 2 warnings, 1 note; 1 waived*\n")


def test_prose_is_escaped_but_stays_readable() -> None:
    assert escape("__do_fault() on *vmf->pmd <x> `y`") == (
        "\\_\\_do_fault() on \\*vmf->pmd \\<x> \\`y\\`")
    assert escape("filemap_map_pages()") == "filemap_map_pages()"
    assert code("a`b") == "``a`b``"
    assert code("`x") == "`` `x ``"
    message = replace(return_changed(), message="__do_fault() uses *vmf->pte")
    assert "\n\\_\\_do_fault() uses \\*vmf->pte\n" in render(one(message))


def test_formatter_selects_markdown() -> None:
    assert formatter(Format.MARKDOWN)(series_report()) == render(series_report())
