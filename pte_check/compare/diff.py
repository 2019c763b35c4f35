"""Before against after, one entry state at a time: which outcomes were lost, which are new."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from pte_check.compare.outcomes import Record
from pte_check.rules import (PATH_ADDED, PATH_REMOVED, RESOURCE_IMBALANCE, RETURN_CHANGED,
                             UNCHECKED_MAY_FAIL, Rule)


@dataclass(frozen=True)
class Change:
    """One behavioural difference on one entry state: a before path, an after path, or both."""

    rule: Rule
    state: tuple[int, int, str]
    state_words: str
    before: Record | None
    after: Record | None


def _compatible(left: Record, right: Record) -> bool:
    """Paths that made no contradictory environment choice can be compared."""
    mine = dict(left.env)
    return all(mine.get(key, value) == value for key, value in right.env)


def _by_state(records: Sequence[Record]) -> dict[tuple[int, int, str], list[Record]]:
    out: dict[tuple[int, int, str], list[Record]] = {}
    for rec in records:
        out.setdefault(rec.state, []).append(rec)
    return out


def compare(before: Sequence[Record], after: Sequence[Record]) -> list[Change]:
    """Every difference between the two versions, on the entry states both have."""
    old, new = _by_state(before), _by_state(after)
    changes: list[Change] = []
    for state in sorted(set(old) & set(new)):
        changes += _compare_state(old[state], new[state])
    return changes


def _compare_state(before: list[Record], after: list[Record]) -> list[Change]:
    def peers(rec: Record, others: list[Record]) -> list[Record]:
        return [o for o in others if _compatible(rec, o)]

    lost = [b for b in before
            if b.observed not in {a.observed for a in peers(b, after)}]
    changes: list[Change] = []
    paired: set[int] = set()
    for a in after:
        olds = peers(a, before)
        if a.observed in {b.observed for b in olds}:
            continue
        found, partners = _classify(a, olds, [b for b in lost if b in olds])
        changes += found
        paired.update(id(b) for b in partners)
    changes += [Change(PATH_REMOVED, b.state, b.state_words, b, None)
                for b in lost if id(b) not in paired]
    return changes


def _classify(a: Record, olds: list[Record],
              lost: list[Record]) -> tuple[list[Change], list[Record]]:
    """Name a new outcome: a new bug, a resource change, a return change, or a new path."""
    state, words = a.state, a.state_words
    if a.fault_kind is not None:
        rule = RESOURCE_IMBALANCE if a.fault_kind == "double-release" else UNCHECKED_MAY_FAIL
        partner = (lost or olds or [None])[0]
        return [Change(rule, state, words, partner, a)], lost
    same_return = [b for b in olds if b.fault_kind is None
                   and b.observed.returns == a.observed.returns
                   and b.observed.calls == a.observed.calls]
    if same_return and all(b.observed.resources != a.observed.resources for b in same_return):
        return [Change(RESOURCE_IMBALANCE, state, words, same_return[0], a)], []
    partners = [b for b in lost if b.fault_kind is None
                and b.observed.returns != a.observed.returns]
    if partners:
        return [Change(RETURN_CHANGED, state, words, b, a) for b in partners], partners
    return [Change(PATH_ADDED, state, words, None, a)], []
