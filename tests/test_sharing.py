"""Shared rests change nothing but the time taken.

Paths that reach a join in the same state but for their history (choices, events, race,
witness) share one exploration of what follows, and where no read of the PMD lies ahead the
rest is shared whatever the number of races left (Machine.shared_rest).  These tests explore
with and without sharing and demand the same paths, in the same order, with the same
witnesses, for every modelled function, version and contract, and for code whose read of the
PMD the prediction misses.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pte_check.explore import machine as machine_module
from pte_check.explore import run as run_module
from pte_check.explore.budget import Budget
from pte_check.explore.run import Exploration, explore
from pte_check.lowering import ir, lower_functions
from pte_check.model import catalog
from pte_check.model.contract import CONTRACTS
from pte_check.model.state import trace_steps


def _paths(exploration: Exploration) -> list[tuple[Any, ...]]:
    out = []
    for path in exploration.paths:
        world = path.world
        out.append((path.initial, path.scenario.name, path.value, world.race, world.races_left,
                    world.events, world.env, tuple(sorted(world.held.items(), key=repr)),
                    world.fault, trace_steps(world.trace)))
    return out


def _both(functions: dict[str, ir.Function], name: str, contract: str,
          races: int, budget: Budget | None = None) -> tuple[Exploration, Exploration]:
    results = []
    for share in (False, True):
        machine_module._SUMMARIES.clear()
        results.append(explore(functions, name, CONTRACTS[contract], budget or Budget(),
                               races=races, share=share))
    return results[0], results[1]


# handle_mm_fault() runs __handle_mm_fault() from the same states: that one is left out.
CASES = [(version, contract, name)
         for version in ("6.4", "6.5")
         for contract in ("6.4", "6.5", "6.6")
         for name in sorted(catalog.functions(version)) if name != "__handle_mm_fault"]


@pytest.mark.parametrize("version, contract, name", CASES,
                         ids=[f"{v}-{c}-{n}" for v, c, n in CASES])
def test_sharing_changes_no_path(version: str, contract: str, name: str) -> None:
    functions = lower_functions("\n\n".join(
        fn.text for fn in catalog.functions(version).values()))
    alone, shared = _both(functions, name, contract, races=1)
    assert alone.incomplete is None and shared.incomplete is None
    assert _paths(shared) == _paths(alone)
    # Paths dropped at the loop bound are counted once per exploration of a rest, so the
    # count may differ; whether any was dropped, and where nothing else was left, may not.
    assert (shared.dropped > 0) == (alone.dropped > 0) and shared.starved == alone.starved
    assert shared.states <= alone.states


@pytest.mark.parametrize("name", ["filemap_map_pages", "finish_fault", "do_read_fault"])
def test_sharing_changes_no_path_with_two_races(name: str) -> None:
    functions = lower_functions("\n\n".join(
        fn.text for fn in catalog.functions("6.4").values()))
    alone, shared = _both(functions, name, "6.5", races=2)
    assert _paths(shared) == _paths(alone)
    assert shared.states < alone.states


def test_shared_seed_explores_fewer_states() -> None:
    """The saving itself: do_read_fault() from every entry state, one race per path."""
    functions = lower_functions("\n\n".join(
        fn.text for fn in catalog.functions("6.4").values()))
    alone, shared = _both(functions, "do_read_fault", "6.5", races=1)
    assert _paths(shared) == _paths(alone)
    assert shared.states * 2 < alone.states


HIDDEN_READ = """
static vm_fault_t hidden_read(struct vm_fault *vmf)
{
	pmd_t *where = vmf->pmd;
	struct folio *folio;

	folio = first_map_page(vmf->vma->vm_file->f_mapping, &xas, 0);
	if (!folio)
		return 0;
	folio_unlock(folio);
	folio_put(folio);
	if (pmd_none(*where))
		return VM_FAULT_NOPAGE;
	return VM_FAULT_RETRY;
}
"""


def test_a_read_of_the_pmd_the_prediction_misses_is_explored_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`*where` reads the PMD through a local not named after it: the rest after the choice
    is predicted free of PMD reads, explored with the races left unknown, aborted at the read
    (RaceAhead) and explored again with them known; the races there are all found."""
    machines: list[machine_module.Machine] = []

    class Spy(machine_module.Machine):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            machines.append(self)

    monkeypatch.setattr(run_module, "Machine", Spy)
    functions = lower_functions(HIDDEN_READ)
    alone, shared = _both(functions, "hidden_read", "6.5", races=1)
    assert _paths(shared) == _paths(alone)
    assert machines[-1].rests.missed and not machines[0].rests.missed
    raced = {(p.initial.value, p.world.race.words, getattr(p.value, "value", None))
             for p in shared.paths if p.world.race is not None}
    race = "another CPU installs a page table before the pmd_none() in hidden_read()"
    assert ("none", race, 0x100) not in raced  # VM_FAULT_NOPAGE only while the PMD is none
    assert ("none", race, 0x400) in raced  # VM_FAULT_RETRY once the table is there


