"""C and kernel-macro semantics on abstract values: constants, operators, pass-through macros."""

from __future__ import annotations

from collections.abc import Callable

from pte_check.lowering import ir
from pte_check.model.values import TOP, Int, Null, Ptr, Value, truth
from pte_check.model.vmfault import CONSTANTS, ERRNO

# Macros that yield their (first) argument.
PASSTHROUGH = frozenset({"likely", "unlikely", "READ_ONCE", "data_race", "WARN_ON",
                         "WARN_ON_ONCE", "unlikely_notrace"})

_INT_OPS: dict[str, Callable[[int, int], int | None]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
    "<<": lambda a, b: a << b if 0 <= b < 64 else None,
    ">>": lambda a, b: a >> b if 0 <= b < 64 else None,
    "/": lambda a, b: int(a / b) if b else None, "%": lambda a, b: a % b if b else None,
    "<": lambda a, b: int(a < b), ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b), ">=": lambda a, b: int(a >= b),
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
}


def constant(name: str) -> Value | None:
    """The value of a kernel constant the model knows (VM_FAULT_*, errnos, NULL, true)."""
    if name in CONSTANTS:
        return Int(CONSTANTS[name])
    if name in ERRNO:
        return Int(ERRNO[name])
    if name == "NULL":
        return Null()
    if name in ("true", "false"):
        return Int(int(name == "true"))
    return None


def callee_name(func: ir.Expr) -> str:
    """`foo` for a direct call, `->foo` for a call through a function pointer field."""
    if isinstance(func, ir.Name):
        return func.id
    if isinstance(func, ir.Field):
        return "->" + func.name
    if isinstance(func, ir.Deref):
        return callee_name(func.expr)
    return "?"


def unary(op: str, value: Value) -> Value:
    if op == "!":
        known = truth(value)
        return TOP if known is None else Int(int(not known))
    if not isinstance(value, Int):
        return TOP
    if op == "-":
        return Int(-value.value)
    if op == "~":
        return Int(~value.value)
    return value


def _pointer_equal(left: Value, right: Value) -> bool | None:
    pointers = (Ptr, Null)
    if isinstance(left, Int) and left.value == 0:
        left = Null()
    if isinstance(right, Int) and right.value == 0:
        right = Null()
    if not (isinstance(left, pointers) and isinstance(right, pointers)):
        return None
    if isinstance(left, Null) or isinstance(right, Null):
        return isinstance(left, Null) and isinstance(right, Null)
    return left.obj == right.obj


def binary(op: str, left: Value, right: Value) -> Value:
    """A C binary operator; pointer arithmetic keeps the pointer (NULL stays NULL)."""
    if op in ("==", "!="):
        equal = _pointer_equal(left, right)
        if equal is not None:
            return Int(int(equal == (op == "==")))
    if op in ("+", "-") and isinstance(left, (Ptr, Null)):
        return left
    if op == "+" and isinstance(right, (Ptr, Null)):
        return right
    if isinstance(left, Int) and isinstance(right, Int) and op in _INT_OPS:
        result = _INT_OPS[op](left.value, right.value)
        return TOP if result is None else Int(result)
    return TOP
