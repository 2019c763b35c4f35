"""Shared rests: the rest of a frame from a join, explored once for every path that reaches
it in the same state but for what no instruction reads (see Machine.shared_rest)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pte_check.lowering import ir
from pte_check.model.kernel import callee_name
from pte_check.model.primitives import READS_PMD
from pte_check.model.state import Cell, Delta, World
from pte_check.model.values import Value


class Rests:
    """The rests one machine explored, found again by their key and footprint, and where a
    read of the PMD may lie ahead."""

    def __init__(self, functions: Mapping[str, ir.Function],
                 indirect: Mapping[str, str]) -> None:
        self.functions = functions
        self.indirect = indirect
        self._rests: dict[tuple[object, ...], list[Rest]] = {}
        self._racing: set[tuple[str, int]] = set()
        self._pmd_reads: dict[str, frozenset[int]] = {}

    def find(self, keys: list[tuple[object, ...]], world: World) -> Rest | None:
        """A rest explored under one of these keys that fits this state."""
        return next((r for k in keys for r in self._rests.get(k, ()) if r.fits(world)), None)

    def add(self, key: tuple[object, ...], rest: Rest) -> None:
        self._rests.setdefault(key, []).append(rest)

    def pmd_read_ahead(self, function: ir.Function, pc: int) -> bool:
        """Whether a read of the PMD may come after this instruction (predicted, or found)."""
        return pc in self.reaches_pmd_read(function) or (function.digest, pc) in self._racing

    def found_pmd_read(self, function: ir.Function, pc: int) -> None:
        """A read of the PMD came after this instruction where none was predicted."""
        self._racing.add((function.digest, pc))

    @property
    def missed(self) -> frozenset[tuple[str, int]]:
        """Where (function digest, instruction) a read of the PMD came unpredicted."""
        return frozenset(self._racing)

    def reaches_pmd_read(self, function: ir.Function) -> frozenset[int]:
        """The instructions from which a read of the PMD (a race point) may be reached within
        the function: a call to a primitive that reads it or to a modelled function that may,
        or `*` applied to something named pmd.  A prediction, not a proof: where it says no
        and a read comes, the exploration notices (RaceAhead) and explores that rest again."""
        found = self._pmd_reads.get(function.digest)
        if found is not None:
            return found
        self._pmd_reads[function.digest] = frozenset()  # recursion guard
        reading = {pc for pc, instr in enumerate(function.code) if self._reads_pmd(instr)}
        preds: dict[int, list[int]] = {}
        for pc, instr in enumerate(function.code):
            nexts = ir.jump_targets(instr)
            if not isinstance(instr, (ir.Return, ir.Jump)):
                nexts = nexts + [pc + 1]
            for nxt in nexts:
                preds.setdefault(nxt, []).append(pc)
        todo = list(reading)
        while todo:
            for pc in preds.get(todo.pop(), ()):
                if pc not in reading:
                    reading.add(pc)
                    todo.append(pc)
        found = self._pmd_reads[function.digest] = frozenset(reading)
        return found

    def _reads_pmd(self, instr: ir.Instr) -> bool:
        todo: list[object] = [instr]
        while todo:
            node = todo.pop()
            if isinstance(node, ir.Call):
                name = callee_name(node.func)
                target = self.indirect.get(name, name)
                if name in READS_PMD or (target in self.functions and 0 in
                                         self.reaches_pmd_read(self.functions[target])):
                    return True
            elif isinstance(node, ir.Deref) and "pmd" in repr(node.expr):
                return True
            if isinstance(node, tuple):
                todo.extend(node)
            elif hasattr(node, "__dataclass_fields__"):
                todo.extend(getattr(node, f) for f in node.__dataclass_fields__)
        return False


def rest_key(common: tuple[object, ...], neutral: World, races: int) -> tuple[object, ...]:
    """What a rest explored with this number of races left depends on, but for memory and
    counters: the place, the locals, the PMD, what is held.  Memory and counters are
    matched by the cells and counters the rest read (Rest.fits)."""
    return common + (neutral.pmd, races, frozenset(neutral.held.items()), neutral.fault)


class Rest:
    """The paths from one state of a frame to its end, explored once for many paths."""

    __slots__ = ("_deltas", "dropped", "footprint", "free", "results", "start")

    def __init__(self, results: list[tuple[World, Value]], dropped: int, free: bool,
                 start: World, cells: Iterable[Cell]) -> None:
        self.results = results
        self.dropped = dropped
        self.free = free  # explored with the races left unknown: valid for any number
        self.start = start  # the state it was explored from
        self.footprint = {cell: _read(start, cell) for cell in cells}  # what it read
        self._deltas: list[Delta] | None = None

    def fits(self, world: World) -> bool:
        """Whether a state agrees with this rest's start in every cell and counter it read."""
        return all(_read(world, cell) == value for cell, value in self.footprint.items())

    def started(self, world: World) -> bool:
        """Whether a state is this rest's start in memory and counters (no delta needed)."""
        start = self.start
        return (world.mem == start.mem and world.choices == start.choices
                and world.objects_made == start.objects_made and world.reads == start.reads)

    def delta(self, index: int) -> Delta:
        """What result `index` did: the memory cells it stored to (World.written), with their
        values or forgotten, and what it added to the counters."""
        if self._deltas is None:
            start = self.start
            self._deltas = [
                ({k: world.mem[k] for k in world.written if k in world.mem},
                 tuple(k for k in world.written if k not in world.mem),
                 _increase(start.choices, world.choices),
                 _increase(start.objects_made, world.objects_made),
                 _increase(start.reads, world.reads))
                for world, _ in self.results]
        return self._deltas[index]


def _read(world: World, cell: Cell) -> object:
    if isinstance(cell, str):
        return world.mem.get(cell, _UNSET)
    kind, name = cell
    counters = {"choice": world.choices, "object": world.objects_made, "read": world.reads}
    return counters[kind].get(name, 0)


def _increase(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


_UNSET = object()  # a memory cell never stored (it reads unknown)
