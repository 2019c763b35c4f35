"""Fuzzing the C lowering (strict=False): any text lowers without an exception to code whose every
jump lands inside the function."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pte_check.errors import LoweringError
from pte_check.lowering import ir, lower_function, lower_functions

NAMES = ["vmf", "folio", "ret", "mm", "pmd", "ptl", "page", "addr", "i", "xas", "NULL", "true",
         "false", "VM_FAULT_NOPAGE", "vmf->pmd", "*vmf->pmd", "vmf->vma->vm_mm", "folio->mapping",
         "&vmf->ptl", "start_pgoff", "a[i]", "(struct page *)p", "sizeof(*p)", "\"str\"", "'c'",
         "0", "1", "-1", "0x10UL", "~0ULL", "1 << 3"]
CALLS = ["pmd_none", "pmd_trans_huge", "pte_offset_map_lock", "folio_unlock", "folio_put",
         "READ_ONCE", "WRITE_ONCE", "unlikely", "likely", "spin_lock", "rcu_read_lock",
         "do_set_pmd", "vmf->vma->vm_ops->fault", "BUG_ON", "VM_BUG_ON", "WARN_ON_ONCE"]
LOOP_MACROS = ["list_for_each_entry(p, &head, list)", "xas_for_each(&xas, folio, end)",
               "foo_for_each(x)", "for_each_online_cpu(cpu)", "pte_for_each(pte, addr)"]
TYPES = ["int", "vm_fault_t", "struct folio *", "unsigned long", "bool", "pgoff_t", "spinlock_t *",
         "const struct vm_operations_struct *", "typeof(x)", "u64"]
OPS = ["+", "-", "*", "/", "&", "|", "^", "&&", "||", "==", "!=", "<", ">=", "<<", ">>", "%"]


@cache
def one(*choices: str) -> st.SearchStrategy[str]:
    """One of choices (strategies are made once: making them per draw is what costs)."""
    return st.sampled_from(choices)


@cache
def kinds(count: int) -> st.SearchStrategy[int]:
    return st.integers(0, count - 1)


@cache
def expr(depth: int = 0) -> st.SearchStrategy[str]:
    return _expr(depth)


@st.composite
def _expr(draw: st.DrawFn, depth: int) -> str:
    if depth > 3:
        return draw(one(*NAMES))
    sub = expr(depth + 1)
    kind = draw(kinds(8))
    if kind == 0:
        return f"{draw(one(*CALLS))}({', '.join(draw(st.lists(sub, max_size=3)))})"
    if kind == 1:
        return f"{draw(sub)} {draw(one(*OPS))} {draw(sub)}"
    if kind == 2:
        return f"{draw(one('!', '-', '~', '*', '&', '++', '--'))}{draw(sub)}"
    if kind == 3:
        return f"({draw(sub)})"
    if kind == 4:
        return f"{draw(sub)} ? {draw(sub)} : {draw(sub)}"
    if kind == 5:
        return f"{draw(one(*NAMES))} {draw(one('=', '|=', '+='))} {draw(sub)}"
    return draw(one(*NAMES))


SIMPLE = 9
COMPOUND = 9


@cache
def statement(depth: int = 0) -> st.SearchStrategy[str]:
    return _statement(depth)


@st.composite
def _statement(draw: st.DrawFn, depth: int) -> str:
    """A kernel-like statement; at depth the compound kinds give way to simple ones."""
    kind = draw(kinds(SIMPLE if depth >= 2 else SIMPLE + COMPOUND))
    if kind < SIMPLE:
        return _simple(draw, kind)
    return _compound(draw, kind - SIMPLE, depth)


def _simple(draw: st.DrawFn, kind: int) -> str:
    e = expr()
    options: list[Callable[[], str]] = [
        lambda: f"{draw(e)};",
        lambda: f"return {draw(e)};",
        lambda: "return;",
        lambda: f"goto {draw(one('out', 'again', 'unlock', 'nowhere'))};",
        lambda: f"{draw(one('out', 'again', 'unlock'))}:",
        lambda: "break;",
        lambda: "continue;",
        lambda: f"{draw(one(*TYPES))} {draw(one('x', 'y', 'ret'))}"
                f"{draw(one('', ' = 0', ' = ' + draw(e)))};",
        lambda: draw(one("#ifdef CONFIG_X", "#endif", "#else", "#define X(a) (a)",
                         "/* comment */", "// c", ";", "asm volatile(\"\");",
                         "__attribute__((unused));", "fallthrough;")),
    ]
    return options[kind]()


def _compound(draw: st.DrawFn, kind: int, depth: int) -> str:
    e, inner, body = expr(), statement(depth + 1), block(depth + 1)
    options: list[Callable[[], str]] = [
        lambda: f"if ({draw(e)}) {draw(body)}",
        lambda: f"if ({draw(e)}) {draw(body)} else {draw(body)}",
        lambda: f"if ({draw(e)}) {draw(inner)} else if ({draw(e)}) {draw(body)}",
        lambda: f"while ({draw(e)}) {draw(body)}",
        lambda: f"do {draw(body)} while ({draw(e)});",
        lambda: f"for ({draw(one('', 'i = 0', 'int i = 0'))}; {draw(one('', 'i < n'))}; "
                f"{draw(one('', 'i++'))}) {draw(body)}",
        lambda: f"{draw(one(*LOOP_MACROS))} {draw(body)}",
        lambda: f"switch ({draw(e)}) {{ case 0: {draw(inner)} case X: {{ {draw(inner)} }} "
                "default: break; }",
        lambda: draw(body),
    ]
    return options[kind]()


@cache
def block(depth: int = 0) -> st.SearchStrategy[str]:
    return st.lists(statement(depth), max_size=4).map(lambda lines: "{\n" + "\n".join(lines)
                                                      + "\n}")


def function(name: str, body: str) -> str:
    return f"static vm_fault_t {name}(struct vm_fault *vmf, pgoff_t start)\n{body}\n"


TOKENS = ["if", "else", "while", "for", "do", "switch", "case", "default", ":", "goto", "return",
          "break", "continue", "{", "}", "(", ")", ";", ",", "->", ".", "*", "&", "!", "=", "==",
          "?", "[", "]", "#if 0", "#endif", "\n", "out:", "struct", "static", "sizeof", "typeof",
          "__attribute__", "...", "\"", "'", "/*", "*/", "\\", "0x", "1", "NULL"] + NAMES + CALLS \
    + LOOP_MACROS


def check(source: str) -> None:
    """The source lowers without an exception (strict: at most a LoweringError); every jump
    lands inside its function."""
    try:
        lower_functions(source, strict=True)
    except LoweringError:
        pass
    functions = lower_functions(source)
    total = source.count("\n") + 1
    for fn in functions.values():
        assert fn.code and isinstance(fn.code[-1], ir.Return)
        for instr in fn.code:
            for target in _targets(instr):
                assert 0 <= target < len(fn.code), (instr, len(fn.code))
        assert 1 <= fn.first_line <= total
    for name in list(functions)[:1]:
        assert lower_function(source, name).name == name
    if len(functions) != 1:
        try:
            lower_function(source)
        except LoweringError as error:
            assert "no definition" in error.message
        else:
            raise AssertionError("lower_function found one function among several or none")


def _targets(instr: ir.Instr) -> list[int]:
    if isinstance(instr, (ir.Branch, ir.Jump, ir.Havoc)):
        return [instr.target]
    if isinstance(instr, ir.Switch):
        return [instr.default] + [target for _, target in instr.cases]
    return []


@given(block())
def test_lowering_generated_statements(body: str) -> None:
    check(function("filemap_map_pmd", body))


@given(st.lists(st.sampled_from(TOKENS), max_size=120))
def test_lowering_token_soup_in_a_function(tokens: list[str]) -> None:
    check(function("f", "{\n" + " ".join(tokens) + "\n}"))


@given(st.lists(st.sampled_from(TOKENS), max_size=120))
def test_lowering_token_soup_at_top_level(tokens: list[str]) -> None:
    check(" ".join(tokens))


@given(block(), st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(TOKENS + ["{", "}"])),
                         min_size=1, max_size=6), st.booleans())
def test_lowering_unbalanced_and_mutated(body: str, edits: list[tuple[int, str]],
                                         delete: bool) -> None:
    """Tokens inserted into (or characters deleted from) well-formed code: braces unbalanced."""
    for at, token in edits:
        at %= len(body) + 1
        body = body[:at] + body[at + 1:] if delete else body[:at] + f" {token} " + body[at:]
    check(function("g", body) + function("h", "{ return 0; }"))


@given(st.integers(1, 600), st.sampled_from(["if (x) {", "{", "while (x) {", "do {",
                                            "for (;;) {", "foo_for_each(x) {",
                                            "switch (x) { case 1:"]),
       st.booleans())
def test_lowering_deep_nesting(depth: int, opener: str, balanced: bool) -> None:
    closer = {"do {": "} while (y);", "switch (x) { case 1:": "break; }"}.get(opener, "}")
    body = "{\n" + (opener + "\n") * depth + "return 1;\n" + (closer + "\n") * \
        (depth if balanced else depth // 2) + "}"
    check(function("deep", body))


@given(st.integers(1, 3000), st.sampled_from(["(", "!", "-", "*", "f(", "a + ", "a ? b : "]))
def test_lowering_deep_expressions(depth: int, opener: str) -> None:
    closer = ")" if opener.endswith("(") else ""
    check(function("expr", "{\n\treturn " + opener * depth + "x" + closer * depth + ";\n}"))


def test_strict_lowering_of_deep_code_is_a_lowering_error_or_a_result() -> None:
    deep_if = function("f", "{\n" + "if (x) {\n" * 2000 + "return 1;\n" + "}\n" * 2000 + "}")
    assert len(lower_function(deep_if, strict=True).code) > 2000
    deep_expr = function("f", "{\n\treturn " + "(" * 2000 + "x" + ")" * 2000 + ";\n}")
    with pytest.raises(LoweringError, match="expression nested deeper than 100 levels"):
        lower_function(deep_expr, strict=True)
    lowered = lower_function(deep_expr)
    assert [n.fatal for n in lowered.notes] == [True]
