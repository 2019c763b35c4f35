"""GitHub Actions workflow commands: one ::error/::warning/::notice annotation per live finding."""

from __future__ import annotations

from pte_check.findings import Finding, Report
from pte_check.report.text import outcome_rows
from pte_check.rules import Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def render(report: Report) -> str:
    """One annotation line per finding not waived, most severe first, in report order otherwise."""
    live = [f for f in report.findings() if not f.waived]
    live.sort(key=lambda f: -f.severity)
    return "".join(annotation(f) + "\n" for f in live)


def annotation(f: Finding) -> str:
    """`::level file=F,line=L,title=T::message` for one finding."""
    properties = [("file", f.file)] if f.file else []
    properties += [("line", str(f.line))] if f.line is not None else []
    where = f" in {f.function}()" if f.function else ""
    properties.append(("title", f"{f.title} ({f.rule}){where}"))
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[f.severity]} {listed}::{escape_data(_message(f))}"


def _message(f: Finding) -> str:
    lines = [f.message]
    if f.entry_states:
        lines += ["Entry states:", *(f"- {state}" for state in f.entry_states)]
    lines += [f"{label.capitalize()}: {value}" for label, value in outcome_rows(f)]
    lines += [f"Hunk: {f.hunk.header}"] if f.hunk else []
    return "\n".join(lines)


def escape_data(text: str) -> str:
    """Escape a command's message as the runner decodes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as data, and also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
