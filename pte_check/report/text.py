"""The terminal report (rich): patch by patch, each finding with its states, outcomes and paths."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pte_check.findings import Finding, Outcome, PatchReport, Report, Status, Step, Summary
from pte_check.rules import Severity

WIDTH = 100
ARROW = "\u2192"
_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


# Plain-text pieces, shared with the other formats that embed readable text.

def returns(outcome: Outcome | None) -> str:
    """What one side returns, in the kernel's words ("nothing" when there is no outcome)."""
    if outcome is None or not outcome.returns:
        return "nothing"
    return ", ".join(outcome.returns)


def change(before: str, after: str) -> str:
    """"before → after"."""
    return f"{before} {ARROW} {after}"


def outcome_rows(f: Finding) -> list[tuple[str, str]]:
    """(label, "before → after") for returns, resources, calls and fault, where present."""
    if f.before is None and f.after is None:
        return []
    rows = [("returns", change(returns(f.before), returns(f.after)))]
    for label, pick in _OUTCOME_FIELDS:
        old, new = pick(f.before), pick(f.after)
        if old or new:
            rows.append((label, change(old or "none", new or "none")))
    return rows


def _listed(field: Callable[[Outcome], tuple[str, ...]]) -> Callable[[Outcome | None], str]:
    return lambda o: "" if o is None else ", ".join(field(o))


_OUTCOME_FIELDS: tuple[tuple[str, Callable[[Outcome | None], str]], ...] = (
    ("resources", _listed(lambda o: o.resources)),
    ("calls", _listed(lambda o: o.calls)),
    ("fault", lambda o: "" if o is None else o.fault or ""),
)


def place(file: str, line: int | None) -> str:
    """file:line, or just the file when the line is not known."""
    return file if line is None else f"{file}:{line}"


def step_line(step: Step) -> str:
    """One witness step on one line: function, line ("model" when unknown), text, note."""
    line = "model" if step.line is None else str(step.line)
    note = f"  [{step.note}]" if step.note else ""
    return f"{step.function}:{line}  {step.text}{note}"


def chain(f: Finding) -> str:
    """The propagation chain, caller first, or "" when the finding was not propagated."""
    return f" {ARROW} ".join(f"{name}()" for name in f.chain)


def summary_line(summary: Summary) -> str:
    """The whole run in one line: patches by status, findings by severity, waived."""
    severities = ", ".join(_count(n, label) for label, n in summary.by_severity)
    return (f"{_count(summary.patches, 'patch')} ({summary.analysed} analysed, "
            f"{summary.incomplete} incomplete, {summary.errors} not analysable); "
            f"{_count(summary.findings, 'finding')}: {severities}; {summary.waived} waived")


def _count(n: int, word: str) -> str:
    plural = "es" if word.endswith("ch") else "s"
    return f"{n} {word}{'' if n == 1 else plural}"


# The rich layout.

