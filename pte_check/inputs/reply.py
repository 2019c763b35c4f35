"""Recovering a patch quoted in a review reply: quote prefix removed, comments dropped, markers restored."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pte_check.errors import InputError
from pte_check.inputs.diff import parse_diff
from pte_check.inputs.hunks import Header, is_signature, parse_header
from pte_check.inputs.lines import Numbered
from pte_check.inputs.patch import FileDiff, Hunk, Line
from pte_check.inputs.quote import depth, is_snip, patch_depth, unquote
from pte_check.inputs.readings import Candidate, Reading, choose

FILE_HEADER = re.compile(
    r"^(diff --git |index |--- |\+\+\+ |new file mode |deleted file mode |old mode |new mode "
    r"|similarity index |dissimilarity index |rename from |rename to |copy from |copy to "
    r"|Binary files )")
QUOTED_HEADER = re.compile(r"^(From|Date): (.+)$")


@dataclass
class Recovered:
    """A quoted patch put back together, and what had to be repaired or given up on."""

    files: tuple[FileDiff, ...] = ()
    repairs: list[str] = field(default_factory=list)
    author: str | None = None
    date: str | None = None


@dataclass
class _State:
    """The walk over the reply: canonical diff lines so far and the hunks set aside."""

    level: int
    diff: list[Numbered] = field(default_factory=list)
    problems: dict[int, list[Hunk]] = field(default_factory=dict)
    file_origin: int | None = None
    seen_minus: bool = False
    recovered: Recovered = field(default_factory=Recovered)


def is_quoted_patch(lines: Sequence[Numbered]) -> bool:
    """Whether lines quote a patch (diff headers or hunks behind `>`)."""
    return patch_depth(lines) is not None


def recover(lines: Sequence[Numbered], source: str) -> Recovered:
    """The patch quoted in a reply; hunks cut or beyond repair carry a problem instead."""
    level = patch_depth(lines)
    if level is None:
        raise InputError(source, None, "the reply quotes no patch")
    state = _State(level)
    state.recovered.repairs.append(f"patch recovered from a review reply, quoted at depth {level}")
    index = 0
    while index < len(lines):
        index = _step(state, lines, index, source)
    files = parse_diff(state.diff, source) if state.diff else ()
    state.recovered.files = tuple(_merge(file, state.problems) for file in files)
    return state.recovered


def _step(state: _State, lines: Sequence[Numbered], index: int, source: str) -> int:
    line = lines[index]
    if depth(line.text) != state.level:
        return index + 1
    text = unquote(line.text, state.level)
    header = parse_header(text)
    if header is not None:
        return _hunk(state, lines, index, header, source)
    if FILE_HEADER.match(text):
        _file_line(state, Numbered(line.origin, text))
    elif not state.diff and (match := QUOTED_HEADER.match(text)):
        _quoted_header(state.recovered, match.group(1), match.group(2).strip())
    return index + 1


def _file_line(state: _State, line: Numbered) -> None:
    starts_file = line.text.startswith("diff --git ") or (
        line.text.startswith("--- ") and (state.seen_minus or state.file_origin is None))
    if line.text.startswith("diff --git "):
        state.seen_minus = False
    if starts_file:
        state.file_origin = line.origin
    state.seen_minus = state.seen_minus or line.text.startswith("--- ")
    state.diff.append(line)


def _quoted_header(recovered: Recovered, name: str, value: str) -> None:
    if name == "From":
        recovered.author = value
    else:
        recovered.date = value


def _hunk(state: _State, lines: Sequence[Numbered], start: int, header: Header,
          source: str) -> int:
    if state.file_origin is None:
        raise InputError(source, lines[start].origin,
                         "the reply quotes this hunk without its file's --- and +++ lines")
    candidates, stop, cut = _region(state.level, lines, start)
    reading = choose(candidates, header, cut)
    hunk_origin = lines[start].origin
    if reading.problem is not None:
        hunk = _problem_hunk(header, reading, hunk_origin)
        state.problems.setdefault(state.file_origin, []).append(hunk)
        return stop
    state.diff.append(Numbered(hunk_origin, unquote(lines[start].text, state.level)))
    state.diff.extend(reading.canonical())
    state.recovered.repairs.extend(_repairs(hunk_origin, reading, lines, start, state.level))
    return _after(lines, reading)


def _region(level: int, lines: Sequence[Numbered],
            start: int) -> tuple[list[Candidate], int, int | None]:
    """The lines that may belong to the hunk at start: up to the next header, cut or signature."""
    candidates: list[Candidate] = []
    index = start + 1
    while index < len(lines):
        text = lines[index].text
        if is_snip(text):
            return candidates, index, lines[index].origin
        if depth(text) >= level:
            rest = unquote(text, level)
            if _ends_hunk(lines, index, level, rest):
                break
            candidates.append(Candidate(lines[index].origin, index, rest))
        index += 1
    return candidates, index, None


def _ends_hunk(lines: Sequence[Numbered], index: int, level: int, rest: str) -> bool:
    if depth(lines[index].text) != level:
        return False
    if parse_header(rest) is not None or rest.startswith("diff --git "):
        return True
    quoted = [Numbered(line.origin, unquote(line.text, level)) for line in lines[index:index + 2]]
    return is_signature(quoted, 0) or (rest.startswith("--- ") and len(quoted) > 1
                                       and quoted[1].text.startswith("+++ "))


def _after(lines: Sequence[Numbered], reading: Reading) -> int:
    return reading.lines[-1].index + 1 if reading.lines else len(lines)


def _problem_hunk(header: Header, reading: Reading, origin: int) -> Hunk:
    """A hunk kept as read (default reading of its markers) but marked not to be analysed."""
    old, new = header.old_start, header.new_start
    result = []
    for candidate, kind, text in reading.classified():
        result.append(Line(kind, text, old if kind != "+" else None,
                           new if kind != "-" else None, candidate.origin))
        old += kind != "+"
        new += kind != "-"
    return Hunk(header.old_start, header.old_count, header.new_start, header.new_count,
                header.heading, tuple(result), origin, reading.problem)


def _repairs(origin: int, reading: Reading, lines: Sequence[Numbered], start: int,
             level: int) -> list[str]:
    repairs = []
    lost = reading.lost_markers()
    if lost:
        repairs.append(f"hunk at line {origin}: " + (
            "1 context line had lost its leading space" if lost == 1 else
            f"{lost} context lines had lost their leading space"))
    dropped = [line.origin for line in lines[start + 1:_after(lines, reading)]
               if depth(line.text) < level]
    if dropped:
        repairs.append(f"hunk at line {origin}: " + (
            f"1 interleaved reply line dropped (line {dropped[0]})" if len(dropped) == 1 else
            f"{len(dropped)} interleaved reply lines dropped (lines {dropped[0]}-{dropped[-1]})"))
    repairs.extend(f"hunk at line {origin}: line {c.origin} ({c.rest.strip()!r}) read as "
                   "context so that the header counts agree" for c in reading.flipped())
    return repairs


def _merge(file: FileDiff, problems: dict[int, list[Hunk]]) -> FileDiff:
    extra = problems.get(file.origin, [])
    if not extra:
        return file
    hunks = sorted(file.hunks + tuple(extra), key=lambda hunk: hunk.origin)
    return replace(file, hunks=tuple(hunks))