_CHARGE = "vmf->charged = mem_cgroup_charge(vmf->folio, vmf->vma->vm_mm, GFP_KERNEL);"


def _case(name: str, head: str, tail: str = "") -> str:
    """`head`, then a test writing vmf->pgoff, `tail`, and a run of independent tests, each
    writing its own cell."""
    return (f"static vm_fault_t {name}(struct vm_fault *vmf)\n{{\n{head}\n"
            "\tif (vmf->address == 1)\n\t\tvmf->pgoff = 2;\n"
            f"{tail}\n"
            "\tif (vmf->address == 3)\n\t\tvmf->real_address = 4;\n"
            "\tif (vmf->address == 5)\n\t\tvmf->orig_pte = 6;\n"
            "\tif (vmf->address == 7)\n\t\treturn VM_FAULT_RETRY;\n"
            "\treturn 0;\n}\n")


def _footprint_case(tail: str) -> str:
    """mem_cgroup_charge() succeeds or fails, the outcome kept in a cell of vmf."""
    return _case("footprint", "\t" + _CHARGE, tail)


def test_a_rest_is_shared_by_paths_differing_only_in_memory_it_does_not_read() -> None:
    """Both outcomes of mem_cgroup_charge() reach the tests with a different vmf->charged,
    which they never read: what follows is explored once for both."""
    functions = lower_functions(_footprint_case(""))
    alone, shared = _both(functions, "footprint", "6.5", races=0)
    assert _paths(shared) == _paths(alone)
    assert shared.states * 3 < alone.states * 2
    assert {p.world.env for p in shared.paths} == {
        (("mem_cgroup_charge#1", "succeeded"),), (("mem_cgroup_charge#1", "failed"),)}


def test_a_rest_that_reads_the_memory_is_not_shared_across_it() -> None:
    """The same tests after one reading vmf->charged: each outcome explores its own rest,
    with its own return values."""
    functions = lower_functions(_footprint_case(
        "\tif (vmf->charged)\n\t\treturn VM_FAULT_OOM;"))
    alone, shared = _both(functions, "footprint", "6.5", races=0)
    assert _paths(shared) == _paths(alone)
    returns = {(p.world.env[0][1], getattr(p.value, "value", None)) for p in shared.paths}
    assert ("failed", 0x1) in returns and ("failed", 0) not in returns
    assert ("succeeded", 0) in returns and ("succeeded", 0x1) not in returns


def _counter_case(tail: str) -> str:
    """A first mem_cgroup_charge() on some paths only."""
    return _case("counted", "\tif (vmf->address == 9)\n\t\t" + _CHARGE, tail)


def test_a_rest_is_shared_by_paths_that_counted_choices_it_does_not_make() -> None:
    """Paths that did and did not charge reach the tests having made different numbers of
    choices, which number only later choices of the same oracle: none come, so what
    follows is explored once for all of them."""
    functions = lower_functions(_counter_case(""))
    alone, shared = _both(functions, "counted", "6.5", races=0)
    assert _paths(shared) == _paths(alone)
    assert shared.states < alone.states


def test_a_rest_that_makes_the_choice_again_numbers_it_after_each_path() -> None:
    """A second mem_cgroup_charge() is the 2nd on paths that charged before, the 1st on the
    others: each keeps its own rest, and its own numbering."""
    functions = lower_functions(_counter_case("\t" + _CHARGE))
    alone, shared = _both(functions, "counted", "6.5", races=0)
    assert _paths(shared) == _paths(alone)
    numbered = {tuple(key for key, _ in p.world.env) for p in shared.paths}
    assert numbered == {("mem_cgroup_charge#1",),
                        ("mem_cgroup_charge#1", "mem_cgroup_charge#2")}


# --- generated functions ---------------------------------------------------------------------

