"""The semantics of the kernel primitives the fault path calls, in the model's own terms.

Each registers under the kernel names it stands for; the registry and the effects they are
written with (fail, choose, race_point, acquire, release) are in effects.py, and are
re-exported here for the code that calls primitives."""

from __future__ import annotations

from collections.abc import Callable

from pte_check.model import pmd as pmdmod
from pte_check.model.effects import (
    ORACLE_CAP,
    PRIMITIVES,
    READS_PMD,
    Primitive,
    Results,
    Site,
    acquire,
    arg,
    choose,
    fail,
    obj,
    pmd_kind,
    primitive,
    race_point,
    release,
    retractable,
    vma_locked,
)
from pte_check.model.pmd import PmdKind
from pte_check.model.resources import Resource
from pte_check.model.state import Fault, World
from pte_check.model.values import FALSE, PMD_PTR, TOP, TRUE, Int, Null, PmdVal, Ptr, Ref, Value
from pte_check.model.vmfault import FLAGS

__all__ = ["ORACLE_CAP", "PRIMITIVES", "READS_PMD", "Primitive", "Results", "Site", "acquire",
           "arg", "choose", "fail", "obj", "pmd_kind", "primitive", "race_point", "release",
           "retractable", "vma_locked"]


# PMD predicates ----------------------------------------------------------------------------

def _predicate(site: Site, world: World, args: list[Value]) -> Results:
    kind = pmd_kind(world, arg(args, 0))
    if kind is None:
        return [(world, TOP)]
    return [(world, TRUE if pmdmod.holds(site.name, kind) else FALSE)]


for _name in pmdmod.predicate_names():
    PRIMITIVES[_name] = _predicate


@primitive("pmd_trans_unstable", "pmd_none_or_trans_huge_or_clear_bad",
           "pmd_devmap_trans_unstable", reads_pmd=True)
def _unstable(site: Site, world: World, args: list[Value]) -> Results:
    results: Results = []
    for w in race_point(world, site, f"{site.name}()"):
        kind = w.pmd
        unstable = kind in pmdmod.UNSTABLE or (
            site.name == "pmd_devmap_trans_unstable" and kind is PmdKind.DEVMAP)
        if kind is PmdKind.BAD:
            w.pmd = PmdKind.NONE  # pmd_clear_bad()
        results.append((w, TRUE if unstable else FALSE))
    return results


@primitive("pmd_install", reads_pmd=True)
def _pmd_install(site: Site, world: World, args: list[Value]) -> Results:
    results: Results = []
    for w in race_point(world, site, "pmd_install()"):
        if w.pmd is PmdKind.NONE:
            w.pmd = PmdKind.TABLE
            w.event("page table installed")
            prealloc = arg(args, 2)
            if isinstance(prealloc, Ref):
                w.store(prealloc.key, Null())
        results.append((w, TOP))
    return results


@primitive("pte_alloc", reads_pmd=True)
def _pte_alloc(site: Site, world: World, args: list[Value]) -> Results:
    """Installs a page table if the PMD is still none under the lock; fails only allocating."""
    def ok(w: World) -> Value:
        if w.pmd is PmdKind.NONE:
            w.pmd = PmdKind.TABLE
            w.event("page table installed")
        return FALSE
    results: Results = []
    for w in race_point(world, site, "pte_alloc()"):
        if w.pmd is not PmdKind.NONE:
            results.append((w, FALSE))
            continue
        results += choose(w, site, "pte_alloc", [("allocated", ok), ("failed", lambda m: TRUE)])
    return results


@primitive("pte_alloc_one")
def _pte_alloc_one(site: Site, world: World, args: list[Value]) -> Results:
    return choose(world, site, "pte_alloc_one", [
        ("allocated", lambda w: Ptr(w.new_object("prealloc"))),
        ("failed", lambda w: Null("pte_alloc_one")),
    ])


