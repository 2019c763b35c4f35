"""The model made visible: a modelled function's entry states and outcomes, and one finding."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pte_check.findings import Finding, ModelView, Outcome, Step

WIDTH = 120


def _console(buffer: StringIO) -> Console:
    return Console(file=buffer, width=WIDTH, color_system=None, force_terminal=False,
                   markup=False, emoji=False, highlight=False, _environ={})


def _outcome_words(o: Outcome) -> str:
    parts = [f"returns {', '.join(o.returns)}"] if not o.fault else [f"BUG: {o.fault}"]
    parts += list(o.resources)
    parts += [f"calls: {', '.join(o.calls)}"] if o.calls else []
    return "; ".join(parts)


def _path(steps: tuple[Step, ...]) -> str:
    lines = []
    for step in steps:
        where = f"{step.line}" if step.line is not None else "·"
        note = f"   [{step.note}]" if step.note else ""
        lines.append(f"{step.function}:{where}  {step.text}{note}")
    return "\n".join(lines)


def render_view(view: ModelView, paths: bool = False) -> str:
    """`pte-check model show`: a table of entry state → outcomes (with witness paths if asked)."""
    buffer = StringIO()
    console = _console(buffer)
    console.print(Text(f"{view.function}() — {view.file}, Linux {view.version} model "
                       f"({view.source}), {view.contract} contracts: {view.paths} paths"))
    if view.incomplete:
        console.print(Text(f"incomplete: {view.incomplete}"))
    table = Table(show_lines=True, expand=False)
    table.add_column("entry state", overflow="fold", max_width=50)
    table.add_column("outcomes" + (" and a witness path for each" if paths else ""),
                     overflow="fold")
    for state in view.states:
        cells = []
        for outcome in state.outcomes:
            cells.append("• " + _outcome_words(outcome))
            if paths:
                cells.append(_path(outcome.path))
        table.add_row(state.state, "\n".join(cells))
    console.print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def render_explain(finding: Finding) -> str:
    """`pte-check explain`: one finding in full, both witness paths side by side."""
    buffer = StringIO()
    console = _console(buffer)
    console.print(Text(f"{finding.severity.label.upper()}: {finding.rule} in {finding.function}()"
                       f" ({finding.file}:{finding.line})  fingerprint {finding.fingerprint}"))
    console.print(Text(finding.message))
    if finding.hunk:
        console.print(Text(f"hunk: {finding.hunk.header}"))
    if finding.chain:
        console.print(Text("call chain: " + " → ".join(f"{f}()" for f in finding.chain)))
    console.print(Text("entry states:"))
    for state in finding.entry_states:
        console.print(Text(f"  - {state}"))
    table = Table(show_lines=False, expand=True)
    table.add_column("before the patch", overflow="fold", ratio=1)
    table.add_column("after the patch", overflow="fold", ratio=1)
    before, after = finding.before, finding.after
    table.add_row(_outcome_words(before) if before else "(no such path)",
                  _outcome_words(after) if after else "(no such path)")
    table.add_row(_path(before.path) if before else "", _path(after.path) if after else "")
    console.print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