# Statements of kernel-style fault code, over a handful of vmf fields, PMD reads (race points),
# page-table maps and locks, choices (allocations, charges, folio lookups), early returns and a
# backward goto: sharing must be invisible whatever their order.
_STATEMENTS = [
    "\tif (vmf->address == {k})\n\t\tvmf->pgoff = {k};",
    "\tvmf->orig_pte = vmf->pgoff;",
    "\tif (vmf->pgoff == {k})\n\t\treturn VM_FAULT_RETRY;",
    "\tvmf->charged = mem_cgroup_charge(vmf->folio, vmf->vma->vm_mm, GFP_KERNEL);",
    "\tif (vmf->charged)\n\t\treturn VM_FAULT_OOM;",
    "\tvmf->prealloc_pte = pte_alloc_one(vmf->vma->vm_mm);",
    "\tif (!vmf->prealloc_pte)\n\t\treturn VM_FAULT_OOM;",
    "\tif (pmd_none(*vmf->pmd))\n\t\treturn VM_FAULT_NOPAGE;",
    "\tif (pmd_trans_huge(*vmf->pmd))\n\t\tvmf->pgoff = 7;",
    "\tif (pte_alloc(vmf->vma->vm_mm, vmf->pmd))\n\t\treturn VM_FAULT_OOM;",
    ("\tvmf->pte = pte_offset_map_lock(vmf->vma->vm_mm, vmf->pmd, vmf->address, &vmf->ptl);\n"
     "\tif (!vmf->pte)\n\t\treturn 0;\n\tpte_unmap_unlock(vmf->pte, vmf->ptl);"),
    ("\tfolio = first_map_page(vmf->vma->vm_file->f_mapping, &xas, 0);\n"
     "\tif (folio) {{\n\t\tfolio_unlock(folio);\n\t\tfolio_put(folio);\n\t}}"),
    "\tif (vmf->address == {k} && vmf->pgoff == {k})\n\t\tgoto again;",
    "\tret |= VM_FAULT_LOCKED;",
    ("\tswitch (vmf->pgoff) {{\n\tcase {k}:\n\t\tvmf->orig_pte = {k};\n\t\tbreak;\n"
     "\tdefault:\n\t\tret |= VM_FAULT_MAJOR;\n\t}}"),
    "\tfolio = first_map_page(vmf->vma->vm_file->f_mapping, &xas, 0);",
    "\tif (folio)\n\t\tfolio_unlock(folio);",
]


@st.composite
def _generated(draw: st.DrawFn) -> str:
    """A function `generated()`, a callee `helper()` it may call and a callee `leaf()` the
    helper may call, each of random statements (callees make objects and choices of their
    own, and hold them across their calls)."""
    def body(size: int, callee: str | None) -> str:
        statements = _STATEMENTS + ([f"\tret |= {callee}(vmf);"] * 2 if callee else [])
        picks = draw(st.lists(st.tuples(st.integers(0, len(statements) - 1),
                                        st.integers(1, 3)), min_size=1, max_size=size))
        return "\n".join(statements[i].format(k=k) for i, k in picks)
    functions = []
    for name, size, callee in (("leaf", 3, None), ("helper", 5, "leaf"),
                               ("generated", 10, "helper")):
        functions.append(f"static vm_fault_t {name}(struct vm_fault *vmf)\n{{\n"
                         "\tvm_fault_t ret = 0;\n\tstruct folio *folio;\n\nagain:\n"
                         f"{body(size, callee)}\n\treturn ret;\n}}\n")
    return "\n".join(functions)


def _named_apart(outcome: tuple[Any, ...]) -> tuple[Any, ...]:
    """An outcome with the objects it holds named by their rank among those of their kind
    ('folio#3' and 'folio#5' held: 'folio#1' and 'folio#2'): only which objects are apart
    matters, not their numbers."""
    held = outcome[7]
    numbers: dict[str, list[int]] = {}
    for (_, obj), _count in held:
        kind, sep, number = obj.partition("#")
        if sep and number.isdigit():
            numbers.setdefault(kind, []).append(int(number))

    def rank(obj: str) -> str:
        kind, sep, number = obj.partition("#")
        if not (sep and number.isdigit()):
            return obj
        return f"{kind}#{sorted(set(numbers[kind])).index(int(number)) + 1}"
    renamed = tuple(sorted((((resource, rank(obj)), count) for (resource, obj), count in held),
                           key=repr))
    return outcome[:7] + (renamed,) + outcome[8:]


@settings(max_examples=max(20, settings().max_examples // 5))
@given(_generated(), st.sampled_from([0, 1, 2]), st.sampled_from(["6.4", "6.5", "6.6"]))
def test_sharing_changes_no_outcome_of_generated_code(text: str, races: int,
                                                      contract: str) -> None:
    """The same outcomes, first found in the same order.  Two liberties: which of two paths
    that merged stands as the witness may differ (inside a shared rest paths merge on the
    cells they wrote, so later, or in the caller, and the other may survive); and a rest
    counts the objects a path made exactly, where plain merging ignores the count (it only
    numbers the next object), so a path may come twice, its objects numbered apart: objects
    are compared by which are apart (_named_apart), not by their numbers."""
    functions = lower_functions(text)
    alone, shared = _both(functions, "generated", contract, races=races,
                          budget=Budget(max_states=20_000))
    # Either may stop at the budget where the other does not (sharing explores several times
    # fewer states on the model's functions, but can explore a few more in some shapes):
    # compare where both finished.
    assume(alone.incomplete is None and shared.incomplete is None)

    def outcomes(exploration: Exploration) -> list[tuple[Any, ...]]:
        return list(dict.fromkeys(_named_apart(p[:-1]) for p in _paths(exploration)))
    assert outcomes(shared) == outcomes(alone)
    for path in shared.paths:  # a witness still runs from the function's first line
        steps = trace_steps(path.world.trace)
        assert steps[0].function == "generated" and steps[-1].function == "generated"
    assert (shared.dropped > 0) == (alone.dropped > 0) and shared.starved == alone.starved
