"""The abstract state of one path through the fault: the PMD, what is held, memory, choices made."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pte_check.findings import Step
from pte_check.model.pmd import PmdChange, PmdKind
from pte_check.model.resources import Resource
from pte_check.model.values import TOP, Ptr, Top, Value


@dataclass(frozen=True)
class Race:
    """A change another CPU made to the PMD, and the read it happened before."""

    change: PmdChange
    point: str
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.change.words, self.point)))

    def __hash__(self) -> int:  # states hash their race at every merge: computed once
        return self._hash

    @property
    def words(self) -> str:
        return f"{self.change.words} before {self.point}"


class RaceAhead(Exception):
    """A path explored with its races left unknown (-1) came to a read of the PMD, where the
    answer matters: its rest must be explored knowing it."""


@dataclass(frozen=True)
class Fault:
    """A path that ends in a kernel bug: NULL dereference, double release, contract violation."""

    kind: str
    message: str
    function: str
    line: int
    origin: str | None = None


class _Trace:
    """A persistent list of witness steps (cheap to share between forked paths; one is made
    per step explored, hence a plain slotted class)."""

    __slots__ = ("prev", "step")

    def __init__(self, step: Step, prev: _Trace | _Splice | None) -> None:
        self.step = step
        self.prev = prev


class _Splice:
    """A callee's trace continuing a caller's, joined without copying either."""

    __slots__ = ("inner", "prev")

    def __init__(self, inner: _Trace | _Splice | None, prev: _Trace | _Splice | None) -> None:
        self.inner = inner
        self.prev = prev


Trace = _Trace | _Splice | None


def trace_steps(trace: Trace) -> tuple[Step, ...]:
    steps: list[Step] = []
    stack: list[Trace] = [trace]
    while stack:
        node = stack.pop()
        if isinstance(node, _Trace):
            steps.append(node.step)
            stack.append(node.prev)
        elif isinstance(node, _Splice):
            stack.append(node.prev)
            stack.append(node.inner)
    return tuple(reversed(steps))


def _renumber(key: str, choices: dict[str, int]) -> tuple[str]:
    """An oracle choice made in a callee, numbered after the caller's choices of that oracle."""
    oracle, _, number = key.rpartition("#")
    return (f"{oracle}#{choices.get(oracle, 0) + int(number)}",)


def callee_object(name: str, callee: str) -> tuple[str, int] | None:
    """The kind and number of an object a callee whose names carry `callee` made
    ('folio#c2' for 'c'; a callee of a callee names its objects 'folio#cc1', apart from its
    caller's), else None."""
    kind, sep, rest = name.partition("#")
    if sep and rest.startswith(callee) and rest[len(callee):].isdigit():
        return kind, int(rest[len(callee):])
    return None


def rename_key(key: str, rename: Callable[[str], str]) -> str:
    head, sep, rest = key.partition("->")
    star = head.startswith("*")
    head = rename(head.lstrip("*"))
    return ("*" if star else "") + head + sep + rest




# A memory cell's key, or a counter: ("choice", oracle), ("object", kind), ("read", place).
Cell = str | tuple[str, str]
# What a shared rest did to a path's state: memory cells written and forgotten, and what it
# added to the counters of choices, objects made and PMD reads.
Delta = tuple[dict[str, Value], tuple[str, ...], dict[str, int], dict[str, int], dict[str, int]]


