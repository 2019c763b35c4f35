"""The one place the stages are chained: patch series in, report out."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from pte_check import __version__
from pte_check.compare import group
from pte_check.compare.callgraph import CallGraph
from pte_check.compare.diff import Change, compare
from pte_check.compare.outcomes import record
from pte_check.errors import UsageError
from pte_check.explore.budget import Budget
from pte_check.explore.run import Exploration, PathEnd, explore
from pte_check.findings import (
    Finding,
    ModelView,
    Outcome,
    PatchReport,
    Report,
    SourceRef,
    StateOutcomes,
    Status,
)
from pte_check.inputs.patch import Patch, PatchSeries
from pte_check.lowering import ir
from pte_check.lowering.lower import lower_function
from pte_check.model import catalog
from pte_check.model.contract import CONTRACTS, NEWEST
from pte_check.model.pmd import PmdKind
from pte_check.options import Options
from pte_check.rules import (
    FAULT_OUTCOME_CHANGED,
    NOT_ANALYSED,
    RESOURCE_IMBALANCE,
    UNCHECKED_MAY_FAIL,
)
from pte_check.sources.base import Edit, FunctionText, Provider, Sourcing, Unaligned
from pte_check.sources.builtin import BuiltinProvider

_FAULTS = {RESOURCE_IMBALANCE.id, UNCHECKED_MAY_FAIL.id}
Progress = Callable[[int, int, Patch], None]


def analyse(series: PatchSeries, options: Options, progress: Progress | None = None,
            provider: Provider | None = None) -> Report:
    """Analyse every patch of a series in order, each on top of the ones before it, and the
    series' net effect when it has more than one patch."""
    provider = provider or BuiltinProvider({v: model_texts(v) for v in catalog.versions()},
                                           options.kernel)
    versions = catalog.versions() if isinstance(provider, BuiltinProvider) else ("tree",)
    baseline = {v: provider.functions(v) for v in versions}
    try:
        return _analyse_series(series, options, progress, provider, versions, baseline)
    finally:
        EXPLORED.clear()


def _analyse_series(series: PatchSeries, options: Options, progress: Progress | None,
                    provider: Provider, versions: Sequence[str],
                    baseline: dict[str, list[FunctionText]]) -> Report:
    reports = []
    for index, patch in enumerate(series.patches):
        if progress is not None:
            progress(index, len(series.patches), patch)
        EXPLORED.next_patch()
        report, sourcing = _analyse_patch(patch, options, provider)
        if sourcing.edits and not sourcing.unaligned:
            provider.advance(sourcing)
        reports.append(report)
    net = None
    EXPLORED.next_patch()
    EXPLORED.keeping = False  # nothing follows the series' net effect
    if len(series.patches) > 1:
        originals = getattr(provider, "original_functions", None)
        if originals is not None:  # a tree reads its files as the patches name them
            baseline = {v: originals() for v in versions}
        net = _net_effect(series, baseline, provider, options)
    return Report(__version__, tuple(reports), series=net)


def model_texts(version: str) -> dict[str, list[FunctionText]]:
    """The built-in model's function texts of one version, by kernel file."""
    out: dict[str, list[FunctionText]] = {}
    for fn in catalog.functions(version).values():
        lines = fn.text.count("\n") + 1
        out.setdefault(fn.file, []).append(FunctionText(fn.name, fn.file, fn.text,
                                                        (None,) * lines))
    return out


def _net_effect(series: PatchSeries, baseline: Mapping[str, list[FunctionText]],
                provider: Provider, options: Options) -> PatchReport:
    """The series as one change: the functions before its first patch against after its last."""
    first = series.patches[0]
    title = series.title or f"{len(series.patches)} patches, from {first.subject!r}"
    edits: list[Edit] = []
    context: list[FunctionText] = []
    version = next(iter(baseline), "")
    for v, functions in baseline.items():
        final = {f.name: f for f in provider.functions(v)}
        changed = [(f, final[f.name]) for f in functions
                   if f.name in final and final[f.name].text != f.text]
        if changed:
            version = v
            edits = [Edit(b, a, (None,) * len(b.lines), (None,) * len(a.lines), ())
                     for b, a in changed]
            context = [f for f in functions if f.name not in {b.name for b, _ in changed}]
            break
    sourcing = Sourcing(tuple(edits), (), tuple(context), version)
    patch = Patch(f"series: {title}", (), first.source, first.origin, first.author)
    report, _ = _analyse_sourced(patch, options, sourcing)
    if not edits:
        report = replace(report, notes=report.notes + (
            "the series leaves every modelled function as it found it",))
    return report


