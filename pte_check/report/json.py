"""The JSON report: the contract CI users parse (documented in the README; extend, never reshape)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pte_check.findings import Finding, Outcome, PatchReport, Report, Step
from pte_check.rules import Severity

SCHEMA_VERSION = 1


def _step(step: Step) -> dict[str, Any]:
    return {"function": step.function, "line": step.line, "text": step.text, "note": step.note}


def _outcome(outcome: Outcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "returns": list(outcome.returns),
        "resources": list(outcome.resources),
        "calls": list(outcome.calls),
        "fault": outcome.fault,
        "path": [_step(s) for s in outcome.path],
    }


def finding(f: Finding) -> dict[str, Any]:
    """One finding as a JSON object."""
    return {
        "rule": f.rule,
        "severity": f.severity.label,
        "file": f.file,
        "line": f.line,
        "function": f.function,
        "entry_states": list(f.entry_states),
        "before": _outcome(f.before),
        "after": _outcome(f.after),
        "message": f.message,
        "fingerprint": f.fingerprint,
        "waived": f.waived,
        "waiver_reason": f.waiver_reason,
        "hunk": None if f.hunk is None else {
            "file": f.hunk.file, "index": f.hunk.index, "header": f.hunk.header,
            "old_start": f.hunk.old_start, "new_start": f.hunk.new_start},
        "chain": list(f.chain),
    }


def patch(p: PatchReport) -> dict[str, Any]:
    """One patch's result as a JSON object."""
    return {
        "subject": p.subject,
        "author": p.author,
        "source": {"file": p.source.file, "line": p.source.line},
        "status": p.status.value,
        "kernel": p.kernel,
        "functions": list(p.functions),
        "skipped_files": list(p.skipped_files),
        "notes": list(p.notes),
        "findings": [finding(f) for f in p.findings],
        "patchwork": _patchwork(p),
    }


_PATCHWORK = {Severity.ERROR: "fail", Severity.WARNING: "warning", None: "success"}


def _patchwork(p: PatchReport) -> dict[str, str]:
    """Patchwork check fields, ready for a CI bot to post unchanged."""
    live = [f for f in p.findings if not f.waived]
    counts = ", ".join(f"{n} {s.label}{'s' * (n != 1)}" for s in sorted(Severity, reverse=True)
                       if (n := sum(f.severity is s for f in live)))
    waived = sum(f.waived for f in p.findings)
    quiet = f"no finding ({waived} waived)" if waived else "no behavioural difference found"
    return {"state": _PATCHWORK[p.verdict()], "context": "pte-check",
            "description": counts or quiet}


def document(report: Report, patches: list[Any] | None = None) -> dict[str, Any]:
    """The whole report as plain JSON data (`patches` in place of the patches' own, if given)."""
    s = report.summary
    return {
        "tool": {"name": "pte-check", "version": report.version},
        "schema_version": SCHEMA_VERSION,
        "patches": [patch(p) for p in report.patches] if patches is None else patches,
        "summary": {
            "patches": s.patches, "analysed": s.analysed, "incomplete": s.incomplete,
            "errors": s.errors, "findings": s.findings, "waived": s.waived,
            "by_severity": dict(s.by_severity), "by_rule": dict(s.by_rule),
        },
        "notes": list(report.notes),
        "series": None if report.series is None else patch(report.series),
    }


def render(report: Report) -> str:
    return "".join(chunks(report))


_MARK = "\0pte-check: the patches go here\0"


def chunks(report: Report) -> Iterator[str]:
    """The JSON report in pieces, one patch at a time, so that a long series' report is never
    held whole (a 500-patch series makes 49 MB of JSON); the pieces join to exactly what
    json.dumps of document() gives, since the encoder's indentation only adds up."""
    if not report.patches:
        yield json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
        return
    text = json.dumps(document(report, [_MARK]), indent=2, ensure_ascii=False) + "\n"
    head, tail = text.split("    " + json.dumps(_MARK, ensure_ascii=False), 1)
    yield head
    for index, one in enumerate(report.patches):
        encoded = json.dumps(patch(one), indent=2, ensure_ascii=False)
        yield (",\n" if index else "") + "\n".join("    " + line for line in encoded.split("\n"))
    yield tail
