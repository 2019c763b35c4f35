"""Patch mail subjects: `Re:` and `[PATCH v2 05/32]`-style tags stripped, series position read."""

from __future__ import annotations

import re
from dataclasses import dataclass

REPLY = re.compile(r"^\s*(?:(?:re|fwd?|aw|sv|antw)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
TAG = re.compile(r"^\s*\[([^\]]*)\]\s*")
PATCH_TAG = re.compile(r"patch|rfc|resend|\d+\s*/\s*\d+|^v\d+$", re.IGNORECASE)
POSITION = re.compile(r"(?<![\w.])(\d+)\s*/\s*(\d+)(?![\w.])")


@dataclass(frozen=True)
class Subject:
    """A subject's title without prefixes, its position in a series, and whether it is a reply."""

    title: str
    number: int | None = None
    total: int | None = None
    reply: bool = False

    @property
    def is_cover(self) -> bool:
        return self.number == 0


def parse_subject(text: str) -> Subject:
    """The parts of a patch mail subject; text without tags is kept whole as the title."""
    text = " ".join(text.split())
    reply = REPLY.match(text)
    rest = text[reply.end():] if reply else text
    number: int | None = None
    total: int | None = None
    while (tag := TAG.match(rest)) and PATCH_TAG.search(tag.group(1)):
        position = POSITION.search(tag.group(1))
        if position and number is None:
            number, total = int(position.group(1)), int(position.group(2))
        rest = rest[tag.end():]
    return Subject(rest.strip(), number, total, reply is not None)
