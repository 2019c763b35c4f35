"""What every primitive is written with: the registry of primitives by name, where a call is
made (Site), and the effects a primitive has on a path's world — a fault, a choice of the
environment, a read of the PMD where another CPU may strike, taking and releasing a
resource.  The primitives themselves are in primitives.py (the fault path) and generic.py
(code outside it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pte_check.model import pmd as pmdmod
from pte_check.model.contract import Contract
from pte_check.model.pmd import PmdKind
from pte_check.model.resources import Resource
from pte_check.model.state import Fault, Race, RaceAhead, World
from pte_check.model.values import PMD_PTR, TOP, Int, Null, PmdVal, Ptr, Value
from pte_check.model.vmfault import FAULT_FLAGS

Results = list[tuple[World, Value]]


@dataclass(frozen=True)
class Site:
    """Where a primitive is called: the calling function, line, name, and the contract in force."""

    function: str
    line: int
    name: str
    contract: Contract
    in_loop: bool = False


Primitive = Callable[[Site, World, list[Value]], Results]
PRIMITIVES: dict[str, Primitive] = {}
# Primitives that read the PMD through race_point(), where another CPU's change may strike.
READS_PMD: set[str] = set()
# Oracles whose later occurrences on one path are forced to their terminal value (loop bound).
ORACLE_CAP = 2


def primitive(*names: str, reads_pmd: bool = False) -> Callable[[Primitive], Primitive]:
    def register(func: Primitive) -> Primitive:
        for name in names:
            PRIMITIVES[name] = func
        if reads_pmd:
            READS_PMD.update(names)
        return func
    return register


# helpers ----------------------------------------------------------------------------------

def fail(world: World, site: Site, kind: str, message: str, origin: str | None = None) -> Results:
    world.fault = Fault(kind, message, site.function, site.line, origin)
    return [(world, TOP)]


def obj(value: Value) -> str | None:
    return value.obj if isinstance(value, Ptr) else None


def arg(args: list[Value], index: int) -> Value:
    return args[index] if index < len(args) else TOP


def choose(world: World, site: Site, oracle: str,
           options: list[tuple[str, Callable[[World], Value]]],
           terminal: str | None = None) -> Results:
    """Fork on an environment choice.

    Outside loops the choice is recorded (with its occurrence number) so that before and after
    paths making the same choices can be paired; inside a loop it is not, and the loop bound
    limits how often it is made.
    """
    count = 0
    if not site.in_loop:
        count = world.choice_number(oracle)
        if terminal is not None and count > ORACLE_CAP:
            options = [o for o in options if o[0] == terminal]
    results: Results = []
    for label, make in options:
        other = world.fork()
        if count:
            other.assume(f"{oracle}#{count}", label)
        results.append((other, make(other)))
    return results


def _ordinal(n: int) -> str:
    return {1: "", 2: "2nd ", 3: "3rd "}.get(n, f"{n}th ")


def race_point(world: World, site: Site, what: str) -> list[World]:
    """The PMD is read here: without a race, or after each change another CPU may make."""
    if world.races_left < 0:
        raise RaceAhead(what)
    n = world.read_number(f"{site.function}:{what}")
    worlds = [world]
    if world.races_left == 0:
        return worlds
    point = f"the {_ordinal(n)}{what} in {site.function}()"
    retraction = site.contract.retraction and retractable(world)
    for change in pmdmod.changes_from(world.pmd, retraction):
        other = world.fork()
        other.races_left -= 1
        other.pmd = change.after
        other.race = Race(change, point)
        worlds.append(other)
    return worlds


def retractable(world: World) -> bool:
    """Whether khugepaged may retract this fault's page table (6.6): only a file VMA (one in a
    file's i_mmap tree) whose anon_vma is not known to be set; retract_page_tables() skips a VMA
    with an anon_vma, checking again under the page-table lock."""
    return (not isinstance(world.load("vma->vm_ops"), Null)
            and not isinstance(world.load("vma->anon_vma"), Ptr))


def vma_locked(world: World) -> bool:
    """Whether the fault holds only the per-VMA lock (FAULT_FLAG_VMA_LOCK in vmf->flags)."""
    flags = world.load("vmf->flags")
    return isinstance(flags, Int) and bool(flags.value & FAULT_FLAGS["FAULT_FLAG_VMA_LOCK"])


def release(world: World, site: Site, resource: Resource, value: Value) -> Results:
    target = obj(value)
    if isinstance(value, Null):
        return fail(world, site, "null-deref", f"{site.name}() on NULL", value.origin)
    if target is None:
        return [(world, TOP)]
    if not world.release(resource, target):
        return fail(world, site, "double-release",
                    f"{resource.words} released by {site.name}() when not held")
    return [(world, TOP)]


def acquire(world: World, site: Site, resource: Resource, value: Value) -> Results:
    if isinstance(value, Null):
        return fail(world, site, "null-deref", f"{site.name}() on NULL", value.origin)
    target = obj(value)
    if target is not None:
        world.acquire(resource, target)
    return [(world, TOP)]


def pmd_kind(world: World, value: Value) -> PmdKind | None:
    if isinstance(value, PmdVal):
        return value.kind
    if value == PMD_PTR:
        return world.pmd
    return None
