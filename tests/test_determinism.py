"""Reports are byte-identical across processes with different hash seeds, and whatever order a
directory's files were created in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pte_check.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed" / "filemap-allow-pte_offset_map_lock-to-fail.patch"
CASES = ROOT / "fixtures" / "cases"
SERIES = ROOT / "fixtures" / "inputs" / "series"
HASH_SEEDS = ("1", "4242")
FORMATS = ("json", "sarif")


def _start(args: list[str], cwd: Path, out: Path, hash_seed: str) -> subprocess.Popen[bytes]:
    """`python -m pte_check ARGS` writing one report per format into out/."""
    out.mkdir(parents=True)
    outputs = [arg for fmt in FORMATS for arg in ("--format", fmt, "-o", str(out / fmt))]
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    env.pop("PTE_CHECK_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "pte_check", *args, *outputs], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _reports(runs: list[tuple[subprocess.Popen[bytes], Path]]) -> list[dict[str, bytes]]:
    """Each run's reports by format, once all have finished (they run side by side)."""
    reports = []
    for process, out in runs:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode in (0, 1), stderr.decode()
        assert b"Traceback" not in stdout + stderr
        reports.append({fmt: (out / fmt).read_bytes() for fmt in FORMATS})
    return reports


@pytest.mark.parametrize("name, args", [
    ("seed", [str(SEED)]),
    ("series-restores-nopage", [str(CASES / "series-restores-nopage" / "input.mbox"),
                                "--races", "0"]),
    ("folio-leak-new-error-path", [str(CASES / "folio-leak-new-error-path" / "input.patch"),
                                   "--races", "0"]),
])
def test_reports_are_identical_across_hash_seeds(name: str, args: list[str],
                                                 tmp_path: Path) -> None:
    runs = [(_start(args, ROOT, tmp_path / seed, seed), tmp_path / seed) for seed in HASH_SEEDS]
    first, second = _reports(runs)
    for fmt in FORMATS:
        assert first[fmt], f"{name}: empty {fmt} report"
        assert first[fmt] == second[fmt], f"{name}: the {fmt} reports differ"


def test_a_directory_reads_the_same_whatever_order_its_files_were_made(tmp_path: Path) -> None:
    files = sorted(SERIES.glob("*.patch"))
    assert len(files) >= 3
    runs: list[tuple[subprocess.Popen[bytes], Path]] = []
    for label, order in (("forward", files), ("backward", files[::-1])):
        folder = tmp_path / label / "series"
        folder.mkdir(parents=True)
        for file in order:  # created one by one, in this order
            shutil.copyfile(file, folder / file.name)
        runs.append((_start(["series", "--races", "0"], folder.parent, tmp_path / f"{label}-out",
                            HASH_SEEDS[len(runs)]), tmp_path / f"{label}-out"))
    listings = [[entry.name for entry in os.scandir(tmp_path / label / "series")]
                for label in ("forward", "backward")]
    first, second = _reports(runs)
    for fmt in FORMATS:
        assert first[fmt] == second[fmt], f"the {fmt} reports differ ({listings})"
    assert b"mm/filemap: drop a stray put" in first["json"]


def test_a_directory_listed_in_any_order_gives_the_same_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file system decides the listing order (ext4 hashes names, tmpfs keeps creation
    order); the report must not depend on it."""
    folder = tmp_path / "series"
    shutil.copytree(SERIES, folder)
    monkeypatch.chdir(tmp_path)
    listed = Path.glob
    reports = []
    for arrange in (sorted, lambda paths: sorted(paths, reverse=True)):
        monkeypatch.setattr(Path, "glob", lambda self, pattern, arrange=arrange: iter(
            arrange(listed(self, pattern))))
        result = CliRunner().invoke(main, ["series", "--races", "0", "--format", "json"])
        assert result.exit_code in (0, 1), result.output
        reports.append(result.stdout)
    assert reports[0] == reports[1]
