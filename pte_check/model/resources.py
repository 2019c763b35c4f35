"""The resources the model tracks, each taken and released in pairs, in the kernel's words."""

from __future__ import annotations

import enum


class Resource(enum.Enum):
    """A resource a path can hold."""

    FOLIO_LOCK = "folio lock"
    FOLIO_REF = "folio reference"
    PTL = "page-table lock"
    PTE_MAP = "PTE mapping"
    RCU = "RCU read lock"
    MMAP_LOCK = "mmap_lock"
    SPINLOCK = "spinlock"
    MUTEX = "mutex"
    KMAP = "kmap_local mapping"

    # Members are singletons: hashing by identity is C-level (Enum's own hashes the name in
    # Python, and explored states hash these on every merge).
    __hash__ = object.__hash__

    @property
    def words(self) -> str:
        return self.value
