"""The patch as read: series, patches, file diffs, hunks and lines, each keeping its input position."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, overload


class Line(NamedTuple):
    """One hunk line: kind is ' ', '-' or '+'; origin is its line in the input file.  (A named
    tuple: a patch has one per line, and a frozen dataclass costs three times as much to make.)"""

    kind: str
    text: str
    old: int | None
    new: int | None
    origin: int


@dataclass(frozen=True)
class Hunk:
    """One hunk with its header numbers, section heading and lines."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    heading: str
    lines: tuple[Line, ...]
    origin: int
    problem: str | None = None  # why this hunk must not be analysed (cut or unrecoverable)

    @property
    def header(self) -> str:
        text = f"@@ -{self.old_start},{self.old_count} +{self.new_start},{self.new_count} @@"
        return f"{text} {self.heading}".rstrip()


@dataclass(frozen=True)
class FileDiff:
    """The changes to one file; paths are without the a/ and b/ prefixes."""

    old_path: str | None
    new_path: str | None
    hunks: tuple[Hunk, ...]
    origin: int
    binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or "?"

    @property
    def is_c(self) -> bool:
        return self.path.endswith((".c", ".h"))


@dataclass(frozen=True)
class Patch:
    """One patch: its mail headers where it had any, and its file diffs."""

    subject: str
    files: tuple[FileDiff, ...]
    source: str
    origin: int
    author: str | None = None
    date: str | None = None
    number: int | None = None
    total: int | None = None
    repairs: tuple[str, ...] = ()


class Patches(Sequence[Patch]):
    """A series' patches in order; a patch kept as a loader is read again each time it is asked
    for, so that a long mbox is held in memory one patch at a time."""

    def __init__(self, entries: Sequence[Patch | Callable[[], Patch]]) -> None:
        self._entries = tuple(entries)

    def __len__(self) -> int:
        return len(self._entries)

    @overload
    def __getitem__(self, index: int) -> Patch: ...

    @overload
    def __getitem__(self, index: slice) -> Patches: ...

    def __getitem__(self, index: int | slice) -> Patch | Patches:
        if isinstance(index, slice):
            return Patches(self._entries[index])
        entry = self._entries[index]
        return entry if isinstance(entry, Patch) else entry()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other,
                                                                           strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Patches({len(self)} patches)"


@dataclass(frozen=True)
class PatchSeries:
    """Patches in the order they apply; title is the cover letter's subject where there was one."""

    patches: Sequence[Patch]
    title: str | None = None
    notes: tuple[str, ...] = field(default=())
