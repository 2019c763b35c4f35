"""--git RANGE: the commits of a throwaway repository, read as format-patch writes them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from click.testing import CliRunner

from pte_check.cli import main
from pte_check.model import catalog

ROOT = Path(__file__).resolve().parent.parent


def _git(repo: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="A Developer", GIT_AUTHOR_EMAIL="dev@example.org",
               GIT_COMMITTER_NAME="A Developer", GIT_COMMITTER_EMAIL="dev@example.org")
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def test_git_range_reads_the_commits_in_order(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path / "linux"
    (repo / "mm").mkdir(parents=True)
    pmd = catalog.functions("6.4")["filemap_map_pmd"].text
    (repo / "mm" / "filemap.c").write_text(pmd + "\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    devmap = pmd[pmd.index("\tif (pmd_devmap_trans_unstable"):pmd.index("\treturn false;")]
    (repo / "mm" / "filemap.c").write_text(pmd.replace(devmap, "") + "\n")
    _git(repo, "commit", "-q", "-am", "mm/filemap: drop the devmap check")
    (repo / "mm" / "filemap.c").write_text(pmd + "\n")
    _git(repo, "commit", "-q", "-am", "mm/filemap: restore the devmap check")
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["--git", "HEAD~2..HEAD", "--format", "json"])
    report = json.loads(result.stdout)
    assert [p["subject"] for p in report["patches"]] == [
        "mm/filemap: drop the devmap check", "mm/filemap: restore the devmap check"]
    first = [(f["rule"], f["function"], f["before"]["returns"], f["after"]["returns"])
             for f in report["patches"][0]["findings"] if f["rule"] == "return-changed"]
    assert first == [("return-changed", "filemap_map_pmd", ["true"], ["false"])]
    second = [(f["rule"], f["function"], f["before"]["returns"], f["after"]["returns"])
              for f in report["patches"][1]["findings"] if f["rule"] == "return-changed"]
    assert second == [("return-changed", "filemap_map_pmd", ["false"], ["true"])]
    assert report["series"]["findings"] == []
    assert result.exit_code == 1


def test_bad_git_range_is_exit_2(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--git", "nope..HEAD"])
    assert result.exit_code == 2
    assert result.stderr.startswith("pte-check: error: git range nope..HEAD: git format-patch failed")
