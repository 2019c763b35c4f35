"""The built-in model provider: hunks aligned onto the model's own rendering of each function."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pte_check.inputs.patch import Hunk, Patch
from pte_check.sources.align import Placement, apply, choose
from pte_check.sources.base import Edit, FunctionText, Sourcing, Unaligned

Texts = Mapping[str, Sequence[FunctionText]]


class BuiltinProvider:
    """Aligns each hunk onto the model's functions, at the version whose bodies fit the patch.

    A series advances the provider: each patch is aligned onto the functions as the patches
    before it left them.
    """

    def __init__(self, versions: Mapping[str, Texts], kernel: str = "auto") -> None:
        self.texts = {v: {f: list(fs) for f, fs in texts.items()} for v, texts in versions.items()}
        self.kernel = kernel

    def source(self, patch: Patch) -> Sourcing:
        versions = list(self.texts) if self.kernel == "auto" else [self.kernel]
        best: Sourcing | None = None
        for version in versions:
            sourcing = _source(version, self.texts[version], patch)
            if best is None or len(sourcing.unaligned) < len(best.unaligned):
                best = sourcing
        assert best is not None
        return best

    def advance(self, sourcing: Sourcing) -> None:
        """Make the patch's edits the starting point of the next patch."""
        texts = self.texts.get(sourcing.version)
        if texts is None:
            return
        for edit in sourcing.edits:
            functions = texts.get(edit.after.file, [])
            texts[edit.after.file] = [edit.after if f.name == edit.after.name else f
                                      for f in functions]

    def functions(self, version: str) -> list[FunctionText]:
        return [f for fs in self.texts.get(version, {}).values() for f in fs]


def _source(version: str, texts: Mapping[str, Sequence[FunctionText]], patch: Patch) -> Sourcing:
    edits: list[Edit] = []
    unaligned: list[Unaligned] = []
    changed: set[str] = set()
    for diff in (d for d in patch.files if d.is_c and not d.binary):
        known = texts.get(diff.path, ())
        placed: dict[str, list[tuple[int, Hunk, Placement]]] = {}
        for index, hunk in enumerate(diff.hunks):
            result = _place(diff.path, hunk, known)
            if isinstance(result, str):
                unaligned.append(Unaligned(diff.path, index, hunk, result))
            else:
                placed.setdefault(result.function.name, []).append((index, hunk, result))
        for name in sorted(placed, key=lambda n: placed[n][0][0]):
            edits.append(apply(placed[name][0][2].function, placed[name]))
            changed.add(name)
    context = tuple(f for fs in texts.values() for f in fs if f.name not in changed)
    return Sourcing(tuple(edits), tuple(unaligned), context, version)


def _place(path: str, hunk: Hunk, known: Sequence[FunctionText]) -> Placement | str:
    if hunk.problem:
        return hunk.problem
    if not known:
        return f"the built-in model has no function of {path}"
    return choose(hunk, known)
