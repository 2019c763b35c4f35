"""Limits on one exploration: states, seconds, loop unrolling."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Budget:
    """How far one function's exploration may go before it is reported incomplete."""

    max_states: int = 200_000
    seconds: float = 20.0
    loop_bound: int = 1
    max_depth: int = 12


class BudgetExceeded(Exception):
    """The exploration hit its state or time limit."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass
class Meter:
    """Counts states against a budget."""

    budget: Budget
    states: int = 0
    started: float = field(default_factory=time.monotonic)

    def tick(self) -> None:
        self.states += 1
        if self.states > self.budget.max_states:
            raise BudgetExceeded(f"explored {self.budget.max_states:,} states without finishing")
        if self.states % 2048 == 0 and time.monotonic() - self.started > self.budget.seconds:
            raise BudgetExceeded(f"ran out of time after {self.budget.seconds:g} s "
                                 f"({self.states:,} states)")
