"""Fuzzing the whole analysis: a mutated golden-case patch that reads as a patch is analysed (small
budget) into a report every format renders, and whose statuses never claim more than was explored.

Each example runs the explorer, so this target takes a tenth of the profile's examples.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from test_fuzz_inputs import mutated

from pte_check.errors import InputError
from pte_check.explore.budget import Budget
from pte_check.findings import Status
from pte_check.inputs import read_bytes
from pte_check.options import Options
from pte_check.pipeline import analyse
from pte_check.report import Format, formatter
from pte_check.rules import NOT_ANALYSED

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [p.read_bytes() for p in sorted(ROOT.glob("fixtures/cases/*/input.*"))] + \
    [(ROOT / "fixtures" / "seed" / "filemap-allow-pte_offset_map_lock-to-fail.patch").read_bytes()]
OPTIONS = Options(races=0, budget=Budget(max_states=3000, seconds=2.0))


@settings(max_examples=max(20, settings().max_examples // 10))
@given(mutated(SEEDS))
def test_mutated_patches_analyse_into_honest_reports(data: bytes) -> None:
    try:
        series = read_bytes(data, "fuzz.patch")
    except InputError:
        return
    report = analyse(series, OPTIONS)
    for fmt in Format:
        assert isinstance(formatter(fmt)(report), str)
    for patch in report.patches:
        unexplored = any(f.rule == NOT_ANALYSED.id for f in patch.findings)
        assert (patch.status is Status.ANALYSED) == (not unexplored), patch.status
    summary = json.loads(formatter(Format.JSON)(report))["summary"]
    assert summary["patches"] == len(series.patches)
    assert summary["analysed"] + summary["incomplete"] + summary["errors"] == summary["patches"]
