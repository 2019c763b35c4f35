"""What one run was asked to do, as one immutable value passed down the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from pte_check.explore.budget import Budget


@dataclass(frozen=True)
class Options:
    """Analysis settings: model version, contract, races, lock held, budgets, strictness.

    `lock`: "mmap" (the fault holds mmap_lock for read) or "vma" (only the per-VMA lock; see
    catalog.LOCKS)."""

    kernel: str = "auto"
    contract: str = "newest"
    races: int = 1
    lock: str = "mmap"
    budget: Budget = field(default_factory=Budget)
    strict: bool = False
