"""Input bytes as numbered lines: CRLF normalised, NUL and bad UTF-8 reported by line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pte_check.errors import InputError


class Numbered(NamedTuple):
    """One text line without its line ending, and its 1-based line number in the input file."""

    origin: int
    text: str


class RawLine(NamedTuple):
    """One undecoded line without its line ending, and its 1-based line number."""

    origin: int
    data: bytes


def split_bytes(data: bytes, source: str, first: int = 1) -> list[RawLine]:
    """The lines of data, CRLF normalised, numbered from `first` (where data starts in its
    file); empty input and NUL bytes are InputErrors."""
    if not data.strip():
        raise InputError(source, None, "the input is empty; expected a patch, a mail or an mbox")
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + first
        raise InputError(source, line, "binary data (a NUL byte), not a text patch")
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    if b"\r" not in data:
        return list(map(RawLine, range(first, first + len(parts)), parts))
    return [RawLine(number, _strip_cr(part)) for number, part in enumerate(parts, first)]


def _strip_cr(data: bytes) -> bytes:
    return data[:-1] if data.endswith(b"\r") else data


def decode_lines(raw: Sequence[RawLine], source: str) -> list[Numbered]:
    """Each line decoded as UTF-8; a line that is not UTF-8 is an InputError naming it."""
    try:  # all at once (UTF-8 never holds a newline byte inside a character)
        texts = b"\n".join(line.data for line in raw).decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return [Numbered(line.origin, _decode(line, source)) for line in raw]
    if not raw:
        return []
    return list(map(Numbered, (line.origin for line in raw), texts))


def _decode(line: RawLine, source: str) -> str:
    try:
        return line.data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = line.data[error.start]
        raise InputError(
            source, line.origin,
            f"not valid UTF-8 (byte 0x{byte:02x} at column {error.start + 1}); "
            "convert the file to UTF-8") from None
