"""Applying a file's hunks in memory as `patch` does: offset, whitespace, fuzz, reversal."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from pte_check.inputs.patch import Hunk, Line

MAX_FUZZ = 2
_FLIP = {"-": "+", "+": "-", " ": " "}


@dataclass(frozen=True)
class Placed:
    """Where one hunk went: 0-based starts of its pre-image in the old text and post-image in
    the new one, and how it matched (None when exactly at its header's line)."""

    index: int
    old_at: int
    new_at: int
    how: str | None


@dataclass(frozen=True)
class Applied:
    """A file before and after its hunks, with the hunk that removed or added each line.

    `removed` maps a 1-based line of `before` to the hunk that removes it, `added` a 1-based
    line of `after` to the hunk that adds it. `reversed` says the text given was already the
    patched one: `after` is that text and `before` was made by reverting the hunks.
    """

    before: tuple[str, ...]
    after: tuple[str, ...]
    removed: dict[int, int]
    added: dict[int, int]
    placed: tuple[Placed, ...]
    failed: tuple[tuple[int, str], ...]
    reversed: bool = False


def flip(hunk: Hunk) -> Hunk:
    """The hunk that undoes `hunk`."""
    lines = tuple(Line(_FLIP[ln.kind], ln.text, ln.new, ln.old, ln.origin) for ln in hunk.lines)
    return replace(hunk, old_start=hunk.new_start, old_count=hunk.new_count,
                   new_start=hunk.old_start, new_count=hunk.old_count, lines=lines)


def apply_file(text: Sequence[str], hunks: Sequence[tuple[int, Hunk]]) -> Applied:
    """Apply (index, hunk) pairs to a file's lines; if they are already applied, revert them.

    Tries, in order: forward then reverse without fuzz, then forward then reverse with fuzz;
    the first attempt that places every hunk wins, else the one that places the most.
    """
    best: Applied | None = None
    for fuzz in (0, MAX_FUZZ):
        for backwards in (False, True):
            result = _attempt(text, hunks, fuzz, backwards)
            if not result.failed:
                return result
            if best is None or len(result.placed) > len(best.placed):
                best = result
    assert best is not None
    return best


def _attempt(text: Sequence[str], hunks: Sequence[tuple[int, Hunk]], fuzz: int,
             backwards: bool) -> Applied:
    if not backwards:
        return _apply(text, hunks, fuzz)
    undone = _apply(text, [(i, flip(h)) for i, h in hunks], fuzz)
    placed = tuple(Placed(p.index, p.new_at, p.old_at, p.how) for p in undone.placed)
    return Applied(undone.after, undone.before, undone.added, undone.removed, placed,
                   undone.failed, reversed=True)


def _apply(text: Sequence[str], hunks: Sequence[tuple[int, Hunk]], fuzz: int) -> Applied:
    old = list(text)
    keys = [_squash(line) for line in old]
    out: list[str] = []
    removed: dict[int, int] = {}
    added: dict[int, int] = {}
    placed: list[Placed] = []
    failed: list[tuple[int, str]] = []
    done = offset = 0
    for index, hunk in hunks:
        found = _locate(old, keys, hunk, done, offset, fuzz)
        if found is None:
            failed.append((index, _why(hunk)))
            continue
        at, head, lines, how = found
        out += old[done:at]
        placed.append(Placed(index, at, len(out), how))
        for line in lines:
            if line.kind == "-":
                removed[at + 1] = index
            else:
                if line.kind == "+":
                    added[len(out) + 1] = index
                out.append(line.text if line.kind == "+" else old[at])
            at += line.kind != "+"
        offset = found[0] - head - _expected(hunk, 0)
        done = at
    out += old[done:]
    return Applied(tuple(old), tuple(out), removed, added, tuple(placed), tuple(failed))


def _why(hunk: Hunk) -> str:
    removed = [ln.text.strip() for ln in hunk.lines if ln.kind == "-"]
    if removed:
        return f"it does not apply to the tree: no place has its removed line {removed[0]!r} " \
               "with its context"
    return "it does not apply to the tree: its context lines are nowhere together"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _expected(hunk: Hunk, offset: int) -> int:
    """The 0-based line the header says the pre-image starts at (shifted by `offset`)."""
    start = hunk.old_start if hunk.old_count == 0 else hunk.old_start - 1
    return max(start + offset, 0)


def _trims(hunk: Hunk, fuzz: int) -> Iterator[tuple[int, int, tuple[Line, ...]]]:
    """(fuzz used, leading lines dropped, lines kept): up to `fuzz` context lines dropped at
    each end, as `patch --fuzz` does."""
    lines = hunk.lines
    lead = next((k for k, ln in enumerate(lines) if ln.kind != " "), len(lines))
    tail = next((k for k, ln in enumerate(reversed(lines)) if ln.kind != " "), len(lines))
    seen: set[tuple[int, int]] = set()
    for level in range(fuzz + 1):
        head, back = min(level, lead), min(level, tail)
        if (head, back) not in seen:
            seen.add((head, back))
            yield (level if head or back else 0), head, lines[head:len(lines) - back]


def _locate(old: list[str], keys: list[str], hunk: Hunk, floor: int, offset: int,
            fuzz: int) -> tuple[int, int, tuple[Line, ...], str | None] | None:
    """(0-based start of the kept lines, context lines dropped before them, the kept lines,
    how) of the match nearest where the header and the offset so far put the hunk."""
    for level, head, lines in _trims(hunk, fuzz):
        pre = [ln.text for ln in lines if ln.kind != "+"]
        for loose, same in ((False, _same_exact), (True, _same_loose)):
            at = _search(old, keys, pre, floor, _expected(hunk, offset) + head, same)
            if at is not None:
                return at, head, lines, _how(at - head - _expected(hunk, 0), loose, level)
    return None


def _same_exact(old: list[str], keys: list[str], at: int, pre: list[str]) -> bool:
    return all(old[at + k] == text for k, text in enumerate(pre))


def _same_loose(old: list[str], keys: list[str], at: int, pre: list[str]) -> bool:
    return all(keys[at + k] == _squash(text) for k, text in enumerate(pre))


def _search(old: list[str], keys: list[str], pre: list[str], floor: int, expected: int,
            same: Callable[[list[str], list[str], int, list[str]], bool]) -> int | None:
    """The match nearest `expected` in [floor, len - len(pre)], searching outwards."""
    last = len(old) - len(pre)
    if last < floor:
        return None
    expected = min(max(expected, floor), last)
    for distance in range(max(expected - floor, last - expected) + 1):
        for at in (expected - distance, expected + distance) if distance else (expected,):
            if floor <= at <= last and same(old, keys, at, pre):
                return at
    return None


def _how(shift: int, loose: bool, fuzz: int) -> str | None:
    parts = []
    if shift:
        parts.append(f"offset {shift:+d} line{'s' * (abs(shift) != 1)}")
    if loose:
        parts.append("ignoring whitespace")
    if fuzz:
        parts.append(f"with fuzz {fuzz}")
    return ", ".join(parts) or None
