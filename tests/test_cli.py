"""The command line: help, version, exit codes, bad input, determinism, the seed as a reply."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pte_check import __version__
from pte_check.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed" / "filemap-allow-pte_offset_map_lock-to-fail.patch"
REPLY = ROOT / "fixtures" / "seed" / "filemap-review-reply.txt"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _findings(report: dict) -> list[tuple]:
    return [(f["rule"], f["function"], tuple(f["entry_states"]), tuple(f["before"]["returns"]),
             tuple(f["after"]["returns"])) for p in report["patches"] for f in p["findings"]]


def test_version() -> None:
    code, out, _ = _run("--version")
    assert (code, out) == (0, f"pte-check {__version__}\n")


def test_help_documents_every_option() -> None:
    code, out, _ = _run("--help")
    assert code == 0
    for option in ("--format", "--output", "--kernel", "--contract", "--races", "--fail-on",
                   "--exit-zero", "--strict", "--max-states", "--time-limit", "--version"):
        assert option in out, option


def test_seed_reply_gives_the_clean_patch_findings() -> None:
    clean = json.loads(_run(str(SEED), "--format", "json")[1])
    reply = json.loads(_run(str(REPLY), "--format", "json")[1])
    assert _findings(reply) == _findings(clean)
    assert reply["patches"][0]["subject"] == "mm/filemap: allow pte_offset_map_lock() to fail"


def test_seed_finding_in_detail() -> None:
    code, out, _ = _run(str(SEED), "--format", "json")
    assert code == 1
    report = json.loads(out)
    first = report["patches"][0]["findings"][0]
    assert first["rule"] == "return-changed"
    assert first["function"] == "filemap_map_pages"
    assert (first["file"], first["line"]) == ("mm/filemap.c", 3497)
    assert first["before"]["returns"] == ["VM_FAULT_NOPAGE"]
    assert first["after"]["returns"] == ["0"]
    assert first["entry_states"][:3] == [
        "PMD maps a huge devmap page (pmd_devmap() true, pmd_trans_huge() false)",
        "PMD holds a migration entry (not present)", "PMD is bad (pmd_bad() true)"]
    after_lines = [(s["line"], s["text"]) for s in first["after"]["path"] if s["line"]]
    assert (3497, "if (!vmf->pte) {") in after_lines
    before_lines = [(s["line"], s["text"]) for s in first["before"]["path"] if s["line"]]
    assert (3412, "if (pmd_devmap_trans_unstable(vmf->pmd)) {") in before_lines
    assert first["hunk"]["header"].startswith("@@ -3501,6 +3494,11 @@")
    assert all(f["rule"] != "resource-imbalance" for f in report["patches"][0]["findings"])


def test_exit_codes() -> None:
    assert _run(str(SEED), "--format", "json", "--fail-on", "error")[0] == 0
    assert _run(str(SEED), "--format", "json", "--exit-zero")[0] == 0
    assert _run(str(SEED), "--format", "json", "--fail-on", "never")[0] == 0


def test_strict_exits_3_on_incomplete() -> None:
    unaligned = ROOT / "fixtures" / "cases" / "hunk-does-not-align" / "input.patch"
    assert _run(str(unaligned), "--format", "json")[0] == 0
    assert _run(str(unaligned), "--format", "json", "--strict")[0] == 3


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    prose = tmp_path / "notes.txt"
    prose.write_text("This is a letter, not a patch.\n")
    code, out, err = _run(str(prose))
    assert code == 2
    assert err.startswith(f"pte-check: error: {prose}")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err


def test_missing_file_exit_2(tmp_path: Path) -> None:
    code, _, err = _run(str(tmp_path / "nope.patch"))
    assert code == 2 and "nope.patch" in err


def test_json_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-m", "pte_check", str(SEED), "--format", "json"],
                              capture_output=True, env=env, check=False)
        assert done.returncode == 1, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]


def test_model_list_names_every_function_and_each_contract_function() -> None:
    from pte_check.model import catalog
    from pte_check.model.primitives import PRIMITIVES
    result = CliRunner().invoke(main, ["model", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "mm/memory.c    handle_mm_fault()            6.4, 6.5 (= 6.4)" in lines
    assert "mm/filemap.c   filemap_map_pages()          6.4, 6.5" in lines
    assert ("mm/memory.c              do_set_pmd()                 contracts 6.4, 6.5, 6.6"
            in lines)
    for name in catalog.CONTRACT_FUNCTIONS:
        assert name in PRIMITIVES, name  # each one listed has a contract in the model
        assert any(f" {name}() " in line for line in lines), name
