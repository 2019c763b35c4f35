"""A realistic finished Report for the formatter tests, and the golden-file check they share."""

from __future__ import annotations

import os
from pathlib import Path

from pte_check.findings import (
    Finding,
    HunkRef,
    Outcome,
    PatchReport,
    Report,
    SourceRef,
    Status,
    Step,
)
from pte_check.rules import Severity

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "report"
UPDATE = "PTE_CHECK_UPDATE_GOLDEN"

WAIVER = "it really doesn't matter whether we return VM_FAULT_NOPAGE or 0 for it"

_MAP_PAGES = "filemap_map_pages"
_MAP_PMD = "filemap_map_pmd"
_PROLOGUE = (
    Step(_MAP_PAGES, None, "vm_fault_t ret = 0;"),
    Step(_MAP_PAGES, None, "rcu_read_lock();"),
    Step(_MAP_PAGES, None, "folio = first_map_page(mapping, &xas, end_pgoff);"),
    Step(_MAP_PAGES, None, "if (!folio)", "false"),
    Step(_MAP_PMD, None, "if (pmd_trans_huge(*vmf->pmd)) {", "false"),
    Step(_MAP_PMD, 3408, "if (pmd_none(*vmf->pmd))", "false"),
)
BEFORE_PATH = _PROLOGUE + (
    Step(_MAP_PMD, 3412, "if (pmd_devmap_trans_unstable(vmf->pmd)) {", "true"),
    Step(_MAP_PMD, 3413, "folio_unlock(folio);"),
    Step(_MAP_PMD, 3414, "folio_put(folio);"),
    Step(_MAP_PMD, 3415, "return true;"),
    Step(_MAP_PAGES, None, "if (filemap_map_pmd(vmf, folio, start_pgoff)) {", "true"),
    Step(_MAP_PAGES, None, "ret = VM_FAULT_NOPAGE;"),
    Step(_MAP_PAGES, None, "return ret;"),
)
AFTER_PATH = _PROLOGUE + (
    Step(_MAP_PMD, 3411, "return false;"),
    Step(_MAP_PAGES, None, "if (filemap_map_pmd(vmf, folio, start_pgoff)) {", "false"),
    Step(_MAP_PAGES, 3496,
         "vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, addr, &vmf->ptl);"),
    Step(_MAP_PAGES, 3497, "if (!vmf->pte) {", "true"),
    Step(_MAP_PAGES, 3498, "folio_unlock(folio);"),
    Step(_MAP_PAGES, 3499, "folio_put(folio);"),
    Step(_MAP_PAGES, 3500, "goto out;"),
    Step(_MAP_PAGES, None, "return ret;"),
)
STATES = (
    "PMD maps a huge devmap page (pmd_devmap() true, pmd_trans_huge() false)",
    "PMD holds a migration entry (not present)",
    "PMD is bad (pmd_bad() true)",
    ("PMD is none (pmd_none() true); then another CPU installs a transparent huge PMD before "
     "the pmd_install() in filemap_map_pmd()"),
)
HUNK_PMD = HunkRef("mm/filemap.c", 0, "@@ -3408,13 +3408,6 @@ static bool filemap_map_pmd(struct "
                   "vm_fault *vmf, struct folio *folio,", 3408, 3408)
HUNK_PAGES = HunkRef("mm/filemap.c", 1, "@@ -3501,6 +3494,11 @@ vm_fault_t filemap_map_pages("
                     "struct vm_fault *vmf,", 3501, 3494)


def return_changed() -> Finding:
    """The seed's finding: filemap_map_pages() returned VM_FAULT_NOPAGE, now returns 0."""
    return Finding(
        "return-changed", Severity.WARNING, "mm/filemap.c", 3497, _MAP_PAGES, STATES,
        Outcome(("VM_FAULT_NOPAGE",), path=BEFORE_PATH), Outcome(("0",), path=AFTER_PATH),
        "filemap_map_pages() returned VM_FAULT_NOPAGE; it now returns 0 when PMD maps a huge "
        "devmap page (pmd_devmap() true, pmd_trans_huge() false) (and 3 more entry states)",
        "8ead7278a379b74b", HUNK_PAGES)


def map_pmd_changed() -> Finding:
    """filemap_map_pmd() returned true (folio released), now false."""
    return Finding(
        "return-changed", Severity.WARNING, "mm/filemap.c", 3411, _MAP_PMD, STATES[:1],
        Outcome(("true",), ("folio lock released", "folio reference released"),
                path=BEFORE_PATH[4:10]),
        Outcome(("false",), path=AFTER_PATH[4:7]),
        "filemap_map_pmd() returned true; it now returns false when PMD maps a huge devmap "
        "page (pmd_devmap() true, pmd_trans_huge() false)",
        "6a53c5fdd71f4d0e", HUNK_PMD)


