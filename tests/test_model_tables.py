"""The model's functions against a reading of the kernel source, entry state by entry state.

Expected values were written from Linux 6.4 (mm/filemap.c at 66dabbb65d67, mm/memory.c at
52f238653e45) and 6.5 (mm/filemap.c at c33c794828f2, mm/memory.c at 6581ccf03e71,
mm/pgtable-generic.c at 0d940a9b270b), for a user read fault on a page-cache file (or the
anonymous faults where said), no concurrent PMD change, x86-64 with THP and devmap.
"""

from __future__ import annotations

import pytest

from pte_check.explore.budget import Budget
from pte_check.findings import Outcome
from pte_check.model import catalog
from pte_check.model.contract import CONTRACTS
from pte_check.model.pmd import PmdKind
from pte_check.model.primitives import PRIMITIVES, Site
from pte_check.model.resources import Resource
from pte_check.model.state import World
from pte_check.model.values import PMD_PTR, TOP, Int, Null, Ptr, Ref, Value
from pte_check.model.vmfault import FLAGS, spell_flags
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


# ----------------------------------------------------------------------------------------------
# The rest of the call chain, each under its own version's contract.
#
# Written from mm/memory.c of Linux 6.4 as stored at julianw1010/linux-6.4.0 (mm/memory.c at
# 647c78b108b2, top-level Makefile at 9ff0519d7f74: VERSION 6, PATCHLEVEL 4, SUBLEVEL 0; a
# research fork whose fault-path functions read as mainline 6.4), next_uptodate_page() as
# quoted from mm/filemap.c in the stored 6.x copies, and __pte_offset_map() from
# mm/pgtable-generic.c at PipeBWrite/linux 18905ec8d21b (a 6.6 tree: same NULL conditions as
# 6.5, plus the rcu_read_lock() that 6.6 added).  No 6.5 snapshot of mm/memory.c could be found
# in the index: the 6.5 expectations are the 6.4 reading with the changes of Hugh Dickins'
# "allow pte_offset_map[_lock]() to fail" series applied (finish_fault: NULL -> NOPAGE instead of
# the pmd_devmap_trans_unstable() exit; handle_pte_fault: pte_offset_map_nolock() NULL -> 0;
# do_anonymous_page: NULL -> release; do_fault without ->fault: NULL -> SIGBUS).
#
# The modelled fault: a user fault on a page-cache file whose ->fault is filemap_fault()
# (page found locked: LOCKED; read from disk: MAJOR|LOCKED; mmap_lock dropped: RETRY; error:
# SIGBUS), fault-around enabled (16 pages), no userfaultfd, x86-64 with THP and devmap; the
# PageHWPoison() test of __do_fault() is left open, so its HWPOISON and (page invalidated) NOPAGE
# exits are reachable; every allocation may fail.
# ----------------------------------------------------------------------------------------------

def _flags(*names: str) -> str:
    return spell_flags(sum(FLAGS["VM_FAULT_" + n] for n in names)) if names else "0"


L, ML = _flags("LOCKED"), _flags("MAJOR", "LOCKED")
L_NOPAGE, ML_NOPAGE = _flags("NOPAGE", "LOCKED"), _flags("MAJOR", "NOPAGE", "LOCKED")
L_SIGBUS, ML_SIGBUS = _flags("SIGBUS", "LOCKED"), _flags("SIGBUS", "MAJOR", "LOCKED")
RETRY, HWPOISON = _flags("RETRY"), _flags("HWPOISON")
NOT_TABLE = ("thp", "devmap", "migration", "bad")


def _states(function: str, version: str, scenario: str = "") -> dict[str, tuple[Outcome, ...]]:
    """Entry state -> outcomes, explored with the version's own primitive contract, no races."""
    view = describe(function, version, version, 0, Budget())
    suffix = f"; {scenario}" if scenario else ""
    out = {}
    for kind, words in WORDS.items():
        for state in view.states:
            if state.state == words + suffix:
                out[kind] = state.outcomes
    return out


def _ret(outcomes: tuple[Outcome, ...]) -> set[str]:
    return {r for o in outcomes for r in o.returns}