@primitive("do_set_pmd", reads_pmd=True)
def _do_set_pmd(site: Site, world: World, args: list[Value]) -> Results:
    """do_set_pmd() (mm/memory.c, 6.4 and 6.5 alike): maps a folio with a huge PMD.  Only on a
    none PMD (after another CPU's change too) may it map (0, the PMD becomes a huge one, the
    folio reference passes to the mapping); otherwise, or when the folio or the VMA does not
    allow it, VM_FAULT_FALLBACK and nothing changed."""
    world.event("do_set_pmd() tried")
    results: Results = []
    for w in race_point(world, site, "do_set_pmd()"):
        if w.pmd is not PmdKind.NONE:
            results.append((w, Int(FLAGS["VM_FAULT_FALLBACK"])))
            continue
        page = obj(arg(args, 1))

        def mapped(m: World, page: str | None = page) -> Value:
            m.pmd = PmdKind.THP
            m.event("huge PMD mapped")
            if page is not None and not m.release(Resource.FOLIO_REF, page):
                m.fault = Fault("double-release", "folio reference consumed by do_set_pmd() "
                                "when not held", site.function, site.line)
            return Int(0)
        results += choose(w, site, "do_set_pmd", [
            ("mapped", mapped), ("fallback", lambda m: Int(FLAGS["VM_FAULT_FALLBACK"]))])
    return results


# page tables -------------------------------------------------------------------------------

def _map_table(site: Site, world: World, args: list[Value], lock: bool, ptl_arg: int) -> Results:
    """pte_offset_map(), pte_offset_map_nolock() and pte_offset_map_lock() (include/linux/mm.h
    and mm/pgtable-generic.c), all through __pte_offset_map(): a mapped PTE (and, for _lock,
    the page-table lock held) when the PMD is a page table.  Otherwise: under the 6.4
    contract the caller must have excluded it (a contract fault); from 6.5 NULL, a bad PMD
    being cleared first (pmd_clear_bad()).  Another CPU may change the PMD just before."""
    results: Results = []
    for w in race_point(world, site, f"{site.name}()"):
        kind = w.pmd
        if not kind.is_table:
            if not site.contract.maps_may_fail:
                results += fail(w, site, "contract", f"{site.name}() called while the PMD is "
                                f"not a page table ({kind.words}): under the "
                                f"{site.contract.version} contract the caller must exclude it")
                continue
            if kind is PmdKind.BAD:
                w.pmd = PmdKind.NONE  # pmd_clear_bad() in __pte_offset_map()
            results.append((w, Null(site.name)))
            continue
        pte = w.new_object("pte")
        w.acquire(Resource.PTE_MAP, pte)
        ptl = arg(args, ptl_arg)
        if isinstance(ptl, Ref):
            w.store(ptl.key, Ptr("ptl"))
        if lock:
            w.acquire(Resource.PTL, "ptl")
        results.append((w, Ptr(pte)))
    return results


@primitive("pte_offset_map_lock", reads_pmd=True)
def _pte_offset_map_lock(site: Site, world: World, args: list[Value]) -> Results:
    return _map_table(site, world, args, lock=True, ptl_arg=3)


@primitive("pte_offset_map_nolock", reads_pmd=True)
def _pte_offset_map_nolock(site: Site, world: World, args: list[Value]) -> Results:
    return _map_table(site, world, args, lock=False, ptl_arg=3)


@primitive("pte_offset_map", reads_pmd=True)
def _pte_offset_map(site: Site, world: World, args: list[Value]) -> Results:
    return _map_table(site, world, args, lock=False, ptl_arg=99)


@primitive("pte_unmap_unlock")
def _pte_unmap_unlock(site: Site, world: World, args: list[Value]) -> Results:
    results: Results = []
    for w, _ in release(world, site, Resource.PTE_MAP, arg(args, 0)):
        results += [(w, TOP)] if w.fault else release(w, site, Resource.PTL, arg(args, 1))
    return results


@primitive("pte_unmap")
def _pte_unmap(site: Site, world: World, args: list[Value]) -> Results:
    return release(world, site, Resource.PTE_MAP, arg(args, 0))


