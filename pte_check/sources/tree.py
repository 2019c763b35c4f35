"""The kernel-tree provider: each file of a patch read from a kernel tree and patched in memory."""

from __future__ import annotations

import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

import tree_sitter
import tree_sitter_c

from pte_check.errors import InputError, UsageError
from pte_check.inputs.patch import FileDiff, Hunk, Patch
from pte_check.sources.apply import Applied, apply_file
from pte_check.sources.base import Edit, FunctionText, Sourcing, Unaligned
from pte_check.sources.normalise import normalise_lines

MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Span:
    """A function in a file (1-based inclusive lines); `name` is the signature's first line
    when the parser could not read the signature (`readable` false)."""

    name: str
    start: int
    end: int
    readable: bool = True
    calls: frozenset[str] = frozenset()


@dataclass
class _Found:
    """What one file contributes to a patch's sourcing."""

    edits: list[Edit] = field(default_factory=list)
    unaligned: list[Unaligned] = field(default_factory=list)
    context: list[FunctionText] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    path: str = ""
    after: str | None = None


class TreeProvider:
    """Reads the files a patch changes from a kernel tree, never writing to it.

    A series advances the provider: each patch then applies to the files as the patches
    before it left them (kept in memory).
    """

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise UsageError(f"{root}: no such directory (the kernel tree)")
        self.root = root.resolve()
        self.texts: dict[str, str] = {}  # files as the series has left them so far
        self.originals: dict[str, str] = {}  # the same files as they are in the tree
        self._pending: tuple[Sourcing, dict[str, str]] | None = None

    def source(self, patch: Patch) -> Sourcing:
        found = [self._file(patch, d) for d in patch.files if d.is_c and not d.binary]
        edits = sorted((e for f in found for e in f.edits), key=lambda e: (e.hunks, e.before.name))
        sourcing = Sourcing(tuple(edits), tuple(u for f in found for u in f.unaligned),
                            tuple(c for f in found for c in f.context), "tree",
                            tuple(n for f in found for n in f.notes))
        self._pending = (sourcing, {f.path: f.after for f in found if f.after is not None})
        return sourcing

    def advance(self, sourcing: Sourcing) -> None:
        """Make the files as `sourcing`'s patch leaves them the base of the next patch."""
        if self._pending is not None and self._pending[0] is sourcing:
            self.texts.update(self._pending[1])
        self._pending = None

    def functions(self, version: str = "tree") -> list[FunctionText]:
        """Every function of the files read so far, as the series has left them."""
        return _all_functions(self.texts)

    def original_functions(self) -> list[FunctionText]:
        """Every function of the files read so far, as they are in the tree."""
        return _all_functions(self.originals)

    def _file(self, patch: Patch, diff: FileDiff) -> _Found:
        found = _Found(path=diff.path)
        good: list[tuple[int, Hunk]] = []
        for index, hunk in enumerate(diff.hunks):
            if hunk.problem:
                found.unaligned.append(Unaligned(diff.path, index, hunk, hunk.problem))
            else:
                good.append((index, hunk))
        text = self.read(patch, diff)
        if text is None:
            found.unaligned += [Unaligned(diff.path, i, h, f"{diff.old_path} is not in the tree")
                                for i, h in good]
            return found
        applied = apply_file(text.split("\n"), good)
        found.after = "\n".join(applied.after)
        hunks = dict(good)
        found.unaligned += [Unaligned(diff.path, i, hunks[i], why) for i, why in applied.failed]
        found.notes += _apply_notes(diff, applied)
        _functions(diff.path, applied, hunks, found)
        return found

    # reading ----------------------------------------------------------------------------------
    def read(self, patch: Patch, diff: FileDiff) -> str | None:
        """The file's text in the tree (the old path, else the new one), None when absent."""
        names = [n for n in (diff.old_path, diff.new_path) if n]
        paths = [self.resolve(patch, diff, n) for n in names]
        for name in names:
            if name in self.texts:
                return self.texts[name]
        for name, path in zip(names, paths):
            if path.exists():
                text = self._text(patch, diff, path)
                self.originals.setdefault(name, text)
                self.texts.setdefault(name, text)
                return text
        return "" if diff.old_path is None else None

    def resolve(self, patch: Patch, diff: FileDiff, name: str) -> Path:
        """`name` inside the tree; refuses absolute paths, `..` and symlinks leading out."""
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise InputError(patch.source, diff.origin,
                             f"{name}: the patch names a file outside the kernel tree")
        path = (self.root / pure).resolve()
        if not path.is_relative_to(self.root):
            raise InputError(patch.source, diff.origin,
                             f"{name}: a symbolic link in the tree leads outside it")
        return path

    def _text(self, patch: Patch, diff: FileDiff, path: Path) -> str:
        info = path.stat()
        where = path.relative_to(self.root)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(patch.source, diff.origin, f"{where} in the tree is not a file")
        if info.st_size > MAX_BYTES:
            raise InputError(patch.source, diff.origin, f"{where} in the tree is larger than "
                             f"{MAX_BYTES // (1024 * 1024)} MiB; refusing to read it")
        try:
            return path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(patch.source, diff.origin, f"{where} in the tree is not UTF-8 "
                             f"text (byte {error.start})") from None


