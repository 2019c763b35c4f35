"""The model's functions against a reading of the kernel source, entry state by entry state.

Expected values were written from Linux 6.4 (mm/filemap.c at 66dabbb65d67, mm/memory.c at
52f238653e45) and 6.5 (mm/filemap.c at c33c794828f2, mm/memory.c at 6581ccf03e71,
mm/pgtable-generic.c at 0d940a9b270b), for a user read fault on a page-cache file (or the
anonymous faults where said), no concurrent PMD change, x86-64 with THP and devmap.
"""

from __future__ import annotations

import pytest

from pte_check.explore.budget import Budget
from pte_check.pipeline import describe

NOPAGE, OOM, SIGBUS = "VM_FAULT_NOPAGE", "VM_FAULT_OOM", "VM_FAULT_SIGBUS"
KINDS = ("none", "table", "thp", "devmap", "migration", "bad")
WORDS = {
    "none": "PMD is none (pmd_none() true)",
    "table": "PMD points to a page table",
    "thp": "PMD maps a transparent huge page (pmd_trans_huge() true)",
    "devmap": "PMD maps a huge devmap page (pmd_devmap() true, pmd_trans_huge() false)",
    "migration": "PMD holds a migration entry (not present)",
    "bad": "PMD is bad (pmd_bad() true)",
}


def _returns(function: str, version: str, scenario: str = "") -> dict[str, set[str]]:
    view = describe(function, version, "newest", 0, Budget())
    suffix = f"; {scenario}" if scenario else ""
    out = {}
    for kind, words in WORDS.items():
        for state in view.states:
            if state.state == words + suffix:
                out[kind] = {r for o in state.outcomes for r in o.returns}
    return out


TABLES = [
    # filemap_map_pmd(): true = "done, the folio dealt with".  6.4 excludes every PMD that is
    # not a page table itself; 6.5 leaves that to pte_offset_map_lock() in its caller.
    ("filemap_map_pmd", "6.4", "", {"none": {"false", "true"}, "table": {"false"},
                                    "thp": {"true"}, "devmap": {"true"},
                                    "migration": {"true"}, "bad": {"true"}}),
    ("filemap_map_pmd", "6.5", "", {"none": {"false", "true"}, "table": {"false"},
                                    "thp": {"true"}, "devmap": {"false"},
                                    "migration": {"false"}, "bad": {"false"}}),
    # filemap_map_pages(): NOPAGE when the faulting address got mapped or the PMD was dealt
    # with; 0 when no folio was ready, and in 6.5 when pte_offset_map_lock() failed.
    ("filemap_map_pages", "6.4", "", {k: {"0", NOPAGE} for k in KINDS}),
    ("filemap_map_pages", "6.5", "", {"none": {"0", NOPAGE}, "table": {"0", NOPAGE},
                                      "thp": {"0", NOPAGE}, "devmap": {"0"},
                                      "migration": {"0"}, "bad": {"0"}}),
    # finish_fault(): maps the page (0) or finds the PTE taken or the PMD not a table (NOPAGE);
    # SIGBUS from check_stable_address_space() on a private mapping; OOM allocating a table.
    ("finish_fault", "6.4", "", {"none": {"0", NOPAGE, OOM, SIGBUS},
                                 "table": {"0", NOPAGE, SIGBUS},
                                 **{k: {NOPAGE, SIGBUS} for k in KINDS[2:]}}),
    ("finish_fault", "6.5", "", {"none": {"0", NOPAGE, OOM, SIGBUS},
                                 "table": {"0", NOPAGE, SIGBUS},
                                 **{k: {NOPAGE, SIGBUS} for k in KINDS[2:]}}),
    # handle_pte_fault(): a PMD that is no table sends the fault back (0): 6.4 by
    # pmd_devmap_trans_unstable(), 6.5 by pte_offset_map_nolock() failing.
    ("handle_pte_fault", "6.4", "", {k: {"0"} for k in KINDS[2:]}),
    ("handle_pte_fault", "6.5", "", {k: {"0"} for k in KINDS[2:]}),
    ("should_fault_around", "6.5", "", {k: {"true"} for k in KINDS}),
    # do_anonymous_page(), read fault: pte_alloc() allocates (and may fail) only for a none
    # PMD; SIGBUS only from check_stable_address_space() (a private VMA).  A PMD that is no
    # table: 6.4 returns at pmd_trans_unstable(), 6.5 at the failed pte_offset_map_lock().
    ("do_anonymous_page", "6.4", "read fault on an anonymous mapping",
     {"none": {"0", OOM, SIGBUS}, "table": {"0", SIGBUS}, "thp": {"0"},
      "migration": {"0"}, "bad": {"0"}}),
    ("do_anonymous_page", "6.5", "read fault on an anonymous mapping",
     {"none": {"0", OOM, SIGBUS}, "table": {"0", SIGBUS}, "thp": {"0"},
      "migration": {"0"}, "bad": {"0"}}),
]


@pytest.mark.parametrize("function,version,scenario,expected", TABLES,
                         ids=[f"{t[0]}-{t[1]}" for t in TABLES])
def test_returns_per_entry_state(function: str, version: str, scenario: str,
                                 expected: dict[str, set[str]]) -> None:
    got = _returns(function, version, scenario)
    assert {k: got.get(k) for k in expected} == expected


def test_seed_functions_balance_the_folio() -> None:
    """Every path of filemap_map_pages() releases the folio lock and reference it takes."""
    for version in ("6.4", "6.5"):
        view = describe("filemap_map_pages", version, "newest", 1, Budget())
        assert all(not o.resources and not o.fault for s in view.states for o in s.outcomes)


def test_unknown_function_is_a_usage_error() -> None:
    from pte_check.errors import UsageError
    with pytest.raises(UsageError, match="has no function nope"):
        describe("nope", "6.4", "newest", 0, Budget())
