"""The path explorer: runs a lowered function's instructions, forking, merging identical states."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from pte_check.explore.budget import Budget, BudgetExceeded, Meter
from pte_check.explore.evaluate import Evaluator, Locals
from pte_check.explore.rests import Rest, Rests, rest_key
from pte_check.findings import Step
from pte_check.lowering import ir
from pte_check.model.contract import Contract
from pte_check.model.kernel import callee_name
from pte_check.model.primitives import PRIMITIVES, Site
from pte_check.model.state import RaceAhead, World, _Trace, callee_object
from pte_check.model.values import TOP, Int, Ptr, Value, truth

# (next pc, or None when the function returned; locals; world; the value returned)
Next = tuple[int | None, Locals, World, Value]


class Machine:
    """Runs functions of one version of the code under one contract; callees run inline."""

    def __init__(self, functions: Mapping[str, ir.Function], contract: Contract,
                 indirect: Mapping[str, str], budget: Budget, share: bool = True) -> None:
        self.functions = functions
        self.share = share  # share rests between paths (shared_rest); off only to check it
        self.contract = contract
        self.indirect = indirect
        self.budget = budget
        self.meter = Meter(budget)
        self.opaque: set[str] = set()
        self.dropped = 0
        self.depth = 0
        self._loops: dict[str, frozenset[int]] = {}
        self._closures: dict[str, str] = {}
        self._joins: dict[str, frozenset[int]] = {}
        self._steps: dict[tuple[str, int, str], Step] = {}
        self.rests = Rests(functions, indirect)

    def closure(self, name: str) -> str:
        """A digest of a function's text and of every modelled function it can reach."""
        if name not in self._closures:
            self._closures[name] = ""  # recursion guard
            reach = sorted(self.closure(c) for c in self._callees(self.functions[name]))
            self._closures[name] = hashlib.sha1(
                "|".join([self.functions[name].digest, *reach]).encode()).hexdigest()
        return self._closures[name]

    def _callees(self, function: ir.Function) -> set[str]:
        names: set[str] = set()
        todo: list[object] = list(function.code)
        while todo:
            node = todo.pop()
            if isinstance(node, ir.Call):
                target = self.indirect.get(callee_name(node.func), callee_name(node.func))
                if target in self.functions and target != function.name:
                    names.add(target)
            if isinstance(node, tuple):
                todo.extend(node)
            elif hasattr(node, "__dataclass_fields__"):
                todo.extend(getattr(node, f) for f in node.__dataclass_fields__)
        return names

    def joins(self, function: ir.Function) -> frozenset[int]:
        """Instructions more than one path can reach: jump targets and the function's start."""
        if function.digest not in self._joins:
            targets = {0}
            for pc, instr in enumerate(function.code):
                for target in ir.jump_targets(instr):
                    targets.add(target)
                    targets.add(pc + 1)
            self._joins[function.digest] = frozenset(targets)
        return self._joins[function.digest]

    def step_at(self, function: ir.Function, line: int, note: str) -> Step:
        """The witness step for a line (one shared object per function, line and note)."""
        key = (function.digest, line, note)
        step = self._steps.get(key)
        if step is None:
            step = self._steps[key] = Step(function.name, line, function.source(line), note)
        return step

    def loop_pcs(self, function: ir.Function) -> frozenset[int]:
        """Instructions inside a loop (between a backward jump and its target)."""
        if function.name not in self._loops:
            inside: set[int] = set()
            for pc, instr in enumerate(function.code):
                target = getattr(instr, "target", None)
                if isinstance(target, int) and 0 <= target <= pc:
                    inside.update(range(target, pc + 1))
            self._loops[function.name] = frozenset(inside)
        return self._loops[function.name]

    def invoke(self, name: str, func: ir.Expr, world: World, args: list[Value],
               ev: Evaluator) -> list[tuple[World, Value]]:
        """A call: a modelled function runs inline, a primitive by its contract, else opaque."""
        target = self.indirect.get(name, name)
        if target in self.functions:
            if name.startswith("->"):
                world.event(f"{name}() called")
            return self.run(target, world, args)
        primitive = PRIMITIVES.get(name)
        if primitive is not None:
            site = Site(ev.frame.function.name, ev.frame.line, name, self.contract,
                        ev.frame.pc in ev.frame.in_loop)
            return primitive(site, world, args)
        self.opaque.add(name)
        return [(world, TOP)]

    def run(self, name: str, world: World, args: list[Value]) -> list[tuple[World, Value]]:
        """Run a function from `world`; a callee's results are computed once per context."""
        if self.depth >= self.budget.max_depth:
            raise BudgetExceeded(f"calls nested deeper than {self.budget.max_depth}")
        function = self.functions[name]
        if self.depth == 0:
            return self._frame(function, world, args)
        sub = world.callee_world()
        key = (self.closure(name), self.contract, self.budget.loop_bound, tuple(args),
               sub.key(full=True), sub.prefix,  # the names of the objects it makes
               sub.base is not None)  # in a shared rest, merged as there
        summary = _SUMMARIES.get(key)
        if summary is None:
            before, dropped = set(self.opaque), self.dropped
            sub.watch = set()
            results = self._frame(function, sub, args)
            summary = _Summary(results, frozenset(self.opaque - before), self.dropped - dropped,
                               frozenset(c for c in sub.watch if isinstance(c, str)))
            _SUMMARIES.add(key, summary)
        else:
            self.dropped += summary.dropped
        if world.watch is not None:  # its memory is the caller's; its counters its own
            world.watch |= summary.cells
        self.opaque |= summary.opaque
        return [(world.after_call(w), _rename_result(world, v)) for w, v in summary.results]

    def shared_rest(self, frame: Frame, pc: int, loc: Locals, frozen: frozenset[object],
                    world: World) -> list[tuple[World, Value]]:
        """The rest of a frame from a join, shared by every path that reaches it in the same
        state.  What a path has recorded (its choices, events, race and witness) is history:
        no instruction reads it, so paths that differ only there run the same way from here.
        Nor does the number of races left matter where no read of the PMD lies ahead: such a
        rest is explored with it unknown (-1), which a read of the PMD would abort.  Nor do
        memory cells and counters the rest never reads: a rest fits every path that agrees
        with its start in the cells and counters it read (rests.Rest).  The rest is explored
        once from the state without history; each path gets its results with its own history,
        races left, witness and unread memory put back (World.rejoin)."""
        neutral = world.without_history()
        races = world.races_left
        common = (frame.function.digest, pc, frozen, world.prefix, world.entry_held,
                  neutral.trace.step if isinstance(neutral.trace, _Trace) else None)
        keys = [rest_key(common, neutral, -1)]
        if races >= 0:
            keys.append(rest_key(common, neutral, races))
        rest = self.rests.find(keys, world)
        if rest is None:
            rest = self._explore_rest(frame, pc, loc, neutral, races)
            self.rests.add(keys[0] if rest.free else keys[-1], rest)
        else:
            self.dropped += rest.dropped
        if world.watch is not None:
            world.watch.update(rest.footprint)
        if rest.started(world):
            return [(world.rejoin(result, rest.free), value) for result, value in rest.results]
        return [(world.rejoin(result, rest.free, rest.delta(i)), value)
                for i, (result, value) in enumerate(rest.results)]

    def _explore_rest(self, frame: Frame, pc: int, loc: Locals, neutral: World,
                      races: int) -> Rest:
        """Explore a rest with the races left unknown where the PMD is not read ahead (as
        predicted, and checked as it runs), else with the path's own number."""
        dropped = self.dropped
        if races < 0 or not self.rests.pmd_read_ahead(frame.function, pc):
            start = neutral.rest_start(-1)
            try:
                results = Frame(self, frame.function).run_from(pc, dict(loc), start, True)
                return Rest(results, self.dropped - dropped, True, neutral, start.watch or ())
            except RaceAhead:
                if races < 0:
                    raise  # the path that set the races left unknown explores it again
                self.rests.found_pmd_read(frame.function, pc)
                self.dropped = dropped  # the aborted attempt's paths are explored again
        start = neutral.rest_start(races)
        results = Frame(self, frame.function).run_from(pc, dict(loc), start, True)
        return Rest(results, self.dropped - dropped, False, neutral, start.watch or ())

    def _frame(self, function: ir.Function, world: World,
               args: list[Value]) -> list[tuple[World, Value]]:
        self.depth += 1
        try:
            return Frame(self, function).run(world, args)
        finally:
            self.depth -= 1


