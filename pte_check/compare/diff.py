"""Before against after, one entry state at a time: which outcomes were lost, which are new."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pte_check.compare.outcomes import Record
from pte_check.rules import (
    PATH_ADDED,
    PATH_REMOVED,
    RESOURCE_IMBALANCE,
    RETURN_CHANGED,
    UNCHECKED_MAY_FAIL,
    Rule,
)


@dataclass(frozen=True)
class Change:
    """One behavioural difference on one entry state: a before path, an after path, or both."""

    rule: Rule
    state: tuple[int, int, int, str]
    state_words: str
    before: Record | None
    after: Record | None


def _compatible(left: Record, right: Record) -> bool:
    """Paths that made no contradictory environment choice can be compared."""
    mine = dict(left.env)
    return all(mine.get(key, value) == value for key, value in right.env)


def _by_state(records: Sequence[Record]) -> dict[tuple[int, int, int, str], list[Record]]:
    out: dict[tuple[int, int, int, str], list[Record]] = {}
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


def _seen(rec: Record, others: dict[object, list[Record]]) -> bool:
    """Whether some compatible path of the other version has the same outcome."""
    return any(_compatible(rec, o) for o in others.get(rec.observed, ()))


def _compare_state(before: list[Record], after: list[Record]) -> list[Change]:
    old_by: dict[object, list[Record]] = {}
    new_by: dict[object, list[Record]] = {}
    for rec in before:
        old_by.setdefault(rec.observed, []).append(rec)
    for rec in after:
        new_by.setdefault(rec.observed, []).append(rec)
    lost = [b for b in before if not _seen(b, new_by)]
    race = before[0].state[0] == 1
    changes: list[Change] = []
    paired: set[int] = set()
    for a in (a for a in after if not _seen(a, old_by)):
        olds = [b for b in before if _compatible(a, b)]
        if race and not olds:
            continue  # the race strikes on a path the old code never took: no comparison
        found, partners = _classify(a, olds, [b for b in lost if _compatible(a, b)])
        changes += found
        paired.update(id(b) for b in partners)
    explained = {id(b) for a in after if not _seen(a, old_by) for b in before
                 if _compatible(a, b)}
    for b in lost:
        if id(b) in paired or id(b) in explained:
            continue
        if race and not any(_compatible(b, a) for a in after):
            continue
        changes.append(Change(PATH_REMOVED, b.state, b.state_words, b, None))
    return changes


def _first(records: list[Record]) -> Record | None:
    return records[0] if records else None


def _classify(a: Record, olds: list[Record],
              lost: list[Record]) -> tuple[list[Change], list[Record]]:
    """Name a new outcome: a new bug or leak first, then a return change (its resource effects
    go with the new return value: the caller's contract), then another resource change, and
    otherwise a new path."""
    state, words = a.state, a.state_words
    if a.fault_kind is not None:
        rule = RESOURCE_IMBALANCE if a.fault_kind == "double-release" else UNCHECKED_MAY_FAIL
        partner = _first(lost or olds)
        return [Change(rule, state, words, partner, a)], lost
    effects = {e for b in olds for e in b.observed.resources}
    new_effects = [e for e in a.observed.resources if e not in effects]
    same = [b for b in olds if b.observed.returns == a.observed.returns] or lost or olds
    if any(e.endswith("left held") for e in new_effects):
        return [Change(RESOURCE_IMBALANCE, state, words, _first(same), a)], []
    partners = [b for b in lost if b.fault_kind is None
                and b.observed.returns != a.observed.returns]
    if partners:
        return [Change(RETURN_CHANGED, state, words, b, a) for b in partners], partners
    if new_effects:
        return [Change(RESOURCE_IMBALANCE, state, words, _first(same), a)], []
    return [Change(PATH_ADDED, state, words, None, a)], []
