"""Kernel-tree mode end to end: the fixture patches against fixtures/tree, through the pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import pte_check.model.generic  # noqa: F401  (registers the generic primitives)
from pte_check.errors import InputError
from pte_check.findings import Finding, PatchReport
from pte_check.inputs.patch import Patch
from pte_check.inputs.read import read_series
from pte_check.options import Options
from pte_check.pipeline import analyse_patch
from pte_check.sources.apply import apply_file
from pte_check.sources.tree import TreeProvider

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "fixtures" / "tree"
PATCHES = TREE / "patches"
LEAK = ("PTE mapping left held", "page-table lock left held")
PTE_NULL = "(the NULL came from pte_offset_map_lock()) in toy_count_present()"
KZALLOC = "NULL pointer ->lock read (the NULL came from kzalloc()) in toy_pool_create()"

# rule, function, line, returns before, returns after, the after side's fault or resources,
# and how many PMD kinds the entry states start from (races by other CPUs not counted).
EXPECTED: dict[str, tuple[str, list[tuple[object, ...]]]] = {
    "01-pte-lock-leak-early-return.patch": ("analysed", [
        ("resource-imbalance", "toy_count_present", 149, ("0",), ("-ENOENT",), LEAK, 3),
        ("fault-outcome-changed", "toy_fault_scan", 149, ("0",), ("0",), LEAK, 3),
    ]),
    "02-pte-null-unchecked.patch": ("analysed", [
        ("unchecked-may-fail", "toy_count_present", 145, ("-EAGAIN",), ("does not return",),
         f"pte_unmap_unlock() on NULL {PTE_NULL}", 5),
        ("unchecked-may-fail", "toy_count_present", 145, ("-EAGAIN",), ("does not return",),
         f"ptep_get() with a NULL PTE pointer {PTE_NULL}", 5),
        ("fault-outcome-changed", "toy_fault_scan", 145, ("VM_FAULT_NOPAGE",),
         ("does not return",), f"pte_unmap_unlock() on NULL {PTE_NULL}", 5),
    ]),
    "03-claim-eagain-to-zero.patch": ("analysed", [
        ("return-changed", "toy_claim", 40, ("-EAGAIN",), ("0",), (), 6),
        ("fault-outcome-changed", "toy_fill_slot", 40, ("0",), ("-ENOMEM", "1"), (), 6),
        ("fault-outcome-changed", "toy_pool_reclaim", 40, None, ("1",), (), 6),
    ]),
    "04-refactor-fill-slot.patch": ("analysed", []),
    "05-already-applied.patch": ("analysed", [
        ("path-added", "toy_count_present", 146, None, ("-EAGAIN",), (), 5),
        ("fault-outcome-changed", "toy_fault_scan", 146, None, ("VM_FAULT_NOPAGE",), (), 5),
    ]),
    "06-does-not-apply.patch": ("incomplete", [
        ("not-analysed", "", 146, None, None, None, 0),
    ]),
    "08-macro-loop-early-return.patch": ("analysed", [
        ("resource-imbalance", "toy_pool_reclaim", 103, ("0", "1"), ("0", "1"),
         ("spinlock left held",), 6),
    ]),
    "09-kzalloc-unchecked.patch": ("analysed", [
        ("unchecked-may-fail", "toy_pool_create", 178, ("non-NULL",), ("does not return",),
         KZALLOC, 6),
        ("fault-outcome-changed", "toy_pool_setup", 178, ("-ENOMEM",), ("does not return",),
         KZALLOC, 6),
    ]),
    "10-err-ptr-to-null.patch": ("analysed", [
        ("return-changed", "toy_pool_create", 181, ("non-NULL",), ("NULL",), (), 6),
        ("unchecked-may-fail", "toy_pool_setup", 181, ("-ENOMEM",), ("does not return",),
         "NULL pointer ->mutex read in toy_pool_setup()", 6),
        ("fault-outcome-changed", "toy_pool_setup", 181, ("-ENOMEM",), ("does not return",),
         "NULL pointer ->mutex read in toy_pool_setup()", 6),
    ]),
    "11-syscall-macro.patch": ("incomplete", [
        ("not-analysed", "", 208, None, None, None, 0),
    ]),
    "12-offset.patch": ("analysed", [
        ("resource-imbalance", "toy_count_present", 142, ("0",), ("-ENOENT",), LEAK, 3),
        ("fault-outcome-changed", "toy_fault_scan", 142, ("0",), ("0",), LEAK, 3),
    ]),
}


def _patch(name: str) -> Patch:
    return read_series([str(PATCHES / name)]).patches[0]


def analyse_tree(root: Path, patch: Patch, options: Options | None = None) -> PatchReport:
    return analyse_patch(patch, options or Options(), TreeProvider(root))


def _project(finding: Finding) -> tuple[object, ...]:
    before = finding.before.returns if finding.before else None
    after = finding.after.returns if finding.after else None
    what = (finding.after.fault or finding.after.resources) if finding.after else None
    kinds = {state.split("; then")[0] for state in finding.entry_states}
    return (finding.rule, finding.function, finding.line, before, after, what, len(kinds))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_patch(name: str) -> None:
    status, findings = EXPECTED[name]
    report = analyse_tree(TREE, _patch(name))
    assert (report.status.value, [_project(f) for f in report.findings]) == (status, findings)
    assert report.kernel == "tree"


def test_every_fixture_patch_has_an_expectation() -> None:
    names = {p.name for p in PATCHES.glob("*.patch")}
    assert names == set(EXPECTED) | {"07-path-escape.patch"}


def test_null_pte_states_are_the_pmds_that_map_no_page_table() -> None:
    report = analyse_tree(TREE, _patch("02-pte-null-unchecked.patch"))
    assert [s for s in report.findings[0].entry_states if "; then" not in s] == [
        "PMD is none (pmd_none() true)",
        "PMD maps a transparent huge page (pmd_trans_huge() true)",
        "PMD maps a huge devmap page (pmd_devmap() true, pmd_trans_huge() false)",
        "PMD holds a migration entry (not present)",
        "PMD is bad (pmd_bad() true)"]


def test_null_pte_is_no_bug_under_the_6_4_contract_of_the_callers() -> None:
    """Under 6.4 the caller had to exclude those PMDs first: both versions violate that."""
    report = analyse_tree(TREE, _patch("02-pte-null-unchecked.patch"), Options(contract="6.4"))
    assert report.findings == ()


def test_witness_lines_are_the_tree_lines() -> None:
    finding = analyse_tree(TREE, _patch("01-pte-lock-leak-early-return.patch")).findings[0]
    assert finding.after is not None
    steps = {(s.line, s.text.strip()) for s in finding.after.path}
    assert (149, "if (pte_none(ptep_get(pte)))") in steps
    assert (150, "return -ENOENT;") in steps
    assert (144, "start_pte = pte = pte_offset_map_lock(vmf->vma->vm_mm, vmf->pmd, addr,") \
        in steps


def test_offset_and_reversal_are_noted() -> None:
    offset = analyse_tree(TREE, _patch("12-offset.patch"))
    assert "mm/toy.c: hunk #1 applied at line 146 (offset +7 lines)" in offset.notes
    reverse = analyse_tree(TREE, _patch("05-already-applied.patch"))
    assert any("already applied in the tree; analysed in reverse" in n for n in reverse.notes)


def test_unapplicable_and_macro_hunks_say_why() -> None:
    (miss,) = analyse_tree(TREE, _patch("06-does-not-apply.patch")).findings
    assert "does not apply to the tree: no place has its removed line 'while (nr--) {'" \
        in miss.message
    (macro,) = analyse_tree(TREE, _patch("11-syscall-macro.patch")).findings
    assert "signature the parser cannot read ('SYSCALL_DEFINE1(toy_reclaim, int, which)')" \
        in macro.message


def test_path_escape_is_an_input_error() -> None:
    with pytest.raises(InputError) as error:
        analyse_tree(TREE, _patch("07-path-escape.patch"))
    assert error.value.line == 10
    assert "../outside.c: the patch names a file outside the kernel tree" in str(error.value)


def test_a_patch_already_in_the_tree_gives_the_findings_it_gives_forward(tmp_path: Path) -> None:
    """Invariant: analysing in reverse on the patched tree is analysing forward on the old one."""
    name = "01-pte-lock-leak-early-return.patch"
    patch = _patch(name)
    text = (TREE / "mm" / "toy.c").read_text().split("\n")
    patched = apply_file(text, list(enumerate(patch.files[0].hunks))).after
    (tmp_path / "mm").mkdir()
    (tmp_path / "mm" / "toy.c").write_text("\n".join(patched))
    forward = analyse_tree(TREE, patch)
    backward = analyse_tree(tmp_path, patch)
    assert [_project(f) for f in backward.findings] == [_project(f) for f in forward.findings]
    assert any("analysed in reverse" in n for n in backward.notes)


def test_the_tree_is_never_written(tmp_path: Path) -> None:
    shutil.copytree(TREE, tmp_path / "tree")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "tree").rglob("*")
              if p.is_file()}
    for name in EXPECTED:
        analyse_tree(tmp_path / "tree", _patch(name))
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (tmp_path / "tree").rglob("*")
             if p.is_file()}
    assert after == before
