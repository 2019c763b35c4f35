"""Pathological code finishes within its budget, and a budget hit is `not-analysed` with its reason,
never a silent "no difference"; a patch is `analysed` only when all of it was.

The pathological bodies go inside filemap_map_pmd() of the built-in model: explored directly on
the lowered model, and through the CLI as patches aligned by the function's real context lines.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pte_check.cli import main
from pte_check.explore.budget import Budget
from pte_check.explore.run import Exploration, explore
from pte_check.inputs import read_text
from pte_check.lowering import ir, lower_functions
from pte_check.model import catalog
from pte_check.model.contract import CONTRACTS
from pte_check.pipeline import model_texts
from pte_check.sources.builtin import BuiltinProvider

ROOT = Path(__file__).resolve().parent.parent
SLACK = 5.0  # seconds a budgeted step may overrun on a loaded CI machine
TIGHT = ["--max-states", "100", "--time-limit", "0.5", "--races", "0", "--format", "json"]


def nested_ifs(depth: int) -> list[str]:
    return ([f"\tif (vmf->address == {i}) {{" for i in range(depth)] + ["\t\tvmf->address = 0;"]
            + ["\t}"] * depth)


def big_switch(cases: int) -> list[str]:
    return (["\tswitch (vmf->pgoff) {"]
            + [f"\tcase {i}: vmf->address = {i}; break;" for i in range(cases)] + ["\t}"])


def goto_loops() -> list[str]:
    return ["again:", "\tif (pmd_none(*vmf->pmd))", "\t\tgoto again;", "retry:",
            "\tif (vmf->address)", "\t\tgoto again;", "\tgoto retry;"]


def long_body(lines: int) -> list[str]:
    return [f"\tvmf->address += {i};" for i in range(lines)]


# --- explored directly on the lowered model -----------------------------------------------------

def model_with(body: list[str]) -> dict[str, ir.Function]:
    """The 6.4 model with filemap_map_pmd()'s body replaced by `body` (then `return false;`)."""
    texts = {name: fn.text for name, fn in catalog.functions("6.4").items()}
    head = texts["filemap_map_pmd"].split("{", 1)[0]
    texts["filemap_map_pmd"] = head + "{\n" + "\n".join(body) + "\n\treturn false;\n}"
    return lower_functions("\n\n".join(texts.values()))


def timed(functions: dict[str, ir.Function], name: str,
          budget: Budget) -> tuple[Exploration, float]:
    started = time.monotonic()
    result = explore(functions, name, CONTRACTS["6.5"], budget, races=1)
    return result, time.monotonic() - started


def test_500_nested_ifs_lower_and_explore_within_budget() -> None:
    started = time.monotonic()
    functions = model_with(nested_ifs(500))
    assert time.monotonic() - started < 10
    done, elapsed = timed(functions, "filemap_map_pmd", Budget(seconds=20))
    assert done.incomplete is None and done.paths and elapsed < 20 + SLACK
    cut, elapsed = timed(functions, "filemap_map_pmd", Budget(max_states=500))
    assert (cut.incomplete, cut.paths) == ("explored 500 states without finishing", ())


def test_5000_case_switch_stops_at_its_state_and_time_budgets() -> None:
    functions = model_with(big_switch(5000))
    cut, _ = timed(functions, "filemap_map_pmd", Budget(max_states=2000))
    assert cut.incomplete == "explored 2,000 states without finishing"
    cut, elapsed = timed(functions, "filemap_map_pages", Budget(max_states=10**9, seconds=1.0))
    assert cut.incomplete is not None and cut.incomplete.startswith("ran out of time after 1 s")
    assert elapsed < 1.0 + SLACK


def test_goto_loops_are_bounded() -> None:
    functions = model_with(goto_loops())
    result, elapsed = timed(functions, "filemap_map_pmd", Budget(seconds=20))
    assert elapsed < 20 + SLACK
    assert result.dropped > 0
    if not result.paths:
        assert result.incomplete is not None and "loop bound" in result.incomplete
    spin = model_with(["spin:", "\tgoto spin;"])
    result, _ = timed(spin, "filemap_map_pmd", Budget(seconds=20))
    assert result.paths == () and result.incomplete is not None \
        and result.incomplete.startswith("no path finished within the loop bound")


