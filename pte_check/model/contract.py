"""Kernel contracts: what the primitives promise, per kernel version."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Contract:
    """The semantics the primitives follow.

    `maps_may_fail`: pte_offset_map*() return NULL when the PMD is no page table (6.5, from
    "mm: allow pte_offset_map[_lock]() to fail"); before, a caller had to exclude that case
    first and reaching the call with such a PMD is a contract violation.

    `retraction`: another CPU may retract a page table (the PMD becomes none) between two reads
    of the PMD by a fault that holds mmap_lock for read or only the per-VMA lock (6.6).  At 6.4
    and 6.5 khugepaged's retract_page_tables() removed a page table only with mmap_lock held for
    write (a trylock) and the VMA write-locked (the per-VMA lock series: "mm/khugepaged:
    write-lock VMA while collapsing a huge page", "mm/khugepaged: fix vm_lock/i_mmap_rwsem
    inversion in retract_page_tables"), so no fault could see it.  From 6.6 ("mm/khugepaged:
    retract_page_tables() without mmap or vma lock") it walks the file's i_mmap tree under
    i_mmap_lock_read(), skips a VMA whose anon_vma is set (checked again under the page-table
    lock), and clears the PMD with pmdp_collapse_flush() holding only the PMD lock and the
    page-table lock, freeing the table after RCU (pte_free_defer()): read in mm/khugepaged.c of
    a 6.6 tree (ExtremeXT/android_kernel_samsung_6.6 at 592b510b).  That is why 6.5 made
    pte_offset_map*() able to fail.  Only file VMAs (in a file's i_mmap) with no anon_vma are
    retracted; effects.race_point() applies that.

    `swap_under_vma_lock`: do_swap_page() handles a fault that holds only the per-VMA lock
    (6.6, "mm: handle swap page faults under per-VMA lock").  At 6.4 and 6.5 it returns
    VM_FAULT_RETRY at once for such a fault ("mm: prevent do_swap_page from handling page faults
    under VMA lock"), and the fault is retried under mmap_lock.
    """

    version: str
    maps_may_fail: bool
    retraction: bool = False
    swap_under_vma_lock: bool = False


CONTRACTS: dict[str, Contract] = {
    "6.4": Contract("6.4", maps_may_fail=False),
    "6.5": Contract("6.5", maps_may_fail=True),
    "6.6": Contract("6.6", maps_may_fail=True, retraction=True, swap_under_vma_lock=True),
}
# The default (`--contract newest`): the newest version the model has function bodies for.  6.6
# is chosen explicitly: its page-table retraction is a concurrent change the 6.4 and 6.5 bodies
# never had to meet, so it is asked for, not assumed.
NEWEST = "6.5"
