"""tree-sitter statements to a flat instruction list with resolved jump targets."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

import tree_sitter

from pte_check.errors import LoweringError
from pte_check.lowering import ir
from pte_check.lowering.expressions import ExprLowering
from pte_check.lowering.parse import declarator_name, definitions, function_declarator, parse, text

Node = tree_sitter.Node
_SKIPPED = {"comment", ";", "{", "}", "preproc_call", "preproc_def", "preproc_include",
            "type_definition", "struct_specifier", "enum_specifier", "union_specifier"}


@dataclass
class _Loop:
    """Where `break` and `continue` go inside the innermost loop or switch."""

    breaks: list[int] = field(default_factory=list)
    continues: list[int] | None = field(default_factory=list)


class _Builder:
    """Emits instructions; jumps to places not yet known are patched when they are."""

    def __init__(self, strict: bool) -> None:
        self.code: list[ir.Instr] = []
        self.exprs = ExprLowering(strict)
        self.strict = strict
        self.labels: dict[str, int] = {}
        self.gotos: list[tuple[int, str, int]] = []
        self.loops: list[_Loop] = []

    @property
    def here(self) -> int:
        return len(self.code)

    def emit(self, instr: ir.Instr) -> int:
        self.code.append(instr)
        return len(self.code) - 1

    def patch(self, index: int, target: int) -> None:
        instr = self.code[index]
        assert isinstance(instr, (ir.Branch, ir.Jump, ir.Havoc))
        self.code[index] = replace(instr, target=target)

    def note(self, node: Node, message: str, fatal: bool = False) -> None:
        line = node.start_point[0] + 1
        if self.strict and fatal:
            raise LoweringError(line, message)
        self.exprs.notes.append(ir.Note(line, message, fatal))

    def statement(self, node: Node) -> None:
        """Lower a statement and all it nests with an explicit stack: a handler yields the
        statements nested in it, each lowered in full before the handler resumes, so that
        nesting depth costs no Python recursion."""
        stack: list[Iterator[Node]] = [iter((node,))]
        while stack:
            nested = next(stack[-1], None)
            if nested is None:
                stack.pop()
            else:
                stack.append(iter(self._handle(nested)))

    def _handle(self, node: Node) -> Nested:
        if node.type in _SKIPPED or not node.is_named:
            return ()
        handler = _STATEMENTS.get(node.type)
        if handler is None:
            self.note(node, f"statement of kind {node.type} skipped: {text(node)[:60]}", True)
            return ()
        return handler(self, node)

    def block(self, nodes: list[Node]) -> Nested:
        """Statements of a block, reading `for_each_x(...) {` macro loops as loops."""
        index = 0
        while index < len(nodes):
            node = nodes[index]
            following = nodes[index + 1] if index + 1 < len(nodes) else None
            if _is_macro_loop(node) and following is not None \
                    and following.type == "compound_statement":
                yield from _macro_loop(self, node, following)
                index += 2
                continue
            yield node
            index += 1

    def finish(self) -> None:
        for index, label, line in self.gotos:
            if label in self.labels:
                self.patch(index, self.labels[label])
            else:
                if self.strict:
                    raise LoweringError(line, f"goto to unknown label {label}")
                self.exprs.notes.append(ir.Note(line, f"goto to unknown label {label}", True))
                self.code[index] = ir.Return(ir.Opaque(f"goto {label}"), line)


Nested = Iterable[Node]
"""What a statement handler gives back: the statements nested in it, in order (a generator)."""


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _is_macro_loop(node: Node) -> bool:
    if node.type != "expression_statement" or not node.named_children:
        return False
    call = node.named_children[0]
    if call.type != "call_expression":
        return False
    name = text(call.child_by_field_name("function") or call)
    missing_semicolon = any(c.is_missing for c in node.children)
    return "for_each" in name and missing_semicolon


def _macro_loop(b: _Builder, head_node: Node, body: Node) -> Nested:
    head = b.emit(ir.Havoc(-1, _line(head_node)))
    macro = head_node.named_children[0].child_by_field_name("function") or head_node
    b.note(head_node, f"loop macro {text(macro)} read as a loop")
    yield from _loop_body(b, body, head, head)
    b.patch(head, b.here)


def _loop_body(b: _Builder, body: Node | None, back_to: int, continue_target: int | None) -> Nested:
    """Lower a loop body, jump back, and point its breaks and continues."""
    loop = _Loop()
    b.loops.append(loop)
    if body is not None:
        yield body
    b.loops.pop()
    cont = b.here if continue_target is None else continue_target
    for index in loop.continues or ():
        b.patch(index, cont)
    b.emit(ir.Jump(back_to, _line(body) if body is not None else 0, back=True))
    for index in loop.breaks:
        b.patch(index, b.here)


def _compound(b: _Builder, node: Node) -> Nested:
    return b.block([c for c in node.children if c.is_named])


def _expression(b: _Builder, node: Node) -> Nested:
    for child in node.named_children:
        if child.type != "comment":
            b.emit(ir.Eval(b.exprs.lower(child), _line(node)))
    return ()


def _declaration(b: _Builder, node: Node) -> Nested:
    for child in node.children_by_field_name("declarator"):
        if child.type == "init_declarator":
            name = declarator_name(child.child_by_field_name("declarator")) or "?"
            value = child.child_by_field_name("value")
            init = b.exprs.lower(value) if value is not None else None
            b.emit(ir.Decl(name, init, _line(child)))
        elif child.type != "function_declarator":
            b.emit(ir.Decl(declarator_name(child) or "?", None, _line(child)))
    return ()


def _if(b: _Builder, node: Node) -> Nested:
    cond = b.exprs.lower(node.child_by_field_name("condition"))
    branch = b.emit(ir.Branch(cond, -1, _line(node)))
    yield from _optional(node.child_by_field_name("consequence"))
    alternative = node.child_by_field_name("alternative")
    if alternative is None:
        b.patch(branch, b.here)
        return
    skip = b.emit(ir.Jump(-1, _line(alternative)))
    b.patch(branch, b.here)
    yield from alternative.named_children
    b.patch(skip, b.here)


def _optional(node: Node | None) -> Nested:
    """The statement a field holds, when it holds one."""
    return () if node is None else (node,)


def _return(b: _Builder, node: Node) -> Nested:
    values = [c for c in node.named_children if c.type != "comment"]
    b.emit(ir.Return(b.exprs.lower(values[0]) if values else None, _line(node)))
    return ()


def _goto(b: _Builder, node: Node) -> Nested:
    label = node.child_by_field_name("label")
    index = b.emit(ir.Jump(-1, _line(node)))
    b.gotos.append((index, text(label) if label else "?", _line(node)))
    return ()


def _labeled(b: _Builder, node: Node) -> Nested:
    label = node.child_by_field_name("label")
    b.labels[text(label) if label else "?"] = b.here
    return node.named_children[1:]


def _while(b: _Builder, node: Node) -> Nested:
    head = b.here
    branch = b.emit(ir.Branch(b.exprs.lower(node.child_by_field_name("condition")), -1,
                              _line(node)))
    yield from _loop_body(b, node.child_by_field_name("body"), head, head)
    b.patch(branch, b.here)


def _do(b: _Builder, node: Node) -> Nested:
    start = b.here
    loop = _Loop()
    b.loops.append(loop)
    yield from _optional(node.child_by_field_name("body"))
    b.loops.pop()
    condition = node.child_by_field_name("condition")
    for index in loop.continues or ():
        b.patch(index, b.here)
    line = _line(condition) if condition is not None else _line(node)
    b.emit(ir.Branch(b.exprs.lower(condition), start, line, when_true=True))
    for index in loop.breaks:
        b.patch(index, b.here)


def _for(b: _Builder, node: Node) -> Nested:
    init = node.child_by_field_name("initializer")
    if init is not None:
        if init.type == "declaration":
            _declaration(b, init)
        else:
            b.emit(ir.Eval(b.exprs.lower(init), _line(init)))
    head = b.here
    condition = node.child_by_field_name("condition")
    branch = None
    if condition is not None:
        branch = b.emit(ir.Branch(b.exprs.lower(condition), -1, _line(node)))
    loop = _Loop()
    b.loops.append(loop)
    yield from _optional(node.child_by_field_name("body"))
    b.loops.pop()
    for index in loop.continues or ():
        b.patch(index, b.here)
    update = node.child_by_field_name("update")
    if update is not None:
        b.emit(ir.Eval(b.exprs.lower(update), _line(update)))
    b.emit(ir.Jump(head, _line(node), back=True))
    for index in loop.breaks + ([branch] if branch is not None else []):
        b.patch(index, b.here)


def _switch(b: _Builder, node: Node) -> Nested:
    value = b.exprs.lower(node.child_by_field_name("condition"))
    switch = b.emit(ir.Switch(value, (), -1, _line(node)))
    cases: list[tuple[ir.Expr, int]] = []
    default = -1
    loop = _Loop(continues=None)
    b.loops.append(loop)
    body = node.child_by_field_name("body")
    for case in body.named_children if body is not None else ():
        if case.type != "case_statement":
            yield case
            continue
        case_value = case.child_by_field_name("value")
        if case_value is None:
            default = b.here
        else:
            cases.append((b.exprs.lower(case_value), b.here))
        yield from b.block([c for c in case.named_children if c != case_value])
    b.loops.pop()
    end = b.here
    b.code[switch] = ir.Switch(value, tuple(cases), default if default >= 0 else end, _line(node))
    for index in loop.breaks:
        b.patch(index, end)


def _break(b: _Builder, node: Node) -> Nested:
    if not b.loops:
        b.note(node, "break outside a loop or switch", True)
        return ()
    b.loops[-1].breaks.append(b.emit(ir.Jump(-1, _line(node))))
    return ()


def _continue(b: _Builder, node: Node) -> Nested:
    loops = [loop for loop in b.loops if loop.continues is not None]
    if not loops:
        b.note(node, "continue outside a loop", True)
        return ()
    continues = loops[-1].continues
    assert continues is not None
    continues.append(b.emit(ir.Jump(-1, _line(node))))
    return ()


def _error(b: _Builder, node: Node) -> Nested:
    b.note(node, f"unparsable code skipped: {text(node)[:60]}", fatal=True)
    return ()


def _empty(_: _Builder, __: Node) -> Nested:
    return ()


_STATEMENTS: dict[str, Callable[[_Builder, Node], Nested]] = {
    "compound_statement": _compound,
    "expression_statement": _expression,
    "declaration": _declaration,
    "if_statement": _if,
    "return_statement": _return,
    "goto_statement": _goto,
    "labeled_statement": _labeled,
    "while_statement": _while,
    "do_statement": _do,
    "for_statement": _for,
    "switch_statement": _switch,
    "break_statement": _break,
    "continue_statement": _continue,
    "ERROR": _error,
    "attributed_statement": _compound,
    "attribute_declaration": _empty,
}


def _return_type(node: Node) -> str:
    base = text(node.child_by_field_name("type") or node).strip()
    decl = node.child_by_field_name("declarator")
    stars = 0
    while decl is not None and decl.type != "function_declarator":
        stars += decl.type == "pointer_declarator"
        decl = decl.child_by_field_name("declarator")
    return base + (" *" * stars if stars else "")


def _params(node: Node) -> tuple[str, ...]:
    fdecl = function_declarator(node)
    plist = fdecl.child_by_field_name("parameters") if fdecl is not None else None
    names = []
    for param in plist.named_children if plist is not None else ():
        name = declarator_name(param.child_by_field_name("declarator"))
        if name:
            names.append(name)
    return tuple(names)


def lower_definition(node: Node, lines: list[str], name: str, strict: bool = False) -> ir.Function:
    """Lower one function_definition node of a parsed file."""
    builder = _Builder(strict)
    body = node.child_by_field_name("body")
    if body is not None:
        builder.statement(body)
    builder.finish()
    builder.emit(ir.Return(None, node.end_point[0] + 1))
    first, last = node.start_point[0], node.end_point[0]
    digest = hashlib.sha1("\n".join(lines[first:last + 1]).encode()).hexdigest()
    function = ir.Function(
        name=name, return_type=_return_type(node), params=_params(node),
        code=tuple(builder.code), lines=tuple(lines[first:last + 1]), first_line=first + 1,
        notes=tuple(builder.exprs.notes), labels=tuple(sorted(builder.labels.items())),
        digest=digest,
    )
    return replace(function, shape=ir.shape_digest(function))


def lower_functions(source: str, strict: bool = False) -> dict[str, ir.Function]:
    """Lower every function defined in a C source text (line numbers are the text's own)."""
    tree = parse(source)
    lines = source.split("\n")
    return {d.name: lower_definition(d.node, lines, d.name, strict) for d in definitions(tree)}


@lru_cache(maxsize=256)
def lower_function(source: str, name: str | None = None, strict: bool = False) -> ir.Function:
    """Lower the one function (or the named one) in a C source text.  Lowered functions are
    immutable, so the same text is lowered once however many patches of a series keep it."""
    functions = lower_functions(source, strict)
    if name is None and len(functions) == 1:
        return next(iter(functions.values()))
    if name in functions:
        return functions[name]
    raise LoweringError(1, f"no definition of {name or 'a single function'} found")
