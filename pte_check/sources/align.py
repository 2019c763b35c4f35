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
        for k, line in enumerate(hunk.lines):
            if k not in matched:
                continue
            old_numbers[matched[k]] = line.old
            if line.kind == "-":
                deleted[matched[k]] = index
            else:
                new_numbers[matched[k]] = line.new
        for k, line in enumerate(hunk.lines):
            if line.kind != "+":
                continue
            where, slot = _insertion(hunk, k, matched)
            target = after if where else before
            target.setdefault(slot, []).append((line.text, index, line.new))
    numbered = FunctionText(function.name, function.file, function.text, tuple(
        old_numbers.get(m, function.lines[m] if m < len(function.lines) else None)
        for m in range(len(text))))
    return _build(numbered, text, deleted, before, after, new_numbers,
                  tuple(sorted({i for i, _, _ in hunks})))


def _insertion(hunk: Hunk, k: int, matched: dict[int, int]) -> tuple[bool, int]:
    """(True, m): insert after text line m; (False, m): before it."""
    prev = next((j for j in range(k - 1, -1, -1) if hunk.lines[j].kind != "+"), None)
    if prev is not None and prev in matched:
        return True, matched[prev]
    nxt = next((j for j in range(k + 1, len(hunk.lines)) if hunk.lines[j].kind != "+"), None)
    if nxt is not None and nxt in matched:
        return False, matched[nxt]
    earlier = [matched[j] for j in range(k) if j in matched]
    if earlier:
        return True, earlier[-1]
    return False, min(matched.values())


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
