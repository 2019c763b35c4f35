"""Hunks the model cannot place: one not-analysed finding per file and reason."""

from __future__ import annotations

from pte_check.findings import Status
from pte_check.inputs import read_text
from pte_check.options import Options
from pte_check.pipeline import analyse_patch


def _hunk(start: int) -> str:
    return f"@@ -{start},3 +{start},3 @@ static int probe(void)\n a();\n-b();\n+c();\n d();\n"


def test_a_file_the_model_lacks_is_one_finding_naming_its_hunks() -> None:
    diff = ("--- a/drivers/x.c\n+++ b/drivers/x.c\n" + _hunk(10) + _hunk(40) + _hunk(90)
            + "--- a/drivers/y.c\n+++ b/drivers/y.c\n" + _hunk(7))
    (patch,) = read_text(diff, "two-files.diff").patches
    report = analyse_patch(patch, Options())
    assert report.status is Status.INCOMPLETE
    assert [(f.rule, f.file, f.line, f.message) for f in report.findings] == [
        ("not-analysed", "drivers/x.c", 10,
         ("3 hunks, the first @@ -10,3 +10,3 @@ static int probe(void): "
          "the built-in model has no function of drivers/x.c")),
        ("not-analysed", "drivers/y.c", 7,
         ("hunk @@ -7,3 +7,3 @@ static int probe(void): "
          "the built-in model has no function of drivers/y.c")),
    ]
