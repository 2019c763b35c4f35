"""Plain diffs, git diffs and format-patch files read into the patch model."""

from __future__ import annotations

import io
from pathlib import Path

from pte_check.inputs import read_series, read_text
from pte_check.inputs.patch import FileDiff, Hunk

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inputs"
SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seed" / \
    "filemap-allow-pte_offset_map_lock-to-fail.patch"


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def shape(hunk: Hunk) -> list[tuple[str, int | None, int | None, int]]:
    return [(line.kind, line.old, line.new, line.origin) for line in hunk.lines]


def test_plain_diff_u_strips_the_tree_directory_and_keeps_every_line_number() -> None:
    series = read_series([fixture("plain.diff")])
    (patch,) = series.patches
    assert patch.subject == "plain.diff"
    assert (patch.author, patch.number, patch.source) == (None, None, fixture("plain.diff"))
    (diff,) = patch.files
    assert (diff.old_path, diff.new_path, diff.origin, diff.binary) == \
        ("mm/memory.c", "mm/memory.c", 1, False)
    first, second = diff.hunks
    assert first.header == \
        "@@ -10,7 +10,8 @@ static vm_fault_t do_fault(struct vm_fault *vmf)"
    assert first.origin == 3
    assert shape(first) == [(" ", 10, 10, 4), (" ", 11, 11, 5), (" ", 12, 12, 6),
                            ("-", 13, None, 7), ("+", None, 13, 8), ("+", None, 14, 9),
                            (" ", 14, 15, 10), (" ", 15, 16, 11), (" ", 16, 17, 12)]
    assert first.lines[5].text == "\t\tpte_unmap(vmf->pte);"
    assert first.lines[2].text == ""
    assert (second.old_start, second.new_start, second.origin) == (40, 41, 13)
    assert shape(second) == [(" ", 40, 41, 14), ("-", 41, None, 15), ("+", None, 42, 16),
                             (" ", 42, 43, 17)]
    assert first.problem is None and second.problem is None


def test_git_diff_with_rename_binary_new_deleted_and_mode_change() -> None:
    (patch,) = read_series([fixture("git-rename-binary.diff")]).patches
    files = [(f.old_path, f.new_path, f.binary, f.origin, len(f.hunks)) for f in patch.files]
    assert files == [
        ("mm/old_name.c", "mm/new_name.c", False, 1, 1),
        ("Documentation/fault.png", "Documentation/fault.png", True, 13, 0),
        (None, "mm/added.c", False, 16, 1),
        ("mm/gone.h", None, False, 24, 1),
        ("scripts/run.sh", "scripts/run.sh", False, 31, 0),
        ("mm/moved.c", "mm/renamed.c", False, 34, 0),
    ]
    renamed = patch.files[0].hunks[0]
    assert [(line.kind, line.text) for line in renamed.lines] == [
        (" ", "#include <linux/mm.h>"), ("-", "int old_name;"), ("+", "int new_name;"),
        (" ", "/* end */")]
    added = patch.files[2].hunks[0]
    assert (added.old_start, added.old_count, added.new_start, added.new_count) == (0, 0, 1, 2)
    assert shape(added) == [("+", None, 1, 22), ("+", None, 2, 23)]
    assert shape(patch.files[3].hunks[0]) == [("-", 1, None, 30)]
    assert patch.files[0].is_c and not patch.files[1].is_c


def test_format_patch_keeps_headers_strips_the_tag_and_ignores_stat_and_signature() -> None:
    (patch,) = read_series([fixture("format-patch.patch")]).patches
    assert patch.subject == "mm/memory: unmap on SIGBUS"
    assert (patch.number, patch.total) == (2, 4)
    assert patch.author == "Ada Lovelace <ada@example.org>"
    assert patch.date == "Mon, 3 Jul 2023 10:00:00 +0100"
    assert patch.origin == 1
    (diff,) = patch.files
    assert diff.path == "mm/memory.c" and diff.origin == 14
    (hunk,) = diff.hunks
    assert hunk.origin == 18
    assert [line.origin for line in hunk.lines] == list(range(19, 28))
    assert hunk.lines[-1].text == "\t\tret = do_read_fault(vmf);"


