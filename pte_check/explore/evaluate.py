"""Expression evaluation over abstract values, forking where a call or read is nondeterministic."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pte_check.lowering import ir
from pte_check.model import kernel
from pte_check.model.pmd import PmdKind
from pte_check.model.primitives import Site, fail, race_point
from pte_check.model.resources import Resource
from pte_check.model.state import World
from pte_check.model.values import PMD_PTR, TOP, Int, Null, PmdVal, Ptr, Ref, Top, Value, truth

if TYPE_CHECKING:
    from pte_check.explore.machine import Frame

Locals = dict[str, Value]
_VMF = ir.Name("vmf")
# One evaluation result: the path's locals and world, and the value computed.
Result = tuple[Locals, World, Value]
Results = list[Result]


def _fork(results: list[tuple[World, Value]], loc: Locals) -> Results:
    if len(results) == 1:
        world, value = results[0]
        return [(loc, world, value)]
    return [(dict(loc), world, value) for world, value in results]


def _then(results: Results, step: Callable[[Locals, World, Value], Results]) -> Results:
    """Continue each unfaulted result; faulted ones end their path as they are."""
    out: Results = []
    for loc, world, value in results:
        out.extend([(loc, world, value)] if world.fault else step(loc, world, value))
    return out


class Evaluator:
    """Evaluates IR expressions inside one frame."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.calling: list[str] = []

    # entry -------------------------------------------------------------------------------
    def eval(self, expr: ir.Expr, loc: Locals, world: World) -> Results:
        handler = _EVAL[type(expr)]
        return handler(self, expr, loc, world)

    def site(self, name: str) -> Site:
        return Site(self.frame.function.name, self.frame.line, name, self.frame.machine.contract,
                    self.frame.pc in self.frame.in_loop)

    # lvalues -----------------------------------------------------------------------------
    def place(self, expr: ir.Expr, loc: Locals, world: World) -> list[tuple[Locals, World,
                                                                            str | None]]:
        """Where an lvalue lives: 'local:NAME', a memory key, or None when untracked."""
        if isinstance(expr, ir.Name):
            if expr.id in loc:
                return [(loc, world, "local:" + expr.id)]
            return [(loc, world, expr.id)]
        if isinstance(expr, ir.Field) and not expr.arrow and expr.base == _VMF:
            return [(loc, world, f"vmf->{expr.name}")]  # `struct vm_fault vmf` is the fault
        if isinstance(expr, ir.Field) and not expr.arrow:
            return [(lc, w, None if key is None else f"{key}.{expr.name}")
                    for lc, w, key in self.place(expr.base, loc, world)]
        if isinstance(expr, (ir.Field, ir.Deref)):
            inner = expr.base if isinstance(expr, ir.Field) else expr.expr
            out: list[tuple[Locals, World, str | None]] = []
            for lc, w, value in self.eval(inner, loc, world):
                if w.fault:
                    out.append((lc, w, None))
                    continue
                out.extend(self._pointee(expr, lc, w, value))
            return out
        return [(lc, w, None) for lc, w, _ in self.eval(expr, loc, world)]

    def _pointee(self, expr: ir.Field | ir.Deref, loc: Locals, world: World,
                 value: Value) -> list[tuple[Locals, World, str | None]]:
        if isinstance(value, Null):
            what = "dereferenced" if isinstance(expr, ir.Deref) else f"->{expr.name} read"
            for w, _ in fail(world, self.site("*"), "null-deref",
                             f"NULL pointer {what}", value.origin):
                return [(loc, w, None)]
        suffix = f"->{expr.name}" if isinstance(expr, ir.Field) else ""
        if isinstance(value, Ptr):
            return [(loc, world, f"{value.obj}{suffix}" if suffix else f"*{value.obj}")]
        if isinstance(value, Ref) and not suffix:
            return [(loc, world, value.key)]
        return [(loc, world, None)]

    def load(self, key: str | None, loc: Locals, world: World) -> Value:
        if key is None:
            return TOP
        if key.startswith("local:"):
            return loc.get(key[6:], TOP)
        return world.load(key)

    def store(self, key: str | None, loc: Locals, world: World, value: Value) -> None:
        if key is None:
            return
        if key.startswith("local:"):
            loc[key[6:]] = value
        else:
            world.store(key, value)


