"""Checking each hunk's lines against its header counts before unidiff sees the diff."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from pte_check.errors import InputError
from pte_check.inputs.lines import Numbered

HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
COMBINED = re.compile(r"^(diff --cc |diff --combined |@@@ )")
VERSION = re.compile(r"^\d+(\.\d+)+\S*$")


class Header(NamedTuple):
    """The numbers of a hunk header; a missing count means 1."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    heading: str

    @property
    def text(self) -> str:
        return f"@@ -{self.old_start},{self.old_count} +{self.new_start},{self.new_count} @@"


def parse_header(text: str) -> Header | None:
    """The header's numbers, or None when text is no hunk header."""
    match = HUNK_HEADER.match(text)
    if not match:
        return None
    old_start, old_count, new_start, new_count, heading = match.groups()
    return Header(int(old_start), _count(old_count), int(new_start), _count(new_count),
                  heading.strip())


def _count(text: str | None) -> int:
    return 1 if text is None else int(text)


def is_signature(lines: Sequence[Numbered], index: int) -> bool:
    """Whether lines[index] opens a mail signature (`-- ` then a git version or nothing)."""
    if lines[index].text.rstrip() != "--":
        return False
    rest = [line.text.strip() for line in lines[index + 1:index + 3]]
    return not rest or not rest[0] or bool(VERSION.match(rest[0]))


def check_hunks(lines: Sequence[Numbered], source: str) -> int:
    """Where the diff in lines ends (before a signature); raises at the first bad hunk."""
    index = 0
    while index < len(lines):
        text = lines[index].text
        if COMBINED.match(text):
            raise InputError(source, lines[index].origin,
                             "a combined diff of a merge (diff --cc) cannot be analysed; "
                             "give the patch against one parent")
        if text.startswith("@@"):
            index = _check_hunk(lines, index, source)
            continue
        if is_signature(lines, index):
            return index
        index += 1
    return len(lines)


def _check_hunk(lines: Sequence[Numbered], start: int, source: str) -> int:
    header = parse_header(lines[start].text)
    if header is None:
        raise InputError(source, lines[start].origin,
                         f"malformed hunk header {lines[start].text[:60]!r}")
    if header.old_count == 0 and header.new_count == 0:
        raise InputError(source, lines[start].origin,
                         f"the hunk header {header.text} counts no lines at all")
    end = _count_lines(lines, start, header, source)
    if end < len(lines) and lines[end].text and _body_kind(lines, end) in (" ", "-", "+") \
            and not _is_file_header(lines, end):
        raise InputError(source, lines[start].origin,
                         f"the hunk {header.text} goes on past the lines its header counts "
                         f"(line {lines[end].origin} is one more hunk line)")
    return end


def _count_lines(lines: Sequence[Numbered], start: int, header: Header, source: str) -> int:
    old, new = header.old_count, header.new_count
    index = start + 1
    while (old > 0 or new > 0) and index < len(lines):
        kind = _body_kind(lines, index)
        if kind is None:
            break
        old -= kind in " -"
        new -= kind in " +"
        if old < 0 or new < 0:
            side = "old" if old < 0 else "new"
            raise InputError(source, lines[start].origin,
                             f"the hunk {header.text} has more {side} lines than its header "
                             f"counts (line {lines[index].origin} is one too many)")
        index += 1
    if old > 0 or new > 0:
        raise InputError(source, lines[start].origin, _short(lines, index, header, old, new))
    return _skip_marker(lines, index)


def _short(lines: Sequence[Numbered], index: int, header: Header, old: int, new: int) -> str:
    where = f"line {lines[index].origin}" if index < len(lines) else "the end of the input"
    return (f"the hunk {header.text} ends at {where} with {old} old and {new} new lines "
            "fewer than its header counts")


def _skip_marker(lines: Sequence[Numbered], index: int) -> int:
    while index < len(lines) and lines[index].text.startswith("\\"):
        index += 1
    return index


def _body_kind(lines: Sequence[Numbered], index: int) -> str | None:
    """The kind of a hunk body line (' ', '-', '+', '\\'), or None when it is none."""
    text = lines[index].text
    if not text:
        return " "
    if text[0] not in " -+\\" or is_signature(lines, index):
        return None
    return text[0]


def _is_file_header(lines: Sequence[Numbered], index: int) -> bool:
    """Whether lines[index] is a `--- ` line followed by a `+++ ` line."""
    return lines[index].text.startswith("--- ") and index + 1 < len(lines) \
        and lines[index + 1].text.startswith("+++ ")
