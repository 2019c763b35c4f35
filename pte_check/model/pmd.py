"""The kinds of PMD the model distinguishes, their predicates, and what other CPUs may do to them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PmdKind(enum.Enum):
    """What the PMD holds when the fault reads it."""

    NONE = "none"
    TABLE = "table"
    THP = "thp"
    DEVMAP = "devmap"
    MIGRATION = "migration"
    BAD = "bad"

    # Members are singletons: hashing by identity is C-level (Enum's own hashes the name in
    # Python, and explored states hash these on every merge).
    __hash__ = object.__hash__

    @property
    def words(self) -> str:
        return _WORDS[self]

    @property
    def is_table(self) -> bool:
        return self is PmdKind.TABLE


_WORDS = {
    PmdKind.NONE: "PMD is none (pmd_none() true)",
    PmdKind.TABLE: "PMD points to a page table",
    PmdKind.THP: "PMD maps a transparent huge page (pmd_trans_huge() true)",
    PmdKind.DEVMAP: "PMD maps a huge devmap page (pmd_devmap() true, pmd_trans_huge() false)",
    PmdKind.MIGRATION: "PMD holds a migration entry (not present)",
    PmdKind.BAD: "PMD is bad (pmd_bad() true)",
}

# Predicates per kind (x86-64 with THP, THP migration and devmap configured).  A huge devmap
# PMD is not pmd_trans_huge() on x86; a migration entry is neither present nor huge.
_PREDICATES: dict[str, frozenset[PmdKind]] = {
    "pmd_none": frozenset({PmdKind.NONE}),
    "pmd_present": frozenset({PmdKind.TABLE, PmdKind.THP, PmdKind.DEVMAP, PmdKind.BAD}),
    "pmd_trans_huge": frozenset({PmdKind.THP}),
    "pmd_devmap": frozenset({PmdKind.DEVMAP}),
    "pmd_bad": frozenset({PmdKind.BAD}),
    "pmd_leaf": frozenset({PmdKind.THP, PmdKind.DEVMAP}),
    "pmd_large": frozenset({PmdKind.THP, PmdKind.DEVMAP}),
    "is_pmd_migration_entry": frozenset({PmdKind.MIGRATION}),
    "is_swap_pmd": frozenset({PmdKind.MIGRATION}),
    "pmd_is_table": frozenset({PmdKind.TABLE}),
}
# pmd_trans_unstable() (6.4): none, huge, non-present or bad (which it clears).
UNSTABLE = frozenset({PmdKind.NONE, PmdKind.THP, PmdKind.MIGRATION, PmdKind.BAD})


def predicate_names() -> frozenset[str]:
    return frozenset(_PREDICATES)


def holds(predicate: str, kind: PmdKind) -> bool:
    """Whether a pmd_*() predicate is true of a PMD of this kind."""
    return kind in _PREDICATES[predicate]


@dataclass(frozen=True)
class PmdChange:
    """A change another CPU may make to the PMD between two reads of it."""

    before: PmdKind
    after: PmdKind
    words: str


# Changes possible while the fault holds mmap_lock for read, or only the per-VMA lock (6.4,
# 6.5): collapsing a table into a huge page, or retracting it, needs mmap_lock for write and the
# VMA write-locked, so a page table, once there, stays.  The per-VMA lock keeps out no fewer of
# these changes than mmap_lock: whatever changes the page-table structure of a VMA under
# mmap_lock for write also write-locks that VMA ("mm/khugepaged: write-lock VMA while collapsing
# a huge page": "Page fault handler needs a stable PMD to use PTL and relies on per-VMA lock to
# prevent concurrent PMD changes"), and what runs under mmap_lock for read (MADV_DONTNEED's zap,
# THP split, migration) runs beside either kind of fault.
CONCURRENT_CHANGES: tuple[PmdChange, ...] = (
    PmdChange(PmdKind.NONE, PmdKind.TABLE, "another CPU installs a page table"),
    PmdChange(PmdKind.NONE, PmdKind.THP, "another CPU installs a transparent huge PMD"),
    PmdChange(PmdKind.THP, PmdKind.TABLE, "another CPU splits the huge PMD into a page table"),
    PmdChange(PmdKind.THP, PmdKind.MIGRATION,
              "another CPU starts migrating the huge page (a migration entry replaces it)"),
    PmdChange(PmdKind.THP, PmdKind.NONE, "another CPU zaps the huge PMD (MADV_DONTNEED)"),
    PmdChange(PmdKind.DEVMAP, PmdKind.NONE, "another CPU zaps the huge devmap PMD (truncate)"),
    PmdChange(PmdKind.MIGRATION, PmdKind.THP,
              "migration completes on another CPU (a huge PMD replaces the entry)"),
)
# From 6.6 (contract "6.6"), khugepaged's retract_page_tables() clears the PMD of a page table
# whose pages it collapsed into a file THP, holding the i_mmap lock for read and the PMD and
# page-table locks but neither mmap_lock nor the VMA lock (mm/khugepaged.c; see Contract).  Only
# file VMAs with no anon_vma are retracted (effects.race_point() checks the VMA).
RETRACTION = PmdChange(PmdKind.TABLE, PmdKind.NONE,
                       "another CPU (khugepaged) retracts the page table")


def changes_from(kind: PmdKind, retraction: bool) -> tuple[PmdChange, ...]:
    extra = (RETRACTION,) if retraction else ()
    return tuple(c for c in CONCURRENT_CHANGES + extra if c.before is kind)
