"""Invariants: a reversed patch mirrors its findings; a refactor gives none."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from pte_check.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed" / "filemap-allow-pte_offset_map_lock-to-fail.patch"


def reverse(patch: str) -> str:
    """The patch undone: + and - swapped, hunk header sides swapped."""
    out = []
    for line in patch.split("\n"):
        header = re.match(r"@@ -(\d+),(\d+) \+(\d+),(\d+) @@(.*)", line)
        if header:
            a, b, c, d, rest = header.groups()
            line = f"@@ -{c},{d} +{a},{b} @@{rest}"
        elif line.startswith("+") and not line.startswith("+++"):
            line = "-" + line[1:]
        elif line.startswith("-") and not line.startswith("---") and line != "-- ":
            line = "+" + line[1:]
        out.append(line)
    return "\n".join(out)


def _changes(path: Path) -> tuple[dict, set]:
    result = CliRunner().invoke(main, [str(path), "--format", "json"])
    report = json.loads(result.stdout)
    found = {(f["function"], tuple(f["entry_states"]), tuple(f["before"]["returns"]),
              tuple(f["after"]["returns"]))
             for f in report["patches"][0]["findings"] if f["rule"] == "return-changed"}
    return report, found


def test_reversed_seed_mirrors_its_return_changes(tmp_path: Path) -> None:
    backwards = tmp_path / "revert.patch"
    backwards.write_text(reverse(SEED.read_text()))
    forward, changes = _changes(SEED)
    backward, mirrored = _changes(backwards)
    assert forward["patches"][0]["kernel"] == "6.4"
    assert backward["patches"][0]["kernel"] == "6.5"
    assert changes and mirrored == {(f, s, a, b) for f, s, b, a in changes}
