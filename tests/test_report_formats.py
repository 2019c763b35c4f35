"""Every Format: selected by the enum, renders every report, byte-identical across runs."""

from __future__ import annotations

import pytest
from test_report_helpers import empty_report, seed_report, series_report

from pte_check.findings import Report
from pte_check.report import Format, formatter

_REPORTS = {"empty": empty_report, "seed": seed_report, "series": series_report}


def test_every_format_has_a_module() -> None:
    assert {f.value for f in Format} == {"text", "json", "sarif", "markdown", "github", "junit",
                                         "b4"}


@pytest.mark.parametrize("fmt", list(Format), ids=lambda f: f.value)
@pytest.mark.parametrize("name", sorted(_REPORTS))
def test_renders_every_report_the_same_way_twice(fmt: Format, name: str) -> None:
    render = formatter(fmt)
    report: Report = _REPORTS[name]()
    first = render(report)
    assert isinstance(first, str)
    assert first == render(_REPORTS[name]())
    assert first == "" or first.endswith("\n")


def test_json_written_a_patch_at_a_time_is_the_whole_document() -> None:
    import json

    from pte_check.report import json as report_json
    for make in (empty_report, seed_report, series_report):
        report = make()
        whole = json.dumps(report_json.document(report), indent=2, ensure_ascii=False) + "\n"
        pieces = list(report_json.chunks(report))
        assert "".join(pieces) == whole, make.__name__
        assert len(pieces) == (len(report.patches) + 2 if report.patches else 1), make.__name__
