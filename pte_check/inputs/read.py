"""Turning files, directories and stdin into a PatchSeries: diffs, mails, mboxes and replies."""

from __future__ import annotations

import io
import os
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pte_check.errors import InputError
from pte_check.inputs.diff import diff_start, parse_diff
from pte_check.inputs.lines import Numbered, RawLine, decode_lines, split_bytes
from pte_check.inputs.mail import Mail, read_mail
from pte_check.inputs.mbox import is_from_line, is_mbox, looks_like_mail, split_mbox
from pte_check.inputs.patch import FileDiff, Patch, Patches, PatchSeries
from pte_check.inputs.quote import reply_subject
from pte_check.inputs.reply import is_quoted_patch, recover
from pte_check.inputs.subject import Subject, parse_subject

STDIN = "<stdin>"
GIT_LOG = re.compile(r"^commit [0-9a-f]{7,40}\b")


@dataclass(frozen=True)
class Skipped:
    """A mail that holds no patch (a cover letter, a reply in a thread, a plain message)."""

    subject: Subject
    source: str
    origin: int
    reason: str


@dataclass
class _Items:
    """What one input gave: patches and skipped mails in order, and notes."""

    entries: list[Patch | Skipped | _Stored] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_series(paths: Sequence[str], stdin: BinaryIO | None = None) -> PatchSeries:
    """The series in paths, in order ("-" is stdin; a directory gives its *.patch files).

    An mbox is read one message at a time and its patches are kept as places in the file, read
    again when the analysis reaches them, so memory follows the largest patch, not the file."""
    items = _Items()
    for path in paths or ["-"]:
        for one in _read_input(path, stdin):
            items.entries.extend(one.entries)
            items.notes.extend(one.notes)
    return _assemble(items)


