"""What a source provider gives the analysis: function texts before and after a patch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pte_check.inputs.patch import Hunk, Patch


@dataclass(frozen=True)
class FunctionText:
    """A function's source text; `lines[i]` is the file line of text line i+1, where known."""

    name: str
    file: str
    text: str
    lines: tuple[int | None, ...]


@dataclass(frozen=True)
class Edit:
    """One function as the patch leaves it, with where each line came from."""

    before: FunctionText
    after: FunctionText
    before_hunks: tuple[int | None, ...]
    after_hunks: tuple[int | None, ...]
    hunks: tuple[int, ...]
    repairs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unaligned:
    """A hunk the provider could not place, and why."""

    file: str
    index: int
    hunk: Hunk
    reason: str


@dataclass(frozen=True)
class Sourcing:
    """A provider's answer for one patch: edited functions, unplaced hunks, and the rest."""

    edits: tuple[Edit, ...]
    unaligned: tuple[Unaligned, ...]
    context: tuple[FunctionText, ...]
    version: str
    notes: tuple[str, ...] = ()


class Provider(Protocol):
    """Gives the before and after bodies of the functions a patch changes."""

    def source(self, patch: Patch) -> Sourcing:
        """The functions the patch changes, before and after, and the hunks that fit nowhere."""

    def advance(self, sourcing: Sourcing) -> None:
        """Take a patch's edits as the base of the next patch of the series."""

    def functions(self, version: str) -> list[FunctionText]:
        """Every function the provider knows at a version, as the series has left them."""
