"""What a function does, apart from where its lines are: the shape digest, and explorations
shared between the patches of a series."""

from __future__ import annotations

from pte_check import pipeline
from pte_check.inputs import read_text
from pte_check.lowering.lower import lower_function
from pte_check.options import Options

BODY = """static vm_fault_t toy_fault(struct vm_fault *vmf)
{
	if (!vmf->pte)
		return VM_FAULT_NOPAGE;
	return 0x0;
}
"""


def _shape(text: str) -> str:
    return lower_function(text, "toy_fault").shape


def test_comments_blank_lines_and_positions_keep_the_shape() -> None:
    moved = "\n\n" + BODY.replace("{\n", "{\n\t/* no PTE: retry */\n\n")
    assert _shape(moved) == _shape(BODY)
    assert lower_function(moved, "toy_fault").digest != lower_function(BODY, "toy_fault").digest
    assert _shape(BODY.replace("0x0", "0")) == _shape(BODY)  # the same constant, spelt apart


def test_any_change_of_what_runs_changes_the_shape() -> None:
    for changed in (BODY.replace("return 0x0", "return 1"),
                    BODY.replace("!vmf->pte", "vmf->pte"),
                    BODY.replace("VM_FAULT_NOPAGE", "VM_FAULT_SIGBUS"),
                    BODY.replace("\treturn 0x0;", "\tpte_unmap(vmf->pte);\n\treturn 0x0;")):
        assert _shape(changed) != _shape(BODY), changed


def _mail(number: int, subject: str, hunk: str) -> str:
    return (f"From {number} Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\n"
            f"Subject: [PATCH {number}/2] mm: {subject}\n\n---\n"
            "--- a/mm/memory.c\n+++ b/mm/memory.c\n"
            "@@ -4500,5 +4500,5 @@ static inline bool should_fault_around(struct vm_fault *vmf)\n"
            f"{hunk}\n")


def test_each_patch_of_a_series_starts_from_the_explorations_of_the_one_before(monkeypatch) -> None:
    from pte_check.model import catalog
    text = catalog.functions("6.4")["should_fault_around"].text.split("\n")
    old, new = text[-2], "\treturn false;"  # its last statement, before the closing brace
    context = [" " + line for line in text[-5:-2]]
    first = "\n".join([*context, "-" + old, "+" + new, " }"])
    second = "\n".join([*context, "-" + new, "+" + old, " }"])
    series = read_text(_mail(1, "should_fault_around() never", first)
                       + _mail(2, "should_fault_around() again", second), "s.mbox")
    explored: list[tuple[str, str]] = []
    real = pipeline.explore

    def counting(functions, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        explored.append((name, functions[name].digest))
        return real(functions, name, *args, **kwargs)

    monkeypatch.setattr(pipeline, "explore", counting)
    report = pipeline.analyse(series, Options(races=0))
    assert [len(p.findings) > 0 for p in report.patches] == [True, True]
    names = sorted({name for name, _ in explored})
    # patch 1 explores each function before and after; patch 2's code before it is patch 1's
    # code after it, kept: only its code after it is explored; the series' net effect (the
    # revert leaves the code as it was) explores nothing
    assert names == ["do_read_fault", "handle_mm_fault", "should_fault_around"]
    assert len(explored) == 3 * len(names)
    assert report.series is not None and report.series.findings == ()
