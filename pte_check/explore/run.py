"""Exploring one function from every entry state the model gives it."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from dataclasses import dataclass

from pte_check.explore.budget import Budget, BudgetExceeded
from pte_check.explore.machine import Machine
from pte_check.lowering import ir
from pte_check.model import catalog
from pte_check.model.contract import Contract
from pte_check.model.pmd import PmdKind
from pte_check.model.state import World
from pte_check.model.values import Value


@dataclass(frozen=True)
class PathEnd:
    """One explored path: the PMD it started from, its final world and return value."""

    initial: PmdKind
    world: World
    value: Value
    scenario: catalog.Scenario = catalog.SCENARIOS["read"]


@dataclass(frozen=True)
class Exploration:
    """All paths of one function under one version of the code."""

    function: ir.Function
    paths: tuple[PathEnd, ...]
    states: int
    dropped: int
    opaque: frozenset[str]
    incomplete: str | None = None
    starved: tuple[tuple[PmdKind, str], ...] = ()


def explore(functions: Mapping[str, ir.Function], name: str, contract: Contract,
            budget: Budget, races: int = 1,
            within: tuple[str, ...] | None = None, share: bool = True) -> Exploration:
    """Run `name` from each PMD kind under each scenario it is reached in (only those in
    `within`, when given), other CPUs changing the PMD at most `races` times per path.

    Exploring allocates many small objects and few reference cycles, so the cyclic garbage
    collector, which would otherwise run every few hundred allocations and halve the speed,
    waits until the exploration is over.  `share`: let paths in the same state share the
    exploration of what follows (Machine.shared_rest); turning it off changes nothing but the
    time taken, which tests check."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _explore(functions, name, contract, budget, races, within, share)
    finally:
        if collecting:
            gc.enable()


def _explore(functions: Mapping[str, ir.Function], name: str, contract: Contract,
             budget: Budget, races: int, within: tuple[str, ...] | None,
             share: bool) -> Exploration:
    machine = Machine(functions, contract, catalog.INDIRECT, budget, share)
    function = functions[name]
    paths: list[PathEnd] = []
    starved: list[tuple[PmdKind, str]] = []
    try:
        for scenario in catalog.scenarios(name, within):
            memory = catalog.entry_memory(scenario)
            for kind in catalog.entry_kinds(scenario):
                args, held = catalog.entry_args(name, function.params, memory)
                world = World(kind, races, memory, held)
                dropped = machine.dropped
                ends = [PathEnd(kind, w, v, scenario) for w, v in machine.run(name, world, args)]
                for end in ends:
                    end.world.finish()
                if not ends and machine.dropped > dropped:
                    starved.append((kind, scenario.name))
                paths += ends
    except BudgetExceeded as exceeded:
        return Exploration(function, (), machine.meter.states, machine.dropped,
                           frozenset(machine.opaque), exceeded.reason)
    reason = None
    if not paths and machine.dropped:
        reason = f"no path finished within the loop bound ({budget.loop_bound} iterations)"
    return Exploration(function, tuple(paths), machine.meter.states, machine.dropped,
                       frozenset(machine.opaque), reason, tuple(starved))