def _unaligned(sourcing: Sourcing) -> list[Finding]:
    """One not-analysed finding per file and reason: a file the model lacks is one finding, not
    one per hunk."""
    grouped: dict[tuple[str, str], list[Unaligned]] = {}
    for one in sourcing.unaligned:
        grouped.setdefault((one.file, one.reason), []).append(one)
    findings = []
    for (file, reason), unplaced in grouped.items():
        first = unplaced[0].hunk
        what = (f"hunk {first.header}" if len(unplaced) == 1 else
                f"{len(unplaced)} hunks, the first {first.header}")
        findings.append(_not_analysed(file, first.new_start, "", f"{what}: {reason}"))
    return findings


def _not_analysed(file: str, line: int | None, function: str, reason: str) -> Finding:
    return Finding(NOT_ANALYSED.id, NOT_ANALYSED.severity, file, line, function, (), None, None,
                   reason, group._fingerprint(NOT_ANALYSED.id, file, function, (reason,), None,
                                              None))


@dataclass
class _Versions:
    """The lowered before and after code, and where each line came from."""

    before: dict[str, ir.Function]
    after: dict[str, ir.Function]
    locator: group.Locator
    problems: list[Finding]


def _lower(sourcing: Sourcing, patch: Patch, strict: bool) -> _Versions:
    hunks = {(d.path, i): h for d in patch.files for i, h in enumerate(d.hunks)}
    before: dict[str, ir.Function] = {}
    after: dict[str, ir.Function] = {}
    before_lines: dict[str, group.Lines] = {}
    after_lines: dict[str, group.Lines] = {}
    first: dict[str, tuple[str, int]] = {}
    problems: list[Finding] = []
    for text in sourcing.context:
        before[text.name] = after[text.name] = lower_function(text.text, text.name, strict)
    files: dict[str, str] = {}
    for edit in sourcing.edits:
        name, file = edit.before.name, edit.before.file
        files[name] = file
        if edit.hunks:
            first[name] = (file, edit.hunks[0])
        old = lower_function(edit.before.text, name, strict)
        new = lower_function(edit.after.text, name, strict)
        fatal = [n for n in new.notes if n.fatal]
        if fatal:
            hunk = hunks.get((file, edit.hunks[0])) if edit.hunks else None
            problems.append(_not_analysed(file, group.post_image_line(hunk) if hunk else None,
                                          name, f"{name}() after the patch: {fatal[0].text}"))
            continue
        before[name], after[name] = old, new
        before_lines[name] = group.Lines(file, edit.before.lines, edit.before_hunks)
        after_lines[name] = group.Lines(file, edit.after.lines, edit.after_hunks)
    return _Versions(before, after,
                     group.Locator(before_lines, after_lines, hunks, first, files), problems)


def analyse_patch(patch: Patch, options: Options, provider: Provider | None = None) -> PatchReport:
    """Analyse one patch on its own (against the built-in model unless a provider is given)."""
    provider = provider or BuiltinProvider({v: model_texts(v) for v in catalog.versions()},
                                           options.kernel)
    return _analyse_patch(patch, options, provider)[0]


def _analyse_patch(patch: Patch, options: Options,
                   provider: Provider) -> tuple[PatchReport, Sourcing]:
    sourcing = provider.source(patch)
    return _analyse_sourced(patch, options, sourcing)


def _analyse_sourced(patch: Patch, options: Options,
                     sourcing: Sourcing) -> tuple[PatchReport, Sourcing]:
    skipped = tuple(d.path for d in patch.files if not d.is_c or d.binary)
    source = SourceRef(patch.source, patch.origin)
    findings = _unaligned(sourcing)
    code = _lower(sourcing, patch, options.strict)
    findings += code.problems
    changed = {e.before.name for e in sourcing.edits} & set(code.after)
    contract = CONTRACTS[NEWEST if options.contract == "newest" else options.contract]
    notes = list(sourcing.notes)
    if sourcing.edits:
        bodies = ("function bodies from the kernel tree" if sourcing.version == "tree"
                  else f"Linux {sourcing.version} function bodies")
        held = ", faults holding only the per-VMA lock" if options.lock == "vma" else ""
        notes.insert(0, f"model: {bodies}, {contract.version} primitive contracts{held}")
    if changed:
        findings += _explore_all(code, changed, contract, options, notes)
    status = Status.INCOMPLETE if any(f.rule == NOT_ANALYSED.id for f in findings) \
        else Status.ANALYSED
    report = PatchReport(patch.subject, patch.author, source, status, tuple(findings),
                         sourcing.version, tuple(notes), tuple(sorted(changed)), skipped)
    return report, sourcing