def _apply_notes(diff: FileDiff, applied: Applied) -> list[str]:
    notes = []
    if applied.reversed:
        notes.append(f"{diff.path}: the patch is already applied in the tree; analysed in "
                     "reverse (after: the tree's text; before: the tree with the patch reverted)")
    for placed in applied.placed:
        if placed.how:
            at = (placed.new_at if applied.reversed else placed.old_at) + 1
            notes.append(f"{diff.path}: hunk #{placed.index + 1} applied at line {at} "
                         f"({placed.how})")
    return notes


# functions ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c.language()))


def _parse(source: str) -> tree_sitter.Node:
    return _parser().parse(source.encode("utf-8", "surrogateescape")).root_node


def _name(definition: tree_sitter.Node) -> str | None:
    """The name a function_definition defines (what lowering finds it by)."""
    node = definition.child_by_field_name("declarator")
    while node is not None and node.type != "function_declarator":
        node = node.child_by_field_name("declarator")
    node = node.child_by_field_name("declarator") if node is not None else None
    while node is not None:
        if node.type in ("identifier", "field_identifier", "type_identifier"):
            return (node.text or b"").decode("utf-8", "replace")
        node = node.child_by_field_name("declarator")
    return None


def spans(lines: Sequence[str]) -> list[Span]:
    """Every function of a file: those tree-sitter reads (also inside #if blocks), then the
    column-0 brace blocks it could not read as one (a signature hidden by a macro)."""
    found = [Span(name, node.start_point[0] + 1, node.end_point[0] + 1, True, _calls(node))
             for name, node in _definitions(_parse("\n".join(lines)), nested=True)]
    covered = {n for s in found for n in range(s.start, s.end + 1)}
    return found + list(_unreadable(lines, covered))


def _definitions(node: tree_sitter.Node,
                 nested: bool) -> Iterator[tuple[str, tree_sitter.Node]]:
    """Function definitions at the top level (and, if `nested`, inside #if blocks)."""
    for child in node.children:
        name = _name(child) if child.type == "function_definition" else None
        if name:
            yield name, child
        elif nested and child.type.startswith(("preproc_if", "preproc_el")):
            yield from _definitions(child, nested)


def _calls(node: tree_sitter.Node) -> frozenset[str]:
    names: set[str] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        if current.type == "call_expression":
            func = current.child_by_field_name("function")
            if func is not None and func.type == "identifier":
                names.add((func.text or b"").decode("utf-8", "replace"))
        todo.extend(current.children)
    return frozenset(names)


def _unreadable(lines: Sequence[str], covered: set[int]) -> Iterator[Span]:
    """Kernel-style bodies (`{` and `}` alone in column 0) no definition covers."""
    start = None
    for number, line in enumerate(lines, 1):
        if number in covered:
            start = None
        elif line.rstrip() == "{":
            start = number
        elif line.startswith("}") and start is not None:
            head = start
            while head > 1 and _continues_signature(lines[head - 2]):
                head -= 1
            yield Span(lines[head - 1].strip(), head, number, False)
            start = None


def _continues_signature(line: str) -> bool:
    text = line.rstrip()
    return bool(text) and not text.startswith("#") and not text.endswith((";", "}", "*/"))


def _all_functions(texts: dict[str, str]) -> list[FunctionText]:
    out = []
    for path, text in sorted(texts.items()):
        lines = text.split("\n")
        out += [_function_text(path, lines, s) for s in spans(lines) if s.readable]
    return out


def _owner(table: Sequence[Span], line: int) -> Span | None:
    return next((s for s in table if s.start <= line <= s.end), None)


def _function_text(path: str, lines: Sequence[str], span: Span) -> FunctionText:
    return FunctionText(span.name, path, "\n".join(lines[span.start - 1:span.end]),
                        tuple(range(span.start, span.end + 1)))


def _readable(function: FunctionText) -> bool:
    """Whether the function's text read on its own gives the definition (what lowering does)."""
    return any(name == function.name for name, _ in _definitions(_parse(function.text), False))


@dataclass
class _Touched:
    """The functions and hunks a file's changed lines fall in, on one side."""

    spans: dict[str, Span] = field(default_factory=dict)
    hunks: dict[str, set[int]] = field(default_factory=dict)
    trouble: dict[int, str] = field(default_factory=dict)


