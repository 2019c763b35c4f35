"""Reading the lines of a quoted hunk whose markers were mangled, so that its header counts agree."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from pte_check.inputs.hunks import Header
from pte_check.inputs.lines import Numbered

AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Candidate:
    """A quoted line that may belong to a hunk: its input line, index in the reply, unquoted text."""

    origin: int
    index: int
    rest: str

    @property
    def kind(self) -> str:
        """The plain reading: `-`/`+` led lines are removed/added, anything else is context."""
        return self.rest[0] if self.rest[:1] in ("-", "+") else " "

    @property
    def flippable(self) -> bool:
        """Whether the line could be context whose text starts with `-`/`+` (not a bare marker)."""
        return self.kind != " " and len(self.rest.strip()) > 1

    @property
    def soft(self) -> bool:
        """Whether no space follows the marker, as in a wrapped `-ENOMEM;` (flipped first)."""
        return self.flippable and self.rest[1:2] not in (" ", "\t")


@dataclass(frozen=True)
class Reading:
    """The hunk's lines, which of them are read as context against their marker, or the problem."""

    lines: tuple[Candidate, ...]
    flips: frozenset[int] = frozenset()
    problem: str | None = None

    def classified(self) -> Iterator[tuple[Candidate, str, str]]:
        """Each line with its kind and its text without marker and quote."""
        for position, line in enumerate(self.lines):
            kind = " " if position in self.flips else line.kind
            yield line, kind, _text(line, kind)

    def canonical(self) -> list[Numbered]:
        """The lines as a unified diff would have them."""
        return [Numbered(line.origin, kind + text) for line, kind, text in self.classified()]

    def lost_markers(self) -> int:
        """How many context lines had lost their leading space."""
        return sum(1 for line, kind, _ in self.classified()
                   if kind == " " and not line.rest.startswith(" "))

    def flipped(self) -> list[Candidate]:
        """The `-`/`+` led lines read as context."""
        return [self.lines[position] for position in sorted(self.flips)]


def _text(line: Candidate, kind: str) -> str:
    if kind == " " and line.kind == " ":
        return line.rest.removeprefix(" ")
    if kind == " ":
        return line.rest
    return line.rest[1:].removeprefix(" ")


def choose(candidates: Sequence[Candidate], header: Header, cut: int | None) -> Reading:
    """The shortest plain reading that fits the header; else one with flips; else a problem."""
    want = (header.old_count, header.new_count)
    for end, tally in enumerate(_tallies(candidates), 1):
        if (tally.old, tally.new) == want:
            return Reading(tuple(candidates[:end]))
    if cut is not None:
        return Reading(tuple(candidates), problem=f"the reviewer cut this hunk at line {cut}, "
                       "so its lines are incomplete")
    return _with_flips(candidates, header)


@dataclass
class _Tally:
    """Counts over a prefix of the candidates, kept as the prefix grows (so choosing is linear)."""

    old: int = 0
    new: int = 0
    soft: dict[str, int] = field(default_factory=lambda: {"-": 0, "+": 0})
    hard: dict[str, int] = field(default_factory=lambda: {"-": 0, "+": 0})

    def add(self, line: Candidate) -> None:
        kind = line.kind
        self.old += kind != "+"
        self.new += kind != "-"
        if line.soft:
            self.soft[kind] += 1
        elif line.flippable:
            self.hard[kind] += 1


def _tallies(candidates: Sequence[Candidate]) -> Iterator[_Tally]:
    """The tally of each prefix, shortest first (the same object, updated)."""
    tally = _Tally()
    for line in candidates:
        tally.add(line)
        yield tally


def _counts(lines: Sequence[Candidate]) -> tuple[int, int]:
    old = sum(1 for line in lines if line.kind != "+")
    new = sum(1 for line in lines if line.kind != "-")
    return old, new


def _with_flips(candidates: Sequence[Candidate], header: Header) -> Reading:
    """The shortest prefix made to fit by flipping soft lines only, else any lines; never a guess."""
    ambiguous = False
    for soft_only in (True, False):
        for end, tally in enumerate(_tallies(candidates), 1):
            verdict = _verdict(tally, header, soft_only)
            if verdict is _FITS:
                lines = candidates[:end]
                return Reading(tuple(lines), _flips(lines, header, soft_only))
            ambiguous = ambiguous or verdict == AMBIGUOUS
    if ambiguous:
        return Reading(tuple(candidates), problem=(
            f"its header {header.text} fits more than one reading of its -/+ led lines"))
    old, new = _counts(candidates)
    return Reading(tuple(candidates), problem=(
        f"its lines ({old} old, {new} new) cannot be made to agree with its header {header.text}"))


_FITS = "fits"


def _verdict(tally: _Tally, header: Header, soft_only: bool) -> str | None:
    """Whether flips make the prefix fit (_FITS), could in more than one way (AMBIGUOUS), or
    cannot (None): _flips' answer from the prefix's counts alone."""
    need_plus, need_minus = header.old_count - tally.old, header.new_count - tally.new
    if need_plus < 0 or need_minus < 0:
        return None
    picks = [_choice(need, tally.soft[kind], 0 if soft_only else tally.hard[kind])
             for kind, need in (("-", need_minus), ("+", need_plus))]
    if None in picks:
        return None
    return AMBIGUOUS if AMBIGUOUS in picks else _FITS


def _choice(need: int, soft: int, hard: int) -> str | None:
    """How `need` flips can be taken from `soft` soft then `hard` other flippable lines:
    "none", "soft", "all" (forced), AMBIGUOUS (not forced) or None (not enough lines)."""
    if need == 0:
        return "none"
    if need <= soft:
        return "soft" if need == soft else AMBIGUOUS
    if need - soft == hard:
        return "all"
    return AMBIGUOUS if need - soft < hard else None


def _flips(lines: Sequence[Candidate], header: Header, soft_only: bool) -> frozenset[int]:
    """Which lines to read as context so the counts agree (the prefix must fit)."""
    old, new = _counts(lines)
    flips: set[int] = set()
    for kind, need in (("-", header.new_count - new), ("+", header.old_count - old)):
        soft = [i for i, line in enumerate(lines) if line.kind == kind and line.soft]
        hard = [] if soft_only else [i for i, line in enumerate(lines)
                                     if line.kind == kind and line.flippable and not line.soft]
        choice = _choice(need, len(soft), len(hard))
        flips.update(soft if choice == "soft" else soft + hard if choice == "all" else ())
    return frozenset(flips)
