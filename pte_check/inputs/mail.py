"""One mail read with the standard library's email: headers, and its text parts with input lines."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from email.message import Message

from pte_check.errors import InputError
from pte_check.inputs.lines import Numbered, RawLine
from pte_check.inputs.mime import decode_part, locate

PATCH_NAMES = (".patch", ".diff", ".txt")
IN_BODY = re.compile(r"^(From|Subject|Date): (.*)$")


@dataclass(frozen=True)
class Body:
    """A text part of a mail (inline or attached), as numbered lines."""

    lines: tuple[Numbered, ...]
    attachment: bool = False


@dataclass(frozen=True)
class Mail:
    """A mail's headers that matter here, its text parts, and the line where it starts."""

    subject: str
    author: str | None
    date: str | None
    bodies: tuple[Body, ...]
    origin: int
    notes: tuple[str, ...] = ()


def read_mail(raw: Sequence[RawLine], source: str, origin: int) -> Mail:
    """The mail in raw (headers first, no From_ line); origin is where it starts in the input."""
    message = _parse(raw, source, origin)
    bodies, notes = _bodies(message, raw, source)
    mail = Mail(_header(message, "Subject") or "", _header(message, "From"),
                _raw_header(message, "Date"), tuple(bodies), origin, tuple(notes))
    return _in_body_headers(mail)


def _parse(raw: Sequence[RawLine], source: str, origin: int) -> Message:
    data = b"\n".join(line.data for line in raw) + b"\n"
    try:
        return email.message_from_bytes(data, policy=email.policy.default)
    except Exception as error:  # the email package's failures on malformed mail vary
        raise InputError(source, origin, f"cannot read the mail: {error}") from error


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
        return None if value is None else " ".join(str(value).split())
    except Exception:  # noqa: BLE001 - a header the parser chokes on is kept raw
        return _raw_header(message, name)


def _raw_header(message: Message, name: str) -> str | None:
    """The header as written (unfolded), without the parser's reformatting."""
    raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), None)
    return None if raw is None else " ".join(str(raw).split())


def _bodies(message: Message, raw: Sequence[RawLine],
            source: str) -> tuple[list[Body], list[str]]:
    cursor = _header_end(raw)
    bodies, notes = [], []
    for part in message.walk():
        if part.is_multipart() or not _is_text(part):
            continue
        start = locate(part, raw, cursor)
        lines, clean = _decode(part, raw, start, source)
        if not clean:
            notes.append(f"{source}:{_line(raw, start)}: bytes that are not valid in the "
                         "mail's charset were replaced")
        bodies.append(Body(tuple(lines), _is_attachment(part)))
        cursor = min(start + 1, len(raw))
    return bodies, notes


def _decode(part: Message, raw: Sequence[RawLine], start: int,
            source: str) -> tuple[list[Numbered], bool]:
    try:
        return decode_part(part, raw, start)
    except Exception as error:  # malformed encodings raise assorted errors in email
        raise InputError(source, _line(raw, start),
                         f"cannot decode the mail part: {error}") from error


def _line(raw: Sequence[RawLine], index: int) -> int | None:
    return raw[min(index, len(raw) - 1)].origin if raw else None


def _header_end(raw: Sequence[RawLine]) -> int:
    return next((i + 1 for i, line in enumerate(raw) if not line.data.strip()), len(raw))


def _is_text(part: Message) -> bool:
    name = (part.get_filename() or "").lower()
    if name.endswith(PATCH_NAMES):
        return True
    return part.get_content_maintype() == "text" and part.get_content_subtype() != "html"


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None


def _in_body_headers(mail: Mail) -> Mail:
    """git's in-body From:/Subject:/Date: lines (author differs from sender) override headers."""
    if not mail.bodies or mail.bodies[0].attachment:
        return mail
    lines = mail.bodies[0].lines
    found: dict[str, str] = {}
    index = 0
    while index < len(lines) and (match := IN_BODY.match(lines[index].text)):
        found[match.group(1)] = match.group(2).strip()
        index += 1
    if not found or (index < len(lines) and lines[index].text.strip()):
        return mail
    body = Body(lines[index + 1:], False)
    return replace(mail, subject=found.get("Subject", mail.subject),
                   author=found.get("From", mail.author), date=found.get("Date", mail.date),
                   bodies=(body,) + mail.bodies[1:])
