"""The seed patch in kernel-tree mode gives the built-in model's finding in filemap_map_pages().

The tree is made here: the model's renderings of filemap_map_pmd() and filemap_map_pages() with
the seed hunks' own pre-image lines spliced in where they align, placed so that those lines sit
at the line numbers the hunk headers give (3408 and 3501), with filler code around them.
"""

from __future__ import annotations

from pathlib import Path

from pte_check.findings import Finding, PatchReport
from pte_check.inputs.patch import Hunk
from pte_check.inputs.read import read_series
from pte_check.options import Options
from pte_check.pipeline import analyse_patch, model_texts
from pte_check.sources.align import Placement, place
from pte_check.sources.base import FunctionText
from pte_check.sources.tree import TreeProvider

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed" / "filemap-allow-pte_offset_map_lock-to-fail.patch"
FILLER = ["/* filler */", "static int filler_%d(void)", "{", "\treturn %d;", "}", ""]


def _spliced(function: FunctionText, hunk: Hunk) -> tuple[list[str], int]:
    """The function's lines with the hunk's pre-image in place of the lines it aligns with,
    and the index of the pre-image's first line."""
    placement = place(hunk, function)
    assert isinstance(placement, Placement), placement
    (k_first, m_first), (k_last, m_last) = placement.matched[0], placement.matched[-1]
    lines = function.text.split("\n")
    pre = [ln.text for ln in hunk.lines if ln.kind != "+"]
    first = sum(ln.kind != "+" for ln in hunk.lines[:k_first])
    last = sum(ln.kind != "+" for ln in hunk.lines[:k_last])
    spliced = lines[:m_first] + pre[first:last + 1] + lines[m_last + 1:]
    start = m_first - first
    missing = len(pre) - (len(spliced) - start)
    return spliced + [""] * max(missing, 0), start


def _filler(count: int, seed: int) -> list[str]:
    out: list[str] = []
    while len(out) + len(FILLER) <= count:
        n = seed + len(out)
        out += [line.replace("%d", str(n)) for line in FILLER]
    return out + [""] * (count - len(out))


def _seed_tree(root: Path) -> None:
    patch = read_series([str(SEED)]).patches[0]
    functions = {f.name: f for f in model_texts("6.4")["mm/filemap.c"]}
    text: list[str] = []
    for name, hunk in zip(("filemap_map_pmd", "filemap_map_pages"), patch.files[0].hunks):
        lines, start = _spliced(functions[name], hunk)
        text += _filler(hunk.old_start - 1 - start - len(text), len(text)) + lines
        assert text[hunk.old_start - 1] == hunk.lines[0].text
    (root / "mm").mkdir()
    (root / "mm" / "filemap.c").write_text("\n".join(text + ["", "/* end */", ""]))


def _return_changed(report: PatchReport, function: str) -> Finding:
    (finding,) = [f for f in report.findings
                  if f.rule == "return-changed" and f.function == function]
    return finding


def _summary(finding: Finding) -> tuple[object, ...]:
    assert finding.before is not None and finding.after is not None
    return (finding.line, finding.entry_states, finding.before.returns, finding.after.returns,
            finding.before.resources, finding.after.resources)


def test_seed_in_tree_mode_finds_what_the_model_finds(tmp_path: Path) -> None:
    _seed_tree(tmp_path)
    patch = read_series([str(SEED)]).patches[0]
    tree = analyse_patch(patch, Options(), TreeProvider(tmp_path))
    model = analyse_patch(patch, Options())
    for function in ("filemap_map_pages", "filemap_map_pmd"):
        mine, theirs = (_summary(_return_changed(r, function)) for r in (tree, model))
        assert mine == theirs
    got = _return_changed(tree, "filemap_map_pages")
    assert got.before is not None and got.after is not None
    assert (got.before.returns, got.after.returns) == (("VM_FAULT_NOPAGE",), ("0",))
    assert got.line == 3497
    assert not [n for n in tree.notes if "hunk #" in n]  # applied exactly where it says
    assert tree.functions == ("filemap_map_pages", "filemap_map_pmd")


def test_seed_in_tree_mode_has_real_line_numbers(tmp_path: Path) -> None:
    _seed_tree(tmp_path)
    patch = read_series([str(SEED)]).patches[0]
    finding = _return_changed(analyse_patch(patch, Options(), TreeProvider(tmp_path)),
                              "filemap_map_pages")
    assert finding.after is not None
    lines = {s.text.strip(): s.line for s in finding.after.path}
    assert lines["if (!vmf->pte) {"] == 3497
    assert None not in lines.values()
