"""Who calls whom among the modelled functions, and which callers a change reaches."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pte_check.lowering import ir
from pte_check.model import kernel


def _calls(expr: object) -> Iterator[str]:
    if isinstance(expr, ir.Call):
        yield kernel.callee_name(expr.func)
    if isinstance(expr, tuple):
        for item in expr:
            yield from _calls(item)
    elif hasattr(expr, "__dataclass_fields__"):
        for name in expr.__dataclass_fields__:
            yield from _calls(getattr(expr, name))


def callees(function: ir.Function, known: Mapping[str, ir.Function],
            indirect: Mapping[str, str]) -> frozenset[str]:
    """The modelled functions a function calls, directly or through vm_ops."""
    names = {indirect.get(n, n) for n in _calls(function.code)}
    return frozenset(n for n in names if n in known and n != function.name)


class CallGraph:
    """The static call graph of one version of the modelled code."""

    def __init__(self, functions: Mapping[str, ir.Function], indirect: Mapping[str, str]):
        self.callees = {n: callees(f, functions, indirect) for n, f in functions.items()}
        self.callers: dict[str, set[str]] = {n: set() for n in functions}
        for caller, called in self.callees.items():
            for callee in called:
                self.callers[callee].add(caller)

    def ancestors(self, names: set[str]) -> set[str]:
        """Every function from which one of `names` can be reached (not `names` themselves)."""
        seen: set[str] = set()
        todo = list(names)
        while todo:
            for caller in self.callers.get(todo.pop(), ()):
                if caller not in seen:
                    seen.add(caller)
                    todo.append(caller)
        return seen - names

    def roots(self, names: set[str]) -> list[str]:
        """The topmost callers of `names`: functions no modelled function calls."""
        reach = self.ancestors(names) | names
        return sorted(n for n in reach if not self.callers.get(n))

    def chain(self, root: str, targets: set[str]) -> tuple[str, ...]:
        """The shortest call chain from `root` down to one of `targets`."""
        paths: dict[str, tuple[str, ...]] = {root: (root,)}
        todo = [root]
        while todo:
            current = todo.pop(0)
            if current in targets:
                return paths[current]
            for callee in sorted(self.callees.get(current, ())):
                if callee not in paths:
                    paths[callee] = paths[current] + (callee,)
                    todo.append(callee)
        return (root,)