def read_text(text: str, source: str) -> PatchSeries:
    """The series in text, read as if it were the file source (lone surrogates are bad UTF-8)."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    return read_bytes(data, source)


def read_bytes(data: bytes, source: str) -> PatchSeries:
    """The series in data, read as if it were the file source."""
    return _assemble(_read_data(data, source))


def _read_input(path: str, stdin: BinaryIO | None) -> Iterator[_Items]:
    if path == "-":
        yield _read_data(_read_stdin(stdin), STDIN)
    elif os.path.isdir(path):
        for file in _patch_files(path):
            yield _read_path(str(file))
    else:
        yield _read_path(path)


def _read_data(data: bytes, source: str) -> _Items:
    if _opens_mbox(io.BytesIO(data)):
        return _stream_mbox(lambda: io.BytesIO(data), source)
    return read_items(data, source)


def _read_path(path: str) -> _Items:
    try:
        with open(path, "rb") as stream:
            mbox = _opens_mbox(stream)
    except OSError as error:
        raise InputError(path, None, f"cannot read the file: {error.strerror}") from error
    if mbox:
        return _stream_mbox(lambda: _open(path), path)
    return read_items(_read_file(path), path)


def _open(path: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as error:
        raise InputError(path, None, f"cannot read the file: {error.strerror}") from error


def _opens_mbox(stream: BinaryIO) -> bool:
    """Whether the first line that is not blank is an mbox From_ line (as is_mbox)."""
    for line in stream:
        if line.strip():
            return is_from_line(_strip_newline(line))
    return False


def _strip_newline(line: bytes) -> bytes:
    line = line[:-1] if line.endswith(b"\n") else line
    return line[:-1] if line.endswith(b"\r") else line


def _read_stdin(stdin: BinaryIO | None) -> bytes:
    if stdin is None:
        raise InputError(STDIN, None, "no standard input to read the patch from")
    return stdin.read()


def _read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputError(path, None, f"cannot read the file: {error.strerror}") from error


def _patch_files(path: str) -> list[Path]:
    files = sorted(file for file in Path(path).glob("*.patch") if file.is_file())
    if not files:
        raise InputError(path, None, "the directory holds no *.patch files")
    return files


@dataclass(frozen=True)
class _Place:
    """Where one message of an mbox lies: its byte range and the line of its From_ line."""

    offset: int
    length: int
    origin: int
    crc: int


def _messages(stream: BinaryIO) -> Iterator[tuple[_Place, bytes]]:
    """Each message of an mbox stream with its place, its From_ line first, one at a time."""
    offset = 0
    start: tuple[int, int] | None = None
    chunk: list[bytes] = []
    for number, line in enumerate(stream, 1):
        if line.startswith(b"From ") and is_from_line(_strip_newline(line)):
            if start is not None:
                data = b"".join(chunk)
                yield _Place(start[0], len(data), start[1], zlib.crc32(data)), data
            start, chunk = (offset, number), []
        if start is not None:
            chunk.append(line)
        offset += len(line)
    if start is not None:
        data = b"".join(chunk)
        yield _Place(start[0], len(data), start[1], zlib.crc32(data)), data


def _message_entry(data: bytes, place: _Place, source: str,
                   series: bool) -> tuple[Patch | Skipped, tuple[str, ...]]:
    (message,) = split_mbox(split_bytes(data, source, place.origin))
    mail = read_mail(message.lines, source, message.origin)
    return _from_mail(mail, source, series), mail.notes


def _stream_mbox(opener: Callable[[], BinaryIO], source: str) -> _Items:
    """An mbox read message by message; each patch is kept as a loader of its message."""
    items = _Items()
    places: list[_Place] = []
    with opener() as stream:
        for place, data in _messages(stream):
            places.append(place)
            entry, notes = _message_entry(data, place, source, series=True)
            items.notes.extend(notes)
            if isinstance(entry, Patch):
                load = _Loader(opener, source, place)
                items.entries.append(_Stored(load, entry.number))
            else:
                items.entries.append(entry)
    if len(places) == 1:  # one mail: read as a mail on its own (a quoted reply is recovered)
        with opener() as stream:
            return read_items(stream.read(), source)
    patches = [entry for entry in items.entries if isinstance(entry, _Stored)]
    if patches and all(patch.number is not None for patch in patches):
        items.entries.sort(key=_position)
    return items


class _Loader:
    """Reads one message of an mbox again and gives its patch."""

    def __init__(self, opener: Callable[[], BinaryIO], source: str, place: _Place) -> None:
        self.opener, self.source, self.place = opener, source, place

    def __call__(self) -> Patch:
        with self.opener() as stream:
            stream.seek(self.place.offset)
            data = stream.read(self.place.length)
        if zlib.crc32(data) != self.place.crc:
            raise InputError(self.source, self.place.origin,
                             "the file changed while it was being read")
        entry, _ = _message_entry(data, self.place, self.source, series=True)
        assert isinstance(entry, Patch), "the same bytes gave a patch before"
        return entry


@dataclass(frozen=True)
class _Stored:
    """A patch of an mbox, kept as the place to read it from."""

    load: Callable[[], Patch]
    number: int | None


def read_items(data: bytes, source: str) -> _Items:
    """The patches and skipped mails of one input."""
    raw = split_bytes(data, source)
    if is_mbox(raw):
        return _mbox(raw, source)
    if looks_like_mail(raw):
        return _mails([(1, raw)], source, series=False)
    return _Items([_text(decode_lines(raw, source), source)])


def _mbox(raw: Sequence[RawLine], source: str) -> _Items:
    messages = split_mbox(raw)
    items = _mails([(m.origin, m.lines) for m in messages], source, series=len(messages) > 1)
    patches = [entry for entry in items.entries if isinstance(entry, Patch)]
    if patches and all(patch.number is not None for patch in patches):
        items.entries.sort(key=_position)
    return items


def _position(entry: Patch | Skipped | _Stored) -> int:
    number = entry.subject.number if isinstance(entry, Skipped) else entry.number
    return -1 if number is None else number


def _mails(messages: Sequence[tuple[int, Sequence[RawLine]]], source: str,
           series: bool) -> _Items:
    items = _Items()
    for origin, lines in messages:
        mail = read_mail(lines, source, origin)
        items.entries.append(_from_mail(mail, source, series))
        items.notes.extend(mail.notes)
    return items


def _from_mail(mail: Mail, source: str, series: bool) -> Patch | Skipped:
    subject = parse_subject(mail.subject)
    if subject.is_cover:
        return Skipped(subject, source, mail.origin, "the cover letter")
    if series and subject.reply:
        return Skipped(subject, source, mail.origin, "a reply in the thread")
    files = tuple(file for body in mail.bodies for file in _diff(list(body.lines), source))
    if files:
        return Patch(subject.title or "(no subject)", files, source, mail.origin, mail.author,
                     mail.date, subject.number, subject.total)
    quoted = next((body for body in mail.bodies if is_quoted_patch(body.lines)), None)
    if quoted is not None and not series:
        return _reply(list(quoted.lines), subject, source, mail.origin)
    return Skipped(subject, source, mail.origin, "no patch in the mail")


def _diff(lines: list[Numbered], source: str) -> tuple[FileDiff, ...]:
    start = diff_start(lines)
    return () if start is None else parse_diff(lines[start:], source)


def _reply(lines: list[Numbered], subject: Subject, source: str, origin: int) -> Patch:
    recovered = recover(lines, source)
    return Patch(subject.title or Path(source).name, recovered.files, source, origin,
                 recovered.author, recovered.date, subject.number, subject.total,
                 tuple(recovered.repairs))


def _text(lines: list[Numbered], source: str) -> Patch:
    start = diff_start(lines)
    files = _diff(lines, source)
    if start is not None and files:
        subject, author, date = _text_headers(lines[:start], source)
        return Patch(subject.title, files, source, lines[start].origin, author, date,
                     subject.number, subject.total)
    if is_quoted_patch(lines):
        subject = parse_subject(reply_subject(lines) or "")
        return _reply(lines, subject, source, lines[0].origin)
    raise InputError(source, None, "no patch found: no diff (diff --git, --- and +++, or @@ "
                     "lines) and no patch quoted with >")


def _text_headers(lines: Sequence[Numbered],
                  source: str) -> tuple[Subject, str | None, str | None]:
    """The subject, author and date of `git show` output; else the file name as subject."""
    name = Subject(Path(source).name)
    if not lines or not GIT_LOG.match(lines[0].text):
        return name, None, None
    fields = dict(line.text.split(":", 1) for line in lines[1:4] if ":" in line.text)
    message = next((line.text.strip() for line in lines[1:] if line.text.startswith("    ")), "")
    author, date = fields.get("Author"), fields.get("Date")
    return (parse_subject(message) if message else name,
            author.strip() if author else None, date.strip() if date else None)


def _assemble(items: _Items) -> PatchSeries:
    patches = Patches([e.load if isinstance(e, _Stored) else e for e in items.entries
                       if not isinstance(e, Skipped)])
    skipped = [e for e in items.entries if isinstance(e, Skipped)]
    if not patches:
        raise _no_patch(skipped)
    title = next((s.subject.title for s in skipped if s.subject.is_cover), None)
    notes = [f"{s.source}:{s.origin}: skipped {s.subject.title!r}: {s.reason}"
             for s in skipped if not s.subject.is_cover]
    return PatchSeries(patches, title, tuple(items.notes + notes))


def _no_patch(skipped: Sequence[Skipped]) -> InputError:
    if not skipped:
        return InputError("<input>", None, "no patch given")
    first = skipped[0]
    if len(skipped) == 1:
        return InputError(first.source, first.origin,
                          f"no patch found: the mail {first.subject.title!r} is {first.reason}"
                          if first.subject.is_cover else
                          f"no patch found in the mail {first.subject.title!r}")
    return InputError(first.source, None, f"no patch found in any of the {len(skipped)} mails")