def _const(ev: Evaluator, expr: ir.Const, loc: Locals, world: World) -> Results:
    return [(loc, world, Int(expr.value))]


def _name(ev: Evaluator, expr: ir.Name, loc: Locals, world: World) -> Results:
    if expr.id in loc:
        return [(loc, world, loc[expr.id])]
    constant = kernel.constant(expr.id)
    if constant is not None:
        return [(loc, world, constant)]
    return [(loc, world, world.load(expr.id))]


def _field(ev: Evaluator, expr: ir.Field, loc: Locals, world: World) -> Results:
    return [(lc, w, ev.load(key, lc, w)) for lc, w, key in ev.place(expr, loc, world)]


def _deref(ev: Evaluator, expr: ir.Deref, loc: Locals, world: World) -> Results:
    def step(lc: Locals, w: World, value: Value) -> Results:
        if value == PMD_PTR:
            name = ev.calling[-1] + "()" if ev.calling else "the read of *pmd"
            return [(dict(lc), rw, PmdVal(rw.pmd)) for rw in race_point(w, ev.site(name), name)]
        if isinstance(value, Ptr) and value.obj.startswith("pte#") \
                and not w.holds(Resource.PTE_MAP, value.obj):
            return _fork(fail(w, ev.site("*"), "contract", "PTE read after pte_unmap()"), lc)
        return [(lc2, w2, ev.load(key, lc2, w2)) for lc2, w2, key in
                ev._pointee(expr, lc, w, value)]
    return _then(ev.eval(expr.expr, loc, world), step)


def _addr_of(ev: Evaluator, expr: ir.AddrOf, loc: Locals, world: World) -> Results:
    inner = expr.expr
    if inner == _VMF:
        return [(loc, world, Ptr("vmf"))]
    if isinstance(inner, ir.Field) and inner.name == "page":
        return ev.eval(inner.base, loc, world)  # &folio->page is the folio's first page
    return [(lc, w, Ref(key) if key else TOP) for lc, w, key in ev.place(inner, loc, world)]


def _index(ev: Evaluator, expr: ir.Index, loc: Locals, world: World) -> Results:
    def step(lc: Locals, w: World, value: Value) -> Results:
        if isinstance(value, Null):
            return _fork(fail(w, ev.site("[]"), "null-deref", "NULL pointer indexed",
                              value.origin), lc)
        return _then(ev.eval(expr.index, lc, w), lambda l2, w2, _: [(l2, w2, TOP)])
    return _then(ev.eval(expr.base, loc, world), step)


def _unary(ev: Evaluator, expr: ir.Unary, loc: Locals, world: World) -> Results:
    def step(lc: Locals, w: World, value: Value) -> Results:
        return [(lc, w, kernel.unary(expr.op, value))]
    return _then(ev.eval(expr.expr, loc, world), step)


def _binary(ev: Evaluator, expr: ir.Binary, loc: Locals, world: World) -> Results:
    if expr.op in ("&&", "||"):
        return _short_circuit(ev, expr, loc, world)

    def left_done(lc: Locals, w: World, left: Value) -> Results:
        def right_done(l2: Locals, w2: World, right: Value) -> Results:
            return [(l2, w2, kernel.binary(expr.op, left, right))]
        return _then(ev.eval(expr.right, lc, w), right_done)
    return _then(ev.eval(expr.left, loc, world), left_done)


def _short_circuit(ev: Evaluator, expr: ir.Binary, loc: Locals, world: World) -> Results:
    stop_on = expr.op == "||"

    def left_done(lc: Locals, w: World, left: Value) -> Results:
        known = truth(left)
        out: Results = []
        if known is None or known == stop_on:
            out.append((dict(lc) if known is None else lc, w.fork() if known is None else w,
                        Int(int(stop_on))))
        if known is None or known != stop_on:
            out += _then(ev.eval(expr.right, lc, w),
                         lambda l2, w2, right: [(l2, w2, _as_bool(right))])
        return out
    return _then(ev.eval(expr.left, loc, world), left_done)


