"""Formatters: each takes the finished Report and returns text; none of them computes."""

from __future__ import annotations

import enum
from typing import Callable

from pte_check.findings import Report


class Format(enum.Enum):
    """Output formats, one module each."""

    TEXT = "text"
    JSON = "json"


def formatter(fmt: Format) -> Callable[[Report], str]:
    """The function that renders a report in one format (imported only when asked for)."""
    if fmt is Format.JSON:
        from pte_check.report.json import render
        return render
    if fmt is Format.TEXT:
        from pte_check.report.text import render
        return render
    raise AssertionError(fmt)