@primitive("spin_lock", "spin_lock_irq", "spin_lock_bh", "spin_lock_irqsave")
def _spin_lock(site: Site, world: World, args: list[Value]) -> Results:
    return acquire(world, site, Resource.PTL if obj(arg(args, 0)) == "ptl"
                   else Resource.SPINLOCK, arg(args, 0))


@primitive("spin_unlock", "spin_unlock_irq", "spin_unlock_bh", "spin_unlock_irqrestore")
def _spin_unlock(site: Site, world: World, args: list[Value]) -> Results:
    return release(world, site, Resource.PTL if obj(arg(args, 0)) == "ptl"
                   else Resource.SPINLOCK, arg(args, 0))


def _needs_pte(site: Site, world: World, pte: Value) -> Results | None:
    if isinstance(pte, Null):
        return fail(world, site, "null-deref", f"{site.name}() with a NULL PTE pointer",
                    pte.origin)
    if isinstance(pte, Ptr) and not world.holds(Resource.PTE_MAP, pte.obj):
        return fail(world, site, "contract", f"{site.name}() on a PTE that is not mapped")
    return None


@primitive("do_set_pte", "set_pte_range")
def _do_set_pte(site: Site, world: World, args: list[Value]) -> Results:
    bad = _needs_pte(site, world, world.load("vmf->pte"))
    if bad is not None:
        return bad
    if not world.holds(Resource.PTL):
        return fail(world, site, "contract", f"{site.name}() without the page-table lock")
    world.event("PTE set")
    page = obj(arg(args, 1))
    if page is not None and not world.release(Resource.FOLIO_REF, page):
        return fail(world, site, "double-release",
                    f"folio reference consumed by {site.name}() when not held")
    return [(world, TOP)]


@primitive("vmf_pte_changed")
def _vmf_pte_changed(site: Site, world: World, args: list[Value]) -> Results:
    bad = _needs_pte(site, world, world.load("vmf->pte"))
    return bad if bad is not None else [(world, TOP)]


# folios --------------------------------------------------------------------------------------

def _new_folio(w: World) -> Value:
    folio = w.new_object("folio")
    w.acquire(Resource.FOLIO_LOCK, folio)
    w.acquire(Resource.FOLIO_REF, folio)
    return Ptr(folio)


@primitive("first_map_page", "next_map_page", "next_uptodate_folio", "next_uptodate_page")
def _next_folio(site: Site, world: World, args: list[Value]) -> Results:
    """first_map_page()/next_map_page() over next_uptodate_page() (mm/filemap.c, 6.4 and 6.5;
    next_uptodate_folio() where the name changed later): the next folio of the range that is
    up to date and not under I/O, locked and with a reference taken; NULL when the range holds
    no more."""
    return choose(world, site, "next folio in range",
                  [("folio", _new_folio), ("none", lambda w: Null())], terminal="none")


@primitive("folio_unlock", "unlock_page")
def _folio_unlock(site: Site, world: World, args: list[Value]) -> Results:
    return release(world, site, Resource.FOLIO_LOCK, arg(args, 0))


@primitive("folio_lock", "lock_page")
def _folio_lock(site: Site, world: World, args: list[Value]) -> Results:
    return acquire(world, site, Resource.FOLIO_LOCK, arg(args, 0))


@primitive("folio_put", "put_page", "folio_put_refs")
def _folio_put(site: Site, world: World, args: list[Value]) -> Results:
    return release(world, site, Resource.FOLIO_REF, arg(args, 0))


@primitive("folio_get", "get_page", "folio_ref_inc", "folio_ref_add")
def _folio_get(site: Site, world: World, args: list[Value]) -> Results:
    return acquire(world, site, Resource.FOLIO_REF, arg(args, 0))


@primitive("folio_file_page", "page_folio", "folio_page", "compound_head", "page_folio_ptr")
def _same_object(site: Site, world: World, args: list[Value]) -> Results:
    value = arg(args, 0)
    if isinstance(value, Null):
        return fail(world, site, "null-deref", f"{site.name}() on NULL", value.origin)
    return [(world, value)]


