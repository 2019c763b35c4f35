"""Mails and mboxes: From_ styles, cover letters, encodings, attachments, flowed text."""

from __future__ import annotations

from pathlib import Path

import pytest

from pte_check.inputs import read_series, read_text
from pte_check.inputs.lines import Numbered, RawLine, split_bytes
from pte_check.inputs.mbox import is_from_line, looks_like_mail, split_mbox
from pte_check.inputs.mime import decode_charset, unflow
from pte_check.inputs.subject import parse_subject

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inputs"


def fixture(name: str) -> str:
    return str(FIXTURES / name)


@pytest.mark.parametrize("name, origins", [
    ("mbox-git.mbox", (18, 47)), ("mbox-b4.mbox", (18, 47)), ("mbox-lore.mbox", (30, 1))])
def test_mbox_styles_give_cover_title_and_patches_by_number(name: str,
                                                            origins: tuple[int, int]) -> None:
    series = read_series([fixture(name)])
    assert series.title == "mm: fault path cleanups"
    assert [(p.number, p.total, p.subject) for p in series.patches] == [
        (1, 2, "mm/memory: unmap on SIGBUS"), (2, 2, "mm/filemap: drop a stray put")]
    assert tuple(p.origin for p in series.patches) == origins
    assert series.notes == ()
    first, second = series.patches
    assert first.files[0].path == "mm/memory.c" and second.files[0].path == "mm/filemap.c"
    assert first.files[0].hunks[0].origin == origins[0] + 16
    assert [line.kind for line in second.files[0].hunks[0].lines] == list("   -   ")


def test_mboxrd_from_lines_are_unescaped_once() -> None:
    raw = split_bytes((FIXTURES / "mbox-lore.mbox").read_bytes(), "lore")
    first = split_mbox(raw)[0]
    texts = [line.data for line in first.lines]
    assert b"From an mboxrd escape, one > is dropped." in texts
    assert b">From two levels, one stays." in texts
    assert b"From here on, the put is gone." in texts


def test_from_lines_of_git_b4_and_lore_are_recognised_and_prose_is_not() -> None:
    assert is_from_line(b"From 0e2b9c2a4b3c1d8f7e6a5b4c3d2e1f0a9b8c7d6e Mon Sep 17 00:00:00 2001")
    assert is_from_line(b"From git@z Thu Jan  1 00:00:00 1970")
    assert is_from_line(b"From mboxrd@z Thu Jan  1 00:00:00 1970")
    assert not is_from_line(b"From here on, the put is gone.")
    assert not is_from_line(b"From: Ada <ada@example.org>")


def test_thread_mbox_skips_reply_and_patchless_mail_with_notes() -> None:
    series = read_series([fixture("mbox-thread.mbox")])
    assert [p.number for p in series.patches] == [1, 2]
    assert series.notes == (
        (f"{fixture('mbox-thread.mbox')}:47: skipped 'mm/memory: unmap on SIGBUS': "
        "a reply in the thread"),
        f"{fixture('mbox-thread.mbox')}:86: skipped 'mm: forgot the diff': no patch in the mail")


def test_quoted_printable_mail_decodes_body_and_rfc2047_headers() -> None:
    (patch,) = read_series([fixture("quoted-printable.eml")]).patches
    assert patch.subject == "mm/memory: unmap on SIGBUS \u2013 qp"
    assert patch.author == "Ada Lov\u00e9lace <ada@example.org>"
    assert (patch.number, patch.total) == (3, 7)
    hunk = patch.files[0].hunks[0]
    assert hunk.lines[0].text == "\tstruct vm_area_struct *vma = vmf->vma;"
    assert [line.origin for line in hunk.lines] == [20, 22, 23, 24, 25, 26, 27, 28, 29]
    assert hunk.lines[2].text == "" and hunk.lines[6].text == "\t\tret = VM_FAULT_SIGBUS;"