def _add(mine: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    """Counters added up, in a new dictionary."""
    out = dict(mine)
    for key, value in more.items():
        out[key] = out.get(key, 0) + value
    return out


class World:
    """Everything one path has done to the world outside a function's locals."""

    __slots__ = (
        "_counts_key",
        "_held_key",
        "_mem_key",
        "base",
        "choices",
        "entry_held",
        "entry_objs",
        "env",
        "events",
        "fault",
        "held",
        "mem",
        "objects_made",
        "pmd",
        "prefix",
        "race",
        "races_left",
        "reads",
        "trace",
        "watch",
        "written",
    )

    def __init__(self, pmd: PmdKind, races: int, mem: dict[str, Value],
                 held: dict[tuple[Resource, str], int]) -> None:
        self.pmd = pmd
        self.race: Race | None = None
        self.races_left = races
        self.held = dict(held)
        self.mem = dict(mem)
        self.events: tuple[str, ...] = ()
        self.env: tuple[tuple[str, str], ...] = ()
        # Counters: choices made per oracle (they number the choices), objects made per kind
        # (they name the objects) and reads of the PMD per function and read (they number
        # the race points).
        self.choices: dict[str, int] = {}
        self.objects_made: dict[str, int] = {}
        self.reads: dict[str, int] = {}
        self.fault: Fault | None = None
        self.trace: Trace = None
        self.entry_objs = frozenset(obj for _, obj in held)
        self.entry_held = frozenset(held)
        self.prefix = ""
        # What a shared rest or a callee read while it is explored (else None): memory cells
        # by key, counters as ("choice", oracle), ("object", kind) and ("read", place).
        self.watch: set[Cell] | None = None
        # The memory cells this path stored to since its shared rest or callee began (kept
        # only while `watch` is set): what a shared rest did to memory is exactly these.
        self.written: frozenset[str] = frozenset()
        # Inside a shared rest (Machine.shared_rest), whose results other paths reuse with
        # other values in the cells it never read, the memory the rest (or a callee inside it)
        # started from: there, paths merge on the cells whose values differ from it (the
        # others are its own), never on the values of unread cells.
        self.base: dict[str, Value] | None = None
        self._forget()

    def finish(self) -> None:
        """The world at the end of an explored path: what outcomes are read from is kept (the
        PMD, race, held, events, choices, fault and trace); memory and counters, which only
        running code reads, and the cached key are dropped."""
        self.mem, self.choices, self.objects_made, self.reads = {}, {}, {}, {}
        self.watch = None
        self._forget()

    def _forget(self) -> None:
        """Drop the cached parts of key() (after held, mem or counts changed)."""
        self._held_key: frozenset[object] | None = None
        self._mem_key: frozenset[object] | None = None
        self._counts_key: tuple[bool, frozenset[object], frozenset[object] | None] | None = None

    def fork(self) -> World:
        """A copy that runs on apart from this world: its own dictionaries."""
        other = self._view()
        other.held, other.mem = dict(self.held), dict(self.mem)
        other.choices, other.objects_made, other.reads = (dict(self.choices),
                                                          dict(self.objects_made),
                                                          dict(self.reads))
        return other

    def _view(self) -> World:
        """A copy sharing this world's dictionaries, for a world that will not run on (a
        path's end): what changes must be replaced, never updated in place."""
        other = object.__new__(World)
        other.pmd, other.race, other.races_left = self.pmd, self.race, self.races_left
        other.held, other.mem = self.held, self.mem
        other.choices, other.objects_made, other.reads = (self.choices, self.objects_made,
                                                          self.reads)
        other.events, other.env, other.fault, other.trace = (self.events, self.env, self.fault,
                                                              self.trace)
        other.entry_objs, other.entry_held, other.prefix = (self.entry_objs, self.entry_held,
                                                            self.prefix)
        other.watch, other.written, other.base = self.watch, self.written, self.base
        other._held_key, other._mem_key, other._counts_key = (self._held_key, self._mem_key,
                                                              self._counts_key)
        return other

    def key(self, full: bool = False) -> tuple[object, ...]:
        """Identity for merging paths: everything but the witness trace (inside a shared
        rest, memory as the cells written that differ from where it started; `full`: all
        of it).  Hashed, never ordered (sets, no sort on every state); the parts are kept
        until they change."""
        races = self.races_left
        counted = races > 0  # reads of the PMD matter only while they may be race points
        if self._counts_key is None or self._counts_key[0] != counted:
            self._counts_key = (counted, frozenset(self.choices.items()),
                                frozenset(self.reads.items()) if counted else None)
        if self._held_key is None:
            self._held_key = frozenset(self.held.items())
        if full and self.base is not None:
            mem: frozenset[object] = frozenset(self.mem.items())
        else:
            if self._mem_key is None:
                self._mem_key = frozenset(self.mem.items()) if self.base is None \
                    else self._changed_cells()
            mem = self._mem_key
        return (self.pmd, self.race, races, self._held_key, mem, self.events,
                self.env, self._counts_key[1], self._counts_key[2], self.fault)

    def _changed_cells(self) -> frozenset[object]:
        """Inside a shared rest: the cells written whose values differ from where the rest
        started.  A cell written back to its starting value is taken as read (added to the
        rest's footprint), so that the paths merged here are the same for every path that
        reuses the rest."""
        base, mem, watch = self.base, self.mem, self.watch
        assert base is not None
        changed = []
        for cell in self.written:
            value = mem.get(cell)
            if value == base.get(cell):
                if watch is not None:
                    watch.add(cell)
            else:
                changed.append((cell, value))
        return frozenset(changed)

    # memory -------------------------------------------------------------------------------
    def load(self, key: str) -> Value:
        if self.watch is not None:
            self.watch.add(key)
        return self.mem.get(key, TOP)

    def store(self, key: str, value: Value) -> None:
        """Store a value; an unknown value is not kept (a key never stored reads unknown)."""
        if self.watch is not None and key not in self.written:
            self.written = self.written | {key}
        if value is TOP or isinstance(value, Top):
            if key in self.mem:
                del self.mem[key]
                self._mem_key = None
            return
        self.mem[key] = value
        self._mem_key = None

    # bookkeeping --------------------------------------------------------------------------
    def choice_number(self, oracle: str) -> int:
        """Count one more choice of an oracle on this path; its number."""
        if self.watch is not None:
            self.watch.add(("choice", oracle))
        number = self.choices[oracle] = self.choices.get(oracle, 0) + 1
        self._counts_key = None
        return number

    def read_number(self, read: str) -> int:
        """Count one more read of the PMD at a place; its number (which names a race point,
        so it is read only while races may come)."""
        if self.watch is not None and self.races_left > 0:
            self.watch.add(("read", read))
        number = self.reads[read] = self.reads.get(read, 0) + 1
        self._counts_key = None
        return number

    def new_object(self, kind: str) -> str:
        """A name for a new object of a kind ('folio#2'; 'folio#c1' in a callee)."""
        number = self.objects_made[kind] = self.objects_of(kind) + 1
        return f"{kind}#{self.prefix}{number}"

    def objects_of(self, kind: str) -> int:
        """How many objects of a kind this path made (read: it names the next ones)."""
        if self.watch is not None:
            self.watch.add(("object", kind))
        return self.objects_made.get(kind, 0)

    def callee_world(self) -> World:
        """A context-free copy for running a callee: no choices, counts, events or trace, and
        objects it creates named apart ('folio#c1'; 'folio#cc1' in a callee's callee), so
        that its results can be reused."""
        sub = self.fork()
        sub.env, sub.events, sub.trace, sub.prefix = (), (), None, self.prefix + "c"
        sub.choices, sub.objects_made, sub.reads = {}, {}, {}
        sub.race, sub.written, sub._mem_key = None, frozenset(), None
        if sub.base is not None:
            sub.base = dict(sub.mem)
        sub._counts_key = None
        return sub

    def after_call(self, result: World) -> World:
        """This world continued by a callee's result world (see callee_world)."""
        out = result._view()
        renames = {kind: self.objects_of(kind) for kind in result.objects_made}
        callee = self.prefix + "c"
        marker = "#" + callee

        def rename(name: str) -> str:
            made = callee_object(name, callee)
            if made is not None and made[0] in renames:
                return f"{made[0]}#{self.prefix}{renames[made[0]] + made[1]}"
            return name
        if renames:
            out.held = {(r, rename(o) if marker in o else o): c
                        for (r, o), c in result.held.items()}
            mem: dict[str, Value] = {}
            for key, value in result.mem.items():  # most cells name no object of the callee
                if marker in key:
                    key = rename_key(key, rename)
                if isinstance(value, Ptr) and marker in value.obj:
                    value = Ptr(rename(value.obj))
                mem[key] = value
            out.mem = mem
        else:  # the caller runs on: its own dictionaries
            out.held, out.mem = dict(result.held), dict(result.mem)
        if self.watch is not None:  # the callee's stores are the caller's
            out.written = self.written | (frozenset(rename_key(k, rename) if marker in k else k
                                                    for k in result.written)
                                          if renames else result.written)
        else:
            out.written = frozenset()
        out.base, out._mem_key = self.base, None
        out.choices = _add(self.choices, result.choices)
        out.objects_made = _add(self.objects_made, result.objects_made)
        out.reads = _add(self.reads, result.reads)
        if result.env:
            if self.watch is not None:
                self.watch.update(("choice", k.rpartition("#")[0]) for k, _ in result.env)
            out.env = self.env + tuple(_renumber(k, self.choices) + (v,) for k, v in result.env)
        else:
            out.env = self.env
        out.events = self.events + tuple(e for e in result.events if e not in self.events)
        out.trace = _Splice(result.trace, self.trace) if result.trace is not None else self.trace
        out.prefix, out.entry_objs, out.entry_held = self.prefix, self.entry_objs, self.entry_held
        out.watch = self.watch
        if out.race is None:
            out.race = self.race
        out._counts_key = None
        if renames:
            out._held_key = out._mem_key = None
        return out

    def without_history(self) -> World:
        """This world without what no instruction reads: its race, events and choices, and
        its witness but for the last step (which decides whether the next step repeats it)."""
        out = self.fork()
        out.race, out.events, out.env, out.written = None, (), (), frozenset()
        out._mem_key = None
        out.trace = _Trace(self.trace.step, None) if isinstance(self.trace, _Trace) else None
        return out

    def rest_start(self, races: int) -> World:
        """The state a shared rest is explored from: this world without history
        (without_history()), with `races` races left (-1: unknown), recording what it reads
        and writes, and merging paths as a rest does (see `base`)."""
        start = self.fork()
        start.races_left, start.watch, start.base, start._mem_key = races, set(), self.mem, None
        return start

    def rejoin(self, result: World, free: bool, delta: Delta | None = None) -> World:
        """A result explored from this world without history (without_history()), with this
        world's history put back in front of what the result recorded.  `free`: the result
        was explored with the races left unknown, which it takes from this world.  `delta`:
        the result was explored from another state, equal in every memory cell and counter
        it read; this world's memory and counters with what the result changed are its own.
        The result ended its path in the frame: the copy shares its dictionaries (_view)."""
        out = result._view()
        out.watch = self.watch
        out.written = self.written | result.written if self.watch is not None else frozenset()
        out.base, out._mem_key = self.base, None
        if out.race is None:
            out.race = self.race
        events = self.events
        out.events = events + tuple(e for e in result.events if e not in events) \
            if result.events else events
        out.env = self.env + result.env
        prefix = self.trace.prev if isinstance(self.trace, _Trace) else self.trace
        out.trace = _Splice(result.trace, prefix) if result.trace is not None else prefix
        if delta is not None:
            written, forgotten, choices, objects, reads = delta
            out.mem = {**self.mem, **written}
            for key in forgotten:
                out.mem.pop(key, None)
            out.choices = _add(self.choices, choices)
            out.objects_made = _add(self.objects_made, objects)
            out.reads = _add(self.reads, reads)
            out._mem_key = out._counts_key = None
        if free:
            out.races_left = self.races_left
        return out

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
        self._held_key = None

    def release(self, resource: Resource, obj: str) -> bool:
        """Release once; False when nothing was held (a double release)."""
        slot = (resource, obj)
        count = self.held.get(slot, 0)
        if count <= 0:
            return False
        self._held_key = None
        if count == 1:
            del self.held[slot]
        else:
            self.held[slot] = count - 1
        return True

    def holds(self, resource: Resource, obj: str | None = None) -> bool:
        return any(r is resource and (obj is None or o == obj) for r, o in self.held)

    def objects(self, resource: Resource) -> Iterator[str]:
        return (o for r, o in self.held if r is resource)