# __do_fault(): preallocates a page table only when the PMD is none (the one OOM), then calls
# ->fault().  ERROR/NOPAGE/RETRY come back as they are; a HW-poisoned page is unlocked, put and
# turned into HWPOISON (or NOPAGE when the clean page could be dropped from the cache); otherwise
# the page comes back locked and referenced.  The PMD is only tested for pmd_none(): every other
# kind behaves alike, and the function is the same at 6.4 and 6.5.
_DO_FAULT_ANY = {L, ML, RETRY, SIGBUS, HWPOISON, NOPAGE}
DO_FAULT_TABLE = {"none": _DO_FAULT_ANY | {OOM}, **{k: _DO_FAULT_ANY for k in KINDS[1:]}}

# do_fault_around(): with the PMD none, pte_alloc_one() (OOM); then ->map_pages(), which is
# filemap_map_pages(): 0 (nothing mapped at the address, or no page ready) or NOPAGE.  A PMD that
# is no table: 6.4 returns NOPAGE through filemap_map_pmd(); 6.5 only for a transparent huge PMD
# (pmd_trans_huge() test kept), the others fail pte_offset_map_lock() and give 0.
FAULT_AROUND = {
    "6.4": {"none": {"0", NOPAGE, OOM}, **{k: {"0", NOPAGE} for k in KINDS[1:]}},
    "6.5": {"none": {"0", NOPAGE, OOM}, "table": {"0", NOPAGE}, "thp": {"0", NOPAGE},
            "devmap": {"0"}, "migration": {"0"}, "bad": {"0"}},
}

# do_read_fault(): fault-around first; anything non-zero from it is returned as is (OOM, NOPAGE).
# Then __do_fault() (its exits as above; no second OOM: when the PMD was none fault-around left
# its preallocated table in vmf->prealloc_pte, or installed it).  Then finish_fault() ORed into
# LOCKED or MAJOR|LOCKED: 0 (mapped), NOPAGE (PTE taken, or the PMD is no table) or SIGBUS
# (check_stable_address_space(), the file mapping being private).
_AFTER_FAULT = {RETRY, SIGBUS, HWPOISON, NOPAGE}
_MAPPED, _REFUSED = {L, ML}, {L_NOPAGE, ML_NOPAGE}
_LOST = {L_SIGBUS, ML_SIGBUS}
_READ_TABLE = _AFTER_FAULT | _MAPPED | _REFUSED | _LOST
READ_FAULT = {
    # 6.4: a PMD that is no table ends in filemap_map_pmd() (NOPAGE) or, when no page was ready
    # for fault-around, in finish_fault()'s pmd_devmap_trans_unstable() (LOCKED|NOPAGE).
    "6.4": {"none": _READ_TABLE | {OOM}, "table": _READ_TABLE,
            **{k: _AFTER_FAULT | _REFUSED | _LOST for k in NOT_TABLE}},
    # 6.5: the same sets, but a bad PMD is cleared by fault-around's pte_offset_map_lock(), so
    # __do_fault() finds it none (OOM preallocating) and finish_fault() installs a table and maps
    # the page (LOCKED).
    "6.5": {"none": _READ_TABLE | {OOM}, "table": _READ_TABLE,
            "thp": _AFTER_FAULT | _REFUSED | _LOST, "devmap": _AFTER_FAULT | _REFUSED | _LOST,
            "migration": _AFTER_FAULT | _REFUSED | _LOST, "bad": _READ_TABLE | {OOM}},
}

# do_cow_fault() (private write): OOM from anon_vma_prepare(), alloc_page_vma() or the memcg
# charge, in every state; __do_fault() (with its own OOM for a none PMD, no fault-around before
# it); copy into the new page; finish_fault() maps the copy: LOCKED / NOPAGE / SIGBUS as for
# reads.  The copy is an order-0 page, so finish_fault() never tries a huge PMD for it.  6.4 and
# 6.5 agree: a PMD that is no table gives NOPAGE from finish_fault() either way, and a bad one is
# cleared there without a second look.
_COW_TABLE = {OOM} | _AFTER_FAULT | _MAPPED | _REFUSED | _LOST
COW_FAULT = {"none": _COW_TABLE, "table": _COW_TABLE,
             **{k: {OOM} | _AFTER_FAULT | _REFUSED | _LOST for k in NOT_TABLE}}

