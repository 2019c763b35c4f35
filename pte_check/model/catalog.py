"""The model's renderings of the fault-path functions, per kernel version, and their call graph."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pte_check.lowering.parse import definitions, parse
from pte_check.model.pmd import PmdKind
from pte_check.model.resources import Resource
from pte_check.model.values import TOP, Int, Null, Ptr, Value
from pte_check.model.vmfault import FAULT_FLAGS, VM_FLAGS

_KERNEL_FILE = re.compile(r"^// kernel: (\S+)", re.MULTILINE)
# Calls through vm_ops that reach a modelled function (file VMAs of a page-cache filesystem).
INDIRECT: Mapping[str, str] = {"->map_pages": "filemap_map_pages"}
# Resources a function's parameters hold on entry, by the function's contract with its callers.
ENTRY_HELD: Mapping[str, Mapping[str, tuple[Resource, ...]]] = {
    "filemap_map_pmd": {"folio": (Resource.FOLIO_LOCK, Resource.FOLIO_REF)},
}


@dataclass(frozen=True)
class ModelFunction:
    """One function as the model renders it: name, kernel file, version and C text."""

    name: str
    file: str
    version: str
    text: str
    model_file: str
    model_line: int


def versions() -> tuple[str, ...]:
    """The kernel versions the model has function bodies for, oldest first."""
    folder = resources.files("pte_check.model").joinpath("c")
    return tuple(sorted((e.name for e in folder.iterdir() if e.is_dir()),
                        key=lambda v: tuple(int(p) for p in v.split("."))))


def _read(version: str) -> list[tuple[str, str]]:
    folder = resources.files("pte_check.model").joinpath("c").joinpath(version)
    return sorted((entry.name, entry.read_text("utf-8")) for entry in folder.iterdir()
                  if entry.name.endswith(".c"))


@cache
def functions(version: str) -> Mapping[str, ModelFunction]:
    """Every modelled function at one version, by name: the version's own renderings of the
    functions that changed, and the previous version's for the rest."""
    known = versions()
    out: dict[str, ModelFunction] = {}
    if version in known and known.index(version) > 0:
        out.update(functions(known[known.index(version) - 1]))
    for filename, source in _read(version):
        match = _KERNEL_FILE.search(source)
        kernel_file = match.group(1) if match else filename
        lines = source.split("\n")
        for d in definitions(parse(source)):
            text = "\n".join(lines[d.start_line - 1:d.end_line])
            out[d.name] = ModelFunction(d.name, kernel_file, version, text,
                                        f"model/c/{version}/{filename}", d.start_line)
    return out


@dataclass(frozen=True)
class Scenario:
    """The kind of fault a function is entered under: flags, VMA flags, file or anonymous, and
    whether the fault holds mmap_lock for read (the default) or only the per-VMA lock."""

    name: str
    words: str
    write: bool
    vm_flags: int
    anonymous: bool = False
    vma_lock: bool = False


_USER = (FAULT_FLAGS["FAULT_FLAG_ALLOW_RETRY"] | FAULT_FLAGS["FAULT_FLAG_KILLABLE"]
         | FAULT_FLAGS["FAULT_FLAG_USER"] | FAULT_FLAGS["FAULT_FLAG_INTERRUPTIBLE"])
_RW = VM_FLAGS["VM_READ"] | VM_FLAGS["VM_WRITE"]
_MMAP_LOCKED = (
    Scenario("read", "", False, VM_FLAGS["VM_READ"]),
    Scenario("private-write", "write fault on a private file mapping", True, _RW),
    Scenario("shared-write", "write fault on a shared file mapping", True,
             _RW | VM_FLAGS["VM_SHARED"] | VM_FLAGS["VM_MAYSHARE"]),
    Scenario("anon-read", "read fault on an anonymous mapping", False, _RW, anonymous=True),
    Scenario("anon-write", "write fault on an anonymous mapping", True, _RW, anonymous=True),
)
# The same faults holding only the per-VMA lock (`--lock vma`): the fault was handed its VMA by
# lock_vma_under_rcu() and runs with FAULT_FLAG_VMA_LOCK set, mmap_lock not held.  At 6.4 and
# 6.5 (the function bodies the model has) lock_vma_under_rcu() gives only anonymous VMAs that
# already have an anon_vma and no userfaultfd registration ("Only anonymous vmas are supported
# for now", and at 6.5 tcp zerocopy VMAs, which have no ->fault); for any other VMA it returns
# NULL and the architecture's fault handler takes mmap_lock instead.  So no file fault runs under
# the VMA lock there: page-cache file VMAs are taken only from 6.6 ("mm: allow per-VMA locks on
# file-backed VMAs"), whose bodies the model does not have.
_VMA_LOCKED = tuple(
    Scenario(f"{s.name}/vma-lock", f"{s.words}, holding only the per-VMA lock", s.write,
             s.vm_flags, s.anonymous, vma_lock=True)
    for s in _MMAP_LOCKED if s.anonymous)
