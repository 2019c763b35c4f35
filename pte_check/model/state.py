"""The abstract state of one path through the fault: the PMD, what is held, memory, choices made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from pte_check.findings import Step
from pte_check.model.pmd import PmdChange, PmdKind
from pte_check.model.resources import Resource
from pte_check.model.values import TOP, Value


@dataclass(frozen=True)
class Race:
    """A change another CPU made to the PMD, and the read it happened before."""

    change: PmdChange
    point: str

    @property
    def words(self) -> str:
        return f"{self.change.words} before {self.point}"


@dataclass(frozen=True)
class Fault:
    """A path that ends in a kernel bug: NULL dereference, double release, contract violation."""

    kind: str
    message: str
    function: str
    line: int
    origin: str | None = None


@dataclass(frozen=True)
class _Trace:
    """A persistent list of witness steps (cheap to share between forked paths)."""

    step: Step
    prev: _Trace | None


def trace_steps(trace: _Trace | None) -> tuple[Step, ...]:
    steps: list[Step] = []
    while trace is not None:
        steps.append(trace.step)
        trace = trace.prev
    return tuple(reversed(steps))


class World:
    """Everything one path has done to the world outside a function's locals."""

    __slots__ = ("pmd", "race", "races_left", "held", "mem", "events", "env", "counts",
                 "fault", "trace", "entry_objs", "entry_held")

    def __init__(self, pmd: PmdKind, races: int, mem: dict[str, Value],
                 held: dict[tuple[Resource, str], int]) -> None:
        self.pmd = pmd
        self.race: Race | None = None
        self.races_left = races
        self.held = dict(held)
        self.mem = dict(mem)
        self.events: tuple[str, ...] = ()
        self.env: tuple[tuple[str, str], ...] = ()
        self.counts: dict[str, int] = {}
        self.fault: Fault | None = None
        self.trace: _Trace | None = None
        self.entry_objs = frozenset(obj for _, obj in held)
        self.entry_held = frozenset(held)

    def fork(self) -> World:
        other = object.__new__(World)
        for slot in World.__slots__:
            setattr(other, slot, getattr(self, slot))
        other.held = dict(self.held)
        other.mem = dict(self.mem)
        other.counts = dict(self.counts)
        return other

    def key(self) -> tuple[object, ...]:
        """Identity for merging paths: everything but the witness trace."""
        return (self.pmd, self.race, self.races_left, tuple(sorted(self.held.items(),
                key=lambda kv: (kv[0][0].value, kv[0][1]))), tuple(sorted(self.mem.items())),
                self.events, self.env, tuple(sorted(self.counts.items())), self.fault)

    # memory -------------------------------------------------------------------------------
    def load(self, key: str) -> Value:
        return self.mem.get(key, TOP)

    def store(self, key: str, value: Value) -> None:
        self.mem[key] = value

    # bookkeeping --------------------------------------------------------------------------
    def bump(self, counter: str) -> int:
        self.counts[counter] = self.counts.get(counter, 0) + 1
        return self.counts[counter]

    def new_object(self, kind: str) -> str:
        return f"{kind}#{self.bump('obj:' + kind)}"

    def event(self, words: str) -> None:
        if words not in self.events:
            self.events = self.events + (words,)

    def assume(self, key: str, value: str) -> None:
        self.env = self.env + ((key, value),)

    def step(self, step: Step) -> None:
        self.trace = _Trace(step, self.trace)

    def steps(self) -> tuple[Step, ...]:
        return trace_steps(self.trace)

    # resources ----------------------------------------------------------------------------
    def acquire(self, resource: Resource, obj: str, count: int = 1) -> None:
        slot = (resource, obj)
        self.held[slot] = self.held.get(slot, 0) + count

    def release(self, resource: Resource, obj: str) -> bool:
        """Release once; False when nothing was held (a double release)."""
        slot = (resource, obj)
        count = self.held.get(slot, 0)
        if count <= 0:
            return False
        if count == 1:
            del self.held[slot]
        else:
            self.held[slot] = count - 1
        return True

    def holds(self, resource: Resource, obj: str | None = None) -> bool:
        return any(r is resource and (obj is None or o == obj) for r, o in self.held)

    def objects(self, resource: Resource) -> Iterator[str]:
        return (o for r, o in self.held if r is resource)
