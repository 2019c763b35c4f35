"""Changes grouped into findings: one per distinct outcome change, listing every entry state."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pte_check.compare.diff import Change
from pte_check.compare.outcomes import Record
from pte_check.findings import Finding, HunkRef, Outcome, Step
from pte_check.inputs.patch import Hunk
from pte_check.rules import (
    FAULT_OUTCOME_CHANGED,
    PATH_ADDED,
    PATH_REMOVED,
    RESOURCE_IMBALANCE,
    RETURN_CHANGED,
    UNCHECKED_MAY_FAIL,
    Rule,
)


@dataclass(frozen=True)
class Lines:
    """Where the lines of one function's text are in the kernel file, and which hunk made them."""

    file: str
    numbers: tuple[int | None, ...]
    hunks: tuple[int | None, ...]


@dataclass(frozen=True)
class Locator:
    """Everything needed to place a finding: line maps of both versions and the patch's hunks."""

    before: Mapping[str, Lines]
    after: Mapping[str, Lines]
    hunks: Mapping[tuple[str, int], Hunk]
    first_hunk: Mapping[str, tuple[str, int]]
    files: Mapping[str, str] = field(default_factory=dict)

    def steps(self, steps: Sequence[Step], after: bool) -> tuple[Step, ...]:
        table = self.after if after else self.before
        out = []
        for step in steps:
            lines = table.get(step.function)
            number = None
            if lines is not None and step.line is not None and 0 < step.line <= len(lines.numbers):
                number = lines.numbers[step.line - 1]
            out.append(Step(step.function, number, step.text, step.note))
        return tuple(out)

    def responsible(self, before: Record | None, after: Record | None) -> tuple[str, int] | None:
        """The hunk whose lines the witness paths run through, else the first changed one."""
        for record, table in ((after, self.after), (before, self.before)):
            for step in record.steps if record else ():
                lines = table.get(step.function)
                if lines and step.line and 0 < step.line <= len(lines.hunks):
                    index = lines.hunks[step.line - 1]
                    if index is not None:
                        return (lines.file, index)
        for record in (after, before):
            for step in record.steps if record else ():
                if step.function in self.first_hunk:
                    return self.first_hunk[step.function]
        return next(iter(sorted(self.first_hunk.values())), None)


def post_image_line(hunk: Hunk) -> int:
    """The new-side line a hunk's finding anchors on: its first added line, or the line after
    its first removed run."""
    for k, line in enumerate(hunk.lines):
        if line.kind == "+":
            return line.new or hunk.new_start
        if line.kind == "-":
            following = next((ln for ln in hunk.lines[k:] if ln.kind == " "), None)
            return (following.new if following and following.new else hunk.new_start)
    return hunk.new_start


def _key(change: Change) -> tuple[object, ...]:
    """What makes two changes on different states the same change."""
    b, a = change.before, change.after
    if change.rule is UNCHECKED_MAY_FAIL:
        return (a.observed.fault if a else None,)
    if change.rule is RESOURCE_IMBALANCE:
        old = set(b.observed.resources) if b else set()
        return (a.observed.fault if a else None,
                tuple(r for r in a.observed.resources if r not in old) if a else ())
    if change.rule is PATH_ADDED:
        return (a.observed if a else None,)
    if change.rule is PATH_REMOVED:
        return (b.observed if b else None,)
    return ()


def _per_state(changes: Sequence[Change], rule: Rule) -> dict[tuple[object, ...],
                                                                list[list[Change]]]:
    """Bucket changes by state, then by their distinct outcome change."""
    buckets: dict[tuple[object, ...], list[Change]] = {}
    for change in changes:
        buckets.setdefault((change.state, change.rule.id, _key(change)), []).append(change)
    grouped: dict[tuple[object, ...], list[list[Change]]] = {}
    for (state, rule_id, key), bucket in sorted(buckets.items(), key=lambda kv: repr(kv[0])):
        returns: tuple[object, ...] = ()
        if rule in (RETURN_CHANGED, FAULT_OUTCOME_CHANGED):
            returns = (tuple(sorted({c.before.observed.returns for c in bucket if c.before})),
                       tuple(sorted({c.after.observed.returns for c in bucket if c.after})))
        extra = _deltas(bucket) if rule is FAULT_OUTCOME_CHANGED else ()
        grouped.setdefault((rule_id, returns, key, extra), []).append(bucket)
    return grouped


def _deltas(bucket: Sequence[Change]) -> tuple[tuple[str, ...], ...]:
    """Calls and resource effects the after paths have that the before paths lack, and back."""
    out: list[tuple[str, ...]] = []
    for part in ("calls", "resources"):
        old = {x for c in bucket if c.before for x in getattr(c.before.observed, part)}
        new = {x for c in bucket if c.after for x in getattr(c.after.observed, part)}
        out += [tuple(sorted(new - old)), tuple(sorted(old - new))]
    faults = {c.after.observed.fault for c in bucket if c.after and c.after.observed.fault}
    return (*out, tuple(sorted(faults)))


def _outcome(records: Sequence[Record], locator: Locator, after: bool) -> Outcome | None:
    if not records:
        return None
    first = records[0]
    returns = tuple(sorted({r.observed.returns for r in records}))
    return Outcome(returns, first.observed.resources, first.observed.calls, first.observed.fault,
                   locator.steps(first.steps, after))