def test_20000_line_function_lowers_and_stops_at_its_budgets() -> None:
    started = time.monotonic()
    functions = model_with(long_body(20_000))
    assert time.monotonic() - started < 30
    assert len(functions["filemap_map_pmd"].code) > 20_000
    cut, _ = timed(functions, "filemap_map_pmd", Budget(max_states=5000))
    assert cut.incomplete == "explored 5,000 states without finishing"
    cut, elapsed = timed(functions, "filemap_map_pmd", Budget(max_states=10**9, seconds=0.2))
    assert cut.incomplete is not None and cut.incomplete.startswith("ran out of time after 0.2 s")
    assert elapsed < 0.2 + SLACK


# --- through the CLI, as patches -------------------------------------------------------------

HEAD = "diff --git a/mm/filemap.c b/mm/filemap.c\n--- a/mm/filemap.c\n+++ b/mm/filemap.c\n"
PMD_HEADING = "static bool filemap_map_pmd(struct vm_fault *vmf, struct folio *folio,"
PMD_BEFORE = ["{", "\tstruct mm_struct *mm = vmf->vma->vm_mm;", ""]
PMD_AFTER = ["\tif (pmd_trans_huge(*vmf->pmd)) {", "\t\tfolio_unlock(folio);", "\t\tfolio_put(folio);"]


def hunk(start: int, heading: str, before: list[str], removed: list[str], added: list[str],
         after: list[str]) -> str:
    old = len(before) + len(removed) + len(after)
    new = len(before) + len(added) + len(after)
    lines = [f"@@ -{start},{old} +{start},{new} @@ {heading}"] + [" " + t for t in before] \
        + ["-" + t for t in removed] + ["+" + t for t in added] + [" " + t for t in after]
    return "\n".join(lines) + "\n"


def pmd_patch(added: list[str], removed: list[str] | None = None) -> str:
    """A patch adding lines at the top of filemap_map_pmd(), aligned by its real context."""
    return HEAD + hunk(3389, PMD_HEADING, PMD_BEFORE, removed or [], added, PMD_AFTER)


def run(tmp_path: Path, text: str, *args: str) -> tuple[int, Any, float]:
    patch = tmp_path / "p.patch"
    patch.write_text(text)
    started = time.monotonic()
    result = CliRunner().invoke(main, [str(patch), *args])
    elapsed = time.monotonic() - started
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 1, 3), result.output
    return result.exit_code, json.loads(result.stdout), elapsed


def not_analysed(report: Any) -> list[str]:
    return [f["message"] for p in report["patches"] for f in p["findings"]
            if f["rule"] == "not-analysed"]


def statuses(report: Any) -> list[str]:
    return [p["status"] for p in report["patches"]]


@pytest.mark.parametrize("name, body, reason", [
    ("500 nested ifs", nested_ifs(500), "explored 100 states without finishing"),
    ("5000-case switch", big_switch(5000), "explored 100 states without finishing"),
    ("goto loops", goto_loops(), "no path finished within the loop bound (1 iterations)"),
])
def test_pathological_patch_hits_the_budget_and_says_so(name: str, body: list[str], reason: str,
                                                        tmp_path: Path) -> None:
    code, report, elapsed = run(tmp_path, pmd_patch(body), *TIGHT, "--fail-on", "never")
    assert elapsed < 60, f"{name}: {elapsed:.1f} s"
    assert (code, statuses(report)) == (0, ["incomplete"])
    messages = not_analysed(report)
    assert any(m == f"filemap_map_pmd(): {reason}" for m in messages), messages
    code, _, _ = run(tmp_path, pmd_patch(body), *TIGHT, "--fail-on", "never", "--strict")
    assert code == 3


def test_500_nested_ifs_patch_is_analysed_with_the_default_budget(tmp_path: Path) -> None:
    _, report, _ = run(tmp_path, pmd_patch(nested_ifs(500)), "--races", "0", "--format", "json")
    assert statuses(report) == ["analysed"] and not not_analysed(report)


def test_the_time_limit_is_a_reason_too(tmp_path: Path) -> None:
    _, report, elapsed = run(tmp_path, pmd_patch(big_switch(5000)), "--max-states",
                             "100000000", "--time-limit", "0.5", "--races", "0",
                             "--format", "json", "--fail-on", "never")
    assert statuses(report) == ["incomplete"]
    assert any(m.startswith("filemap_map_pages(): ran out of time after 0.5 s")
               for m in not_analysed(report)), not_analysed(report)
    assert elapsed < 60


