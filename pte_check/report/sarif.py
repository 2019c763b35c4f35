"""SARIF 2.1.0: one run, every rule of the registry, one result per finding with both witness paths."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pte_check.findings import Finding, Outcome, PatchReport, Report, Status, Step
from pte_check.rules import ALL_RULES, Rule, Severity

SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
INFORMATION_URI = "https://github.com/pte-check/pte-check"
FINGERPRINT = "pteCheck/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
_RULE_INDEX = {rule.id: index for index, rule in enumerate(ALL_RULES)}

Json = dict[str, Any]


def render(report: Report) -> str:
    """The report as a SARIF 2.1.0 log (stable key order, no timestamps)."""
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def document(report: Report) -> Json:
    """The whole SARIF log as plain JSON data."""
    run: Json = {
        "tool": {"driver": {"name": "pte-check", "version": report.version,
                            "informationUri": INFORMATION_URI,
                            "rules": [rule_descriptor(r) for r in ALL_RULES]}},
        "invocations": [_invocation(report)],
        "results": _results(report),
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def rule_descriptor(rule: Rule) -> Json:
    """One entry of tool.driver.rules."""
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.description,
                 "markdown": f"**{rule.title}** (`{rule.id}`, default severity "
                             f"{rule.severity.label})\n\n{rule.description}"},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _invocation(report: Report) -> Json:
    notes = [_notification(p) for p in report.patches if p.status is not Status.ANALYSED]
    return {"executionSuccessful": True, "toolExecutionNotifications": notes}


def _notification(p: PatchReport) -> Json:
    text = f"{p.subject}: analysis {p.status.value}"
    text += f" ({'; '.join(p.notes)})" if p.notes else ""
    return {"level": "error" if p.status is Status.ERROR else "warning", "message": {"text": text}}


def _results(report: Report) -> list[Json]:
    seen: dict[str, int] = {}
    out = []
    for patch in report.patches:
        for f in patch.findings:
            line_hash = _line_hash(f)
            seen[line_hash] = seen.get(line_hash, 0) + 1
            out.append(result(f, patch, f"{line_hash}:{seen[line_hash]}"))
    return out


def _line_hash(f: Finding) -> str:
    key = f"{f.file}\x1f{f.function}\x1f{f.rule}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def result(f: Finding, patch: PatchReport, line_hash: str) -> Json:
    """One finding as a SARIF result."""
    out: Json = {
        "ruleId": f.rule,
        "ruleIndex": _RULE_INDEX[f.rule],
        "level": LEVELS[f.severity],
        "message": {"text": f"{f.title}: {f.message}"},
        "locations": [_primary(f)],
        "partialFingerprints": {FINGERPRINT: f.fingerprint, "primaryLocationLineHash": line_hash},
        "properties": _properties(f, patch),
    }
    if f.hunk is not None:
        out["relatedLocations"] = [_hunk(f)]
    flows = [flow for flow in (_thread("before", f.before, f), _thread("after", f.after, f))
             if flow]
    if flows:
        out["codeFlows"] = [{"threadFlows": flows}]
    if f.waived:
        out["suppressions"] = [_suppression(f)]
    return out


def _primary(f: Finding) -> Json:
    location: Json = {}
    if f.file:
        location["physicalLocation"] = _physical(f.file, f.line)
    if f.function:
        location["logicalLocations"] = [{"name": f.function, "kind": "function"}]
    return location


def _physical(file: str, line: int | None) -> Json:
    physical: Json = {"artifactLocation": {"uri": file}}
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    return physical


def _hunk(f: Finding) -> Json:
    assert f.hunk is not None
    return {"id": 0, "physicalLocation": _physical(f.hunk.file, f.hunk.old_start),
            "message": {"text": f"before the patch: hunk {f.hunk.header}"}}


def _thread(side: str, outcome: Outcome | None, f: Finding) -> Json | None:
    if outcome is None or not outcome.path:
        return None
    returns = ", ".join(outcome.returns) or "nothing"
    return {"id": side,
            "message": {"text": f"{side} the patch: returns {returns}"},
            "locations": [_step(step, f.file) for step in outcome.path]}


def _step(step: Step, file: str) -> Json:
    text = f"{step.text} [{step.note}]" if step.note else step.text
    location: Json = {"message": {"text": text}}
    if step.line is not None and file:
        location["physicalLocation"] = _physical(file, step.line)
    location["logicalLocations"] = [{"name": step.function, "kind": "function"}]
    return {"location": location}


def _suppression(f: Finding) -> Json:
    suppression: Json = {"kind": "external"}
    if f.waiver_reason:
        suppression["justification"] = f.waiver_reason
    return suppression


def _properties(f: Finding, patch: PatchReport) -> Json:
    return {"patch": patch.subject, "function": f.function,
            "entryStates": list(f.entry_states), "chain": list(f.chain),
            "before": _returns(f.before), "after": _returns(f.after)}


def _returns(outcome: Outcome | None) -> list[str] | None:
    return None if outcome is None else list(outcome.returns)