def _explore_all(code: _Versions, changed: set[str], contract: object, options: Options,
                 notes: list[str]) -> list[Finding]:
    graph = CallGraph(code.after, catalog.INDIRECT)
    old_graph = CallGraph(code.before, catalog.INDIRECT)
    levels = (graph.ancestors(changed) | old_graph.ancestors(changed)) & catalog.HANDLERS
    roots = (set(graph.roots(changed)) | levels) - changed
    # The changed functions, their direct callers (where a changed result is first used) and
    # the roots (where the whole fault's outcome shows); bugs further up surface in the roots.
    callers = {c for n in changed for g in (graph, old_graph) for c in g.callers.get(n, ())}
    explored = changed | callers | roots
    if all(_closure(code.before, old_graph, n, "shape") == _closure(code.after, graph, n, "shape")
           for n in explored):
        notes.append("the patch changes no lowered instruction of "
                     f"{', '.join(sorted(f + '()' for f in changed))} (only comments, blank "
                     "lines or positions): the code does what it did, nothing to explore")
        return []
    findings: list[Finding] = []
    starving: set[str] = set()
    within = catalog.reaching(changed, options.lock)
    if not within:
        notes.append(f"no modelled fault reaches {', '.join(sorted(f + '()' for f in changed))} "
                     f"under --lock {options.lock}: {catalog.LOCKS[options.lock]}")

    def run(functions: dict[str, ir.Function], graph: CallGraph, name: str,
            keep: bool) -> Exploration:
        key = (name, _closure(functions, graph, name, "digest"), contract, options.budget,
               options.races, within)
        return EXPLORED.get(key, lambda: explore(functions, name, contract,  # type: ignore[arg-type]
                                                 options.budget, options.races, within), keep)

    for name in sorted(explored, key=lambda n: (n not in changed, n)):
        old = run(code.before, old_graph, name, keep=False)
        new = run(code.after, graph, name, keep=True)  # the next patch's code before it
        reason = old.incomplete or new.incomplete
        if reason:
            where = code.locator.first_hunk.get(name) or next(
                iter(code.locator.first_hunk.values()), (code.locator.files.get(name, ""), 0))
            findings.append(_not_analysed(where[0], None, name, f"{name}(): {reason}"))
            starving.add(name)  # its callers cannot claim what it would have returned
            continue
        starved = set(old.starved) | set(new.starved)
        changes = compare([record(old, p) for p in old.paths if _fed(p, starved)],
                          [record(new, p) for p in new.paths if _fed(p, starved)])
        if starved:
            starving.add(name)
        reaches = {name} | _reach(graph, name) | _reach(old_graph, name)
        if reaches & starving:
            # Paths through a function that never finishes are not explored to their end:
            # nothing they would have returned is claimed lost.
            changes = [c for c in changes if c.after is not None]
            where = code.locator.first_hunk.get(name) or next(
                iter(code.locator.first_hunk.values()), (code.locator.files.get(name, ""), 0))
            findings.append(_not_analysed(where[0], None, name, _loop_reason(
                name, starved, reaches & starving, options.budget.loop_bound)))
        findings += _role_findings(name, changes, code.locator, changed, explored, roots, graph,
                                   old_graph)
        opaque = sorted(new.opaque - old.opaque)
        if opaque and name in changed:
            notes.append(f"{name}(): calls the model does not know, taken as having no effect "
                         f"on tracked resources: {', '.join(o + '()' for o in opaque)}")
    return findings


def _closure(functions: Mapping[str, ir.Function], graph: CallGraph, name: str,
             attr: str) -> str:
    """A digest of a function and every modelled function it can reach: of their texts
    (attr "digest") or of what they do, lines aside (attr "shape")."""
    names = sorted({name} | _reach(graph, name))
    return hashlib.sha1("|".join(f"{n}:{getattr(functions[n], attr)}"
                                 for n in names).encode()).hexdigest()