@primitive("folio_more_pages")
def _folio_more_pages(site: Site, world: World, args: list[Value]) -> Results:
    return choose(world, site, "folio has more pages in range",
                  [("yes", lambda w: TRUE), ("no", lambda w: FALSE)], terminal="no")


@primitive("PageTransCompound")
def _page_trans_compound(site: Site, world: World, args: list[Value]) -> Results:
    """The COW copy comes from alloc_page_vma() at order 0, so it is never compound (and
    finish_fault() never tries do_set_pmd() for it); a page-cache page may be either."""
    page = arg(args, 0)
    if isinstance(page, Ptr) and page == world.load("vmf->cow_page"):
        return [(world, FALSE)]
    return [(world, TOP)]


@primitive("folio_test_pmd_mappable")
def _pmd_mappable(site: Site, world: World, args: list[Value]) -> Results:
    return choose(world, site, "folio is PMD-mappable",
                  [("yes", lambda w: TRUE), ("no", lambda w: FALSE)])


# RCU and mmap_lock ---------------------------------------------------------------------------

@primitive("rcu_read_lock")
def _rcu_lock(site: Site, world: World, args: list[Value]) -> Results:
    world.acquire(Resource.RCU, "rcu")
    return [(world, TOP)]


@primitive("rcu_read_unlock")
def _rcu_unlock(site: Site, world: World, args: list[Value]) -> Results:
    return release(world, site, Resource.RCU, Ptr("rcu"))


@primitive("uffd_disable_fault_around")
def _uffd_disable_fault_around(site: Site, world: World, args: list[Value]) -> Results:
    """False: the modelled VMA has no userfaultfd write-protect or minor-fault registration."""
    return [(world, FALSE)]


@primitive("check_stable_address_space")
def _stable(site: Site, world: World, args: list[Value]) -> Results:
    return [(world.fork(), Int(0)), (world, Int(FLAGS["VM_FAULT_SIGBUS"]))]


# handlers reached through vm_ops -----------------------------------------------------------

def _fault_page(flags: int) -> Callable[[World], Value]:
    def make(w: World) -> Value:
        w.store("vmf->page", _new_folio(w))
        return Int(flags)
    return make


@primitive("->fault")
def _vm_ops_fault(site: Site, world: World, args: list[Value]) -> Results:
    """->fault(), as filemap_fault(): a locked, referenced page in vmf->page, or no page."""
    world.event("->fault() called")
    locked, major = FLAGS["VM_FAULT_LOCKED"], FLAGS["VM_FAULT_MAJOR"]
    return choose(world, site, "->fault() result", [
        ("page cached", _fault_page(locked)),
        ("page read (major fault)", _fault_page(locked | major)),
        ("mmap_lock dropped", lambda w: Int(FLAGS["VM_FAULT_RETRY"])),
        ("error", lambda w: Int(FLAGS["VM_FAULT_SIGBUS"])),
    ])


# the rest of the fault path -----------------------------------------------------------------

def _constant(value: Value) -> Primitive:
    def prim(site: Site, world: World, args: list[Value]) -> Results:
        return [(world, value)]
    return prim


# Facts of the modelled fault: no hugetlb, access permitted, no userfaultfd, zero page allowed.
for _name, _value in (("sanitize_fault_flags", Int(0)), ("arch_vma_access_permitted", TRUE),
                      ("is_vm_hugetlb_page", FALSE), ("userfaultfd_missing", FALSE),
                      ("mm_forbids_zeropage", FALSE)):
    PRIMITIVES[_name] = _constant(_value)


@primitive("vma_is_anonymous")
def _vma_is_anonymous(site: Site, world: World, args: list[Value]) -> Results:
    return [(world, TRUE if isinstance(world.load("vma->vm_ops"), Null) else FALSE)]


def _may_fail(name: str, make: Callable[[World], Value]) -> Primitive:
    def prim(site: Site, world: World, args: list[Value]) -> Results:
        return choose(world, site, name, [("allocated", make),
                                          ("failed", lambda w: Null(name))])
    return prim


def _new_page(w: World) -> Value:
    page = w.new_object("folio")
    w.acquire(Resource.FOLIO_REF, page)
    return Ptr(page)