def render(report: Report) -> str:
    """The report as plain text, identical on every run and terminal."""
    buffer = StringIO()
    console = Console(file=buffer, width=WIDTH, color_system=None, force_terminal=False,
                      force_jupyter=False, force_interactive=False, markup=False, emoji=False,
                      highlight=False, legacy_windows=False, _environ={})
    render_to(console, report)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def triage(report: Report) -> Table:
    """A series at a glance: one row per patch with its findings by severity and status."""
    table = Table(title="Patches", title_justify="left", show_edge=False, pad_edge=False)
    for column, justify in (("#", "right"), ("subject", "left"), ("errors", "right"),
                            ("warnings", "right"), ("notes", "right"), ("status", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for number, patch in enumerate(report.patches, 1):
        live = [f for f in patch.findings if not f.waived]
        counts = [str(sum(f.severity is s for f in live))
                  for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE)]
        table.add_row(str(number), patch.subject, *counts, patch.status.value)
    return table


def render_to(console: Console, report: Report) -> None:
    """Print the report on a console (the CLI's, in colour on a terminal)."""
    if len(report.patches) > 1:
        console.print(triage(report))
        console.print()
    for number, patch in enumerate(report.patches, 1):
        console.print(_patch(patch, number, len(report.patches)))
        console.print()
    if not report.patches:
        console.print("No patches.")
    if report.series is not None:
        console.print(_patch(report.series, 0, len(report.patches)))
        console.print()
    for note in report.notes:
        console.print(Text(f"note: {note}"), soft_wrap=True)
    console.print(Text(f"pte-check {report.version}: {summary_line(report.summary)}",
                       style="bold"), soft_wrap=True)


def _patch(p: PatchReport, number: int, count: int) -> RenderableType:
    parts: list[RenderableType] = [_patch_header(p, number, count)]
    if p.functions:
        parts.append(_indent(Text(f"functions: {', '.join(f'{n}()' for n in p.functions)}"), 2))
    parts += [_finding(f) for f in p.findings] or [_indent(_nothing(p), 2)]
    extras = [("note", n) for n in p.notes] + [("skipped", s) for s in p.skipped_files]
    if extras:
        parts += [Text(""), _indent(_pairs(extras), 2)]
    return Group(*parts)


def _patch_header(p: PatchReport, number: int, count: int) -> RenderableType:
    heading = f"Patch {number}/{count}" if number else f"Net effect of the {count} patches"
    title = Text(f"{heading}: {p.subject}", style="bold")
    facts = [place(p.source.file, p.source.line), p.status.value,
             f"kernel model {p.kernel}" if p.kernel else "no kernel model"]
    facts += [f"from {p.author}"] if p.author else []
    return Group(title, _indent(Text(", ".join(facts), style=_status_style(p.status)), 2))


def _status_style(status: Status) -> str:
    return "" if status is Status.ANALYSED else "bold red" if status is Status.ERROR else "yellow"


def _nothing(p: PatchReport) -> Text:
    if p.status is Status.ANALYSED:
        return Text("no behavioural difference found")
    if p.status is Status.INCOMPLETE:
        return Text("no findings, but the analysis is incomplete: nothing is claimed",
                    style=_status_style(p.status))
    return Text("not analysed (see the notes): nothing is claimed", style=_status_style(p.status))


def _finding(f: Finding) -> RenderableType:
    parts: list[RenderableType] = [Text(""), _indent(_finding_header(f), 2),
                                   _indent(Text(f.message), 4)]
    if f.waived:
        reason = f.waiver_reason or "no reason given"
        parts.append(_indent(Text(f"waived: {reason}", style="dim"), 4))
    parts += _states(f.entry_states)
    rows = outcome_rows(f) + ([("via", chain(f))] if f.chain else [])
    parts += [_indent(_pairs(rows), 4)] if rows else []
    parts += _paths(f)
    parts += [_indent(_pairs([("hunk", f.hunk.header)]), 4)] if f.hunk else []
    return Group(*parts)


def _finding_header(f: Finding) -> Text:
    header = Text(f"{f.severity.label.upper()}:",
                  style="dim" if f.waived else _SEVERITY_STYLE[f.severity])
    header.append(f" {f.rule}")
    header.append(f" in {f.function}()" if f.function else "")
    header.append(f" ({place(f.file, f.line)})" if f.file else "")
    header.append("  [waived]" if f.waived else "", style="dim")
    return header


def _states(states: tuple[str, ...]) -> list[RenderableType]:
    if not states:
        return []
    bullets = Table.grid(padding=(0, 1))
    bullets.add_column(no_wrap=True)
    bullets.add_column()
    for state in states:
        bullets.add_row("-", Text(state))
    return [_indent(Text("entry states:"), 4), _indent(bullets, 6)]


def _paths(f: Finding) -> list[RenderableType]:
    sides = [(title, o) for title, o in (("before the patch", f.before),
                                          ("after the patch", f.after)) if o and o.path]
    steps = [s for _, o in sides for s in o.path]
    widths = _path_widths(steps)
    parts: list[RenderableType] = []
    for title, outcome in sides:
        parts += [_indent(Text(f"{title} (returns {returns(outcome)}):"), 4),
                  _indent(_steps(outcome.path, widths), 6)]
    return parts


def _path_widths(steps: list[Step]) -> tuple[int, int]:
    """Column widths shared by both paths, so that they line up one above the other."""
    function = max((len(s.function) for s in steps), default=0)
    note = max((len(s.note) for s in steps), default=0)
    room = WIDTH - 6 - function - 5 - note - 3 * 2
    return function, max(min(max((len(s.text) for s in steps), default=0), room), 20)


def _steps(path: tuple[Step, ...], widths: tuple[int, int]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, width=widths[0])
    table.add_column(no_wrap=True, justify="right", width=5)
    table.add_column(width=widths[1])
    table.add_column(no_wrap=True)
    previous = None
    for step in path:
        shown = "" if step.function == previous else step.function
        previous = step.function
        line = "model" if step.line is None else str(step.line)
        table.add_row(shown, line, Text(step.text), step.note)
    return table


def _pairs(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column()
    for label, value in rows:
        table.add_row(f"{label}:", Text(value))
    return table


def _indent(renderable: RenderableType, spaces: int) -> Padding:
    return Padding(renderable, (0, 0, 0, spaces))