def _touch(table: list[Span], lines: Sequence[str], changed: dict[int, int],
           touched: _Touched) -> None:
    significant = normalise_lines(list(lines))
    for number, index in sorted(changed.items()):
        span = _owner(table, number)
        if span is None:
            if significant[number - 1] and index not in touched.trouble:
                touched.trouble[index] = (f"it changes line {number} outside any function "
                                          "(a declaration or macro), which is not analysed")
        elif not span.readable:
            touched.trouble[index] = (f"line {number} is in a function whose signature the "
                                      f"parser cannot read ({span.name!r}); not analysed")
        else:
            touched.spans.setdefault(span.name, span)
            touched.hunks.setdefault(span.name, set()).add(index)


def _functions(path: str, applied: Applied, hunks: dict[int, Hunk], found: _Found) -> None:
    """The edits, unplaceable hunks, new and removed functions, and context of one file."""
    old_table, new_table = spans(applied.before), spans(applied.after)
    old, new = _Touched(), _Touched()
    _touch(old_table, applied.before, applied.removed, old)
    _touch(new_table, applied.after, applied.added, new)
    for index, reason in sorted({**old.trouble, **new.trouble}.items()):
        found.unaligned.append(Unaligned(path, index, hunks[index], reason))
    olds = {s.name: s for s in reversed(old_table) if s.readable}
    news = {s.name: s for s in reversed(new_table) if s.readable}
    for name in sorted(set(old.spans) | set(new.spans)):
        before = old.spans.get(name) or olds.get(name)
        after = new.spans.get(name) or news.get(name)
        if before is not None and after is not None:
            indices = tuple(sorted(old.hunks.get(name, set()) | new.hunks.get(name, set())))
            _edit(path, applied, (before, after), indices, hunks, found)
    _one_sided(path, old, new, olds, news, hunks, found)
    _context(path, applied, {e.before.name for e in found.edits}, olds, news, found)


def _edit(path: str, applied: Applied, sides: tuple[Span, Span], indices: tuple[int, ...],
          hunks: dict[int, Hunk], found: _Found) -> None:
    before, after = sides
    edit = Edit(_function_text(path, applied.before, before),
                _function_text(path, applied.after, after),
                tuple(applied.removed.get(n) for n in range(before.start, before.end + 1)),
                tuple(applied.added.get(n) for n in range(after.start, after.end + 1)),
                indices)
    if _readable(edit.before) and _readable(edit.after):
        found.edits.append(edit)
    else:
        found.unaligned.append(Unaligned(path, indices[0], hunks[indices[0]],
                                         f"{before.name}() cannot be read on its own"))


def _one_sided(path: str, old: _Touched, new: _Touched, olds: dict[str, Span],
               news: dict[str, Span], hunks: dict[int, Hunk], found: _Found) -> None:
    """Functions the patch adds (explored inside the changed functions that call them) and
    removes; an added function no changed function calls is not analysed."""
    reached = _closure((e.before.name for e in found.edits), _call_table({}, news))
    for name in sorted(set(new.spans) - set(olds)):
        if name in reached:
            found.notes.append(f"{path}: {name}() is new; it is explored inside its callers")
        else:
            index = min(new.hunks[name])
            found.unaligned.append(Unaligned(path, index, hunks[index], f"it adds {name}(), "
                                             "which no function the patch changes calls"))
    for name in sorted(set(old.spans) - set(news)):
        found.notes.append(f"{path}: {name}() is removed by the patch")


def _context(path: str, applied: Applied, edited: set[str], olds: dict[str, Span],
             news: dict[str, Span], found: _Found) -> None:
    """The unchanged functions of the file connected to the changed ones by calls."""
    table = {**{n: (applied.before, s) for n, s in olds.items()},
             **{n: (applied.after, s) for n, s in news.items()}}
    for name in sorted(_connected(edited, _call_table(olds, news))):
        lines, span = table[name]
        function = _function_text(path, lines, span)
        if _readable(function):
            found.context.append(function)


def _call_table(olds: dict[str, Span], news: dict[str, Span]) -> dict[str, frozenset[str]]:
    empty: frozenset[str] = frozenset()
    return {n: (olds[n].calls if n in olds else empty) | (news[n].calls if n in news else empty)
            for n in set(olds) | set(news)}


def _connected(edited: set[str], calls: dict[str, frozenset[str]]) -> set[str]:
    """Callers of the edited functions (transitively), and everything those and the edited
    ones call (transitively), among the file's functions."""
    callers: set[str] = set()
    todo = list(edited)
    while todo:
        target = todo.pop()
        for name, called in calls.items():
            if target in called and name not in callers | edited:
                callers.add(name)
                todo.append(name)
    return (callers | _closure(edited | callers, calls)) - edited


def _closure(names: Iterable[str], calls: dict[str, frozenset[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        for callee in calls.get(todo.pop(), frozenset()):
            if callee in calls and callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return seen
