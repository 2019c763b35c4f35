"""Abstract values the explorer computes with."""

from __future__ import annotations

from dataclasses import dataclass

from pte_check.model.pmd import PmdKind


@dataclass(frozen=True)
class Int:
    """A known integer (also booleans and vm_fault_t flags)."""

    value: int


@dataclass(frozen=True)
class Ptr:
    """A non-NULL pointer to a tracked object ('vmf', 'pmd', 'folio#1', 'pte#2', ...)."""

    obj: str


@dataclass(frozen=True)
class Null:
    """NULL; `origin` names the may-fail call that produced it, if any."""

    origin: str | None = None


@dataclass(frozen=True)
class Ref:
    """The address of an lvalue (`&vmf->ptl`), as an access-path key."""

    key: str


@dataclass(frozen=True)
class PmdVal:
    """A PMD value read at some moment (`pmd_t pmdval = *pmd`)."""

    kind: PmdKind


@dataclass(frozen=True)
class Top:
    """A value the model does not know."""


Value = Int | Ptr | Null | Ref | PmdVal | Top
TOP = Top()
TRUE = Int(1)
FALSE = Int(0)
PMD_PTR = Ptr("pmd")


def truth(value: Value) -> bool | None:
    """Whether a value is true in C, or None when the model cannot tell."""
    if isinstance(value, Int):
        return value.value != 0
    if isinstance(value, (Ptr, Ref)):
        return True
    if isinstance(value, Null):
        return False
    return None
