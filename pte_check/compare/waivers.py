"""Waivers: differences a maintainer has accepted, matched against findings by rule and more."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from pte_check.errors import InputError
from pte_check.findings import Finding, Report
from pte_check.rules import RULES_BY_ID

_KEYS = {"rule", "function", "file", "fingerprint", "entry_state", "reason", "link"}
_AT_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class Waiver:
    """One [[waive]] entry: what it matches, why, and where it stands in the file."""

    rule: str
    reason: str
    line: int
    function: str | None = None
    file: str | None = None
    fingerprint: str | None = None
    entry_state: str | None = None
    link: str | None = None

    def matches(self, finding: Finding) -> bool:
        return (finding.rule == self.rule
                and self.function in (None, finding.function)
                and self.file in (None, finding.file)
                and self.fingerprint in (None, finding.fingerprint)
                and (self.entry_state is None or any(self.entry_state in s
                                                     for s in finding.entry_states)))

    @property
    def words(self) -> str:
        parts = [f"rule {self.rule}"] + [f"{k} {v}" for k, v in (
            ("function", self.function), ("file", self.file),
            ("fingerprint", self.fingerprint), ("entry_state", self.entry_state)) if v]
        return ", ".join(parts)


def _entry_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.split("\n"), 1) if line.strip() == "[[waive]]"]


def load(path: str) -> tuple[Waiver, ...]:
    """Read a waiver file; any problem is an InputError naming the line."""
    try:
        # bytes decoded as they are (no newline translation): TOML's newlines are LF and CRLF,
        # so a lone CR is an error at its own line, not a line break
        text = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, None, f"cannot read the waiver file: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = _AT_LINE.search(str(error))
        raise InputError(path, int(match.group(1)) if match else None,
                         f"not valid TOML: {error}") from None
    lines = _entry_lines(text)
    entries = data.get("waive", [])
    unknown = sorted(set(data) - {"waive"})
    if unknown or not isinstance(entries, list):
        raise InputError(path, 1, f"unknown table {unknown[0] if unknown else 'waive'}: "
                                  "a waiver file holds [[waive]] entries only")
    return tuple(_waiver(path, entry, lines[i] if i < len(lines) else None)
                 for i, entry in enumerate(entries))


def _waiver(path: str, entry: object, line: int | None) -> Waiver:
    def fail(message: str) -> InputError:
        return InputError(path, line, message)
    if not isinstance(entry, dict):
        raise fail("each waiver must be a [[waive]] table of keys and strings")
    extra = sorted(set(entry) - _KEYS)
    if extra:
        raise fail(f"unknown key {extra[0]!r} (known: {', '.join(sorted(_KEYS))})")
    if any(not isinstance(v, str) for v in entry.values()):
        raise fail("every waiver value must be a string")
    rule, reason = entry.get("rule"), entry.get("reason")
    if not rule:
        raise fail("a waiver needs a rule")
    if str(rule) not in RULES_BY_ID:
        raise fail(f"unknown rule {rule!r} (known: {', '.join(sorted(RULES_BY_ID))})")
    if not reason or not str(reason).strip():
        raise fail("a waiver needs a reason")
    fields = {k: str(v) for k, v in entry.items() if k not in ("rule", "reason")}
    return Waiver(rule=str(rule), reason=str(reason), line=line or 0, **fields)


def apply(report: Report, waivers: tuple[Waiver, ...], source: str) -> Report:
    """The report with matching findings waived, and a note for each waiver that matched none."""
    used: set[int] = set()

    def waive(finding: Finding) -> Finding:
        for index, waiver in enumerate(waivers):
            if waiver.matches(finding):
                used.add(index)
                reason = waiver.reason + (f" ({waiver.link})" if waiver.link else "")
                return finding.waive(reason)
        return finding
    patches = tuple(replace(p, findings=tuple(waive(f) for f in p.findings))
                    for p in report.patches)
    series = report.series
    if series is not None:
        series = replace(series, findings=tuple(waive(f) for f in series.findings))
    stale = tuple(f"{source}:{w.line}: waiver ({w.words}) matched no finding"
                  for i, w in enumerate(waivers) if i not in used)
    return Report(report.version, patches, report.notes + stale, series)
