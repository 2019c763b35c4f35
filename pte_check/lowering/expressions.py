"""tree-sitter expression nodes to IR expression trees, one small handler per node kind."""

from __future__ import annotations

from collections.abc import Callable

import tree_sitter

from pte_check.errors import LoweringError
from pte_check.lowering import ir
from pte_check.lowering.parse import text

Node = tree_sitter.Node


MAX_DEPTH = 100
"""How deep an expression may nest; deeper ones are lost (a fatal note), so that neither the
lowering nor the explorer runs out of Python stack on them."""


class ExprLowering:
    """Lowers expressions; unknown kinds become Opaque with a note (or raise when strict)."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.notes: list[ir.Note] = []
        self.depth = 0

    def lower(self, node: Node | None) -> ir.Expr:
        if node is None:
            return ir.Opaque("")
        handler = _HANDLERS.get(node.type)
        if handler is None:
            return self.opaque(node, f"expression of kind {node.type}")
        if self.depth >= MAX_DEPTH:
            return self.too_deep(node)
        self.depth += 1
        try:
            return handler(self, node)
        finally:
            self.depth -= 1

    def too_deep(self, node: Node) -> ir.Expr:
        line = node.start_point[0] + 1
        message = f"expression nested deeper than {MAX_DEPTH} levels: {text(node)[:60]}"
        if self.strict:
            raise LoweringError(line, message)
        self.notes.append(ir.Note(line, message, True))
        return ir.Opaque(text(node))

    def opaque(self, node: Node, what: str) -> ir.Expr:
        line = node.start_point[0] + 1
        if self.strict:
            raise LoweringError(line, f"cannot lower {what}: {text(node)[:60]!r}")
        self.notes.append(ir.Note(line, f"{what} read as an unknown value: {text(node)[:60]}"))
        return ir.Opaque(text(node))

    def field(self, node: Node, name: str) -> ir.Expr:
        return self.lower(node.child_by_field_name(name))

    def operator(self, node: Node) -> str:
        op = node.child_by_field_name("operator")
        return text(op) if op is not None else ""


def _number(_: ExprLowering, node: Node) -> ir.Expr:
    raw = text(node).rstrip("uUlL")
    try:
        return ir.Const(int(raw, 0), text(node))
    except ValueError:
        return ir.Opaque(text(node))


def _char(_: ExprLowering, node: Node) -> ir.Expr:
    raw = text(node)
    body = raw[1:-1]
    value = ord(body) if len(body) == 1 else 0
    return ir.Const(value, raw)


def _identifier(_: ExprLowering, node: Node) -> ir.Expr:
    return ir.Name(text(node))


def _true(_: ExprLowering, node: Node) -> ir.Expr:
    return ir.Const(1, "true")


def _false(_: ExprLowering, node: Node) -> ir.Expr:
    return ir.Const(0, "false")


def _null(_: ExprLowering, node: Node) -> ir.Expr:
    return ir.Name("NULL")


def _string(_: ExprLowering, node: Node) -> ir.Expr:
    return ir.Opaque(text(node))


def _paren(low: ExprLowering, node: Node) -> ir.Expr:
    inner = [c for c in node.named_children if c.type != "comment"]
    return low.lower(inner[0]) if inner else ir.Opaque(text(node))


def _field(low: ExprLowering, node: Node) -> ir.Expr:
    name = node.child_by_field_name("field")
    return ir.Field(low.field(node, "argument"), text(name) if name else "?",
                    low.operator(node) == "->")


def _pointer(low: ExprLowering, node: Node) -> ir.Expr:
    inner = low.field(node, "argument")
    return ir.AddrOf(inner) if low.operator(node) == "&" else ir.Deref(inner)


def _unary(low: ExprLowering, node: Node) -> ir.Expr:
    return ir.Unary(low.operator(node), low.field(node, "argument"))


def _binary(low: ExprLowering, node: Node) -> ir.Expr:
    return ir.Binary(low.operator(node), low.field(node, "left"), low.field(node, "right"))


def _assign(low: ExprLowering, node: Node) -> ir.Expr:
    return ir.Assign(low.operator(node), low.field(node, "left"), low.field(node, "right"))


def _update(low: ExprLowering, node: Node) -> ir.Expr:
    op = low.operator(node)
    argument = node.child_by_field_name("argument")
    prefix = argument is not None and node.children[0].type in ("++", "--")
    return ir.IncDec(op, low.lower(argument), prefix)


def _call(low: ExprLowering, node: Node) -> ir.Expr:
    args = node.child_by_field_name("arguments")
    lowered = tuple(low.lower(a) for a in (args.named_children if args else ())
                    if a.type != "comment")
    return ir.Call(low.field(node, "function"), lowered)


def _cast(low: ExprLowering, node: Node) -> ir.Expr:
    return low.field(node, "value")


def _conditional(low: ExprLowering, node: Node) -> ir.Expr:
    return ir.Cond(low.field(node, "condition"), low.field(node, "consequence"),
                   low.field(node, "alternative"))


def _subscript(low: ExprLowering, node: Node) -> ir.Expr:
    return ir.Index(low.field(node, "argument"), low.field(node, "index"))


def _comma(low: ExprLowering, node: Node) -> ir.Expr:
    return ir.Comma((low.field(node, "left"), low.field(node, "right")))


def _sizeof(_: ExprLowering, node: Node) -> ir.Expr:
    return ir.Opaque(text(node))


_HANDLERS: dict[str, Callable[[ExprLowering, Node], ir.Expr]] = {
    "number_literal": _number,
    "char_literal": _char,
    "identifier": _identifier,
    "true": _true,
    "false": _false,
    "null": _null,
    "string_literal": _string,
    "concatenated_string": _string,
    "parenthesized_expression": _paren,
    "field_expression": _field,
    "pointer_expression": _pointer,
    "unary_expression": _unary,
    "binary_expression": _binary,
    "assignment_expression": _assign,
    "update_expression": _update,
    "call_expression": _call,
    "cast_expression": _cast,
    "conditional_expression": _conditional,
    "subscript_expression": _subscript,
    "comma_expression": _comma,
    "sizeof_expression": _sizeof,
    "alignof_expression": _sizeof,
    "offsetof_expression": _sizeof,
    "compound_literal_expression": _sizeof,
    "initializer_list": _sizeof,
    "generic_expression": _sizeof,
}
