"""JUnit XML: a testsuite per patch, a testcase per function, a failure per finding that gates CI."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pte_check.findings import Finding, PatchReport, Report, Status
from pte_check.report.text import outcome_rows, place
from pte_check.rules import NOT_ANALYSED, Severity

PATCH_CASE = "(patch)"


def render(report: Report) -> str:
    """The report as a JUnit XML document (no timestamps, no durations)."""
    root = ET.Element("testsuites", name="pte-check")
    for patch in report.patches:
        root.append(testsuite(patch))
    _count(root, root.findall("testsuite/testcase"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def testsuite(p: PatchReport) -> ET.Element:
    """One patch: a testcase for each function analysed or found, in order of first mention."""
    suite = ET.Element("testsuite", name=p.subject)
    properties = ET.SubElement(suite, "properties")
    for name, value in _properties(p):
        ET.SubElement(properties, "property", name=name, value=value)
    for name, findings in _cases(p).items():
        suite.append(_testcase(p, name, findings))
    _count(suite, suite.findall("testcase"))
    return suite


def _properties(p: PatchReport) -> list[tuple[str, str]]:
    pairs = [("source", place(p.source.file, p.source.line)), ("status", p.status.value)]
    pairs += [("kernel", p.kernel)] if p.kernel else []
    pairs += [("note", n) for n in p.notes] + [("skipped", s) for s in p.skipped_files]
    return pairs


def _cases(p: PatchReport) -> dict[str, list[Finding]]:
    cases: dict[str, list[Finding]] = {name: [] for name in p.functions}
    for f in p.findings:
        cases.setdefault(f.function or f.file or PATCH_CASE, []).append(f)
    if p.status is Status.ERROR and not any(cases.values()):
        cases.setdefault(PATCH_CASE, [])
    return cases


def _testcase(p: PatchReport, name: str, findings: list[Finding]) -> ET.Element:
    case = ET.Element("testcase", classname=p.subject, name=name)
    live = [f for f in findings if not f.waived]
    for f in live:
        if f.rule == NOT_ANALYSED.id:
            _problem(case, "error", f)
        elif f.severity >= Severity.WARNING:
            _problem(case, "failure", f)
    if name == PATCH_CASE and p.status is Status.ERROR and not live:
        ET.SubElement(case, "error", message="patch not analysed", type="not-analysed").text = \
            "\n".join(p.notes)
    if len(case) == 0 and any(f.waived for f in findings):
        reasons = "; ".join(f.waiver_reason or "no reason given" for f in findings if f.waived)
        ET.SubElement(case, "skipped", message=f"waived: {reasons}")
    notes = [f for f in live if f.severity < Severity.WARNING and f.rule != NOT_ANALYSED.id]
    if notes:
        ET.SubElement(case, "system-out").text = "\n\n".join(_details(f) for f in notes)
    return case


def _problem(case: ET.Element, kind: str, f: Finding) -> None:
    element = ET.SubElement(case, kind, message=f"{f.title}: {f.message}", type=f.rule)
    element.text = _details(f)


def _details(f: Finding) -> str:
    lines = [f"{f.severity.label} {f.rule}: {f.message}"]
    lines += [f"at {place(f.file, f.line)}"] if f.file else []
    lines += [f"entry state: {state}" for state in f.entry_states]
    lines += [f"{label}: {value}" for label, value in outcome_rows(f)]
    lines += [f"hunk: {f.hunk.header}"] if f.hunk else []
    return "\n".join(lines)


def _count(element: ET.Element, cases: list[ET.Element]) -> None:
    element.set("tests", str(len(cases)))
    for kind, attribute in (("failure", "failures"), ("error", "errors"),
                            ("skipped", "skipped")):
        element.set(attribute, str(sum(len(case.findall(kind)) for case in cases)))