def build(function: str, changes: Sequence[Change], locator: Locator, rule: Rule | None = None,
          chain: tuple[str, ...] = ()) -> list[Finding]:
    """Findings for one function; `rule` relabels every change (the fault-outcome root)."""
    if rule is not None:
        changes = [Change(rule, c.state, c.state_words, c.before, c.after) for c in changes]
    findings: list[Finding] = []
    for rule_of in sorted({c.rule.id for c in changes}):
        picked = [c for c in changes if c.rule.id == rule_of]
        for buckets in _per_state(picked, picked[0].rule).values():
            findings.append(_finding(function, picked[0].rule, buckets, locator, chain))
    return findings


def _finding(function: str, rule: Rule, buckets: list[list[Change]], locator: Locator,
             chain: tuple[str, ...]) -> Finding:
    buckets = sorted(buckets, key=lambda b: b[0].state)
    states = tuple(b[0].state_words for b in buckets)
    first = buckets[0]
    befores = [c.before for c in first if c.before]
    afters = [c.after for c in first if c.after]
    all_before = sorted({c.before.observed.returns for b in buckets for c in b if c.before})
    all_after = sorted({c.after.observed.returns for b in buckets for c in b if c.after})
    before = _outcome(befores, locator, after=False)
    after = _outcome(afters, locator, after=True)
    if before is not None:
        before = Outcome(tuple(all_before), before.resources, before.calls, before.fault,
                         before.path)
    if after is not None:
        after = Outcome(tuple(all_after), after.resources, after.calls, after.fault, after.path)
    where = locator.responsible(befores[0] if befores else None, afters[0] if afters else None)
    hunk = locator.hunks.get(where) if where else None
    file = where[0] if where else locator.files.get(function, "")
    message = _message(function, rule, before, after, states, chain)
    return Finding(
        rule=rule.id, severity=rule.severity, file=file,
        line=post_image_line(hunk) if hunk else None, function=function, entry_states=states,
        before=before, after=after, message=message,
        fingerprint=_fingerprint(rule.id, file, function, states, before, after),
        hunk=HunkRef(file, where[1], hunk.header, hunk.old_start, hunk.new_start)
        if hunk and where else None,
        chain=chain,
    )


def _fingerprint(rule: str, file: str, function: str, states: tuple[str, ...],
                 before: Outcome | None, after: Outcome | None) -> str:
    parts = [rule, file, function, *states]
    for outcome in (before, after):
        parts += ["|"] + (list(outcome.returns) + list(outcome.resources) +
                          [outcome.fault or ""] if outcome else [])
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _states_words(states: tuple[str, ...]) -> str:
    more = len(states) - 1
    return states[0] + (f" (and {more} more entry state{'s' * (more > 1)})" if more else "")


def _message(function: str, rule: Rule, before: Outcome | None, after: Outcome | None,
             states: tuple[str, ...], chain: tuple[str, ...]) -> str:
    when = _states_words(states)
    old = " or ".join(before.returns) if before else ""
    new = " or ".join(after.returns) if after else ""
    if rule is RETURN_CHANGED:
        return f"{function}() returned {old}; it now returns {new} when {when}"
    if rule is UNCHECKED_MAY_FAIL and after is not None:
        return f"{after.fault}, when {when}"
    if rule is RESOURCE_IMBALANCE and after is not None:
        if after.fault:
            return f"{after.fault}, when {when}"
        old_effects = set(before.resources) if before else set()
        gone = ", ".join(r for r in after.resources if r not in old_effects) or \
            ", ".join(after.resources) or "no resource effect"
        return f"{function}() now returns {new} with {gone}, which no path did before, when {when}"
    if rule is PATH_ADDED:
        return f"{function}() can now return {new} when {when}"
    if rule is PATH_REMOVED:
        return f"{function}() can no longer return {old} when {when}"
    via = " → ".join(f"{f}()" for f in chain)
    if before is None:
        return f"Through {via}: {function}() can now return {new}, when {when}"
    if after is None:
        return f"Through {via}: {function}() can no longer return {old}, when {when}"
    turn = _divergence(before, after, chain)
    if after is not None and after.fault:
        return (f"Through {via}: {function}() returned {old}; it now ends in a bug: "
                f"{after.fault}, when {when}")
    calls = ""
    if after is not None and before is not None:
        added = [c for c in after.calls if c not in before.calls]
        if added:
            calls = " it now " + " and ".join(_call_words(c) for c in added) + ";"
        held = [r for r in after.resources if r not in before.resources]
        if held:
            calls += " it now ends with " + ", ".join(held) + ";"
    return (f"Through {via}: {function}() returned {old};{turn}{calls} it now returns {new}, "
            f"when {when}")


def _divergence(before: Outcome | None, after: Outcome | None, chain: tuple[str, ...]) -> str:
    """Where the two witness paths part after the changed function returned, in words."""
    if before is None or after is None or not chain:
        return ""

    def rest(path: tuple[Step, ...]) -> list[Step]:
        last = max((i for i, s in enumerate(path) if s.function == chain[-1]), default=-1)
        return list(path[last + 1:])
    old, new = rest(before.path), rest(after.path)
    for a, b in zip(old, new):
        if (a.function, a.text, a.note) != (b.function, b.text, b.note):
            if a.function == b.function and a.text == b.text and b.note:
                return f" in {b.function}(), `{b.text}` is now {b.note};"
            return f" {b.function}() now goes on to `{b.text}`;"
    return ""


def _call_words(event: str) -> str:
    if event.endswith("() called"):
        return "calls " + event[: -len(" called")]
    return event
