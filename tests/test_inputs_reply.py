"""Patches recovered from review replies that quote them, the seed reply first."""

from __future__ import annotations

from pathlib import Path

from pte_check.inputs import read_series, read_text
from pte_check.inputs.hunks import Header
from pte_check.inputs.readings import AMBIGUOUS, Candidate, choose

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "inputs"
SHARED_REPLY = ROOT.parent / "shared" / "seeds" / "filemap-review-reply.txt"


def seed_reply() -> Path:
    """The byte-for-byte copy of shared/seeds/filemap-review-reply.txt kept with the fixtures."""
    return FIXTURES / "filemap-review-reply.txt"


def test_seed_reply_fixture_is_the_shared_seed_unchanged() -> None:
    if SHARED_REPLY.exists():
        assert seed_reply().read_bytes() == SHARED_REPLY.read_bytes()


def test_seed_reply_recovers_both_hunks_exactly() -> None:
    series = read_series([str(seed_reply())])
    (patch,) = series.patches
    assert patch.subject == "mm/filemap: allow pte_offset_map_lock() to fail"
    assert (patch.number, patch.total, patch.author, patch.date) == (5, 32, None, None)
    (diff,) = patch.files
    assert (diff.old_path, diff.new_path, diff.origin) == ("mm/filemap.c", "mm/filemap.c", 19)
    first, second = diff.hunks
    assert (first.old_start, first.old_count, first.new_start, first.new_count) == \
        (3408, 13, 3408, 6)
    assert first.heading == \
        "static bool filemap_map_pmd(struct vm_fault *vmf, struct folio *folio,"
    assert [(line.kind, line.text, line.old, line.new, line.origin) for line in first.lines] == [
        (" ", "if (pmd_none(*vmf->pmd))", 3408, 3408, 24),
        (" ", "pmd_install(mm, vmf->pmd, &vmf->prealloc_pte);", 3409, 3409, 25),
        (" ", "", 3410, 3410, 26),
        ("-", "/* See comment in handle_pte_fault() */", 3411, None, 27),
        ("-", "if (pmd_devmap_trans_unstable(vmf->pmd)) {", 3412, None, 28),
        ("-", "folio_unlock(folio);", 3413, None, 29),
        ("-", "folio_put(folio);", 3414, None, 30),
        ("-", "return true;", 3415, None, 31),
        ("-", "}", 3416, None, 32),
        ("-", "", 3417, None, 33),
        (" ", "return false;", 3418, 3411, 55),
        (" ", "}", 3419, 3412, 56),
        (" ", "", 3420, 3413, 57),
    ]
    assert (second.old_start, second.old_count, second.new_start, second.new_count) == \
        (3501, 6, 3494, 11)
    assert [(line.kind, line.text, line.old, line.new, line.origin) for line in second.lines] == [
        (" ", "", 3501, 3494, 59),
        (" ", "addr = vma->vm_start + ((start_pgoff - vma->vm_pgoff) << PAGE_SHIFT);",
         3502, 3495, 60),
        (" ", "vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, addr, &vmf->ptl);",
         3503, 3496, 61),
        ("+", "if (!vmf->pte) {", None, 3497, 62),
        ("+", "folio_unlock(folio);", None, 3498, 63),
        ("+", "folio_put(folio);", None, 3499, 64),
        ("+", "goto out;", None, 3500, 65),
        ("+", "}", None, 3501, 66),
        (" ", "do {", 3504, 3502, 67),
        (" ", "again:", 3505, 3503, 68),
        (" ", "page = folio_file_page(folio, xas.xa_index);", 3506, 3504, 69),
    ]
    assert first.problem is None and second.problem is None
    assert patch.repairs == (
        "patch recovered from a review reply, quoted at depth 2",
        "hunk at line 23: 6 context lines had lost their leading space",
        "hunk at line 23: 21 interleaved reply lines dropped (lines 34-54)",
        "hunk at line 58: 6 context lines had lost their leading space",
    )


