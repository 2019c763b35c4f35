"""The model's renderings of the fault-path functions, per kernel version, and their call graph."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Mapping

from pte_check.lowering.parse import definitions, parse
from pte_check.model.resources import Resource
from pte_check.model.values import TOP, Null, Ptr, Value

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
    """What the fault's struct vm_fault holds when a modelled function is entered."""
    return {"vmf->pmd": Ptr("pmd"), "vmf->vma": Ptr("vma"), "vma->vm_ops": Ptr("vm_ops"),
            "vmf->pte": Null(), "vmf->prealloc_pte": Null(), "vmf->page": TOP}


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