def _as_bool(value: Value) -> Value:
    known = truth(value)
    return TOP if known is None else Int(int(known))


def _cond(ev: Evaluator, expr: ir.Cond, loc: Locals, world: World) -> Results:
    def step(lc: Locals, w: World, test: Value) -> Results:
        known = truth(test)
        if known is not None:
            return ev.eval(expr.then if known else expr.other, lc, w)
        return ev.eval(expr.then, dict(lc), w.fork()) + ev.eval(expr.other, lc, w)
    return _then(ev.eval(expr.test, loc, world), step)


def _assign(ev: Evaluator, expr: ir.Assign, loc: Locals, world: World) -> Results:
    def value_done(lc: Locals, w: World, value: Value) -> Results:
        out: Results = []
        for l2, w2, key in ev.place(expr.target, lc, w):
            if w2.fault:
                out.append((l2, w2, TOP))
                continue
            if expr.op != "=":
                value = kernel.binary(expr.op[:-1], ev.load(key, l2, w2), value)
            ev.store(key, l2, w2, value)
            out.append((l2, w2, value))
        return out
    return _then(ev.eval(expr.value, loc, world), value_done)


def _incdec(ev: Evaluator, expr: ir.IncDec, loc: Locals, world: World) -> Results:
    out: Results = []
    for lc, w, key in ev.place(expr.target, loc, world):
        old = ev.load(key, lc, w)
        new = kernel.binary("+" if expr.op == "++" else "-", old, Int(1))
        ev.store(key, lc, w, new)
        out.append((lc, w, new if expr.prefix else old))
    return out


def _comma(ev: Evaluator, expr: ir.Comma, loc: Locals, world: World) -> Results:
    results: Results = [(loc, world, TOP)]
    for part in expr.exprs:
        results = _then(results, _evaluator(ev, part))
    return results


def _evaluator(ev: Evaluator, part: ir.Expr) -> Callable[[Locals, World, Value], Results]:
    return lambda lc, w, _: ev.eval(part, lc, w)


def _opaque(ev: Evaluator, expr: ir.Opaque, loc: Locals, world: World) -> Results:
    return [(loc, world, TOP)]


def _call(ev: Evaluator, expr: ir.Call, loc: Locals, world: World) -> Results:
    name = kernel.callee_name(expr.func)
    if name in kernel.PASSTHROUGH:
        return ev.eval(expr.args[0], loc, world) if expr.args else [(loc, world, TOP)]
    if name == "WRITE_ONCE" and len(expr.args) == 2:
        return ev.eval(ir.Assign("=", expr.args[0], expr.args[1]), loc, world)
    ev.calling.append(name)
    results: list[tuple[Locals, World, list[Value]]] = [(loc, world, [])]
    for argument in expr.args:
        nxt: list[tuple[Locals, World, list[Value]]] = []
        for lc, w, done in results:
            if w.fault:
                nxt.append((lc, w, done))
                continue
            nxt += [(l2, w2, done + [v]) for l2, w2, v in ev.eval(argument, lc, w)]
        results = nxt
    ev.calling.pop()
    out: Results = []
    for lc, w, args in results:
        if w.fault:
            out.append((lc, w, TOP))
            continue
        out += _fork(ev.frame.machine.invoke(name, expr.func, w, args, ev), lc)
    return out


_EVAL: dict[type, Callable[..., Results]] = {
    ir.Const: _const, ir.Name: _name, ir.Field: _field, ir.Deref: _deref,
    ir.AddrOf: _addr_of, ir.Index: _index, ir.Unary: _unary, ir.Binary: _binary,
    ir.Cond: _cond, ir.Call: _call, ir.Assign: _assign, ir.IncDec: _incdec, ir.Comma: _comma,
    ir.Opaque: _opaque,
}
__all__ = ["Evaluator", "Locals", "PmdKind", "Results", "Top"]
