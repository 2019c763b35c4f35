"""A long mbox is read one message at a time: patches are kept as places and read again."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from pte_check.errors import InputError
from pte_check.inputs import read_bytes, read_series
from pte_check.inputs.patch import Patch, Patches

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inputs"


def _mail(number: int, total: int, lines: int) -> str:
    body = "".join(f"+\tbench_write(dev, {i});\n" for i in range(lines))
    return (f"From 1234567890abcdef Mon Sep 17 00:00:00 2001\n"
            f"From: A U Thor <a@example.org>\n"
            f"Subject: [PATCH {number}/{total}] drivers: change {number}\n\n"
            f"Body {number}.\n---\n"
            f"diff --git a/drivers/x{number}.c b/drivers/x{number}.c\n"
            f"--- a/drivers/x{number}.c\n+++ b/drivers/x{number}.c\n"
            f"@@ -1,1 +1,{lines + 1} @@\n \tstart();\n{body}-- \n2.40.0\n\n")


@pytest.mark.parametrize("name", ["mbox-git.mbox", "mbox-b4.mbox", "mbox-lore.mbox",
                                  "mbox-thread.mbox"])
def test_an_mbox_file_reads_as_its_bytes_do(name: str) -> None:
    path = FIXTURES / name
    streamed = read_series([str(path)])
    whole = read_bytes(path.read_bytes(), str(path))
    assert isinstance(streamed.patches, Patches)
    assert list(streamed.patches) == list(whole.patches)
    assert (streamed.title, streamed.notes) == (whole.title, whole.notes)


def test_patches_of_an_mbox_are_read_again_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "series.mbox"
    path.write_text("".join(_mail(n, 3, 5) for n in (3, 1, 2)))
    series = read_series([str(path)])
    entries = series.patches._entries  # type: ignore[attr-defined]
    assert not any(isinstance(entry, Patch) for entry in entries)
    assert [p.number for p in series.patches] == [1, 2, 3]  # sorted by number
    assert series.patches[0] == series.patches[0] and series.patches[0] is not series.patches[0]
    assert [p.files[0].path for p in series.patches[1:]] == ["drivers/x2.c", "drivers/x3.c"]
    assert series.patches[2].origin == 1  # the line of its From_ line in the file


def test_an_mbox_changed_between_reads_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "series.mbox"
    path.write_text(_mail(1, 2, 5) + _mail(2, 2, 5))
    series = read_series([str(path)])
    path.write_text(_mail(1, 2, 1))
    with pytest.raises(InputError, match="changed while it was being read") as error:
        series.patches[1].files  # noqa: B018
    assert error.value.line == 20  # the From_ line of the second message


def test_an_mbox_from_stdin_reads_as_its_file_does(tmp_path: Path) -> None:
    text = _mail(1, 2, 5) + _mail(2, 2, 5)
    path = tmp_path / "series.mbox"
    path.write_text(text)
    piped = read_series(["-"], io.BytesIO(text.encode()))
    assert [p.files for p in piped.patches] == [p.files for p in read_series([str(path)]).patches]
    assert [p.source for p in piped.patches] == ["<stdin>", "<stdin>"]


def test_memory_follows_the_largest_patch_not_the_file(tmp_path: Path) -> None:
    """Reading a 40-patch mbox holds far less than its patches parsed all at once."""
    path = tmp_path / "long.mbox"
    path.write_text("".join(_mail(n, 40, 400) for n in range(1, 41)))
    tracemalloc.start()
    try:
        series = read_series([str(path)])
        held, _ = tracemalloc.get_traced_memory()
        one = series.patches[0]
        with_one, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert one.files[0].hunks[0].new_count == 401
    assert held < (with_one - held) * 2  # the whole series costs less than two parsed patches
