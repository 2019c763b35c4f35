"""One MIME part's text decoded (transfer encoding, charset, format=flowed) with input line numbers."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import Message
from itertools import accumulate

from pte_check.inputs.lines import Numbered, RawLine

ASCII_NAMES = ("us-ascii", "ascii", "ansi_x3.4-1968")


def locate(part: Message, raw: Sequence[RawLine], cursor: int) -> int:
    """The index in raw where the part's body starts, searching from cursor."""
    first, blanks = _first_line(part)
    for index in range(cursor, len(raw)):
        if raw[index].data == first:
            return max(index - blanks, cursor)
    return cursor


def _first_line(part: Message) -> tuple[bytes, int]:
    payload = part.get_payload(decode=False)
    text = payload if isinstance(payload, str) else ""
    data = text.encode("utf-8", "surrogateescape")
    lines = [line.rstrip(b"\r") for line in data.split(b"\n")]
    blanks = next((i for i, line in enumerate(lines) if line.strip()), 0)
    return lines[blanks] if blanks < len(lines) else b"", blanks


def decode_part(part: Message, raw: Sequence[RawLine], start: int) -> tuple[list[Numbered], bool]:
    """The part's text lines numbered by the input lines they came from; and whether it was
    decoded cleanly (False when bytes had to be replaced)."""
    data = part.get_payload(decode=True)
    payload = data if isinstance(data, bytes) else b""
    text, clean = decode_charset(payload, part.get_content_charset())
    pieces = _split(text, payload)
    origins = _origins(_encoding(part), raw, start, len(pieces))
    lines = [Numbered(origin, line.removesuffix("\r"))
             for origin, (_, line) in zip(origins.each(pieces), pieces, strict=True)]
    if str(part.get_param("format", "")).lower() == "flowed":
        lines = unflow(lines, str(part.get_param("delsp", "")).lower() == "yes")
    return lines, clean


def decode_charset(data: bytes, charset: str | None) -> tuple[str, bool]:
    """data decoded with its declared charset, else UTF-8; replaced bytes make it unclean."""
    names = [charset.lower()] if charset else []
    if not names or names[0] in ASCII_NAMES:
        names = ["utf-8"]
    for name in names + ["utf-8"]:
        try:
            return data.decode(name), True
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace"), False


def _encoding(part: Message) -> str:
    return str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()


def _split(text: str, payload: bytes) -> list[tuple[int, str]]:
    """Each line of text with the byte offset in payload where it starts."""
    offsets = [0, *accumulate(len(piece) + 1 for piece in payload.split(b"\n")[:-1])]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [(offsets[min(i, len(offsets) - 1)], line) for i, line in enumerate(lines)]


class _Origins:
    """Maps a decoded line (by index and byte offset) to the encoded input line it came from:
    the input lines from the part's start on, the last one for anything beyond them. Looked up
    in place (no copy of the rest of the input per part, which made many parts quadratic)."""

    def __init__(self, raw: Sequence[RawLine], start: int, per_line: int,
                 starts: list[int] | None = None) -> None:
        self.raw = raw
        self.start = start
        self.per_line = per_line
        self.starts = starts

    def each(self, pieces: Sequence[tuple[int, str]]) -> list[int]:
        """The origin of every decoded line (as __call__, at once for plain parts)."""
        if self.starts is None and not self.per_line and self.raw:
            origins = [line.origin for line in self.raw[self.start:self.start + len(pieces)]]
            return origins + [self.raw[-1].origin] * (len(pieces) - len(origins))
        return [self(index, offset) for index, (offset, _) in enumerate(pieces)]

    def __call__(self, index: int, offset: int) -> int:
        if self.starts is not None:
            return self.starts[min(index, len(self.starts) - 1)] if self.starts else 0
        if not self.raw:
            return 0
        key = offset // self.per_line if self.per_line else index
        return self.raw[min(self.start + key, len(self.raw) - 1)].origin


def _origins(encoding: str, raw: Sequence[RawLine], start: int, count: int) -> _Origins:
    """Where the `count` decoded lines of a part starting at raw[start] came from."""
    first = min(start, len(raw) - 1)
    if encoding == "base64":
        width = len(raw[first].data.strip()) * 3 // 4 if raw else 0
        return _Origins(raw, start, max(width, 1))
    if encoding == "quoted-printable":
        return _Origins(raw, start, 0, _qp_starts(raw, max(first, 0), count))
    return _Origins(raw, start, 0)


def _qp_starts(raw: Sequence[RawLine], first: int, count: int) -> list[int]:
    """The input lines where each of `count` decoded lines starts (a trailing `=` continues a
    line), reading raw from index first."""
    starts: list[int] = []
    starting = True
    for index in range(first, len(raw)):
        if len(starts) >= count:
            break
        if starting:
            starts.append(raw[index].origin)
        starting = not raw[index].data.rstrip(b" \t").endswith(b"=")
    return starts


def unflow(lines: Sequence[Numbered], delsp: bool) -> list[Numbered]:
    """RFC 3676 format=flowed undone: space-stuffing removed, soft line breaks joined."""
    result: list[Numbered] = []
    joining = False
    for line in lines:
        text = line.text.removeprefix(" ")
        if joining:
            result[-1] = Numbered(result[-1].origin, result[-1].text + text)
        else:
            result.append(Numbered(line.origin, text))
        joining = text.endswith(" ") and text != "-- "
        if joining and delsp:
            result[-1] = Numbered(result[-1].origin, result[-1].text[:-1])
    return result
