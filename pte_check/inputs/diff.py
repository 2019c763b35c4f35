"""Unified diffs (diff -u, git diff) parsed with unidiff into FileDiffs that keep input lines."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from unidiff import patch as unipatch
from unidiff.patch import PatchedFile, PatchSet

from pte_check.errors import InputError
from pte_check.inputs.hunks import HUNK_HEADER, check_hunks
from pte_check.inputs.lines import Numbered
from pte_check.inputs.patch import FileDiff, Hunk, Line

DEV_NULL = "/dev/null"
GIT_PREFIXES = ("a/", "b/", "c/", "i/", "o/", "w/", "1/", "2/")
_MESSAGES = {
    "Unexpected hunk found": "a hunk with no file header (--- and +++ lines) before it",
    "Target without source": "a +++ line without its --- line",
    "Hunk diff line expected": "a line inside a hunk that is no hunk line",
}


def diff_start(lines: Sequence[Numbered]) -> int | None:
    """The index of the first line that opens a diff, or None when there is none."""
    for index, line in enumerate(lines):
        text = line.text
        if text.startswith(("diff --git ", "diff --cc ", "diff --combined ", "diff -")):
            return index
        if HUNK_HEADER.match(text) or text.startswith("@@@ "):
            return index
        if text.startswith("--- ") and index + 1 < len(lines) \
                and lines[index + 1].text.startswith("+++ "):
            return index
    return None


def parse_diff(lines: Sequence[Numbered], source: str) -> tuple[FileDiff, ...]:
    """The file diffs in lines (which start at a diff); everything after a signature is ignored."""
    body = list(lines[:check_hunks(lines, source)])
    return tuple(_file(patched, body) for patched in _unidiff(body, source))


class _Feed:
    """Gives unidiff the lines one by one and remembers how far it read."""

    def __init__(self, lines: Sequence[Numbered]) -> None:
        self.lines = lines
        self.position = 0

    def __iter__(self) -> Iterator[str]:
        for index, line in enumerate(self.lines):
            self.position = index
            yield line.text + "\n"


def _unidiff(body: Sequence[Numbered], source: str) -> PatchSet:
    feed = _Feed(body)
    try:
        return PatchSet(feed)
    except Exception as error:  # unidiff's errors on bad input vary; each becomes an InputError
        line = body[feed.position].origin if body else None
        raise InputError(source, line, f"not a valid diff: {_message(error)}") from error


def _message(error: Exception) -> str:
    text = str(error).strip()
    for prefix, message in _MESSAGES.items():
        if text.startswith(prefix):
            return message
    return text or type(error).__name__


def _file(patched: PatchedFile, body: Sequence[Numbered]) -> FileDiff:
    old, new = _paths(patched)
    hunks = tuple(_hunk(hunk, body) for hunk in patched)
    origin = body[(patched.diff_line_no or 1) - 1].origin
    if patched.diff_line_no and _is_target_header(body, patched.diff_line_no - 1):
        origin = body[patched.diff_line_no - 2].origin
    return FileDiff(old, new, hunks, origin, binary=patched.is_binary_file)


def _is_target_header(body: Sequence[Numbered], index: int) -> bool:
    return index > 0 and body[index].text.startswith("+++ ") \
        and body[index - 1].text.startswith("--- ")


def _hunk(hunk: unipatch.Hunk, body: Sequence[Numbered]) -> Hunk:
    kept = [line for line in hunk if line.line_type in (" ", "-", "+") and line.diff_line_no]
    origin = body[max((kept[0].diff_line_no or 2) - 2, 0)].origin if kept else 0
    lines = tuple([Line(line.line_type, line.value.rstrip("\n"), line.source_line_no,
                        line.target_line_no, body[(line.diff_line_no or 1) - 1].origin)
                   for line in kept])
    return Hunk(hunk.source_start, hunk.source_length, hunk.target_start, hunk.target_length,
                hunk.section_header.strip(), lines, origin)


def _paths(patched: PatchedFile) -> tuple[str | None, str | None]:
    info = [str(text).rstrip("\n") for text in (patched.patch_info or [])]
    is_git = bool(info) and info[0].startswith("diff --git ")
    old, new = _strip_prefixes(_bare(patched.source_file), _bare(patched.target_file), is_git)
    return (_renamed(info, ("rename from ", "copy from ")) or old,
            _renamed(info, ("rename to ", "copy to ")) or new)


def _renamed(info: Sequence[str], prefixes: tuple[str, ...]) -> str | None:
    for text in info:
        if text.startswith(prefixes):
            return _unquote(text.split(" ", 2)[2])
    return None


def _bare(path: str | None) -> str | None:
    if path is None or path == DEV_NULL or not path:
        return None
    return _unquote(path)


def _unquote(path: str) -> str:
    """A path as git quotes it ("a/caf\\303\\251.c") back to text."""
    if len(path) < 2 or not (path.startswith('"') and path.endswith('"')):
        return path
    data = re.sub(rb"\\([0-7]{3}|.)", _unescape, path[1:-1].encode("utf-8"))
    return data.decode("utf-8", "replace")


def _unescape(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    if len(code) == 3:
        return bytes([int(code, 8)])
    return {b"t": b"\t", b"n": b"\n"}.get(code, code)


def _strip_prefixes(old: str | None, new: str | None,
                    is_git: bool) -> tuple[str | None, str | None]:
    """Drops git's a/ b/ (or, in a plain diff -u, a differing first directory)."""
    if _has_prefixes(old, new, is_git):
        return _tail(old), _tail(new)
    return old, new


def _has_prefixes(old: str | None, new: str | None, is_git: bool) -> bool:
    sides = [path for path in (old, new) if path is not None]
    if not sides or any("/" not in path for path in sides):
        return False
    if all(path[:2] in GIT_PREFIXES for path in sides):
        return True
    if is_git or old is None or new is None:
        return False
    return old.split("/", 1)[0] != new.split("/", 1)[0]


def _tail(path: str | None) -> str | None:
    return None if path is None else path.split("/", 1)[1]
