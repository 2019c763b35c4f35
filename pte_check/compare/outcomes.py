"""Explored paths as comparable records: entry state, environment choices, observable outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from pte_check.explore.run import Exploration, PathEnd
from pte_check.findings import Step
from pte_check.model import catalog
from pte_check.model.pmd import PmdKind
from pte_check.model.state import Trace, trace_steps
from pte_check.model.values import Int, Null, Ptr, Value
from pte_check.model.vmfault import spell_flags, spell_int

_KIND_ORDER = {kind: i for i, kind in enumerate(PmdKind)}


@dataclass(frozen=True)
class Observed:
    """What a caller can see of one path (the equality that defines a behaviour change)."""

    returns: str
    resources: tuple[str, ...]
    calls: tuple[str, ...]
    fault: str | None


@dataclass(frozen=True)
class Record:
    """One path, ready to compare."""

    state: tuple[int, int, int, str]
    state_words: str
    env: tuple[tuple[str, str], ...]
    observed: Observed
    fault_kind: str | None
    fault_function: str | None
    fault_line: int | None
    trace: Trace = field(compare=False, repr=False)

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        """The witness path (unrolled only for the records a finding shows)."""
        return trace_steps(self.trace)


def spell_return(return_type: str, value: Value) -> str:
    """A return value in C, by the function's return type."""
    kind = return_type.replace("static", "").replace("inline", "").strip()
    if kind == "void":
        return "void"
    if "*" in kind:
        return {Ptr: "non-NULL", Null: "NULL"}.get(type(value), "unknown")
    if not isinstance(value, Int):
        return "unknown"
    if kind.endswith("vm_fault_t"):
        return spell_flags(value.value)
    if kind.endswith("bool"):
        return "true" if value.value else "false"
    return spell_int(value.value)


def _resources(path: PathEnd) -> tuple[str, ...]:
    """Net effect on each resource, relative to what the function held on entry."""
    world = path.world
    effects: set[str] = set()
    for resource, obj in set(world.held) | world.entry_held:
        net = world.held.get((resource, obj), 0) - ((resource, obj) in world.entry_held)
        if net == 0:
            continue
        if obj in world.entry_objs:
            effects.add(f"{resource.words} {'released' if net < 0 else 'taken again'}")
        elif path.value == Ptr(obj):
            effects.add(f"{resource.words} held by the returned object")
        else:
            effects.add(f"{resource.words} left held")
    return tuple(sorted(effects))


def record(exploration: Exploration, path: PathEnd) -> Record:
    world = path.world
    race = world.race
    scenario = path.scenario
    words = path.initial.words + (f"; {scenario.words}" if scenario.words else "") + (
        f"; then {race.words}" if race else "")
    fault = world.fault
    fault_text = None
    if fault is not None:
        origin = f" (the NULL came from {fault.origin}())" if fault.origin else ""
        fault_text = f"{fault.message}{origin} in {fault.function}()"
    observed = Observed(
        returns="does not return" if fault else spell_return(
            exploration.function.return_type, path.value),
        resources=() if fault else _resources(path),
        calls=tuple(sorted(world.events)),
        fault=fault_text,
    )
    order = list(catalog.SCENARIOS).index(scenario.name)
    return Record((int(race is not None), order, _KIND_ORDER[path.initial],
                   race.words if race else ""),
                  words, world.env,
                  observed, fault.kind if fault else None, fault.function if fault else None,
                  fault.line if fault else None, world.trace)