class _Summary:
    """A callee's results from one context, reusable wherever the same context recurs."""

    __slots__ = ("cells", "dropped", "opaque", "results")

    def __init__(self, results: list[tuple[World, Value]], opaque: frozenset[str],
                 dropped: int, cells: frozenset[str]) -> None:
        self.results = results
        self.opaque = opaque
        self.dropped = dropped
        self.cells = cells  # the memory cells the callee read


class _Summaries:
    """Callee summaries, the oldest dropped first once they hold more than `limit` result
    worlds in all (a world is a few kilobytes; a long series must not keep them all).  A
    summary of more than `largest` results is not kept: measured on the seed, such summaries
    (whole call chains below handle_mm_fault()) held half the worlds and were never reused,
    while those of fewer than 50 results gave 98% of the reuse."""

    def __init__(self, limit: int, largest: int) -> None:
        self.limit = limit
        self.largest = largest
        self.worlds = 0
        self.entries: dict[tuple[object, ...], _Summary] = {}

    def get(self, key: tuple[object, ...]) -> _Summary | None:
        return self.entries.get(key)

    def add(self, key: tuple[object, ...], summary: _Summary) -> None:
        if len(summary.results) > self.largest:
            return  # a long call chain's many paths: its context hardly ever recurs
        self.entries[key] = summary
        self.worlds += len(summary.results)
        while self.worlds > self.limit and len(self.entries) > 1:
            oldest = next(iter(self.entries))
            self.worlds -= len(self.entries.pop(oldest).results)

    def clear(self) -> None:
        self.entries.clear()
        self.worlds = 0

    def __len__(self) -> int:
        return len(self.entries)


