"""The 6.6 contract (page-table retraction by khugepaged) and faults under the per-VMA lock.

Each option has a patch the model never saw that shows a finding only under it, and a
behaviour-preserving patch that shows none (fixtures/contracts/).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pte_check.cli import main
from pte_check.model import catalog, pmd
from pte_check.model.contract import CONTRACTS, NEWEST
from pte_check.model.pmd import PmdKind
from pte_check.model.primitives import PRIMITIVES, Site, race_point
from pte_check.model.resources import Resource
from pte_check.model.state import World
from pte_check.model.values import Int, Ptr
from pte_check.model.vmfault import FAULT_FLAGS, FLAGS
from tests.test_cases import _project

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "contracts"
RETRACTS = "another CPU (khugepaged) retracts the page table"


def _check(patch: str, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, [str(FIXTURES / patch), "--kernel", "6.5",
                                       "--format", "json", *args])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def _findings(report: dict) -> list[dict]:
    return [_project(f) for p in report["patches"] for f in p["findings"]]


# 6.6: page-table retraction ------------------------------------------------------------------

_RETRACTED = [
    ("PMD is none (pmd_none() true); then another CPU (khugepaged) retracts the page table "
     "before the pte_offset_map_lock() in filemap_map_pages()"),
    ("PMD points to a page table; then another CPU (khugepaged) retracts the page table "
     "before the pte_offset_map_lock() in filemap_map_pages()"),
]
_NULL_PTEP_GET = ("ptep_get() with a NULL PTE pointer (the NULL came from "
                  "pte_offset_map_lock()) in filemap_map_pages()")


def test_null_check_dropped_is_a_bug_only_when_page_tables_are_retracted() -> None:
    """Checking once that the PMD is a page table, then mapping it unchecked, is right while a
    table, once there, stays (6.5) and a NULL dereference when khugepaged may retract it (6.6):
    the table filemap_map_pmd() just installed, or found, is gone by pte_offset_map_lock()."""
    code, report = _check("retraction-null-check-dropped.patch")
    assert (code, _findings(report)) == (0, [])
    assert report["patches"][0]["notes"][0] == \
        "model: Linux 6.5 function bodies, 6.5 primitive contracts"

    code, report = _check("retraction-null-check-dropped.patch", "--contract", "6.6")
    assert code == 1
    assert report["patches"][0]["notes"][0] == \
        "model: Linux 6.5 function bodies, 6.6 primitive contracts"
    assert _findings(report) == [
        {"rule": "unchecked-may-fail", "function": "filemap_map_pages", "states": _RETRACTED,
         "before": ["0"], "after": ["does not return"],
         "after_fault": "pte_unmap_unlock() on NULL (the NULL came from pte_offset_map_lock()) "
                        "in filemap_map_pages()"},
        {"rule": "unchecked-may-fail", "function": "filemap_map_pages", "states": _RETRACTED,
         "before": ["0"], "after": ["does not return"], "after_fault": _NULL_PTEP_GET},
        {"rule": "fault-outcome-changed", "function": "do_read_fault", "states": _RETRACTED,
         "before": ["VM_FAULT_NOPAGE"], "after": ["does not return"],
         "after_fault": _NULL_PTEP_GET},
        {"rule": "fault-outcome-changed", "function": "handle_mm_fault", "states": _RETRACTED,
         "before": ["VM_FAULT_NOPAGE"], "after": ["does not return"],
         "after_fault": _NULL_PTEP_GET},
    ]


@pytest.mark.parametrize("contract", ["newest", "6.6"])
def test_null_check_kept_preserves_behaviour(contract: str) -> None:
    code, report = _check("retraction-null-check-kept.patch", "--contract", contract)
    assert (code, report["patches"][0]["status"], _findings(report)) == (0, "analysed", [])


def _state_cells(text: str) -> list[str]:
    """The entry-state column of `model show`'s table, one string per row, unwrapped."""
    rows: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith(("├", "└")):
            rows.append(" ".join(current))
            current = []
        elif line.startswith("│"):
            cell = line.split("│")[1].strip()
            if cell:
                current.append(cell)
    return rows


