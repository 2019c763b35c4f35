"""b4 review check output: a JSON list of {tool, status, summary, url, details}, one per patch at fault."""

from __future__ import annotations

import json
from typing import Any

from pte_check.findings import Finding, PatchReport, Report
from pte_check.rules import Severity

TOOL = "pte-check"
_STATUS = {Severity.ERROR: "fail", Severity.WARNING: "warn"}


def render(report: Report) -> str:
    """The list b4 reads from a check command; `[]` when nothing needs a reviewer's attention.

    b4 runs a check once per patch, so the summary is the counts alone ("1 error, 2 warnings");
    when one report covers several patches, each summary starts with its patch's subject.
    """
    named = len(report.patches) > 1
    entries = [check(p, named) for p in report.patches]
    return json.dumps([e for e in entries if e is not None], indent=2, ensure_ascii=False) + "\n"


def check(p: PatchReport, named: bool = False) -> dict[str, Any] | None:
    """One patch's entry: fail on a live error, warn on a live warning, else none."""
    verdict = p.verdict()
    if verdict is None:
        return None
    live = [f for f in p.findings if not f.waived and f.severity >= Severity.WARNING]
    summary = _counts(live)
    return {"tool": TOOL, "status": _STATUS[verdict],
            "summary": f"{p.subject}: {summary}" if named else summary, "url": "",
            "details": json.dumps([_detail(f) for f in live], ensure_ascii=False)}


def _counts(live: list[Finding]) -> str:
    counts = [(s, sum(f.severity is s for f in live)) for s in (Severity.ERROR, Severity.WARNING)]
    return ", ".join(f"{n} {s.label}{'s' * (n != 1)}" for s, n in counts if n)


def _detail(f: Finding) -> dict[str, str]:
    where = f.file if f.line is None else f"{f.file}:{f.line}"
    prefix = f"{where}: " if where else ""
    return {"status": _STATUS[f.severity], "description": f"{prefix}{f.rule}: {f.message}"}
