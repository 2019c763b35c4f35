"""Formatters: each takes the finished Report and returns text; none of them computes."""

from __future__ import annotations

import enum
from collections.abc import Callable

from pte_check.findings import Report


class Format(enum.Enum):
    """Output formats, one module each."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    GITHUB = "github"
    JUNIT = "junit"
    B4 = "b4"


def formatter(fmt: Format) -> Callable[[Report], str]:
    """The function that renders a report in one format (imported only when asked for)."""
    if fmt is Format.JSON:
        from pte_check.report.json import render
        return render
    if fmt is Format.TEXT:
        from pte_check.report.text import render
        return render
    if fmt is Format.SARIF:
        from pte_check.report.sarif import render
        return render
    if fmt is Format.MARKDOWN:
        from pte_check.report.markdown import render
        return render
    if fmt is Format.GITHUB:
        from pte_check.report.github import render
        return render
    if fmt is Format.JUNIT:
        from pte_check.report.junit import render
        return render
    if fmt is Format.B4:
        from pte_check.report.b4 import render
        return render
    raise AssertionError(fmt)
