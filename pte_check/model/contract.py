"""Kernel contracts: what the primitives promise, per kernel version."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Contract:
    """The semantics the primitives follow.

    `maps_may_fail`: pte_offset_map*() return NULL when the PMD is no page table (6.5, from
    "mm: allow pte_offset_map[_lock]() to fail"); before, a caller had to exclude that case
    first and reaching the call with such a PMD is a contract violation.
    `retraction`: page tables may be retracted without mmap_lock for write (6.6).
    """

    version: str
    maps_may_fail: bool
    retraction: bool = False


CONTRACTS: dict[str, Contract] = {
    "6.4": Contract("6.4", maps_may_fail=False),
    "6.5": Contract("6.5", maps_may_fail=True),
}
NEWEST = "6.5"