# do_shared_fault() (shared write): __do_fault(); ->page_mkwrite() (its SIGBUS or NOPAGE are
# returned after putting the page); finish_fault() without check_stable_address_space() (the
# mapping is shared, so no SIGBUS there); the page is dirtied and unlocked on success.
_SHARED_TABLE = _AFTER_FAULT | _MAPPED | _REFUSED
SHARED_FAULT = {"none": _SHARED_TABLE | {OOM}, "table": _SHARED_TABLE,
                **{k: _AFTER_FAULT | _REFUSED for k in NOT_TABLE}}

# handle_pte_fault() with a page table: the PTE is read locklessly; none -> do_fault(); a swap
# entry -> do_swap_page() (0, MAJOR, OOM); otherwise the access bits are updated under the lock
# (0).  With the PMD none: straight to do_fault().
_PTE_PRESENT = {"0", _flags("MAJOR"), OOM}

# __handle_mm_fault() / handle_mm_fault(), read fault: pmd_alloc() may fail (OOM, whatever the
# PMD would have been); a none PMD tries create_huge_pmd(), which has no ->huge_fault for a
# page-cache file (FALLBACK), and goes on to handle_pte_fault(); a migration entry waits and
# returns 0; a huge PMD (transparent or devmap) is a NUMA hinting fault or gets its accessed bit
# set (0); a bad PMD reaches handle_pte_fault(), which returns 0 (6.4: pmd_devmap_trans_unstable()
# clears it; 6.5: pte_offset_map_nolock() clears it and fails).


def _mm_fault(version: str) -> dict[str, set[str]]:
    read = READ_FAULT[version]
    return {"none": read["none"] | {OOM}, "table": read["table"] | _PTE_PRESENT | {OOM},
            **{k: {"0", OOM} for k in NOT_TABLE}}


CHAIN = [
    *[("__do_fault", v, "", DO_FAULT_TABLE) for v in ("6.4", "6.5")],
    *[("do_fault_around", v, "", FAULT_AROUND[v]) for v in ("6.4", "6.5")],
    # should_fault_around(): ->map_pages is set, no userfaultfd, fault_around_pages = 16 > 1.
    ("should_fault_around", "6.4", "", {k: {"true"} for k in KINDS}),
    *[("do_read_fault", v, "", READ_FAULT[v]) for v in ("6.4", "6.5")],
    *[("do_cow_fault", v, "write fault on a private file mapping", COW_FAULT)
      for v in ("6.4", "6.5")],
    *[("do_shared_fault", v, "write fault on a shared file mapping", SHARED_FAULT)
      for v in ("6.4", "6.5")],
    # do_fault(): ->fault is set, so it dispatches by the kind of fault and frees an unused
    # preallocated table; its outcomes are the handler's.  do_pte_missing(): a file VMA.
    *[(f, v, s, t) for f in ("do_fault", "do_pte_missing") for v in ("6.4", "6.5")
      for s, t in (("", READ_FAULT[v]), ("write fault on a private file mapping", COW_FAULT),
                   ("write fault on a shared file mapping", SHARED_FAULT))],
    # do_pte_missing() on an anonymous VMA is do_anonymous_page(); the write fault allocates
    # (anon_vma_prepare(), the folio, the charge: OOM) before it maps the PTE.  6.4 leaves at
    # pmd_trans_unstable() before allocating; 6.5 allocates and then fails pte_offset_map_lock()
    # (release the folio, 0) -- so 6.5 can return OOM where 6.4 returned 0.
    ("do_pte_missing", "6.4", "write fault on an anonymous mapping",
     {"none": {"0", OOM, SIGBUS}, "table": {"0", OOM, SIGBUS}, "thp": {"0"},
      "migration": {"0"}, "bad": {"0"}}),
    ("do_pte_missing", "6.5", "write fault on an anonymous mapping",
     {"none": {"0", OOM, SIGBUS}, "table": {"0", OOM, SIGBUS}, "thp": {"0", OOM},
      "migration": {"0", OOM}, "bad": {"0", OOM}}),
    *[("handle_pte_fault", v, "", {"none": READ_FAULT[v]["none"],
                                   "table": READ_FAULT[v]["table"] | _PTE_PRESENT,
                                   **{k: {"0"} for k in NOT_TABLE}}) for v in ("6.4", "6.5")],
    *[(f, v, "", _mm_fault(v)) for f in ("__handle_mm_fault", "handle_mm_fault")
      for v in ("6.4", "6.5")],
]


@pytest.mark.parametrize("function,version,scenario,expected", CHAIN,
                         ids=[f"{t[0]}-{t[1]}-{t[2] or 'read'}" for t in CHAIN])
