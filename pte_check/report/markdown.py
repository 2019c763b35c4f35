"""Markdown a reviewer can paste into a reply: per patch, each finding under its quoted hunk header."""

from __future__ import annotations

import re

from pte_check.findings import Finding, Outcome, PatchReport, Report, Status
from pte_check.report.text import ARROW, chain, outcome_rows, place, summary_line

_SPECIAL = re.compile(r"([\\`*<])")
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def render(report: Report) -> str:
    """The report as Markdown, one section per patch and a summary line last."""
    blocks = [block for patch in report.patches for block in _patch(patch)]
    blocks.append(f"*pte-check {report.version}: {escape(summary_line(report.summary))}*")
    return "\n\n".join(blocks) + "\n"


def escape(text: str) -> str:
    """Prose made safe for Markdown, leaving intraword underscores (filemap_map_pages) alone."""
    return _EDGE_UNDERSCORE.sub(r"\\_", _SPECIAL.sub(r"\\\1", text))


def code(text: str) -> str:
    """An inline code span, fenced long enough for the backticks inside."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _patch(p: PatchReport) -> list[str]:
    facts = [code(place(p.source.file, p.source.line)), p.status.value,
             f"kernel model {p.kernel}" if p.kernel else "no kernel model"]
    facts += [f"from {escape(p.author)}"] if p.author else []
    blocks = [f"### {escape(p.subject)}", ", ".join(facts)]
    blocks += [b for f in p.findings for b in _finding(f)] or [_nothing(p)]
    blocks += _list("Notes:", [escape(n) for n in p.notes])
    blocks += _list("Skipped files:", [code(s) for s in p.skipped_files])
    return blocks


def _nothing(p: PatchReport) -> str:
    if p.status is Status.ANALYSED:
        return "No behavioural difference found."
    if p.status is Status.INCOMPLETE:
        return "No findings, but the analysis is incomplete: nothing is claimed."
    return "Not analysed (see the notes): nothing is claimed."


def _finding(f: Finding) -> list[str]:
    blocks = [_heading(f)]
    blocks += [f"```diff\n{f.hunk.header}\n```"] if f.hunk else []
    blocks.append(escape(f.message))
    blocks += [f"*Waived: {escape(f.waiver_reason or 'no reason given')}*"] if f.waived else []
    blocks += _list("Entry states:", [escape(s) for s in f.entry_states])
    blocks += _list(f"Before {ARROW} after:", _changes(f))
    return blocks


def _heading(f: Finding) -> str:
    heading = f"**{f.severity.label}** {code(f.rule)}"
    heading += f" in {code(f.function + '()')}" if f.function else ""
    heading += f" ({code(place(f.file, f.line))})" if f.file else ""
    return heading + (" (waived)" if f.waived else "")


def _changes(f: Finding) -> list[str]:
    rows = [f"returns: {_returns(f.before)} {ARROW} {_returns(f.after)}"]
    rows = rows if f.before or f.after else []
    rows += [f"{label}: {escape(value)}" for label, value in outcome_rows(f)[1:]]
    return rows + ([f"via: {escape(chain(f))}"] if f.chain else [])


def _returns(outcome: Outcome | None) -> str:
    if outcome is None or not outcome.returns:
        return "nothing"
    return ", ".join(code(value) for value in outcome.returns)


def _list(title: str, items: list[str]) -> list[str]:
    return [f"{title}\n\n" + "\n".join(f"- {item}" for item in items)] if items else []
