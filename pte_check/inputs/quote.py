"""Mail quoting: the depth of a `> > ` prefix, text without it, reviewer cut marks, reply subjects."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pte_check.inputs.lines import Numbered
from pte_check.inputs.subject import PATCH_TAG, REPLY, TAG

LEVEL = re.compile(r"[ \t]*>[ \t]?")  # matched at a position: one level of quoting
PATCH_START = re.compile(r"^(diff --git |@@ -\d+(,\d+)? \+\d+(,\d+)? @@)")
SNIP = re.compile(r"^\s*(\[\s*(\.\.\.|…|snip(ped)?|trimmed|cut)\s*\]|<\s*(\.\.\.|…|snip(ped)?)\s*>)"
                  r"\s*$", re.IGNORECASE)
SUBJECT_HEADER = re.compile(r"^Subject:\s*(.+)$", re.IGNORECASE)


def depth(text: str) -> int:
    """How many quote levels prefix text."""
    return _strip(text, None)[0]


def unquote(text: str, levels: int | None = None) -> str:
    """text without its quote prefix (all levels, or only the first `levels`)."""
    return text[_strip(text, levels)[1]:]


def _strip(text: str, levels: int | None) -> tuple[int, int]:
    """How many quote levels (at most `levels`) prefix text, and where they end (linear time,
    however deep the quoting)."""
    count = end = 0
    while (levels is None or count < levels) and (match := LEVEL.match(text, end)):
        end = match.end()
        count += 1
    return count, end


def is_snip(text: str) -> bool:
    """Whether text (without quotes) is a reviewer's cut mark such as [...] or <snip>."""
    return SNIP.match(unquote(text)) is not None


def patch_depth(lines: Sequence[Numbered]) -> int | None:
    """The quote depth that holds the quoted patch's diff headers and hunks, if any."""
    depths = Counter(depth(line.text) for line in lines
                     if line.text.lstrip().startswith(">") and PATCH_START.match(unquote(line.text)))
    if not depths:
        return None
    return max(depths, key=lambda level: (depths[level], -level))


def reply_subject(lines: Sequence[Numbered]) -> str | None:
    """The subject of a pasted reply: a Subject: line, or a first line like `Re: [PATCH ...] ...`."""
    for line in lines[:30]:
        match = SUBJECT_HEADER.match(line.text)
        if match:
            return match.group(1).strip()
    first = next((line.text for line in lines if line.text.strip()), "")
    if REPLY.match(first) or ((tag := TAG.match(first)) and PATCH_TAG.search(tag.group(1))):
        return first.strip()
    return None
