"""Reading the lines of a quoted hunk whose markers were mangled, so that its header counts agree."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
    for end in range(1, len(candidates) + 1):
        if _counts(candidates[:end]) == (header.old_count, header.new_count):
            return Reading(tuple(candidates[:end]))
    if cut is not None:
        return Reading(tuple(candidates), problem=f"the reviewer cut this hunk at line {cut}, "
                       "so its lines are incomplete")
    return _with_flips(candidates, header)


def _counts(lines: Sequence[Candidate]) -> tuple[int, int]:
    old = sum(1 for line in lines if line.kind != "+")
    new = sum(1 for line in lines if line.kind != "-")
    return old, new


def _with_flips(candidates: Sequence[Candidate], header: Header) -> Reading:
    """The shortest prefix made to fit by flipping soft lines only, else any lines; never a guess."""
    ambiguous = False
    for soft_only in (True, False):
        for end in range(1, len(candidates) + 1):
            flips = _flips(candidates[:end], header, soft_only)
            if isinstance(flips, frozenset):
                return Reading(tuple(candidates[:end]), flips)
            ambiguous = ambiguous or flips == AMBIGUOUS
    if ambiguous:
        return Reading(tuple(candidates), problem=(
            f"its header {header.text} fits more than one reading of its -/+ led lines"))
    old, new = _counts(candidates)
    return Reading(tuple(candidates), problem=(
        f"its lines ({old} old, {new} new) cannot be made to agree with its header {header.text}"))


def _flips(lines: Sequence[Candidate], header: Header,
           soft_only: bool) -> frozenset[int] | str | None:
    """Which lines to read as context so the counts agree; None if none do; AMBIGUOUS."""
    old, new = _counts(lines)
    need_plus, need_minus = header.old_count - old, header.new_count - new
    if need_plus < 0 or need_minus < 0:
        return None
    picks = [_pick(lines, "-", need_minus, soft_only), _pick(lines, "+", need_plus, soft_only)]
    if None in picks:
        return None
    if AMBIGUOUS in picks:
        return AMBIGUOUS
    return frozenset().union(*(pick for pick in picks if isinstance(pick, frozenset)))


def _pick(lines: Sequence[Candidate], kind: str, need: int,
          soft_only: bool) -> frozenset[int] | str | None:
    """need lines of kind to flip, soft ones first; AMBIGUOUS when the choice is not forced."""
    if need == 0:
        return frozenset()
    soft = [i for i, line in enumerate(lines) if line.kind == kind and line.soft]
    hard = [] if soft_only else [i for i, line in enumerate(lines)
                                 if line.kind == kind and line.flippable and not line.soft]
    if need <= len(soft):
        return frozenset(soft) if need == len(soft) else AMBIGUOUS
    if need - len(soft) == len(hard):
        return frozenset(soft + hard)
    return AMBIGUOUS if need - len(soft) < len(hard) else None
