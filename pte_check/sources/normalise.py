"""Whitespace- and comment-insensitive forms of C lines, for matching hunks to sources."""

from __future__ import annotations

import re

_BLOCK = re.compile(r"/\*.*?\*/")
_SPACE = re.compile(r"\s+")
_WEAK = frozenset({"", "{", "}", "};", "else", "}else{", "}else", "else{", "returnret;",
                   "return0;", "returntrue;", "returnfalse;", "break;", "continue;",
                   "default:", "do{", "returnNULL;", "out:", "unlock:"})


def normalise_lines(lines: list[str]) -> list[str]:
    """Each line without comments or whitespace ('' for blank and comment-only lines)."""
    out: list[str] = []
    in_comment = False
    for line in lines:
        text = line
        if in_comment:
            end = text.find("*/")
            if end < 0:
                out.append("")
                continue
            text = text[end + 2:]
            in_comment = False
        text = _BLOCK.sub(" ", text)
        start = text.find("/*")
        if start >= 0:
            text, in_comment = text[:start], True
        comment = text.find("//")
        if comment >= 0:
            text = text[:comment]
        out.append(_SPACE.sub("", text))
    return out


def is_weak(normalised: str) -> bool:
    """Lines too common to anchor a hunk on their own."""
    return normalised in _WEAK or len(normalised) <= 3