def test_call_chain_per_entry_state(function: str, version: str, scenario: str,
                                    expected: dict[str, set[str]]) -> None:
    """Each function's returns per PMD kind, under its own version's contract: and no path may
    break that contract (6.4 callers exclude a PMD that is no table before mapping it)."""
    got = _states(function, version, scenario)
    assert {k: _ret(got[k]) if k in got else None for k in expected} == expected
    assert not [o.fault for outcomes in got.values() for o in outcomes if o.fault]


@pytest.mark.parametrize("version", ["6.4", "6.5"])
def test_do_fault_leaves_the_page_locked_only_on_success(version: str) -> None:
    """__do_fault() hands back vmf->page locked and referenced exactly when it returns LOCKED;
    on HWPOISON it has unlocked and put the page itself."""
    for kind, outcomes in _states("__do_fault", version).items():
        for o in outcomes:
            held = {"folio lock left held", "folio reference left held"}
            assert set(o.resources) == (held if o.returns[0] in (L, ML) else set()), (kind, o)
            assert ("->fault() called" in o.calls) == (o.returns[0] != OOM), (kind, o)


@pytest.mark.parametrize("function,scenario", [
    ("do_read_fault", ""), ("do_cow_fault", "write fault on a private file mapping"),
    ("do_shared_fault", "write fault on a shared file mapping"), ("handle_mm_fault", "")])
@pytest.mark.parametrize("version", ["6.4", "6.5"])
def test_fault_handlers_release_what_they_take(function: str, scenario: str,
                                               version: str) -> None:
    """The page from ->fault() and the COW copy are unlocked and put (or handed to the page
    table) on every path."""
    for kind, outcomes in _states(function, version, scenario).items():
        assert all(not o.resources for o in outcomes), (kind, outcomes)


def test_read_fault_on_a_pmd_that_is_no_table_now_calls_fault() -> None:
    """The seed's upward effect: 6.4 do_read_fault() could stop at fault-around's NOPAGE without
    ->fault() for a devmap PMD or migration entry; in 6.5 fault-around returns 0 there, so every
    path calls ->fault() (and the NOPAGE without LOCKED left is __do_fault()'s HW-poison exit)."""
    for kind in ("devmap", "migration"):
        old, new = _states("do_read_fault", "6.4")[kind], _states("do_read_fault", "6.5")[kind]
        assert any(o.returns == (NOPAGE,) and "->fault() called" not in o.calls for o in old)
        assert all("->fault() called" in o.calls for o in new)


def test_cow_fault_never_maps_the_copy_with_a_huge_pmd() -> None:
    """finish_fault() tries do_set_pmd() only for a compound page; the COW copy from
    alloc_page_vma() is order 0 (mm/memory.c 6.4, do_cow_fault() and finish_fault())."""
    for version in ("6.4", "6.5"):
        for kind, outcomes in _states("do_cow_fault", version,
                                      "write fault on a private file mapping").items():
            assert not [o for o in outcomes if "do_set_pmd() tried" in o.calls], (version, kind)


# ----------------------------------------------------------------------------------------------
# Primitives the model does not render as bodies, called directly on a World.
#
# pte_offset_map(), pte_offset_map_nolock(), pte_offset_map_lock() (include/linux/mm.h,
# mm/pgtable-generic.c).  6.4: a plain pmd_offset() + map, no test of the PMD at all, so callers
# must exclude a PMD that is no page table first (pmd_devmap_trans_unstable() and friends):
# reaching the map with one is a contract violation.  6.5: __pte_offset_map() reads the PMD once
# and returns NULL for none or a migration entry, for a transparent huge or devmap PMD, and for a
# bad one, which it clears (pmd_clear_bad()); with a table it maps the PTE, and the _lock variant
# takes the page-table lock (rechecking the PMD, retrying if it changed); _nolock only reports
# which lock.  6.5 takes no RCU lock in there (6.6 does).
# ----------------------------------------------------------------------------------------------

MAPS = ("pte_offset_map", "pte_offset_map_nolock", "pte_offset_map_lock")


def _map_args(name: str) -> list[Value]:
    if name == "pte_offset_map":
        return [PMD_PTR, TOP]
    return [Ptr("mm"), PMD_PTR, TOP, Ref("vmf->ptl")]