PRIMITIVES["alloc_page_vma"] = _may_fail("alloc_page_vma", _new_page)
PRIMITIVES["vma_alloc_zeroed_movable_folio"] = _may_fail("vma_alloc_zeroed_movable_folio",
                                                         _new_page)
PRIMITIVES["pmd_alloc"] = _may_fail("pmd_alloc", lambda w: PMD_PTR)


def _zero_or_error(name: str, error: Value) -> Primitive:
    def prim(site: Site, world: World, args: list[Value]) -> Results:
        return choose(world, site, name, [("succeeded", lambda w: Int(0)),
                                          ("failed", lambda w: error)])
    return prim


@primitive("anon_vma_prepare")
def _anon_vma_prepare(site: Site, world: World, args: list[Value]) -> Results:
    """0 at once when the VMA has its anon_vma (always so under the per-VMA lock, which
    lock_vma_under_rcu() gives only to a VMA that has one); otherwise it may fail allocating,
    and on success the VMA has one."""
    if isinstance(world.load("vma->anon_vma"), Ptr):
        return [(world, Int(0))]

    def prepared(w: World) -> Value:
        w.store("vma->anon_vma", Ptr("anon_vma"))
        return Int(0)
    return choose(world, site, "anon_vma_prepare", [("succeeded", prepared),
                                                    ("failed", lambda w: Int(-12))])


PRIMITIVES["mem_cgroup_charge"] = _zero_or_error("mem_cgroup_charge", Int(-12))


@primitive("ptep_get", "ptep_get_lockless")
def _ptep_get(site: Site, world: World, args: list[Value]) -> Results:
    bad = _needs_pte(site, world, arg(args, 0))
    return bad if bad is not None else [(world, TOP)]


@primitive("pmdp_get_lockless", reads_pmd=True)
def _pmdp_get_lockless(site: Site, world: World, args: list[Value]) -> Results:
    if arg(args, 0) != PMD_PTR:
        return [(world, TOP)]
    return [(w, PmdVal(w.pmd)) for w in race_point(world, site, "pmdp_get_lockless()")]


@primitive("pte_lockptr")
def _pte_lockptr(site: Site, world: World, args: list[Value]) -> Results:
    return [(world, Ptr("ptl"))]


@primitive("set_pte_at")
def _set_pte_at(site: Site, world: World, args: list[Value]) -> Results:
    bad = _needs_pte(site, world, arg(args, 2))
    if bad is not None:
        return bad
    if not world.holds(Resource.PTL):
        return fail(world, site, "contract", "set_pte_at() without the page-table lock")
    world.event("PTE set")
    return [(world, TOP)]


@primitive("folio_add_new_anon_rmap", "page_add_new_anon_rmap")
def _add_anon_rmap(site: Site, world: World, args: list[Value]) -> Results:
    """The new anonymous folio's reference now belongs to the page table."""
    return release(world, site, Resource.FOLIO_REF, arg(args, 0))


def _const_value(value: Value) -> Callable[[World], Value]:
    return lambda _: value


def _unmaps_pte(event: str, results: list[tuple[str, int]]) -> Primitive:
    """A handler entered with the PTE mapped (not locked) that unmaps it before returning."""
    def prim(site: Site, world: World, args: list[Value]) -> Results:
        world.event(event)
        pte = world.load("vmf->pte")
        bad = _needs_pte(site, world, pte)
        if bad is not None:
            return bad
        if isinstance(pte, Ptr):
            world.release(Resource.PTE_MAP, pte.obj)
        return choose(world, site, event, [(label, _const_value(Int(value)))
                                            for label, value in results])
    return prim


_swap_in = _unmaps_pte("do_swap_page() called", [
    ("swapped in", 0), ("read from swap (major fault)", FLAGS["VM_FAULT_MAJOR"]),
    ("failed", FLAGS["VM_FAULT_OOM"])])
_swap_retry = _unmaps_pte("do_swap_page() called", [("retry under mmap_lock",
                                                       FLAGS["VM_FAULT_RETRY"])])


