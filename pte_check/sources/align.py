"""Placing a hunk onto a function's text by its context and removed lines, in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pte_check.inputs.patch import Hunk
from pte_check.sources.base import Edit, FunctionText
from pte_check.sources.normalise import is_weak, normalise_lines

_NEG = float("-inf")
_STRONG, _WEAKW, _HEADING = 1.0, 0.2, 0.5
_SLACK = 3


@dataclass(frozen=True)
class Placement:
    """Where a hunk's pre-image lines fall in one function (hunk line index → text line index)."""

    function: FunctionText
    matched: tuple[tuple[int, int], ...]
    score: float


def _significant(texts: list[str]) -> list[tuple[int, str]]:
    return [(i, n) for i, n in enumerate(normalise_lines(texts)) if n]


def _dp(pre: list[tuple[int, str, bool]], model: list[tuple[int, str]]) -> list[list[float]]:
    rows, cols = len(pre), len(model)
    best = [[_NEG] * (cols + 1) for _ in range(rows + 1)]
    for j in range(cols + 1):
        best[rows][j] = 0.0
    for i in range(rows - 1, -1, -1):
        _, norm, removed = pre[i]
        weight = _WEAKW if is_weak(norm) else _STRONG
        for j in range(cols - 1, -1, -1):
            score = best[i][j + 1]
            if not removed:
                score = max(score, best[i + 1][j])
            if model[j][1] == norm and best[i + 1][j + 1] > _NEG:
                score = max(score, weight + best[i + 1][j + 1])
            best[i][j] = score
        if not removed:
            best[i][cols] = best[i + 1][cols]
    return best


def _backtrack(best: list[list[float]], pre: list[tuple[int, str, bool]],
               model: list[tuple[int, str]]) -> list[tuple[int, int]]:
    i = j = 0
    matched: list[tuple[int, int]] = []
    while i < len(pre) and j <= len(model):
        _, norm, removed = pre[i]
        weight = _WEAKW if is_weak(norm) else _STRONG
        if j < len(model) and model[j][1] == norm and best[i + 1][j + 1] > _NEG \
                and abs(best[i][j] - (weight + best[i + 1][j + 1])) < 1e-9:
            matched.append((pre[i][0], model[j][0]))
            i, j = i + 1, j + 1
        elif not removed and abs(best[i][j] - best[i + 1][j]) < 1e-9:
            i += 1
        else:
            j += 1
    return matched


def place(hunk: Hunk, function: FunctionText) -> Placement | str:
    """The best in-order placement of the hunk's pre-image in one function, or why none."""
    pre_lines = [(k, line) for k, line in enumerate(hunk.lines) if line.kind != "+"]
    norms = normalise_lines([line.text for _, line in pre_lines])
    pre = [(k, n, line.kind == "-") for (k, line), n in zip(pre_lines, norms) if n]
    if not pre:
        return "the hunk has no code lines to place it by"
    model = _significant(function.text.split("\n"))
    best = _dp(pre, model)
    if best[0][0] == _NEG:
        missing = _first_missing(pre, model)
        return f"removed line {missing!r} is not in the model of {function.name}()"
    matched = _backtrack(best, pre, model)
    norms_of = {p[0]: p[1] for p in pre}
    strong = [k for k, _ in matched if not is_weak(norms_of[k])]
    if not strong:
        return f"no context line of the hunk is in {function.name}()"
    gap = _gap_problem(hunk, matched)
    if gap:
        return gap
    return Placement(function, tuple(matched), best[0][0])


def _first_missing(pre: list[tuple[int, str, bool]], model: list[tuple[int, str]]) -> str:
    present = {n for _, n in model}
    for _, norm, removed in pre:
        if removed and norm not in present:
            return norm
    return next(n for _, n, r in pre if r)


def _gap_problem(hunk: Hunk, matched: list[tuple[int, int]]) -> str | None:
    for (k1, m1), (k2, m2) in pairwise(matched):
        old1, old2 = hunk.lines[k1].old or 0, hunk.lines[k2].old or 0
        if m2 - m1 > (old2 - old1) + _SLACK:
            return (f"context lines {old1} and {old2} lie {m2 - m1} lines apart in the model, "
                    "not together")
    return None


def choose(hunk: Hunk, functions: Sequence[FunctionText]) -> Placement | str:
    """The function the hunk belongs to: best placement, the hunk heading breaking ties."""
    placements: list[Placement] = []
    reasons: list[str] = []
    for function in functions:
        result = place(hunk, function)
        if isinstance(result, str):
            reasons.append(result)
            continue
        bonus = _HEADING if f"{function.name}(" in hunk.heading else 0.0
        placements.append(Placement(result.function, result.matched, result.score + bonus))
    if not placements:
        named = [r for r, f in zip(reasons, functions) if f"{f.name}(" in hunk.heading]
        return named[0] if named else (reasons[0] if len(reasons) == 1 else
                                       "its lines match no modelled function of the file")
    placements.sort(key=lambda p: -p.score)
    if len(placements) > 1 and placements[0].score == placements[1].score:
        return (f"it fits {placements[0].function.name}() and "
                f"{placements[1].function.name}() equally well")
    return placements[0]