def test_model_show_has_the_retraction_race_only_under_6_6() -> None:
    args = ["model", "show", "filemap_map_pages", "--contract", "6.6", "--races", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert result.stdout.startswith("filemap_map_pages() — mm/filemap.c, Linux 6.5 model")
    assert "6.6 contracts" in result.stdout.splitlines()[0]
    states = _state_cells(result.stdout)
    assert ("PMD points to a page table; then another CPU (khugepaged) retracts the page "
            "table before the pte_offset_map_lock() in filemap_map_pages()") in states
    assert ("PMD points to a page table; then another CPU (khugepaged) retracts the page "
            "table before the pmd_none() in filemap_map_pmd()") in states
    default = CliRunner().invoke(main, args[:3] + ["--races", "1"])
    assert default.exit_code == 0 and "retracts" not in default.stdout


def test_contract_6_6_is_6_5_with_retraction_and_not_the_default() -> None:
    six, five = CONTRACTS["6.6"], CONTRACTS["6.5"]
    assert (six.maps_may_fail, six.retraction) == (five.maps_may_fail, True)
    assert NEWEST == "6.5" and not CONTRACTS[NEWEST].retraction
    assert not CONTRACTS["6.4"].retraction
    assert pmd.RETRACTION.words == RETRACTS
    assert pmd.RETRACTION in pmd.changes_from(PmdKind.TABLE, True)
    assert pmd.changes_from(PmdKind.TABLE, False) == ()


def _world(scenario: str, **memory: object) -> World:
    mem = catalog.entry_memory(catalog.SCENARIOS[scenario])
    mem.update(memory)  # type: ignore[arg-type]
    return World(PmdKind.TABLE, 1, mem, {})


@pytest.mark.parametrize(("scenario", "memory", "retracted"), [
    ("read", {}, True),
    ("shared-write", {}, True),
    ("private-write", {}, True),                               # no anon_vma yet
    ("private-write", {"vma->anon_vma": Ptr("anon_vma")}, False),  # after anon_vma_prepare()
    ("anon-read", {}, False),                                  # not in any file's i_mmap
    ("anon-write/vma-lock", {}, False),
])
def test_retraction_only_of_file_vmas_without_anon_vma(scenario: str, memory: dict,
                                                       retracted: bool) -> None:
    site = Site("f", 1, "pte_offset_map_lock", CONTRACTS["6.6"])
    worlds = race_point(_world(scenario, **memory), site, "pte_offset_map_lock()")
    changes = {w.race.change.words for w in worlds if w.race}
    assert (RETRACTS in changes) is retracted
    five = Site("f", 1, "pte_offset_map_lock", CONTRACTS["6.5"])
    assert not [w for w in race_point(_world(scenario, **memory), five, "x") if w.race]


def test_anon_vma_prepare_sets_the_anon_vma_that_stops_retraction() -> None:
    site = Site("do_cow_fault", 1, "anon_vma_prepare", CONTRACTS["6.6"])
    results = PRIMITIVES["anon_vma_prepare"](site, _world("private-write"), [Ptr("vma")])
    assert sorted(v.value for _, v in results if isinstance(v, Int)) == [-12, 0]
    ok = next(w for w, v in results if v == Int(0))
    assert ok.load("vma->anon_vma") == Ptr("anon_vma")
    again = PRIMITIVES["anon_vma_prepare"](site, ok, [Ptr("vma")])
    assert [v for _, v in again] == [Int(0)]


# The per-VMA lock ------------------------------------------------------------------------------

_UNDER_VMA_LOCK = "read fault on an anonymous mapping, holding only the per-VMA lock"


def test_no_zero_page_under_vma_lock_shows_only_under_vma_lock() -> None:
    """A read fault holding only the per-VMA lock now allocates a page instead of mapping the
    zero page, so it can now fail with VM_FAULT_OOM; under mmap_lock the flag is never set."""
    for races in ("0", "1"):
        code, report = _check("vma-lock-no-zero-page.patch", "--races", races)
        assert (code, _findings(report)) == (0, [])
    code, report = _check("vma-lock-no-zero-page.patch", "--lock", "vma", "--races", "0")
    assert code == 1  # fault-outcome-changed is a warning
    assert report["patches"][0]["notes"][0] == ("model: Linux 6.5 function bodies, 6.5 "
                                                "primitive contracts, faults holding only the "
                                                "per-VMA lock")
    assert _findings(report) == [
        {"rule": "path-added", "function": "do_anonymous_page", "after": ["VM_FAULT_OOM"],
         "states": [f"PMD is none (pmd_none() true); {_UNDER_VMA_LOCK}"]},
        {"rule": "path-added", "function": "do_anonymous_page", "after": ["VM_FAULT_OOM"],
         "states": [f"PMD points to a page table; {_UNDER_VMA_LOCK}",
                    (f"PMD maps a transparent huge page (pmd_trans_huge() true); "
                     f"{_UNDER_VMA_LOCK}"),
                    f"PMD holds a migration entry (not present); {_UNDER_VMA_LOCK}",
                    f"PMD is bad (pmd_bad() true); {_UNDER_VMA_LOCK}"]},
        {"rule": "fault-outcome-changed", "function": "handle_mm_fault",
         "after": ["VM_FAULT_OOM"],
         "states": [f"PMD is none (pmd_none() true); {_UNDER_VMA_LOCK}"]},
        {"rule": "fault-outcome-changed", "function": "handle_mm_fault",
         "after": ["VM_FAULT_OOM"], "states": [f"PMD points to a page table; {_UNDER_VMA_LOCK}"]},
    ]


@pytest.mark.parametrize("lock", ["mmap", "vma"])
def test_anon_vma_retry_preserves_behaviour(lock: str) -> None:
    """Retrying a VMA-locked fault whose VMA has no anon_vma changes nothing: under mmap_lock
    the flag is clear, and lock_vma_under_rcu() never hands out a VMA without an anon_vma."""
    code, report = _check("vma-lock-anon-vma-retry.patch", "--lock", lock)
    assert (code, report["patches"][0]["status"], _findings(report)) == (0, "analysed", [])


def test_file_faults_never_hold_only_the_vma_lock_at_6_4_and_6_5() -> None:
    assert catalog.reaching({"filemap_map_pages"}, "vma") == ()
    assert catalog.reaching({"do_fault", "finish_fault"}, "vma") == ()
    assert catalog.reaching({"handle_mm_fault"}, "vma") == ("anon-read/vma-lock",
                                                             "anon-write/vma-lock")
    assert catalog.reaching({"handle_mm_fault"}) == ("read", "private-write", "shared-write",
                                                     "anon-read", "anon-write")
    assert [s.name for s in catalog.scenarios("do_anonymous_page")] == ["anon-read",
                                                                        "anon-write"]
    memory = catalog.entry_memory(catalog.SCENARIOS["anon-read/vma-lock"])
    flags = memory["vmf->flags"]
    assert isinstance(flags, Int) and flags.value & FAULT_FLAGS["FAULT_FLAG_VMA_LOCK"]
    assert memory["vma->anon_vma"] == Ptr("anon_vma")
    plain = catalog.entry_memory(catalog.SCENARIOS["anon-read"])
    assert isinstance(plain["vmf->flags"], Int)
    assert not plain["vmf->flags"].value & FAULT_FLAGS["FAULT_FLAG_VMA_LOCK"]
    assert "vma->anon_vma" not in plain

    result = CliRunner().invoke(main, ["model", "show", "filemap_map_pages", "--lock", "vma"])
    assert result.exit_code == 0
    assert result.stdout.startswith("filemap_map_pages(): no modelled fault reaches it under "
                                    "--lock vma")
    code, report = _check("retraction-null-check-kept.patch", "--lock", "vma")
    assert (code, _findings(report)) == (0, [])
    assert any(n.startswith("no modelled fault reaches filemap_map_pages() under --lock vma")
               for n in report["patches"][0]["notes"])


@pytest.mark.parametrize(("contract", "returns"), [
    ("6.5", [FLAGS["VM_FAULT_RETRY"]]),
    ("6.6", [0, FLAGS["VM_FAULT_MAJOR"], FLAGS["VM_FAULT_OOM"]]),
])
def test_do_swap_page_under_vma_lock(contract: str, returns: list[int]) -> None:
    """Before 6.6 do_swap_page() sends a VMA-locked fault back to be retried under mmap_lock."""
    def mapped(scenario: str) -> World:
        world = _world(scenario, **{"vmf->pte": Ptr("pte#1")})
        world.acquire(Resource.PTE_MAP, "pte#1")
        return world

    site = Site("handle_pte_fault", 1, "do_swap_page", CONTRACTS[contract])
    results = PRIMITIVES["do_swap_page"](site, mapped("anon-read/vma-lock"), [])
    assert [v.value for _, v in results if isinstance(v, Int)] == returns
    assert all(not w.held and w.fault is None for w, _ in results)
    under_mmap_lock = PRIMITIVES["do_swap_page"](site, mapped("anon-read"), [])
    assert [v.value for _, v in under_mmap_lock if isinstance(v, Int)] == [
        0, FLAGS["VM_FAULT_MAJOR"], FLAGS["VM_FAULT_OOM"]]


def test_cli_help_documents_the_new_options() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "--lock [mmap|vma]" in result.stdout
    assert "6.6" in result.stdout and "retraction" in result.stdout
    bad = CliRunner().invoke(main, ["x.patch", "--lock", "rcu"])
    assert bad.exit_code == 2
