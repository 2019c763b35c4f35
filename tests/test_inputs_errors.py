"""Every bad input is one InputError naming the file and, where known, the line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pte_check.errors import InputError
from pte_check.inputs import read_series, read_text

BAD = Path(__file__).resolve().parent.parent / "fixtures" / "inputs" / "bad"


@pytest.mark.parametrize("name, line, message", [
    ("empty.patch", None, "the input is empty; expected a patch, a mail or an mbox"),
    ("blank.patch", None, "the input is empty; expected a patch, a mail or an mbox"),
    ("nul.patch", 4, "binary data (a NUL byte), not a text patch"),
    ("latin1.diff", 4, "not valid UTF-8 (byte 0xe9 at column 8); convert the file to UTF-8"),
    ("no-patch.txt", None, ("no patch found: no diff (diff --git, --- and +++, or @@ lines) "
                           "and no patch quoted with >")),
    ("combined.diff", 1, ("a combined diff of a merge (diff --cc) cannot be analysed; "
                         "give the patch against one parent")),
    ("short-hunk.diff", 4, ("the hunk @@ -1,4 +1,4 @@ ends at line 9 with 1 old and 1 new lines "
                           "fewer than its header counts")),
    ("long-hunk.diff", 3, ("the hunk @@ -1,2 +1,2 @@ goes on past the lines its header counts "
                          "(line 7 is one more hunk line)")),
    ("overfull-hunk.diff", 3, ("the hunk @@ -1,2 +1,2 @@ has more old lines than its header "
                              "counts (line 6 is one too many)")),
    ("orphan-hunk.diff", 2, ("not a valid diff: a hunk with no file header (--- and +++ lines) "
                            "before it")),
    ("cover-only.patch", 1, ("no patch found: the mail 'mm: fault path cleanups' is the cover "
                            "letter")),
    ("no-patches.mbox", None, "no patch found in any of the 2 mails"),
])
def test_bad_inputs(name: str, line: int | None, message: str) -> None:
    path = str(BAD / name)
    with pytest.raises(InputError) as caught:
        read_series([path])
    assert (caught.value.path, caught.value.line, caught.value.message) == (path, line, message)


def test_missing_file_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_series([str(tmp_path / "nope.patch")])
    assert caught.value.message == "cannot read the file: No such file or directory"
    with pytest.raises(InputError) as caught:
        read_series([str(tmp_path)])
    assert (caught.value.path, caught.value.message) == \
        (str(tmp_path), "the directory holds no *.patch files")


def test_stdin_errors_name_stdin() -> None:
    with pytest.raises(InputError) as caught:
        read_series(["-"], io.BytesIO(b""))
    assert str(caught.value) == "<stdin>: the input is empty; expected a patch, a mail or an mbox"
    with pytest.raises(InputError) as caught:
        read_series(["-"], None)
    assert caught.value.path == "<stdin>"


def test_a_hunk_cut_by_the_signature_is_short() -> None:
    text = ("From: a <a@b>\nSubject: [PATCH] x\n\n---\n--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n"
            " a\n-b\n+c\n-- \n2.35.3\n")
    with pytest.raises(InputError) as caught:
        read_text(text, "m.eml")
    assert (caught.value.line, caught.value.message) == (
        7, ("the hunk @@ -1,3 +1,3 @@ ends at line 11 with 1 old and 1 new lines fewer than its "
           "header counts"))


def test_malformed_hunk_header_and_zero_counts() -> None:
    with pytest.raises(InputError) as caught:
        read_text("--- a/x\n+++ b/x\n@@ -1,x +1 @@\n-a\n", "h.diff")
    assert (caught.value.line, caught.value.message) == \
        (3, "malformed hunk header '@@ -1,x +1 @@'")
    with pytest.raises(InputError) as caught:
        read_text("--- a/x\n+++ b/x\n@@ -1,0 +1,0 @@\n", "z.diff")
    assert caught.value.message == "the hunk header @@ -1,0 +1,0 @@ counts no lines at all"


def test_plus_line_without_minus_line_names_the_line() -> None:
    with pytest.raises(InputError) as caught:
        read_text("diff -u x y\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", "t.diff")
    assert (caught.value.line, caught.value.message) == \
        (2, "not a valid diff: a +++ line without its --- line")


def test_undecodable_base64_part_gives_no_patch() -> None:
    text = ("From: a <a@b>\nSubject: [PATCH] x\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: base64\n\n!!!!not base64 at all\n")
    with pytest.raises(InputError) as caught:
        read_text(text, "b.eml")
    assert str(caught.value) == "b.eml:1: no patch found in the mail 'x'"