def fault_changed() -> Finding:
    """The propagated finding, waived with the maintainer's words."""
    return Finding(
        "fault-outcome-changed", Severity.WARNING, "mm/filemap.c", 3497, "do_read_fault",
        STATES[:2],
        Outcome(("VM_FAULT_NOPAGE",), calls=("->map_pages() called",)),
        Outcome(("VM_FAULT_NOPAGE|VM_FAULT_LOCKED", "VM_FAULT_SIGBUS"),
                calls=("->fault() called", "->map_pages() called")),
        "Through do_read_fault() \u2192 do_fault_around() \u2192 filemap_map_pages(): "
        "do_read_fault() returned VM_FAULT_NOPAGE; it now calls ->fault()",
        "59f87a633b326b09", HUNK_PAGES, ("do_read_fault", "do_fault_around", _MAP_PAGES),
    ).waive(WAIVER)


def leak() -> Finding:
    """An invented error: the page-table lock now leaks on one path."""
    return Finding(
        "resource-imbalance", Severity.ERROR, "mm/memory.c", 4650, "do_fault_around",
        ("PMD maps a page table (pmd_none() false, pmd_trans_huge() false)",),
        Outcome(("0",), ("page-table lock released",),
                path=(Step("do_fault_around", 4648, "pte_unmap_unlock(vmf->pte, vmf->ptl);"),)),
        Outcome(("0",), ("page-table lock leaked",), fault="page-table lock still held on return",
                path=(Step("do_fault_around", 4650, "if (ret)", "true"),
                      Step("do_fault_around", 4651, "return ret;"))),
        "do_fault_around() now returns with the page-table lock held",
        "0123456789abcdef",
        HunkRef("mm/memory.c", 0, "@@ -4640,7 +4640,9 @@ static vm_fault_t do_fault_around(struct "
                "vm_fault *vmf)", 4640, 4640))


def not_analysed() -> Finding:
    """A hunk the model could not place; no line, no hunk, no outcomes."""
    return Finding(
        "not-analysed", Severity.NOTE, "mm/huge_memory.c", None, "", (), None, None,
        "hunk @@ -1203,6 +1203,7 @@: no function of the model contains it", "fedcba9876543210")


def seed_patch() -> PatchReport:
    """The seed patch as the pipeline reports it (paths shortened)."""
    return PatchReport(
        "mm/filemap: allow pte_offset_map_lock() to fail", "Hugh Dickins",
        SourceRef("filemap.patch", 1), Status.ANALYSED,
        (return_changed(), map_pmd_changed(), fault_changed()), "6.4",
        ("model: Linux 6.4 function bodies, 6.5 primitive contracts",),
        (_MAP_PAGES, _MAP_PMD))


def leak_patch() -> PatchReport:
    """An invented second patch: an error, a hunk not analysed, a skipped file."""
    return PatchReport(
        "mm/memory: bail out of do_fault_around() early", None, SourceRef("series.mbox", 212),
        Status.INCOMPLETE, (leak(), not_analysed()), "6.5", (),
        ("do_fault_around",), ("Documentation/mm/transhuge.rst",))


def broken_patch() -> PatchReport:
    """A patch that could not be read at all; its subject looks like rich markup."""
    return PatchReport(
        "mm: [bold]check pmd[0] first[/bold]", "A. N. Other <a@example.org>",
        SourceRef("series.mbox", 480), Status.ERROR, (), None,
        ("series.mbox:495: hunk header @@ -10,7 +10,7 @@ cut short",))


def seed_report() -> Report:
    """The seed patch alone."""
    return Report("0.1.0", (seed_patch(),))


def series_report() -> Report:
    """Three patches: the seed, one with an error and a gap, one unreadable."""
    return Report("0.1.0", (seed_patch(), leak_patch(), broken_patch()))


def empty_report() -> Report:
    """A run over nothing."""
    return Report("0.1.0", ())


def one(*findings: Finding, subject: str = "mm: one patch") -> Report:
    """A one-patch report around the given findings."""
    patch = PatchReport(subject, None, SourceRef("x.patch", 1), Status.ANALYSED, findings, "6.5")
    return Report("0.1.0", (patch,))


def golden(name: str, text: str) -> None:
    """Compare with fixtures/report/NAME exactly (rewrite it when PTE_CHECK_UPDATE_GOLDEN=1)."""
    path = GOLDEN / name
    if os.environ.get(UPDATE) == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_series_summary_counts_live_and_waived() -> None:
    summary = series_report().summary
    assert (summary.patches, summary.analysed, summary.incomplete, summary.errors) == (3, 1, 1, 1)
    assert summary.by_severity == (("error", 1), ("warning", 2), ("note", 1))
    assert summary.waived == 1