@primitive("do_swap_page")
def _do_swap_page(site: Site, world: World, args: list[Value]) -> Results:
    """Swaps the page in; but before 6.6, with only the per-VMA lock held, it unmaps the PTE
    and returns VM_FAULT_RETRY so that the fault is retried under mmap_lock."""
    if vma_locked(world) and not site.contract.swap_under_vma_lock:
        return _swap_retry(site, world, args)
    return _swap_in(site, world, args)


PRIMITIVES["do_numa_page"] = _unmaps_pte("do_numa_page() called", [("done", 0)])


@primitive("do_wp_page")
def _do_wp_page(site: Site, world: World, args: list[Value]) -> Results:
    """do_wp_page() is entered with the PTE mapped and locked, and unmaps and unlocks it."""
    world.event("do_wp_page() called")
    pte = world.load("vmf->pte")
    bad = _needs_pte(site, world, pte)
    if bad is not None:
        return bad
    if isinstance(pte, Ptr):
        world.release(Resource.PTE_MAP, pte.obj)
    if not world.release(Resource.PTL, "ptl"):
        return fail(world, site, "contract", "do_wp_page() without the page-table lock")
    return choose(world, site, "do_wp_page() result", [
        ("copied or reused", lambda w: Int(0)), ("failed", lambda w: Int(FLAGS["VM_FAULT_OOM"]))])


@primitive("create_huge_pmd")
def _create_huge_pmd(site: Site, world: World, args: list[Value]) -> Results:
    """Anonymous VMAs may get a huge page here; page-cache files have no ->huge_fault."""
    world.event("create_huge_pmd() tried")
    if not isinstance(world.load("vma->vm_ops"), Null):
        return [(world, Int(FLAGS["VM_FAULT_FALLBACK"]))]

    def mapped(w: World) -> Value:
        w.pmd = PmdKind.THP
        w.event("huge PMD mapped")
        return Int(0)
    return choose(world, site, "create_huge_pmd", [
        ("huge page mapped", mapped), ("fallback", lambda w: Int(FLAGS["VM_FAULT_FALLBACK"]))])


@primitive("wp_huge_pmd")
def _wp_huge_pmd(site: Site, world: World, args: list[Value]) -> Results:
    world.event("wp_huge_pmd() called")
    return choose(world, site, "wp_huge_pmd", [
        ("handled", lambda w: Int(0)), ("fallback", lambda w: Int(FLAGS["VM_FAULT_FALLBACK"]))])


@primitive("do_page_mkwrite")
def _do_page_mkwrite(site: Site, world: World, args: list[Value]) -> Results:
    """->page_mkwrite(): on success the page comes back locked."""
    world.event("->page_mkwrite() called")
    page = obj(world.load("vmf->page"))

    def relocked(w: World) -> Value:
        if page is not None:
            w.acquire(Resource.FOLIO_LOCK, page)
        return Int(FLAGS["VM_FAULT_LOCKED"])
    return choose(world, site, "->page_mkwrite() result", [
        ("page locked again", relocked), ("error", lambda w: Int(FLAGS["VM_FAULT_SIGBUS"])),
        ("page truncated", lambda w: Int(FLAGS["VM_FAULT_NOPAGE"]))])


@primitive("fault_dirty_shared_page")
def _fault_dirty_shared_page(site: Site, world: World, args: list[Value]) -> Results:
    """Marks the page dirty and unlocks it; its reference now belongs to the mapping."""
    world.event("page dirtied")
    return [(w, Int(0)) for w, _ in release(world, site, Resource.FOLIO_LOCK,
                                            world.load("vmf->page"))]


@primitive("do_huge_pmd_numa_page")
def _do_huge_pmd_numa_page(site: Site, world: World, args: list[Value]) -> Results:
    world.event("do_huge_pmd_numa_page() called")
    return [(world, Int(0))]


# Locks, allocators, ERR_PTR and friends for code outside the fault path (kernel-tree mode).
from pte_check.model import generic  # noqa: F401  (registers its primitives)
