"""Splitting an mbox into messages on real From_ lines (git, b4, lore mboxrd) and unescaping."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pte_check.inputs.lines import RawLine

FROM_LINE = re.compile(
    rb"^From (\S+) +(Mon|Tue|Wed|Thu|Fri|Sat|Sun) +(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
    rb"|Nov|Dec) +\d{1,2} +\d{1,2}:\d\d(:\d\d)?( +[+-]\d{4})? +\d{4}\s*$")
ESCAPED_FROM = re.compile(rb"^>+From ")
HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:")
CONTINUATION = re.compile(rb"^[ \t]+\S")
MAIL_HEADERS = (b"from", b"subject")


@dataclass(frozen=True)
class MboxMessage:
    """One message of an mbox: the line of its From_ line and its lines after it."""

    origin: int
    lines: tuple[RawLine, ...]


def is_from_line(data: bytes) -> bool:
    """Whether data is an mbox From_ line with an asctime date."""
    return FROM_LINE.match(data) is not None


def is_mbox(raw: Sequence[RawLine]) -> bool:
    """Whether the first non-blank line is a From_ line."""
    first = next((line for line in raw if line.data.strip()), None)
    return first is not None and is_from_line(first.data)


def split_mbox(raw: Sequence[RawLine]) -> list[MboxMessage]:
    """The messages of an mbox, each without its From_ line; mboxrd `>From` lines unescaped."""
    starts = [index for index, line in enumerate(raw) if is_from_line(line.data)]
    messages = []
    for start, end in zip(starts, starts[1:] + [len(raw)], strict=True):
        body = _trim(raw[start + 1:end])
        if _is_mboxrd(raw[start].data):
            body = [_unescape(line) for line in body]
        messages.append(MboxMessage(raw[start].origin, tuple(body)))
    return messages


def _trim(lines: Sequence[RawLine]) -> list[RawLine]:
    end = len(lines)
    while end > 0 and not lines[end - 1].data.strip():
        end -= 1
    return list(lines[:end])


def _is_mboxrd(from_line: bytes) -> bool:
    return from_line.startswith(b"From mboxrd@")


def _unescape(line: RawLine) -> RawLine:
    if ESCAPED_FROM.match(line.data):
        return RawLine(line.origin, line.data[1:])
    return line


def looks_like_mail(raw: Sequence[RawLine]) -> bool:
    """Whether raw opens with a block of mail headers that has a From: or Subject: header."""
    names = []
    for line in raw:
        if not line.data.strip():
            break
        if HEADER.match(line.data):
            names.append(line.data.split(b":", 1)[0].lower())
        elif not (names and CONTINUATION.match(line.data)):
            return False
    return any(name in MAIL_HEADERS for name in names)
