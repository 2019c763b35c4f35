"""Findings and reports as plain immutable data; waiving returns new values, nothing mutates."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from pte_check.rules import RULES_BY_ID, Severity


class Status(enum.Enum):
    """How completely one patch was analysed."""

    ANALYSED = "analysed"
    INCOMPLETE = "incomplete"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A place in an input file (the patch, mail or reply)."""

    file: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Step:
    """One source line on a witness path; `line` is the kernel line where it is known."""

    function: str
    line: int | None
    text: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a caller can observe of one path, spelled in the kernel's words."""

    returns: tuple[str, ...]
    resources: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    fault: str | None = None
    path: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True)
class HunkRef:
    """The hunk responsible for a finding."""

    file: str
    index: int
    header: str
    old_start: int
    new_start: int


@dataclass(frozen=True, slots=True)
class Finding:
    """One behavioural difference (or one thing not analysed)."""

    rule: str
    severity: Severity
    file: str
    line: int | None
    function: str
    entry_states: tuple[str, ...]
    before: Outcome | None
    after: Outcome | None
    message: str
    fingerprint: str
    hunk: HunkRef | None = None
    chain: tuple[str, ...] = ()
    waived: bool = False
    waiver_reason: str | None = None

    @property
    def title(self) -> str:
        return RULES_BY_ID[self.rule].title

    def waive(self, reason: str) -> Finding:
        return replace(self, waived=True, waiver_reason=reason)


@dataclass(frozen=True)
class PatchReport:
    """The result for one patch of the input."""

    subject: str
    author: str | None
    source: SourceRef
    status: Status
    findings: tuple[Finding, ...]
    kernel: str | None = None
    notes: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    skipped_files: tuple[str, ...] = ()

    def verdict(self) -> Severity | None:
        """The highest severity at warning or above among live findings, if any."""
        live = [f.severity for f in self.findings if not f.waived and f.severity >= Severity.WARNING]
        return max(live) if live else None


@dataclass(frozen=True)
class Summary:
    """Counts over a whole report."""

    patches: int
    analysed: int
    incomplete: int
    errors: int
    findings: int
    by_severity: tuple[tuple[str, int], ...]
    by_rule: tuple[tuple[str, int], ...]
    waived: int


@dataclass(frozen=True)
class Report:
    """Everything one run found, in input order."""

    version: str
    patches: tuple[PatchReport, ...]
    notes: tuple[str, ...] = ()
    series: PatchReport | None = None
    summary: Summary = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", summarise(self.patches))

    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for p in self.patches for f in p.findings)

    def by_risk(self) -> Report:
        """The same report with its patches ordered most risky first (stable otherwise)."""
        return Report(self.version, tuple(sorted(self.patches, key=_risk)), self.notes,
                      self.series)


def _risk(p: PatchReport) -> tuple[int, ...]:
    """Errors first, then warnings, then notes; incomplete patches before clean ones."""
    live = [f for f in p.findings if not f.waived]
    return (-sum(f.severity is Severity.ERROR for f in live),
            -sum(f.severity is Severity.WARNING for f in live),
            -int(p.status is not Status.ANALYSED), -len(live))


def summarise(patches: tuple[PatchReport, ...]) -> Summary:
    """Count patches by status and findings by severity and rule (waived ones apart)."""
    live = [f for p in patches for f in p.findings if not f.waived]
    severities = {s.label: 0 for s in sorted(Severity, reverse=True)}
    rules: dict[str, int] = {}
    for f in live:
        severities[f.severity.label] += 1
        rules[f.rule] = rules.get(f.rule, 0) + 1
    return Summary(
        patches=len(patches),
        analysed=sum(p.status is Status.ANALYSED for p in patches),
        incomplete=sum(p.status is Status.INCOMPLETE for p in patches),
        errors=sum(p.status is Status.ERROR for p in patches),
        findings=len(live),
        by_severity=tuple(severities.items()),
        by_rule=tuple(sorted(rules.items())),
        waived=sum(f.waived for p in patches for f in p.findings),
    )


@dataclass(frozen=True)
class StateOutcomes:
    """One entry state of a modelled function and every outcome its paths reach from it."""

    state: str
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True)
class ModelView:
    """A modelled function as the model sees it: for each entry state, its outcomes."""

    function: str
    file: str
    version: str
    contract: str
    source: str
    states: tuple[StateOutcomes, ...]
    paths: int
    incomplete: str | None = None