def test_20000_line_function_patch_finishes_within_its_budget(tmp_path: Path) -> None:
    patch = tmp_path / "long.patch"
    patch.write_text(pmd_patch(long_body(20_000)))
    done = subprocess.run([sys.executable, "-m", "pte_check", str(patch), *TIGHT], cwd=ROOT,
                          capture_output=True, text=True, timeout=15, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert statuses(report) == ["incomplete"]
    assert "filemap_map_pmd(): explored 100 states without finishing" in not_analysed(report)


def series_patch(k: int, line: Callable[[int], str]) -> str:
    removed = [line(k - 1)] if k > 1 else []
    return (f"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
            f"From: A <a@example.org>\nSubject: [PATCH {k:03d}/200] mm/filemap: step {k}\n\n---\n"
            + HEAD + hunk(3389, PMD_HEADING, PMD_BEFORE, removed, [line(k)], PMD_AFTER)
            + "-- \n2.35.3\n")


def test_200_patch_series_finishes_and_counts_every_patch(tmp_path: Path) -> None:
    folder = tmp_path / "series"
    folder.mkdir()
    for k in range(1, 201):
        (folder / f"{k:04d}-step.patch").write_text(series_patch(k, lambda n: f"\tstep = {n};"))
    started = time.monotonic()
    result = CliRunner().invoke(main, [str(folder), "--max-states", "100", "--time-limit", "0.1",
                                       "--races", "0", "--format", "json"])
    assert time.monotonic() - started < 180
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert len(report["patches"]) == 200
    assert [p["functions"] for p in report["patches"]] == [["filemap_map_pmd"]] * 200
    assert set(statuses(report)) == {"incomplete"}
    summary = report["summary"]
    assert (summary["patches"], summary["analysed"], summary["incomplete"]) == (200, 0, 200)
    assert all(m.endswith("explored 100 states without finishing")
               for m in not_analysed(report))


def test_a_series_removes_the_comment_lines_its_patches_remove() -> None:
    provider = BuiltinProvider({v: model_texts(v) for v in catalog.versions()}, "auto")
    for k in (1, 2):
        (patch,) = read_text(series_patch(k, lambda n: f"\t/* step {n} */"), f"{k}.patch").patches
        sourcing = provider.source(patch)
        assert not sourcing.unaligned
        provider.advance(sourcing)
    (text,) = [f.text for f in provider.functions(sourcing.version) if f.name == "filemap_map_pmd"]
    assert "/* step 2 */" in text
    assert "/* step 1 */" not in text


# --- readers: large inputs in linear time ------------------------------------------------------

def quoted_reply(lines: int, fits: bool) -> str:
    body = [f" line {i};" if i % 3 else f"-old {i};\n+new {i};" for i in range(lines)]
    text = "\n".join(body).split("\n")
    old = sum(t[0] in " -" for t in text) + (0 if fits else 7)
    new = sum(t[0] in " +" for t in text) + (0 if fits else 3)
    diff = [*HEAD.splitlines(), f"@@ -1,{old} +1,{new} @@ f", *text]
    return "Re: [PATCH] x\n\n" + "".join(f"> > {t}\n" for t in diff)


@pytest.mark.parametrize("make, seconds", [
    (lambda: quoted_reply(20_000, True), 20),
    (lambda: quoted_reply(20_000, False), 20),
    (lambda: "> " * 500_000 + "x\n" + quoted_reply(3, True), 10),
], ids=["quoted hunk of 20,000 lines", "quoted hunk of 20,000 lines that fits no reading",
        "a line quoted 500,000 levels deep"])
def test_large_inputs_read_in_linear_time(make: Callable[[], str], seconds: float) -> None:
    text = make()
    started = time.monotonic()
    (patch,) = read_text(text, "reply.txt").patches
    assert patch.files and time.monotonic() - started < seconds


# --- honest status -----------------------------------------------------------------------------

FAULT_AROUND = "static inline bool should_fault_around(struct vm_fault *vmf)"
FA_BEFORE = ["\tif (uffd_disable_fault_around(vmf->vma))", "\t\treturn false;", ""]


def fault_around_patch(removed: list[str], added: list[str], unaligned: bool = False) -> str:
    """A cheap patch to should_fault_around(); with a second hunk that aligns nowhere."""
    text = HEAD.replace("filemap", "memory") + hunk(
        4500, FAULT_AROUND, FA_BEFORE, removed, added, ["}"])
    if unaligned:
        text += hunk(4600, FAULT_AROUND, ["\tif (uffd_disable_fault_around(vmf->vma))"],
                     ["\t\tthis_line_is_not_in_the_model();"], ["\t\treturn true;"], [])
    return text


COMMENT = fault_around_patch(["\treturn fault_around_pages > 1;"],
                             ["\t/* Only when it maps more than one page. */",
                              "\treturn fault_around_pages > 1;"])
NEVER = fault_around_patch(["\treturn fault_around_pages > 1;"], ["\treturn false;"])
QUICK = ["--races", "0", "--format", "json"]


def test_analysed_only_when_every_hunk_aligned_and_was_explored(tmp_path: Path) -> None:
    code, report, _ = run(tmp_path, COMMENT, *QUICK)
    assert (code, statuses(report), not_analysed(report)) == (0, ["analysed"], [])
    partly = COMMENT + fault_around_patch([], [], unaligned=True).split("+++ b/mm/memory.c\n")[1]
    code, report, _ = run(tmp_path, partly, *QUICK)
    assert (code, statuses(report)) == (0, ["incomplete"])
    (message,) = not_analysed(report)
    assert message.startswith("hunk @@ -4600,2 +4600,2 @@") and "not in the model" in message
    code, report, _ = run(tmp_path, NEVER, *QUICK, "--max-states", "100")
    assert statuses(report) == ["incomplete"] and not_analysed(report)
    # a comment changes no instruction: nothing is explored, so no budget can be hit
    code, report, _ = run(tmp_path, COMMENT, *QUICK, "--max-states", "100")
    assert (statuses(report), not_analysed(report)) == (["analysed"], [])
    assert any("changes no lowered instruction of should_fault_around()" in note
               for note in report["patches"][0]["notes"])


def test_json_summary_counts_incomplete_patches(tmp_path: Path) -> None:
    mails = [("1/2", COMMENT), ("2/2", fault_around_patch([], [], unaligned=True))]
    mbox = "".join(f"From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
                   f"From: A <a@example.org>\nSubject: [PATCH {n}] mm/memory: part {n}\n\n---\n"
                   f"{text}-- \n2.35.3\n\n" for n, text in mails)
    _, report, _ = run(tmp_path, mbox, *QUICK)
    assert statuses(report) == ["analysed", "incomplete"]
    summary = report["summary"]
    assert (summary["patches"], summary["analysed"], summary["incomplete"]) == (2, 1, 1)


def test_strict_exits_3_only_when_nothing_else_failed(tmp_path: Path) -> None:
    unaligned = fault_around_patch([], [], unaligned=True)
    assert run(tmp_path, unaligned, *QUICK)[0] == 0
    assert run(tmp_path, unaligned, *QUICK, "--strict")[0] == 3
    assert run(tmp_path, unaligned, *QUICK, "--strict", "--exit-zero")[0] == 0
    assert run(tmp_path, COMMENT, *QUICK, "--strict")[0] == 0
    both = NEVER + unaligned.split("+++ b/mm/memory.c\n")[1]
    code, report, _ = run(tmp_path, both, *QUICK, "--strict")
    assert statuses(report) == ["incomplete"]
    rules = {f["rule"] for p in report["patches"] for f in p["findings"]}
    assert "return-changed" in rules and code == 1  # a failure outranks the incomplete status
    assert run(tmp_path, both, *QUICK, "--strict", "--fail-on", "error")[0] == 3


@pytest.mark.parametrize("body", [
    ["again:", "\tif (pmd_none(*vmf->pmd))", "\t\tgoto again;"],
    ["spin:", "\tgoto spin;"],
], ids=["loop-while-pmd-none", "spin"])
def test_paths_dropped_at_the_loop_bound_are_never_a_claimed_difference(
        body: list[str], tmp_path: Path) -> None:
    """No path of the patched function that loops forever is explored to its end: nothing may
    be claimed about what it (or a caller) now returns."""
    _, report, _ = run(tmp_path, pmd_patch(body), *QUICK)
    assert statuses(report) == ["incomplete"]
    for patch in report["patches"]:
        for finding in patch["findings"]:
            if finding["rule"] != "not-analysed":
                assert finding["after"] and finding["after"]["returns"], finding["message"]