def test_crlf_mail_is_normalised() -> None:
    (patch,) = read_series([fixture("crlf.eml")]).patches
    assert patch.subject == "mm/filemap: drop a stray put"
    hunk = patch.files[0].hunks[0]
    assert [(line.kind, line.text) for line in hunk.lines][:4] == [
        (" ", "\tif (pmd_none(*vmf->pmd))"), (" ", ("\t\tpmd_install(mm, vmf->pmd, "
                                                   "&vmf->prealloc_pte);")),
        (" ", ""), ("-", "\tfolio_put(folio);")]
    assert hunk.origin == 17


def test_base64_attachment_is_decoded_with_approximate_origins() -> None:
    (patch,) = read_series([fixture("base64-attachment.eml")]).patches
    assert (patch.subject, patch.number, patch.total) == ("mm/memory: unmap on SIGBUS", 3, 7)
    (diff,) = patch.files
    assert diff.path == "mm/memory.c" and diff.origin == 18
    hunk = diff.hunks[0]
    assert [line.kind for line in hunk.lines] == list("   -++   ")
    assert hunk.lines[5].text == "\t\tpte_unmap(vmf->pte);"
    assert all(18 <= line.origin <= 24 for line in hunk.lines)


def test_format_flowed_mail_is_unflowed() -> None:
    (patch,) = read_series([fixture("flowed.eml")]).patches
    hunk = patch.files[0].hunks[0]
    assert hunk.lines[5].text == '\t\tpr_warn("fault path wrapped by the mailer");'
    assert hunk.lines[0].text == "\tstruct vm_area_struct *vma = vmf->vma;"
    assert [line.origin for line in hunk.lines] == [16, 17, 18, 19, 20, 21, 23, 24, 25]


def test_unflow_joins_soft_breaks_and_keeps_the_signature() -> None:
    lines = [Numbered(1, "abc "), Numbered(2, "def"), Numbered(3, "-- "), Numbered(4, "  x")]
    assert unflow(lines, delsp=False) == [Numbered(1, "abc def"), Numbered(3, "-- "),
                                          Numbered(4, " x")]
    assert unflow(lines[:2], delsp=True) == [Numbered(1, "abcdef")]


def test_charset_falls_back_to_utf8() -> None:
    assert decode_charset("caf\u00e9".encode(), "us-ascii") == ("caf\u00e9", True)
    assert decode_charset("caf\u00e9".encode("latin-1"), "iso-8859-1") == ("caf\u00e9", True)
    assert decode_charset("caf\u00e9".encode(), "x-unknown") == ("caf\u00e9", True)
    assert decode_charset(b"caf\xe9", None) == ("caf\ufffd", False)


def test_in_body_from_overrides_the_sender() -> None:
    text = ("From: Sender <s@example.org>\nSubject: [PATCH] mm: x\n\n"
            "From: Real Author <r@example.org>\n\nWhy.\n---\n"
            "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1 +1 @@\n-a\n+b\n")
    (patch,) = read_text(text, "mail.eml").patches
    assert patch.author == "Real Author <r@example.org>"
    assert patch.files[0].hunks[0].lines[0].origin == 11


@pytest.mark.parametrize("subject, expected", [
    ("[PATCH v2 05/32] mm/filemap: allow pte_offset_map_lock() to fail",
     ("mm/filemap: allow pte_offset_map_lock() to fail", 5, 32, False)),
    ("[RFC PATCH net-next 3/7] net: x", ("net: x", 3, 7, False)),
    ("[PATCHv3] mm: y", ("mm: y", None, None, False)),
    ("Re: [PATCH 0/3] cover", ("cover", 0, 3, True)),
    ("RE: Fwd: [PATCH] [media] foo", ("[media] foo", None, None, True)),
    ("plain words", ("plain words", None, None, False)),
])
def test_subjects(subject: str, expected: tuple[str, int | None, int | None, bool]) -> None:
    parsed = parse_subject(subject)
    assert (parsed.title, parsed.number, parsed.total, parsed.reply) == expected


def test_mail_header_block_detection() -> None:
    assert looks_like_mail([RawLine(1, b"From: a"), RawLine(2, b"Subject: b"), RawLine(3, b"")])
    assert not looks_like_mail([RawLine(1, b"Re: [PATCH] x"), RawLine(2, b"")])
    assert not looks_like_mail([RawLine(1, b"diff --git a/x b/x")])