def test_seed_format_patch_matches_the_known_hunks() -> None:
    (patch,) = read_series([str(SEED)]).patches
    assert patch.subject == "mm/filemap: allow pte_offset_map_lock() to fail"
    assert (patch.number, patch.total, patch.author) == \
        (5, 32, "Hugh Dickins <hughd@google.com>")
    (diff,) = patch.files
    first, second = diff.hunks
    assert (first.header.split(" @@")[0], second.header.split(" @@")[0]) == \
        ("@@ -3408,13 +3408,6", "@@ -3501,6 +3494,11")
    assert [line.kind for line in first.lines].count("-") == 7
    assert [line.kind for line in second.lines].count("+") == 5
    assert second.lines[3].text == "\tif (!vmf->pte) {"
    assert second.lines[3].new == 3497 and second.lines[3].origin == 37


def test_crlf_input_is_normalised() -> None:
    text = (FIXTURES / "plain.diff").read_text().replace("\n", "\r\n")
    (patch,) = read_text(text, "crlf.diff").patches
    hunk = patch.files[0].hunks[0]
    assert hunk.lines[0].text == "\tstruct vm_area_struct *vma = vmf->vma;"
    assert all("\r" not in line.text for line in hunk.lines)


def test_stdin_is_named_and_concatenated_after_files() -> None:
    data = (FIXTURES / "plain.diff").read_bytes()
    series = read_series([fixture("format-patch.patch"), "-"], io.BytesIO(data))
    assert [p.source for p in series.patches] == [fixture("format-patch.patch"), "<stdin>"]
    assert series.patches[1].subject == "<stdin>"


def test_directory_reads_its_patch_files_in_name_order_and_skips_the_cover() -> None:
    series = read_series([fixture("series")])
    assert series.title == "mm: fault path cleanups"
    assert [(p.number, p.subject) for p in series.patches] == [
        (1, "mm/memory: unmap on SIGBUS"), (2, "mm/filemap: drop a stray put")]
    assert [Path(p.source).name for p in series.patches] == [
        "0001-mm-memory-unmap-on-SIGBUS.patch", "0002-mm-filemap-drop-a-stray-put.patch"]
    assert series.notes == ()


def test_no_newline_marker_is_not_a_line() -> None:
    text = ("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
            "+c\n\\ No newline at end of file\n")
    (diff,) = read_text(text, "x.diff").patches[0].files
    assert [(line.kind, line.text, line.origin) for line in diff.hunks[0].lines] == \
        [(" ", "a", 4), ("-", "b", 5), ("+", "c", 7)]


def test_git_show_output_gives_subject_and_author() -> None:
    text = ("commit 0123456789abcdef0123456789abcdef01234567\n"
            "Author: Ada Lovelace <ada@example.org>\nDate:   Mon Jul 3 10:00:00 2023 +0100\n\n"
            "    mm: tidy\n\n    Longer text.\n\n"
            "diff --git a/mm/x.c b/mm/x.c\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1 +1 @@\n-a\n+b\n")
    (patch,) = read_text(text, "show.txt").patches
    assert (patch.subject, patch.author) == ("mm: tidy", "Ada Lovelace <ada@example.org>")
    assert patch.date == "Mon Jul 3 10:00:00 2023 +0100"
    assert patch.files[0].path == "mm/x.c" and patch.origin == 9


def test_quoted_git_path_is_unquoted() -> None:
    text = ('diff --git "a/mm/caf\\303\\251.c" "b/mm/caf\\303\\251.c"\n'
            '--- "a/mm/caf\\303\\251.c"\n+++ "b/mm/caf\\303\\251.c"\n@@ -1 +1 @@\n-a\n+b\n')
    (diff,) = read_text(text, "q.diff").patches[0].files
    assert diff.path == "mm/caf\u00e9.c"


def test_hunk_problem_defaults_to_none() -> None:
    assert Hunk(1, 1, 1, 1, "", (), 1).problem is None
    assert FileDiff("a", "a", (), 1).path == "a"
