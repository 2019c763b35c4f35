"""The bad-input corpus, run through the real CLI: each case's exit code and exact stderr line.

Each case is `fixtures/bad/<name>.expected` (and usually its input, `fixtures/bad/<name>.<ext>`),
lines of `key: value`:

- `args`: the command line (default: the input file and `--format json`), relative to the repo;
- `exit`: the exit code;
- `stderr`: the one line expected on stderr (nothing after the colon: stderr is empty), or
  `stderr-prefix`: how that one line starts;
- `status`, `skipped`: the patch statuses and skipped files of the JSON report (comma-separated);
- `make`: the input is made by this test in a temporary directory, `{tmp}` in args and stderr;
- `xfail`: a known bug (the test is expected to fail until it is fixed).

Nothing may print a traceback.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pte_check.cli import main

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "fixtures" / "bad"
DOCS_ONLY = (BAD / "docs-only.patch").read_bytes()


def _one_mb_line(path: Path) -> None:
    path.write_bytes(b"x" * (1 << 20))


def _one_mb_hunk_line(path: Path) -> None:
    path.write_bytes(b"diff --git a/mm/filemap.c b/mm/filemap.c\n--- a/mm/filemap.c\n"
                     b"+++ b/mm/filemap.c\n@@ -1,1 +1,1 @@\n-" + b"y" * (1 << 20) + b"\n+z\n")


def _unreadable(path: Path) -> None:
    path.write_bytes(DOCS_ONLY)
    path.chmod(0)
    if os.geteuid() == 0 or os.access(path, os.R_OK):
        pytest.skip("running as root: a chmod 000 file is still readable (the broken-link and "
                    "missing cases cover unreadable paths)")


MAKERS = {"one-mb-line": (_one_mb_line, "one-mb-line.txt"),
          "one-mb-hunk-line": (_one_mb_hunk_line, "one-mb-hunk-line.patch"),
          "unreadable": (_unreadable, "unreadable.patch")}


@dataclass(frozen=True)
class Case:
    """One bad input and what the CLI must do with it."""

    name: str
    fields: dict[str, str]

    @classmethod
    def load(cls, path: Path) -> Case:
        fields = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        return cls(path.name.removesuffix(".expected"), fields)

    def input(self) -> str:
        found = [p for p in BAD.glob(self.name + ".*") if p.suffix != ".expected"]
        assert len(found) == 1, f"{self.name}: give `args` or exactly one input file"
        return str(found[0].relative_to(ROOT))

    def args(self, tmp: Path) -> list[str]:
        text = self.fields.get("args") or f"{shlex.quote(self.input())} --format json"
        return shlex.split(text.replace("{tmp}", str(tmp)))

    def stderr(self, tmp: Path) -> str:
        return self.fields.get("stderr", "").replace("{tmp}", str(tmp))


CASES = [Case.load(p) for p in sorted(BAD.glob("*.expected"))]


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.fields["xfail"])] \
        if "xfail" in case.fields else []
    return pytest.param(case, id=case.name, marks=marks)


def _prepare(case: Case, tmp: Path) -> None:
    if "make" in case.fields:
        make, name = MAKERS[case.fields["make"]]
        make(tmp / name)


def _check(case: Case, tmp: Path, code: int, out: str, err: str) -> None:
    assert "Traceback" not in out and "Traceback" not in err
    assert code == int(case.fields["exit"]), err
    if "stderr-prefix" in case.fields:
        assert len(err.splitlines()) == 1 and err.startswith(case.fields["stderr-prefix"]), err
    else:
        expected = case.stderr(tmp)
        assert err == (expected + "\n" if expected else "")
    if "status" in case.fields or "skipped" in case.fields:
        report = json.loads(out)
        statuses = ",".join(p["status"] for p in report["patches"])
        skipped = ",".join(f for p in report["patches"] for f in p["skipped_files"])
        assert statuses == case.fields.get("status", statuses)
        assert skipped == case.fields.get("skipped", skipped)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    _prepare(case, tmp_path)
    result = CliRunner().invoke(main, case.args(tmp_path))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    _check(case, tmp_path, result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize("name", ["invalid-utf8", "docs-only"])
def test_bad_input_in_a_real_process(name: str, tmp_path: Path) -> None:
    """The same through `python -m pte_check`: exit code, exact stderr, no traceback."""
    case = next(c for c in CASES if c.name == name)
    env = {k: v for k, v in os.environ.items() if k != "PTE_CHECK_DEBUG"}
    done = subprocess.run([sys.executable, "-m", "pte_check", *case.args(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    _check(case, tmp_path, done.returncode, done.stdout, done.stderr)


def test_every_input_in_the_corpus_has_its_expectation() -> None:
    inputs = {p.name.split(".")[0] for p in BAD.iterdir() if p.suffix != ".expected"}
    cases = {c.name for c in CASES}
    assert inputs <= cases, inputs - cases
    assert {"empty", "prose", "binary", "nul", "truncated-hunk", "hunk-counts-too-large",
            "hunk-counts-too-small", "combined", "one-mb-line", "invalid-utf8", "crlf",
            "no-patches", "docs-only", "missing", "no-patches-dir", "broken-link",
            "unreadable", "waivers-is-a-directory"} <= cases
