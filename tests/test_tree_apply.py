"""Applying hunks in memory: exact, offset, whitespace, fuzz, reverse, failure; and invariants."""

from __future__ import annotations

import difflib

from hypothesis import given
from hypothesis import strategies as st

from pte_check.inputs.patch import Hunk
from pte_check.inputs.read import read_text
from pte_check.sources.apply import Applied, apply_file, flip

BASE = [f"line {n};" for n in range(1, 41)]


def _hunks(old: list[str], new: list[str], context: int = 3) -> list[tuple[int, Hunk]]:
    diff = "\n".join(difflib.unified_diff(old, new, "a/f.c", "b/f.c", lineterm="", n=context))
    if not diff:
        return []
    (patch,) = read_text(diff + "\n", "test.patch").patches
    return list(enumerate(patch.files[0].hunks))


def _edit(lines: list[str], at: int, new: str) -> list[str]:
    return lines[:at] + [new] + lines[at + 1:]


def test_exact() -> None:
    new = _edit(BASE, 10, "changed;")
    result = apply_file(BASE, _hunks(BASE, new))
    assert (list(result.after), result.failed, result.reversed) == (new, (), False)
    assert result.removed == {11: 0} and result.added == {11: 0}
    assert [p.how for p in result.placed] == [None]


def test_offset_is_found_and_reported() -> None:
    new = _edit(BASE, 10, "changed;")
    shifted = ["extra;"] * 5 + BASE
    result = apply_file(shifted, _hunks(BASE, new))
    assert list(result.after) == ["extra;"] * 5 + new
    assert [p.how for p in result.placed] == ["offset +5 lines"]
    assert result.removed == {16: 0}


def test_offset_carries_to_the_next_hunk() -> None:
    new = _edit(_edit(BASE, 5, "one;"), 30, "two;")
    shifted = BASE[:2] + ["extra;"] * 3 + BASE[2:]
    result = apply_file(shifted, _hunks(BASE, new))
    assert [p.how for p in result.placed] == ["offset +3 lines", "offset +3 lines"]
    assert result.removed == {9: 0, 34: 1}


def test_whitespace_insensitive_context() -> None:
    old = ["int f(void)", "{", "\tint x = 1;", "\treturn x;", "}"]
    new = ["int f(void)", "{", "\tint x = 2;", "\treturn x;", "}"]
    mangled = [line.replace("\t", "    ") for line in old]
    result = apply_file(mangled, _hunks(old, new))
    assert result.failed == ()
    assert [p.how for p in result.placed] == ["ignoring whitespace"]
    assert result.after[3] == "    return x;"  # context keeps the tree's own text
    assert result.after[2] == "\tint x = 2;"


def test_fuzz_drops_outer_context() -> None:
    new = _edit(BASE, 20, "changed;")
    tree = _edit(BASE, 17, "drifted;")  # the first context line differs
    result = apply_file(tree, _hunks(BASE, new))
    assert list(result.after) == _edit(tree, 20, "changed;")
    assert [p.how for p in result.placed] == ["with fuzz 1"]


def test_already_applied_is_reverted() -> None:
    new = _edit(BASE, 10, "changed;")
    result = apply_file(new, _hunks(BASE, new))
    assert result.reversed
    assert (list(result.before), list(result.after)) == (BASE, new)
    assert result.removed == {11: 0} and result.added == {11: 0}


def test_a_hunk_that_fits_nowhere_fails_and_the_rest_apply() -> None:
    new = _edit(_edit(BASE, 5, "one;"), 30, "two;")
    tree = _edit(BASE, 5, "gone;")
    result = apply_file(tree, _hunks(BASE, new, context=1))
    assert [i for i, _ in result.failed] == [0]
    assert "no place has its removed line 'line 6;'" in result.failed[0][1]
    assert result.after[30] == "two;"


def test_pure_addition_and_new_file() -> None:
    grown = BASE[:3] + ["added;"] + BASE[3:]
    assert list(apply_file(BASE, _hunks(BASE, grown)).after) == grown
    created = apply_file([""], _hunks([], ["int x;", "int y;"]))
    assert created.failed == () and list(created.after)[:2] == ["int x;", "int y;"]


def test_flip_swaps_sides() -> None:
    (_, hunk), = _hunks(BASE, _edit(BASE, 10, "changed;"))
    back = flip(hunk)
    assert (back.old_start, back.new_start) == (hunk.new_start, hunk.old_start)
    assert [ln.kind for ln in back.lines] == [{"-": "+", "+": "-"}.get(ln.kind, " ")
                                              for ln in hunk.lines]
    assert flip(back) == hunk


_LINE = st.sampled_from(["a;", "b;", "c;", "{", "}", "", "return 0;", "x++;"])


def _check_maps(result: Applied) -> None:
    assert all(0 < n <= len(result.before) for n in result.removed)
    assert all(0 < n <= len(result.after) for n in result.added)


@given(st.lists(_LINE, max_size=30), st.lists(_LINE, max_size=30))
def test_applying_a_diff_gives_its_target(old: list[str], new: list[str]) -> None:
    hunks = _hunks(old, new)
    result = apply_file(old, hunks)
    assert (list(result.after), result.failed) == (new, ())
    assert len(result.before) - len(result.removed) == len(result.after) - len(result.added)
    _check_maps(result)


@given(st.lists(_LINE, min_size=1, max_size=30), st.lists(_LINE, min_size=1, max_size=30))
def test_a_patched_text_gives_back_the_patch_sides(old: list[str], new: list[str]) -> None:
    """Whatever direction is chosen, one side is the text given and the hunks lead across."""
    hunks = _hunks(old, new)
    result = apply_file(new, hunks)
    if result.failed:
        return
    assert (list(result.after) if result.reversed else list(result.before)) == new
    _check_maps(result)
