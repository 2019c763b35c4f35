"""The built-in model provider: hunks aligned onto the model's own rendering of each function."""

from __future__ import annotations

from typing import Mapping, Sequence

from pte_check.inputs.patch import Hunk, Patch
from pte_check.sources.align import Placement, apply, choose
from pte_check.sources.base import Edit, FunctionText, Sourcing, Unaligned


class BuiltinProvider:
    """Aligns each hunk onto the model's functions of the file it changes."""

    def __init__(self, version: str, functions: Mapping[str, Sequence[FunctionText]]) -> None:
        self.version = version
        self.functions = functions

    def source(self, patch: Patch) -> Sourcing:
        edits: list[Edit] = []
        unaligned: list[Unaligned] = []
        changed: set[str] = set()
        for diff in (d for d in patch.files if d.is_c and not d.binary):
            known = self.functions.get(diff.path, ())
            placed: dict[str, list[tuple[int, Hunk, Placement]]] = {}
            for index, hunk in enumerate(diff.hunks):
                result = self._place(diff.path, hunk, known)
                if isinstance(result, str):
                    unaligned.append(Unaligned(diff.path, index, hunk, result))
                else:
                    placed.setdefault(result.function.name, []).append((index, hunk, result))
            for name in sorted(placed, key=lambda n: placed[n][0][0]):
                edits.append(apply(placed[name][0][2].function, placed[name]))
                changed.add(name)
        context = tuple(f for fs in self.functions.values() for f in fs if f.name not in changed)
        return Sourcing(tuple(edits), tuple(unaligned), context, self.version)

    def _place(self, path: str, hunk: Hunk, known: Sequence[FunctionText]) -> Placement | str:
        problem = getattr(hunk, "problem", None)
        if problem:
            return str(problem)
        if not known:
            return f"the built-in model has no function of {path}"
        return choose(hunk, known)