def test_reply_mail_flips_a_wrapped_minus_line_to_context() -> None:
    (patch,) = read_series([str(FIXTURES / "reply-enomem.eml")]).patches
    assert (patch.subject, patch.number, patch.total) == ("mm: check pte_alloc in setup", 1, 3)
    (hunk,) = patch.files[0].hunks
    assert hunk.problem is None
    assert [(line.kind, line.text, line.old, line.new, line.origin) for line in hunk.lines] == [
        (" ", "ret = pte_alloc(vmf->vma->vm_mm, vmf->pmd) ? 0 :", 20, 20, 14),
        (" ", "-ENOMEM;", 21, 21, 15),
        ("-", "return ret;", 22, None, 19),
        ("+", "if (ret)", None, 22, 20),
        ("+", "return ret;", None, 23, 21),
        (" ", "return 0;", 23, 24, 22),
    ]
    assert "hunk at line 13: line 15 ('-ENOMEM;') read as context so that the header counts " \
        "agree" in patch.repairs
    assert "hunk at line 13: 3 interleaved reply lines dropped (lines 16-18)" in patch.repairs


def test_cut_and_unrecoverable_hunks_are_kept_but_marked() -> None:
    (patch,) = read_series([str(FIXTURES / "reply-cut.txt")]).patches
    assert (patch.subject, patch.number, patch.total) == ("mm/memory: three hunks", 2, 2)
    assert patch.author == "Ada Lovelace <ada@example.org>"
    assert patch.date == "Mon, 3 Jul 2023 10:00:00 +0100"
    cut, good, broken = patch.files[0].hunks
    assert cut.problem == "the reviewer cut this hunk at line 15, so its lines are incomplete"
    assert (cut.origin, cut.old_count, cut.new_count) == (11, 4, 4)
    assert [(line.kind, line.text, line.origin) for line in cut.lines] == [
        (" ", "a = 1;", 12), ("-", "b = 2;", 13), ("+", "b = 3;", 14)]
    assert good.problem is None and good.origin == 17
    assert [(line.kind, line.old, line.new) for line in good.lines] == [
        (" ", 50, 50), ("-", 51, None), ("+", None, 51), (" ", 52, 52)]
    assert broken.problem == \
        "its lines (2 old, 3 new) cannot be made to agree with its header @@ -90,3 +90,4 @@"
    assert broken.origin == 22


def test_ambiguous_flip_is_not_guessed() -> None:
    lines = [Candidate(1, 0, "a"), Candidate(2, 1, "-x"), Candidate(3, 2, "-y")]
    reading = choose(lines, Header(1, 3, 1, 2, ""), cut=None)
    assert reading.problem == "its header @@ -1,3 +1,2 @@ fits more than one reading of its " \
        "-/+ led lines"
    assert AMBIGUOUS == "ambiguous"


def test_hunk_quoted_without_file_header_is_an_error() -> None:
    text = "Re: [PATCH] x\n\n> @@ -1,1 +1,1 @@\n> - a\n> + b\n"
    try:
        read_text(text, "r.txt")
    except Exception as error:  # noqa: BLE001 - the message is what is checked
        assert str(error) == \
            "r.txt:3: the reply quotes this hunk without its file's --- and +++ lines"
    else:
        raise AssertionError("expected an InputError")


def test_uncollapsed_depth_one_quote_keeps_markers() -> None:
    text = ("Subject: Re: [PATCH 2/2] mm: y\n\nOn Monday:\n> --- a/mm/y.c\n> +++ b/mm/y.c\n"
            "> @@ -1,3 +1,3 @@\n>  \tkeep();\n> -\told();\n\nWhy?\n\n> +\tnew();\n>  }\n")
    (patch,) = read_text(text, "r.txt").patches
    (hunk,) = patch.files[0].hunks
    assert [(line.kind, line.text, line.origin) for line in hunk.lines] == [
        (" ", "\tkeep();", 7), ("-", "\told();", 8), ("+", "\tnew();", 12), (" ", "}", 13)]
    assert (patch.subject, patch.number) == ("mm: y", 2)
    assert patch.repairs == ("patch recovered from a review reply, quoted at depth 1",
                             "hunk at line 6: 3 interleaved reply lines dropped (lines 9-11)")


def test_prose_that_looks_like_a_diff_command_does_not_hide_the_quoted_patch() -> None:
    text = ("Re: [PATCH] mm: z\n\ndiff -u would show it better.\n> --- a/mm/z.c\n"
            "> +++ b/mm/z.c\n> @@ -1 +1 @@\n> -a\n> +b\n")
    (patch,) = read_text(text, "r.txt").patches
    assert [(line.kind, line.text) for line in patch.files[0].hunks[0].lines] == \
        [("-", "a"), ("+", "b")]