_SUMMARIES = _Summaries(limit=6_000, largest=300)


def _rename_result(caller: World, value: Value) -> Value:
    """A pointer a callee returned, to an object it created, named as the caller names it."""
    if isinstance(value, Ptr):
        made = callee_object(value.obj, caller.prefix + "c")
        if made is not None:
            kind, number = made
            return Ptr(f"{kind}#{caller.prefix}{caller.objects_of(kind) + number}")
    return value


class Frame:
    """One activation of a function: a worklist of (pc, locals, world)."""

    def __init__(self, machine: Machine, function: ir.Function) -> None:
        self.machine = machine
        self.function = function
        self.line = function.first_line
        self.in_loop = machine.loop_pcs(function)
        self.pc = 0

    def run(self, world: World, args: list[Value]) -> list[tuple[World, Value]]:
        params = self.function.params
        loc: Locals = {p: (args[i] if i < len(args) else TOP) for i, p in enumerate(params)}
        return self.run_from(0, loc, world)

    def run_from(self, pc: int, loc: Locals, world: World,
                 shared: bool = False) -> list[tuple[World, Value]]:
        """Every path from one state of this frame to the function's end (`shared`: this
        state's rest is the one Machine.shared_rest() shares)."""
        work: list[tuple[int, Locals, World]] = [(pc, loc, world)]
        start = world if shared else None
        seen: set[tuple[object, ...]] = set()
        finished: set[tuple[object, ...]] = set()
        results: list[tuple[World, Value]] = []
        joins = self.machine.joins(self.function)
        while work:
            pc, loc, world = work.pop()
            if pc in joins:  # only where paths meet can two of them be the same
                frozen = frozenset(loc.items())
                size = len(seen)
                seen.add((pc, frozen, world.key()))
                if len(seen) == size:  # the same state came this way before
                    continue
                if world is not start and self.machine.share and (
                        world.env or world.events or world.race is not None):
                    for world2, value in self.machine.shared_rest(self, pc, loc, frozen, world):
                        size = len(finished)
                        finished.add((world2.key(), value))
                        if len(finished) > size:
                            results.append((world2, value))
                    continue
            self.machine.meter.tick()
            for nxt, loc2, world2, value in self.step(pc, loc, world):
                if nxt is None or world2.fault:
                    size = len(finished)
                    finished.add((world2.key(), value))
                    if len(finished) > size:
                        results.append((world2, value))
                else:
                    work.append((nxt, loc2, world2))
        return results

    def step(self, pc: int, loc: Locals, world: World) -> list[Next]:
        instr = self.function.code[pc]
        self.line = instr.line
        self.pc = pc
        return _STEP[type(instr)](self, pc, instr, loc, world)

    def trace(self, world: World, line: int, note: str = "") -> None:
        last = world.trace.step if isinstance(world.trace, _Trace) else None
        if last is not None and last.function == self.function.name and last.line == line \
                and not note and not last.note:
            return
        world.step(self.machine.step_at(self.function, line, note))

    def evaluate(self, expr: ir.Expr, loc: Locals, world: World) -> list[tuple[Locals, World,
                                                                              Value]]:
        return Evaluator(self).eval(expr, loc, world)

    def goto(self, pc: int, target: int, loc: Locals, world: World) -> list[Next]:
        """Jump; a jump backwards counts against the loop bound, beyond which the path ends."""
        if target <= pc:
            visit = f"@loop{target}"
            count = loc.get(visit, Int(0))
            seen = count.value if isinstance(count, Int) else 0
            if seen >= self.machine.budget.loop_bound:
                self.machine.dropped += 1
                return []
            loc = dict(loc)
            loc[visit] = Int(seen + 1)
        return [(target, loc, world, TOP)]