def _call(name: str, version: str, kind: PmdKind, args: list[Value]) -> list[tuple[World, Value]]:
    world = World(kind, 0, catalog.entry_memory(), {})
    site = Site("test_caller", 1, name, CONTRACTS[version])
    return PRIMITIVES[name](site, world, args)


# Expected per PMD kind: "pte" (mapped), "NULL", or "contract" (a bug at this contract); and the
# PMD afterwards.
PTE_MAP = {
    "6.4": {"none": ("contract", "none"), "table": ("pte", "table"),
            **{k: ("contract", k) for k in NOT_TABLE}},
    "6.5": {"none": ("NULL", "none"), "table": ("pte", "table"), "thp": ("NULL", "thp"),
            "devmap": ("NULL", "devmap"), "migration": ("NULL", "migration"),
            "bad": ("NULL", "none")},
}


@pytest.mark.parametrize("name", MAPS)
@pytest.mark.parametrize("version", ["6.4", "6.5"])
def test_pte_offset_map_family(name: str, version: str) -> None:
    for kind_name, (result, after) in PTE_MAP[version].items():
        results = _call(name, version, PmdKind(kind_name), _map_args(name))
        assert len(results) == 1, kind_name
        world, value = results[0]
        assert world.pmd is PmdKind(after), kind_name
        assert not world.holds(Resource.RCU), kind_name
        if result == "contract":
            assert world.fault is not None and world.fault.kind == "contract", kind_name
            continue
        assert world.fault is None, kind_name
        if result == "NULL":
            assert isinstance(value, Null) and not world.held, kind_name
            continue
        assert isinstance(value, Ptr) and world.holds(Resource.PTE_MAP, value.obj), kind_name
        assert world.holds(Resource.PTL) == (name == "pte_offset_map_lock"), kind_name
        if name != "pte_offset_map":
            assert world.load("vmf->ptl") == Ptr("ptl"), kind_name


# do_set_pmd() (mm/memory.c 6.4, unchanged in 6.5): takes the PMD lock; a PMD that is not none
# (raced, or any other kind) -> FALLBACK with nothing changed; otherwise maps the huge page (the
# caller's page reference now belongs to the mapping, 0) -- or FALLBACK when the page cannot be
# mapped by a PMD (not suitably aligned, not PMD order, HW-poisoned subpage).  (OOM only where
# the architecture needs a deposited table, not x86.)
@pytest.mark.parametrize("version", ["6.4", "6.5"])
def test_do_set_pmd(version: str) -> None:
    for kind in PmdKind:
        world = World(kind, 0, catalog.entry_memory(), {(Resource.FOLIO_REF, "page"): 1})
        site = Site("test_caller", 1, "do_set_pmd", CONTRACTS[version])
        results = PRIMITIVES["do_set_pmd"](site, world, [Ptr("vmf"), Ptr("page")])
        got = {(spell_flags(v.value) if isinstance(v, Int) else "?", w.pmd.value,
                w.holds(Resource.FOLIO_REF, "page")) for w, v in results}
        fallback = (_flags("FALLBACK"), kind.value, True)
        assert got == ({("0", "thp", False), fallback} if kind is PmdKind.NONE else {fallback})
        assert all(w.fault is None for w, _ in results)


# next_uptodate_page() (mm/filemap.c as quoted in the stored copies; renamed next_uptodate_folio()
# later, same contract): walks the xarray,
# skipping value entries, locked, not up-to-date, readahead or truncated folios (dropping what it
# took for them); returns the first folio it could reference and trylock, or NULL at the end.  It
# never looks at the PMD.
@pytest.mark.parametrize("name", ["next_uptodate_page", "first_map_page", "next_map_page",
                                  "next_uptodate_folio"])
def test_next_uptodate_page(name: str) -> None:
    for version in ("6.4", "6.5"):
        for kind in PmdKind:
            results = _call(name, version, kind, [TOP, TOP, TOP, TOP])
            got = set()
            for world, value in results:
                assert world.pmd is kind and world.fault is None
                if isinstance(value, Null):
                    got.add("NULL")
                    assert not world.held
                else:
                    assert isinstance(value, Ptr)
                    assert world.holds(Resource.FOLIO_LOCK, value.obj)
                    assert world.holds(Resource.FOLIO_REF, value.obj)
                    got.add("locked, referenced folio")
            assert got == {"NULL", "locked, referenced folio"}, (name, version, kind)
