"""The intermediate form: expression trees and a flat list of instructions with jump targets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Const:
    """An integer constant (numbers, characters, true/false)."""

    value: int
    text: str


@dataclass(frozen=True)
class Name:
    """An identifier: a local, a parameter, a global or an enum constant."""

    id: str


@dataclass(frozen=True)
class Field:
    """`base->name` (arrow) or `base.name`."""

    base: Expr
    name: str
    arrow: bool


@dataclass(frozen=True)
class Deref:
    """`*expr`."""

    expr: Expr


@dataclass(frozen=True)
class AddrOf:
    """`&expr`."""

    expr: Expr


@dataclass(frozen=True)
class Index:
    """`base[index]`."""

    base: Expr
    index: Expr


@dataclass(frozen=True)
class Unary:
    """`!x`, `-x`, `~x`, `+x`."""

    op: str
    expr: Expr


@dataclass(frozen=True)
class Binary:
    """Arithmetic, bitwise, comparison and the short-circuit `&&`/`||`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Cond:
    """`test ? then : other`."""

    test: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class Call:
    """A call; `func` is a Name for a direct call, any expression for an indirect one."""

    func: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Assign:
    """`target op= value` as an expression; op is '=' or a compound operator such as '|='."""

    op: str
    target: Expr
    value: Expr


@dataclass(frozen=True)
class IncDec:
    """`x++`, `--x` and friends."""

    op: str
    target: Expr
    prefix: bool


@dataclass(frozen=True)
class Comma:
    """`a, b`: evaluates both, yields the last."""

    exprs: tuple[Expr, ...]


@dataclass(frozen=True)
class Opaque:
    """An expression the lowering could not read; evaluates to an unknown value."""

    text: str


Expr = Const | Name | Field | Deref | AddrOf | Index | Unary | Binary | Cond | Call | Assign | IncDec | Comma | Opaque


@dataclass(frozen=True)
class Eval:
    """Evaluate an expression for its effects."""

    expr: Expr
    line: int


@dataclass(frozen=True)
class Decl:
    """A local declaration, with its initialiser when it has one."""

    name: str
    init: Expr | None
    line: int


@dataclass(frozen=True)
class Branch:
    """Go to `target` when `cond` is false (when_true=False) or true (when_true=True)."""

    cond: Expr
    target: int
    line: int
    when_true: bool = False


@dataclass(frozen=True)
class Jump:
    """Unconditional jump; `back` marks a loop's back edge (counted against the loop bound)."""

    target: int
    line: int
    back: bool = False


@dataclass(frozen=True)
class Return:
    """Return from the function."""

    value: Expr | None
    line: int


@dataclass(frozen=True)
class Switch:
    """Jump to the first case whose value equals `value`; `default` when none does."""

    value: Expr
    cases: tuple[tuple[Expr, int], ...]
    default: int
    line: int


@dataclass(frozen=True)
class Havoc:
    """A loop whose condition the lowering cannot read (a `*for_each*` macro): taken or not."""

    target: int
    line: int


Instr = Eval | Decl | Branch | Jump | Return | Switch | Havoc


def jump_targets(instr: Instr) -> list[int]:
    """Where an instruction may jump (besides falling through to the next one)."""
    if isinstance(instr, (Branch, Jump, Havoc)):
        return [instr.target]
    if isinstance(instr, Switch):
        return [t for _, t in instr.cases] + [instr.default]
    return []


@dataclass(frozen=True)
class Note:
    """Something the lowering could not read exactly; fatal when code was lost."""

    line: int
    text: str
    fatal: bool = False


@dataclass(frozen=True)
class Function:
    """One lowered function: parameters, return type, code and the source lines it came from."""

    name: str
    return_type: str
    params: tuple[str, ...]
    code: tuple[Instr, ...]
    lines: tuple[str, ...]
    first_line: int
    notes: tuple[Note, ...] = ()
    labels: tuple[tuple[str, int], ...] = field(default=())
    digest: str = ""
    shape: str = ""

    def source(self, line: int) -> str:
        """The text of a line of this function (1-based, counted from the file's first line)."""
        index = line - self.first_line
        if 0 <= index < len(self.lines):
            return self.lines[index].strip()
        return ""


# Fields that say where code came from, not what it does.
_PLACE_FIELDS = frozenset({"line", "lines", "first_line", "digest", "shape", "notes", "text"})


def shape_digest(function: Function) -> str:
    """A digest of what a function does: its instructions without line numbers or source text,
    so that two texts differing only in comments, blank lines or line positions share it."""
    out: list[str] = [function.name, function.return_type, repr(function.params)]
    todo: list[object] = [function.code]
    while todo:
        node = todo.pop()
        if isinstance(node, tuple):
            out.append(f"({len(node)}")
            todo.extend(reversed(node))
        elif hasattr(node, "__dataclass_fields__"):
            out.append(type(node).__name__)
            todo.extend(reversed([getattr(node, name) for name in node.__dataclass_fields__
                                  if name not in _PLACE_FIELDS]))
        else:
            out.append(repr(node))
    return hashlib.sha1("\x1f".join(out).encode()).hexdigest()