def apply(function: FunctionText, hunks: Sequence[tuple[int, Hunk, Placement]]) -> Edit:
    """The function after the placed hunks: removed lines gone, added lines in place."""
    text = function.text.split("\n")
    deleted: dict[int, int] = {}
    before: dict[int, list[tuple[str, int, int | None]]] = {}
    after: dict[int, list[tuple[str, int, int | None]]] = {}
    new_numbers: dict[int, int | None] = {}
    old_numbers: dict[int, int | None] = {}
    for index, hunk, placement in hunks:
        matched = dict(placement.matched)
        matched.update(_blank_removals(hunk, matched, text, deleted))
        for k, line in enumerate(hunk.lines):
            if k not in matched:
                continue
            old_numbers[matched[k]] = line.old
            if line.kind == "-":
                deleted[matched[k]] = index
            else:
                new_numbers[matched[k]] = line.new
        for k, (where, slot) in _insertions(hunk, matched).items():
            target = after if where else before
            line = hunk.lines[k]
            target.setdefault(slot, []).append((line.text, index, line.new))
    numbered = FunctionText(function.name, function.file, function.text, tuple(
        old_numbers.get(m, function.lines[m] if m < len(function.lines) else None)
        for m in range(len(text))))
    return _build(numbered, text, deleted, before, after, new_numbers,
                  tuple(sorted({i for i, _, _ in hunks})))


def _blank_removals(hunk: Hunk, matched: dict[int, int], text: list[str],
                    taken: dict[int, int]) -> dict[int, int]:
    """Removed comment lines (which matching skips): the same line of text between the
    matched lines around it, when the function has it there."""
    found: dict[int, int] = {}
    low = -1
    bounds: list[int] = []
    for k in range(len(hunk.lines)):
        low = matched.get(k, low)
        bounds.append(low)
    high = len(text)
    for k in range(len(hunk.lines) - 1, -1, -1):
        high = matched.get(k, high)
        line = hunk.lines[k]
        if line.kind != "-" or k in matched or not line.text.strip():
            continue
        for m in range(bounds[k] + 1, high):
            if text[m].strip() == line.text.strip() and m not in taken \
                    and m not in found.values():
                found[k] = m
                break
    return found


def _insertions(hunk: Hunk, matched: dict[int, int]) -> dict[int, tuple[bool, int]]:
    """For each added line, (True, m): insert after text line m; (False, m): before it.

    An added line goes after the matched pre-image line just before it, else before the
    matched one just after it, else after the last matched line before it (one pass each way).
    """
    lines = hunk.lines
    first = min(matched.values())
    prev_line: list[int | None] = []
    last_matched: list[int | None] = []
    prev: int | None = None
    latest: int | None = None
    for k, line in enumerate(lines):
        prev_line.append(prev)
        last_matched.append(latest)
        if line.kind != "+":
            prev = k
            if k in matched:
                latest = matched[k]
    out: dict[int, tuple[bool, int]] = {}
    nxt: int | None = None
    for k in range(len(lines) - 1, -1, -1):
        if lines[k].kind != "+":
            nxt = k
            continue
        p = prev_line[k]
        if p is not None and p in matched:
            out[k] = (True, matched[p])
        elif nxt is not None and nxt in matched:
            out[k] = (False, matched[nxt])
        elif last_matched[k] is not None:
            out[k] = (True, last_matched[k])  # type: ignore[assignment]
        else:
            out[k] = (False, first)
    return dict(sorted(out.items()))


def _build(function: FunctionText, text: list[str], deleted: dict[int, int],
           before: dict[int, list[tuple[str, int, int | None]]],
           after: dict[int, list[tuple[str, int, int | None]]],
           new_numbers: dict[int, int | None], hunks: tuple[int, ...]) -> Edit:
    out: list[str] = []
    out_lines: list[int | None] = []
    out_hunks: list[int | None] = []
    def emit(line: str, number: int | None, index: int | None) -> None:
        out.append(line)
        out_lines.append(number)
        out_hunks.append(index)
    for m, line in enumerate(text):
        for added, index, number in before.get(m, []):
            emit(added, number, index)
        if m not in deleted:
            emit(line, new_numbers.get(m), None)
        for added, index, number in after.get(m, []):
            emit(added, number, index)
    before_hunks = tuple(deleted.get(m) for m in range(len(text)))
    after_text = FunctionText(function.name, function.file, "\n".join(out), tuple(out_lines))
    return Edit(function, after_text, before_hunks, tuple(out_hunks), hunks)
