"""Every finding rule, declared once: the registry feeds SARIF, --fail-on, waivers and the README."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """Finding severities, ordered so that a threshold compares with >=."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True)
class Rule:
    """One finding rule: stable id, default severity and its descriptions."""

    id: str
    severity: Severity
    title: str
    description: str


RETURN_CHANGED = Rule(
    "return-changed", Severity.WARNING, "Return value changed",
    "For some entry state the function now returns a different value than before the patch.",
)
RESOURCE_IMBALANCE = Rule(
    "resource-imbalance", Severity.ERROR, "Resource imbalance",
    "A path now leaks or releases twice a lock, a reference or a mapping "
    "(folio lock or reference, page-table lock, PTE mapping, RCU read lock).",
)
UNCHECKED_MAY_FAIL = Rule(
    "unchecked-may-fail", Severity.ERROR, "Result used unchecked",
    "A result that can be NULL or an error under the kernel contract is used without a check, "
    "or a primitive is called in a state its contract forbids.",
)
PATH_ADDED = Rule(
    "path-added", Severity.NOTE, "Outcome added",
    "An entry state reaches an outcome it could not reach before the patch.",
)
PATH_REMOVED = Rule(
    "path-removed", Severity.NOTE, "Outcome removed",
    "An entry state no longer reaches an outcome it reached before the patch.",
)
FAULT_OUTCOME_CHANGED = Rule(
    "fault-outcome-changed", Severity.WARNING, "Fault outcome changed",
    "The change, carried up through the modelled callers, changes what the fault as a whole "
    "returns, which handlers it runs or what it leaves held.",
)
NOT_ANALYSED = Rule(
    "not-analysed", Severity.NOTE, "Not analysed",
    "A hunk or function could not be mapped, parsed or explored within budget; "
    "nothing is claimed about it.",
)

ALL_RULES: tuple[Rule, ...] = (
    RETURN_CHANGED, RESOURCE_IMBALANCE, UNCHECKED_MAY_FAIL, PATH_ADDED, PATH_REMOVED,
    FAULT_OUTCOME_CHANGED, NOT_ANALYSED,
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}