class _Explorations:
    """Explorations of the code after this patch and after the one before: in a series, each
    patch's code before it is the code after the previous one, explored once for both."""

    def __init__(self) -> None:
        self.previous: dict[object, Exploration] = {}
        self.current: dict[object, Exploration] = {}
        self.keeping = True

    def next_patch(self) -> None:
        self.previous, self.current = self.current, {}

    def clear(self) -> None:
        self.previous, self.current, self.keeping = {}, {}, True

    def get(self, key: object, compute: Callable[[], Exploration], keep: bool) -> Exploration:
        """The exploration under key, computed unless kept; kept for the next patch if `keep`
        (the code after this patch) or if it was found kept (still the code as it is)."""
        kept = self.current.get(key) or self.previous.get(key)
        found = kept or compute()
        if (keep or kept is not None) and self.keeping:
            self.current[key] = found
        return found


EXPLORED = _Explorations()


def _fed(path: PathEnd, starved: set[tuple[PmdKind, str]]) -> bool:
    return (path.initial, path.scenario.name) not in starved


def _reach(graph: CallGraph, name: str) -> set[str]:
    """Every function `name` can call, directly or not."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        for callee in graph.callees.get(todo.pop(), ()):
            if callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return seen


def _loop_reason(name: str, starved: set[tuple[PmdKind, str]], starving: set[str],
                 bound: int) -> str:
    """Why a loop keeps part of a function unexplored, and what is therefore not claimed."""
    if starved:
        kinds = ", ".join(sorted({k.value for k, _ in starved}))
        return (f"{name}(): every path from these PMD states goes round a loop more than "
                f"{bound} time(s), so nothing is claimed about them: {kinds}")
    return (f"{name}(): paths through {', '.join(sorted(f + '()' for f in starving))} go round "
            f"a loop more than {bound} time(s); outcomes only they would reach are not "
            "claimed lost")


def _role_findings(name: str, changes: Sequence[Change], locator: group.Locator,
                   changed: set[str], explored: set[str], roots: set[str],
                   graph: CallGraph, old_graph: CallGraph) -> list[Finding]:
    def mine(change: Change) -> bool:
        """A bug is reported where it happens; a leak, in the changed function."""
        after = change.after
        if after is None or after.fault_kind is None:
            return name in changed
        where = after.fault_function
        return where == name or (where not in explored and (name in changed or name in roots))
    faults = [c for c in changes if c.rule.id in _FAULTS and mine(c)]
    if name in changed:
        rest = [c for c in changes if c.rule.id not in _FAULTS]
        return group.build(name, faults + rest, locator)
    out = group.build(name, faults, locator)
    if name in roots and changes:
        chain = graph.chain(name, changed) or old_graph.chain(name, changed)
        out += group.build(name, changes, locator, FAULT_OUTCOME_CHANGED, chain)
    return out


__all__ = ["Exploration", "Mapping", "Options", "analyse", "analyse_patch"]


def describe(name: str, version: str, contract: str, races: int, budget: Budget,
             lock: str = "mmap") -> ModelView:
    """Explore one modelled function on its own: each entry state and the outcomes it reaches
    (holding mmap_lock for read, or only the per-VMA lock)."""
    functions = catalog.functions(version)
    if name not in functions:
        known = ", ".join(sorted(functions))
        raise UsageError(f"the {version} model has no function {name}() (it has: {known})")
    lowered = {n: lower_function(f.text, n) for n, f in functions.items()}
    chosen = CONTRACTS[NEWEST if contract == "newest" else contract]
    exploration = explore(lowered, name, chosen, budget, races,
                          None if lock == "mmap" else catalog.reaching({name}, lock))
    by_state: dict[tuple[int, int, int, str], tuple[str, dict[object, Outcome]]] = {}
    for path in exploration.paths:
        rec = record(exploration, path)
        _, seen = by_state.setdefault(rec.state, (rec.state_words, {}))
        if rec.observed not in seen:
            o = rec.observed
            seen[rec.observed] = Outcome((o.returns,), o.resources, o.calls, o.fault, rec.steps)
    states = tuple(StateOutcomes(words, tuple(sorted(seen.values(), key=repr)))
                   for _, (words, seen) in sorted(by_state.items()))
    model = functions[name]
    return ModelView(name, model.file, version, chosen.version,
                     f"{model.model_file}:{model.model_line}", states,
                     len(exploration.paths), exploration.incomplete)
