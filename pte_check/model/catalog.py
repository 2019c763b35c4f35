"""The model's renderings of the fault-path functions, per kernel version, and their call graph."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Mapping

from pte_check.lowering.parse import definitions, parse
from pte_check.model.resources import Resource
from pte_check.model.values import TOP, Int, Null, Ptr, Value
from pte_check.model.vmfault import FAULT_FLAGS

_KERNEL_FILE = re.compile(r"^// kernel: (\S+)", re.M)
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


@lru_cache(maxsize=None)
def functions(version: str) -> Mapping[str, ModelFunction]:
    """Every modelled function at one version, by name."""
    out: dict[str, ModelFunction] = {}
    for filename, source in _read(version):
        match = _KERNEL_FILE.search(source)
        kernel_file = match.group(1) if match else filename
        lines = source.split("\n")
        for d in definitions(parse(source)):
            text = "\n".join(lines[d.start_line - 1:d.end_line])
            out[d.name] = ModelFunction(d.name, kernel_file, version, text,
                                        f"model/c/{version}/{filename}", d.start_line)
    return out


def entry_memory() -> dict[str, Value]:
    """The fault as the model enters a function: a user read fault on a page-cache file whose
    vm_ops have ->map_pages and ->fault, fault-around enabled, no userfaultfd registration."""
    user_read = (FAULT_FLAGS["FAULT_FLAG_ALLOW_RETRY"] | FAULT_FLAGS["FAULT_FLAG_KILLABLE"]
                 | FAULT_FLAGS["FAULT_FLAG_USER"] | FAULT_FLAGS["FAULT_FLAG_INTERRUPTIBLE"])
    return {"vmf->pmd": Ptr("pmd"), "vmf->vma": Ptr("vma"), "vma->vm_ops": Ptr("vm_ops"),
            "vmf->pte": Null(), "vmf->prealloc_pte": Null(), "vmf->page": TOP,
            "vmf->flags": Int(user_read), "vm_ops->map_pages": Ptr("filemap_map_pages"),
            "vm_ops->fault": Ptr("filemap_fault"), "fault_around_pages": Int(16)}


def entry_args(name: str, params: tuple[str, ...]) -> tuple[list[Value],
                                                            dict[tuple[Resource, str], int]]:
    """Arguments for exploring a function from its entry, and the resources they hold."""
    held: dict[tuple[Resource, str], int] = {}
    args: list[Value] = []
    for param in params:
        if param == "vmf":
            args.append(Ptr("vmf"))
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