def _eval_step(frame: Frame, pc: int, instr: ir.Eval, loc: Locals, world: World) -> list[Next]:
    frame.trace(world, instr.line)
    return [(pc + 1, lc, w, TOP) for lc, w, _ in frame.evaluate(instr.expr, loc, world)]


def _decl_step(frame: Frame, pc: int, instr: ir.Decl, loc: Locals, world: World) -> list[Next]:
    if instr.init is None:
        loc[instr.name] = TOP
        return [(pc + 1, loc, world, TOP)]
    frame.trace(world, instr.line)
    out: list[Next] = []
    for lc, w, value in frame.evaluate(instr.init, loc, world):
        lc[instr.name] = value
        out.append((pc + 1, lc, w, TOP))
    return out


def _branch_step(frame: Frame, pc: int, instr: ir.Branch, loc: Locals,
                 world: World) -> list[Next]:
    out: list[Next] = []
    for lc, w, value in frame.evaluate(instr.cond, loc, world):
        if w.fault:
            out.append((None, lc, w, TOP))
            continue
        known = truth(value)
        for outcome in ((True, False) if known is None else (known,)):
            lc2, w2 = (dict(lc), w.fork()) if known is None else (lc, w)
            frame.trace(w2, instr.line, "true" if outcome else "false")
            target = instr.target if outcome == instr.when_true else pc + 1
            out += frame.goto(pc, target, lc2, w2) if target <= pc else [(target, lc2, w2, TOP)]
    return out


def _jump_step(frame: Frame, pc: int, instr: ir.Jump, loc: Locals, world: World) -> list[Next]:
    frame.trace(world, instr.line)
    return frame.goto(pc, instr.target, loc, world)


def _return_step(frame: Frame, pc: int, instr: ir.Return, loc: Locals,
                 world: World) -> list[Next]:
    frame.trace(world, instr.line)
    if instr.value is None:
        return [(None, loc, world, TOP)]
    return [(None, lc, w, value) for lc, w, value in frame.evaluate(instr.value, loc, world)]


def _switch_step(frame: Frame, pc: int, instr: ir.Switch, loc: Locals,
                 world: World) -> list[Next]:
    frame.trace(world, instr.line)
    out: list[Next] = []
    for lc, w, value in frame.evaluate(instr.value, loc, world):
        if w.fault:
            out.append((None, lc, w, TOP))
            continue
        targets = _switch_targets(frame, instr, value)
        for target in targets:
            lc2, w2 = (dict(lc), w.fork()) if len(targets) > 1 else (lc, w)
            out.append((target, lc2, w2, TOP))
    return out


def _switch_targets(frame: Frame, instr: ir.Switch, value: Value) -> list[int]:
    if isinstance(value, Int):
        for case, target in instr.cases:
            if isinstance(case, ir.Const) and case.value == value.value:
                return [target]
        if all(isinstance(case, ir.Const) for case, _ in instr.cases):
            return [instr.default]
    return sorted({target for _, target in instr.cases} | {instr.default})


def _havoc_step(frame: Frame, pc: int, instr: ir.Havoc, loc: Locals, world: World) -> list[Next]:
    frame.trace(world, instr.line)
    return [(instr.target, dict(loc), world.fork(), TOP), (pc + 1, loc, world, TOP)]


_STEP: dict[type, Callable[..., list[Next]]] = {
    ir.Eval: _eval_step, ir.Decl: _decl_step, ir.Branch: _branch_step, ir.Jump: _jump_step,
    ir.Return: _return_step, ir.Switch: _switch_step, ir.Havoc: _havoc_step,
}
