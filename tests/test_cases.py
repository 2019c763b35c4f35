"""Golden cases: each folder under fixtures/cases holds an input, its flags and its findings.

A regression is a new folder. `expected.json` lists, for every finding, its rule, function,
entry states (exactly), and the return values before and after; plus the exit code and status.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from pte_check.cli import main

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "cases"


def _project(finding: dict) -> dict:
    out = {"rule": finding["rule"], "function": finding["function"],
           "states": finding["entry_states"]}
    for side in ("before", "after"):
        if finding[side] is not None:
            out[side] = finding[side]["returns"]
            if finding[side]["resources"]:
                out[side + "_resources"] = finding[side]["resources"]
            if finding[side]["fault"]:
                out[side + "_fault"] = finding[side]["fault"]
    if finding["rule"] == "not-analysed":
        out["message"] = finding["message"]
    return out


def run_case(folder: Path) -> tuple[int, dict]:
    inputs = sorted(p for p in folder.iterdir() if p.name.startswith("input"))
    args_file = folder / "args"
    args = shlex.split(args_file.read_text()) if args_file.exists() else []
    result = CliRunner().invoke(main, [*map(str, inputs), "--format", "json", *args])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("folder", sorted(p for p in CASES.iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_case(folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text())
    code, report = run_case(folder)
    got = {
        "exit": code,
        "status": [p["status"] for p in report["patches"]],
        "findings": [_project(f) for p in report["patches"] for f in p["findings"]],
    }
    if report["series"] is not None:
        got["series"] = [_project(f) for f in report["series"]["findings"]]
    assert got == expected
