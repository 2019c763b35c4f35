"""tree-sitter-c parsing, with one parser per process and helpers to find function definitions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter
import tree_sitter_c


@lru_cache(maxsize=1)
def parser() -> tree_sitter.Parser:
    """The process-wide C parser (loading the grammar is the expensive part)."""
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


def parse(source: str) -> tree_sitter.Tree:
    return parser().parse(source.encode("utf-8", "surrogateescape"))


def text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


@dataclass(frozen=True)
class Definition:
    """A function definition found in a source file (lines are 1-based, inclusive)."""

    name: str
    node: tree_sitter.Node
    start_line: int
    end_line: int


def declarator_name(node: tree_sitter.Node | None) -> str | None:
    """The identifier a (possibly nested pointer/function/array) declarator declares."""
    while node is not None:
        if node.type in ("identifier", "field_identifier", "type_identifier"):
            return text(node)
        node = node.child_by_field_name("declarator")
    return None


def function_declarator(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The function_declarator inside a definition's declarator chain."""
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    return decl


def definitions(tree: tree_sitter.Tree) -> Iterator[Definition]:
    """Every function definition at the top level of a parsed file."""
    for node in tree.root_node.children:
        if node.type != "function_definition":
            continue
        fdecl = function_declarator(node)
        name = declarator_name(fdecl.child_by_field_name("declarator")) if fdecl else None
        if name:
            yield Definition(name, node, node.start_point[0] + 1, node.end_point[0] + 1)
