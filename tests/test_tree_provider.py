"""The kernel-tree provider: safe paths, reading limits, functions found, edits, context, series."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from pte_check.errors import InputError, UsageError
from pte_check.inputs.patch import Patch
from pte_check.inputs.read import read_text
from pte_check.sources.tree import MAX_BYTES, TreeProvider, spans

OLD = """\
// SPDX-License-Identifier: GPL-2.0
#include <linux/mm.h>

static int helper(int x)
{
	return x + 1;
}

#ifdef CONFIG_TOY
static int walk(struct toy *t)
{
	struct item *it;
	int n = 0;

	list_for_each_entry(it, &t->items, node) {
		n += helper(it->v);
	}
	return n;
}
#endif

int caller(struct toy *t)
{
	return walk(t) ? 1 : 0;
}

int unrelated(void)
{
	return 7;
}

SYSCALL_DEFINE1(toy, int, v)
{
	return v;
}
"""


def _diff(old: str, new: str, path: str = "mm/toy.c") -> Patch:
    lines = difflib.unified_diff(old.split("\n"), new.split("\n"), f"a/{path}", f"b/{path}",
                                 lineterm="")
    (patch,) = read_text("\n".join(lines) + "\n", "test.patch").patches
    return patch


def _tree(tmp_path: Path, text: str = OLD, path: str = "mm/toy.c") -> TreeProvider:
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(text)
    return TreeProvider(tmp_path)


def test_functions_inside_ifdef_macro_loops_and_macro_signatures() -> None:
    found = {s.name: (s.start, s.end, s.readable) for s in spans(OLD.split("\n"))}
    assert found == {"helper": (4, 7, True), "walk": (10, 19, True), "caller": (22, 25, True),
                     "unrelated": (27, 30, True),
                     "SYSCALL_DEFINE1(toy, int, v)": (32, 35, False)}


def test_edit_in_a_macro_loop(tmp_path: Path) -> None:
    sourcing = _tree(tmp_path).source(_diff(OLD, OLD.replace("n += helper(it->v);",
                                                             "n += helper(it->v) * 2;")))
    (edit,) = sourcing.edits
    assert (edit.before.name, edit.hunks, sourcing.unaligned) == ("walk", (0,), ())
    assert edit.before.lines == tuple(range(10, 20)) == edit.after.lines
    assert edit.before_hunks[6] == 0 and edit.after_hunks[6] == 0
    assert edit.before_hunks.count(None) == 9
    assert sorted(c.name for c in sourcing.context) == ["caller", "helper"]
    assert sourcing.version == "tree"


def test_added_lines_shift_the_after_numbers(tmp_path: Path) -> None:
    new = OLD.replace("\treturn x + 1;", "\tif (x < 0)\n\t\treturn 0;\n\treturn x + 1;")
    (edit,) = _tree(tmp_path).source(_diff(OLD, new)).edits
    assert edit.after.lines == tuple(range(4, 10))
    assert edit.after_hunks == (None, None, 0, 0, None, None)
    assert edit.before_hunks == (None,) * 4


def test_macro_signature_is_not_analysed(tmp_path: Path) -> None:
    sourcing = _tree(tmp_path).source(_diff(OLD, OLD.replace("return v;", "return -v;")))
    (miss,) = sourcing.unaligned
    assert sourcing.edits == ()
    assert miss.reason == ("line 34 is in a function whose signature the parser cannot read "
                           "('SYSCALL_DEFINE1(toy, int, v)'); not analysed")


def test_changes_outside_functions_are_not_analysed(tmp_path: Path) -> None:
    new = OLD.replace("#include <linux/mm.h>", "#include <linux/mm.h>\n#define TOY 1")
    (miss,) = _tree(tmp_path).source(_diff(OLD, new)).unaligned
    assert "changes line 3 outside any function" in miss.reason


def test_comment_between_functions_is_ignored(tmp_path: Path) -> None:
    new = OLD.replace("int unrelated(void)", "/* nobody calls this */\nint unrelated(void)")
    sourcing = _tree(tmp_path).source(_diff(OLD, new))
    assert (sourcing.edits, sourcing.unaligned) == ((), ())


def test_new_function_is_explored_through_its_caller(tmp_path: Path) -> None:
    new = OLD.replace("int caller(struct toy *t)\n{\n\treturn walk(t) ? 1 : 0;",
                      "static int fresh(void)\n{\n\treturn 2;\n}\n\n"
                      "int caller(struct toy *t)\n{\n\treturn walk(t) ? fresh() : 0;")
    sourcing = _tree(tmp_path).source(_diff(OLD, new))
    assert [e.before.name for e in sourcing.edits] == ["caller"]
    assert "fresh" in {c.name for c in sourcing.context}
    assert "mm/toy.c: fresh() is new; it is explored inside its callers" in sourcing.notes
    assert sourcing.unaligned == ()


def test_new_function_nobody_calls_is_not_analysed(tmp_path: Path) -> None:
    new = OLD.replace("int unrelated(void)", "int lonely(void)\n{\n\treturn 3;\n}\n\n"
                      "int unrelated(void)")
    (miss,) = _tree(tmp_path).source(_diff(OLD, new)).unaligned
    assert miss.reason == "it adds lonely(), which no function the patch changes calls"


@pytest.mark.parametrize("path", ["../escape.c", "mm/../../escape.c"])
def test_dot_dot_is_refused(tmp_path: Path, path: str) -> None:
    with pytest.raises(InputError, match="outside the kernel tree"):
        _tree(tmp_path / "tree").source(_diff("int x;", "int y;", path))


def test_absolute_path_is_refused(tmp_path: Path) -> None:
    patch = read_text("--- /etc/passwd.c\n+++ /etc/passwd.c\n@@ -1 +1 @@\n-int x;\n+int y;\n",
                      "abs.patch").patches[0]
    with pytest.raises(InputError, match="outside the kernel tree") as error:
        _tree(tmp_path).source(patch)
    assert (error.value.path, error.value.line) == ("abs.patch", 1)


def test_symlink_leaving_the_tree_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.c").write_text("int x;\n")
    provider = _tree(tmp_path / "tree")
    os.symlink(tmp_path / "outside.c", tmp_path / "tree" / "mm" / "link.c")
    with pytest.raises(InputError, match="symbolic link in the tree leads outside it"):
        provider.source(_diff("int x;", "int y;", "mm/link.c"))


def test_symlink_inside_the_tree_is_followed(tmp_path: Path) -> None:
    provider = _tree(tmp_path)
    os.symlink(tmp_path / "mm" / "toy.c", tmp_path / "mm" / "alias.c")
    new = OLD.replace("return 7;", "return 8;")
    (edit,) = provider.source(_diff(OLD, new, "mm/alias.c")).edits
    assert (edit.before.name, edit.after.file) == ("unrelated", "mm/alias.c")


def test_big_and_binary_files_are_refused(tmp_path: Path) -> None:
    provider = _tree(tmp_path)
    (tmp_path / "mm" / "big.c").write_bytes(b"x" * (MAX_BYTES + 1))
    with pytest.raises(InputError, match="larger than 4 MiB"):
        provider.source(_diff("int x;", "int y;", "mm/big.c"))
    (tmp_path / "mm" / "latin.c").write_bytes(b"int caf\xe9;\n")
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 7\)"):
        provider.source(_diff("int x;", "int y;", "mm/latin.c"))
    (tmp_path / "mm" / "dir.c").mkdir()
    with pytest.raises(InputError, match="is not a file"):
        provider.source(_diff("int x;", "int y;", "mm/dir.c"))


def test_missing_file_is_not_analysed(tmp_path: Path) -> None:
    (miss,) = _tree(tmp_path).source(_diff("int x;", "int y;", "mm/absent.c")).unaligned
    assert miss.reason == "mm/absent.c is not in the tree"


def test_new_file(tmp_path: Path) -> None:
    text = "int fresh(void)\n{\n\treturn 1;\n}\n"
    patch = read_text("--- /dev/null\n+++ b/mm/new.c\n@@ -0,0 +1,4 @@\n"
                      + "".join("+" + line + "\n" for line in text.split("\n")[:4]),
                      "new.patch").patches[0]
    sourcing = _tree(tmp_path).source(patch)
    (miss,) = sourcing.unaligned  # a new function nothing changed calls
    assert miss.reason == "it adds fresh(), which no function the patch changes calls"
    assert not (tmp_path / "mm" / "new.c").exists()


def test_bad_root() -> None:
    with pytest.raises(UsageError, match="no such directory"):
        TreeProvider(Path("/nonexistent/tree"))


def test_series_applies_each_patch_on_top_of_the_last(tmp_path: Path) -> None:
    provider = _tree(tmp_path)
    middle = OLD.replace("return 7;", "return 8;")
    first = provider.source(_diff(OLD, middle))
    provider.advance(first)
    second = provider.source(_diff(middle, middle.replace("return 8;", "return 9;")))
    assert second.unaligned == ()
    assert [e.before.text.split("\n")[2] for e in second.edits] == ["\treturn 8;"]
    assert {f.name: f.text for f in provider.original_functions()}["unrelated"] \
        .endswith("return 7;\n}")
    assert {f.name: f.text for f in provider.functions("tree")}["unrelated"] \
        .endswith("return 8;\n}")
    assert (tmp_path / "mm" / "toy.c").read_text() == OLD