SCENARIOS: Mapping[str, Scenario] = {s.name: s for s in _MMAP_LOCKED + _VMA_LOCKED}
# What `--lock` selects: "mmap" (mmap_lock held for read, the default) or "vma".
LOCKS: Mapping[str, str] = {
    "mmap": "the fault holds mmap_lock for read",
    "vma": "the fault holds only the per-VMA lock (FAULT_FLAG_VMA_LOCK); at 6.4 and 6.5 "
           "lock_vma_under_rcu() gives it anonymous VMAs with an anon_vma only",
}
_UNDER_VMA_LOCK: Mapping[str, str] = {s.name.partition("/")[0]: s.name for s in _VMA_LOCKED}
_ALL = tuple(s.name for s in _MMAP_LOCKED)
_FILE = ("read", "private-write", "shared-write")
# The faults under which each function is reached (held mmap_lock); a function not listed:
# read faults.  Under the per-VMA lock: the same faults, those of them that can hold it.
SCENARIOS_OF: Mapping[str, tuple[str, ...]] = {
    "__do_fault": _FILE, "finish_fault": _FILE, "do_fault": _FILE,
    "do_cow_fault": ("private-write",), "do_shared_fault": ("shared-write",),
    "do_anonymous_page": ("anon-read", "anon-write"),
    "handle_pte_fault": _ALL, "do_pte_missing": _ALL,
    "__handle_mm_fault": _ALL, "handle_mm_fault": _ALL,
}


# Where a changed outcome is also reported on its way up: the handler of each kind of fault
# (what it does next decides whether ->fault() runs), besides the fault as a whole.
# Fault-path kernel functions the model describes by their contract (in Python, in
# pte_check/model/primitives.py) rather than by a rendering of their body: what each returns and
# does to the PMD and to what is held, per contract version.
CONTRACT_FUNCTIONS: Mapping[str, str] = {
    "pte_offset_map": "include/linux/mm.h", "pte_offset_map_lock": "include/linux/mm.h",
    "pte_offset_map_nolock": "mm/pgtable-generic.c", "pmd_install": "mm/memory.c",
    "pte_alloc": "include/linux/mm.h", "do_set_pmd": "mm/memory.c",
    "next_uptodate_page": "mm/filemap.c", "pmd_trans_unstable": "include/linux/pgtable.h",
    "pmd_devmap_trans_unstable": "include/linux/pgtable.h",
}
HANDLERS = frozenset({"do_read_fault", "do_cow_fault", "do_shared_fault", "do_anonymous_page"})


def _of(name: str, lock: str) -> tuple[str, ...]:
    """The names of the scenarios a function is reached under, holding `lock`."""
    names = SCENARIOS_OF.get(name, ("read",))
    if lock == "vma":
        return tuple(_UNDER_VMA_LOCK[s] for s in names if s in _UNDER_VMA_LOCK)
    return names


def scenarios(name: str, within: tuple[str, ...] | None = None) -> tuple[Scenario, ...]:
    """The scenarios a function is explored under: those in `within`, when given (under either
    lock), else those holding mmap_lock."""
    if within is None:
        return tuple(SCENARIOS[s] for s in _of(name, "mmap"))
    return tuple(SCENARIOS[s] for lock in LOCKS for s in _of(name, lock) if s in within)


def reaching(names: set[str], lock: str = "mmap") -> tuple[str, ...]:
    """The scenarios under which any of the named functions is reached, holding `lock`."""
    return tuple(s for s in SCENARIOS if any(s in _of(n, lock) for n in names))


def entry_kinds(scenario: Scenario) -> tuple[PmdKind, ...]:
    """PMD kinds a fault of this scenario can meet: huge devmap PMDs map DAX files only."""
    return tuple(k for k in PmdKind if not (scenario.anonymous and k is PmdKind.DEVMAP))


def entry_memory(scenario: Scenario = SCENARIOS["read"]) -> dict[str, Value]:
    """The fault as the model enters a function: a user fault of the scenario's kind; a file
    VMA of a page-cache file whose vm_ops have ->map_pages, ->fault and ->page_mkwrite, with
    fault-around enabled and no userfaultfd registration; or an anonymous VMA.  Under the
    per-VMA lock, FAULT_FLAG_VMA_LOCK is set and the VMA has its anon_vma."""
    flags = _USER | (FAULT_FLAGS["FAULT_FLAG_WRITE"] if scenario.write else 0) | (
        FAULT_FLAGS["FAULT_FLAG_VMA_LOCK"] if scenario.vma_lock else 0)
    memory: dict[str, Value] = {
        "vmf->pmd": Ptr("pmd"), "vmf->vma": Ptr("vma"), "vmf->pte": Null(),
        "vmf->prealloc_pte": Null(), "vmf->page": TOP, "vmf->cow_page": Null(),
        "vmf->flags": Int(flags), "vma->vm_flags": Int(scenario.vm_flags),
        "fault_around_pages": Int(16)}
    if scenario.vma_lock:
        memory["vma->anon_vma"] = Ptr("anon_vma")  # lock_vma_under_rcu() requires one
    if scenario.anonymous:
        memory["vma->vm_ops"] = Null()
    else:
        memory.update({"vma->vm_ops": Ptr("vm_ops"),
                       "vm_ops->map_pages": Ptr("filemap_map_pages"),
                       "vm_ops->fault": Ptr("filemap_fault"),
                       "vm_ops->page_mkwrite": Ptr("filemap_page_mkwrite")})
    return memory


def entry_args(name: str, params: tuple[str, ...], memory: Mapping[str, Value] | None = None
               ) -> tuple[list[Value], dict[tuple[Resource, str], int]]:
    """Arguments for exploring a function from its entry, and the resources they hold."""
    held: dict[tuple[Resource, str], int] = {}
    args: list[Value] = []
    known = {"vmf": Ptr("vmf"), "vma": Ptr("vma"),
             "flags": (memory or {}).get("vmf->flags", TOP)}
    for param in params:
        if param in known:
            args.append(known[param])
            continue
        resources_held = ENTRY_HELD.get(name, {}).get(param, ())
        if resources_held:
            obj = f"{param}@entry"
            args.append(Ptr(obj))
            for resource in resources_held:
                held[(resource, obj)] = 1
        else:
            args.append(TOP)
    return args, held
