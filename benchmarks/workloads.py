"""Generated benchmark inputs: every generator is deterministic for a given seed.

- `seed_series(n)`: an mbox of n patches shaped like the seed (patch 05/32 of the
  pte_offset_map_lock() series): the seed itself, a comment-only edit of filemap_map_pmd(), a
  respelt NULL-check hunk and the seed's revert, in turn, each applying on top of the previous.
- `fault_path_mbox(n)`: an mbox of n patches that each make or revert one of a set of changes
  of the modelled fault-path functions (mm/filemap.c and mm/memory.c), cumulatively.
- `unmodelled_diff(size)`: a git diff of about `size` bytes whose hunks all fall in drivers/*.c
  files the model does not know (the reading floor: every hunk becomes not-analysed).
- `kernel_function(lines)`: a kernel-style C file with one function of about `lines` lines:
  if/else on unknown conditions, spin_lock/spin_unlock pairs, gotos to an unlock label and a loop.
"""

from __future__ import annotations

import difflib
import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEED = 6  # issue 6; every generator derives its own Random from this and its arguments

# ---------------------------------------------------------------------------------------------
# diff and mail assembly

def hunk(old_start: int, new_start: int, section: str, lines: list[str]) -> str:
    """One unified-diff hunk; counts are computed from the ' ', '-', '+' prefixed lines."""
    old = sum(1 for line in lines if line[:1] in (" ", "-"))
    new = sum(1 for line in lines if line[:1] in (" ", "+"))
    header = f"@@ -{old_start},{old} +{new_start},{new} @@ {section}".rstrip()
    return "\n".join([header, *lines]) + "\n"


def file_diff(path: str, hunks: list[str], index: str = "28b42ee848a4..9e129ad43e0d") -> str:
    return (f"diff --git a/{path} b/{path}\nindex {index} 100644\n--- a/{path}\n+++ b/{path}\n"
            + "".join(hunks))


def _diffstat(diff: str) -> str:
    files: dict[str, list[int]] = {}
    current = ""
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            current = line[6:]
            files[current] = [0, 0]
        elif line.startswith("+") and not line.startswith("+++") and current:
            files[current][0] += 1
        elif line.startswith("-") and not line.startswith("---") and current:
            files[current][1] += 1
    rows = [f" {p} | {a + d} {'+' * a}{'-' * d}" for p, (a, d) in files.items()]
    adds = sum(a for a, _ in files.values())
    dels = sum(d for _, d in files.values())
    rows.append(f" {len(files)} file{'s' if len(files) != 1 else ''} changed, "
                f"{adds} insertions(+), {dels} deletions(-)")
    return "\n".join(rows)


def mail(number: int, total: int, subject: str, body: str, diff: str, rng: random.Random,
         author: str = "Bench Author <bench@example.org>") -> str:
    """One git format-patch message, with its mbox From_ line."""
    sha = f"{rng.getrandbits(160):040x}"
    day = 1 + number % 28
    minute = number % 60
    width = len(str(total))
    return (f"From {sha} Mon Sep 17 00:00:00 2001\n"
            f"From: {author}\n"
            f"Date: Thu, {day} Jun 2023 18:{minute:02d}:49 -0700\n"
            f"Subject: [PATCH v2 {number:0{width}d}/{total}] {subject}\n\n"
            f"{body.strip()}\n\nSigned-off-by: {author}\n---\n{_diffstat(diff)}\n\n"
            f"{diff}-- \n2.35.3\n\n")


# ---------------------------------------------------------------------------------------------
# patches of the modelled functions, each on top of the ones before it
#
# pte-check analyses a series in order, each patch on top of the previous ones, so a generated
# series must apply cumulatively: the generator keeps the current text of the model's files
# (the built-in model's 6.4 renderings, read from this checkout, so hunks always align) and
# emits each patch as the unified diff of one edit of that text.

MODEL_FILES = {"filemap.c": ("mm/filemap.c", 3380), "memory.c": ("mm/memory.c", 4200)}
_SECTION = re.compile(r"^[A-Za-z_].*\(")


# where the pte_check package whose model is read lives (run.py points it at its copy)
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def model_dir() -> Path:
    return PACKAGE_ROOT / "pte_check" / "model" / "c" / "6.4"


class ModelText:
    """The current text of the model's files, edited one function at a time."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or model_dir()
        self.files: dict[str, str] = {}
        self.offsets: dict[str, int] = {}
        for name, (path, offset) in MODEL_FILES.items():
            self.files[path] = (folder / name).read_text("utf-8")
            self.offsets[path] = offset

    def digest(self) -> str:
        return hashlib.sha1("".join(self.files[p] for p in sorted(self.files))
                            .encode()).hexdigest()[:12]

    def _span(self, path: str, function: str) -> tuple[int, int] | None:
        text = self.files[path]
        match = re.search(rf"^[A-Za-z_][^\n;]*\b{re.escape(function)}\(", text, re.MULTILINE)
        if match is None:
            return None
        end = text.find("\n}\n", match.start())
        return (match.start(), len(text) if end < 0 else end + 3)

    def count(self, path: str, function: str, old: str) -> int:
        span = self._span(path, function)
        return 0 if span is None else self.files[path][span[0]:span[1]].count(old)

    def replace(self, path: str, function: str, old: str, new: str) -> None:
        span = self._span(path, function)
        assert span is not None and self.count(path, function, old) == 1, (function, old)
        text = self.files[path]
        body = text[span[0]:span[1]].replace(old, new, 1)
        self.files[path] = text[:span[0]] + body + text[span[1]:]

    def diff(self, before: dict[str, str]) -> str:
        """The unified diff (3 lines of context) from `before` to the current text."""
        out = []
        for path in sorted(self.files):
            if before[path] == self.files[path]:
                continue
            old = before[path].split("\n")
            new = self.files[path].split("\n")
            offset = self.offsets[path]
            hunks = []
            matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
            for group in matcher.get_grouped_opcodes(3):
                i1, j1 = group[0][1], group[0][3]
                lines: list[str] = []
                for tag, a1, a2, b1, b2 in group:
                    if tag == "equal":
                        lines += [" " + line for line in old[a1:a2]]
                    else:
                        lines += ["-" + line for line in old[a1:a2]]
                        lines += ["+" + line for line in new[b1:b2]]
                section = next((old[k] for k in range(i1 - 1, -1, -1)
                                if _SECTION.match(old[k])), "")
                hunks.append(hunk(i1 + 1 + offset, j1 + 1 + offset, section, lines))
            out.append(file_diff(path, hunks))
        return "".join(out)


@dataclass(frozen=True)
class Edit:
    """One change of one function: `off` (as the model has it) becomes one of `on`."""

    path: str
    function: str
    off: str
    on: tuple[str, ...]


@dataclass(frozen=True)
class Toggle:
    """A fault-path change that can be made and reverted: every edit of it, together."""

    name: str
    subject: str
    edits: tuple[tuple[Edit, ...], ...]  # per edit, alternative spellings (the first that fits)


def _null_check(condition: str, nopage: bool) -> str:
    body = "\t\tfolio_unlock(folio);\n\t\tfolio_put(folio);\n"
    if nopage:
        body += "\t\tret = VM_FAULT_NOPAGE;\n"
    return f"\tif ({condition}) {{\n{body}\t\tgoto out;\n\t}}\n"


_PTE_MAP = "\tvmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, addr, &vmf->ptl);\n"
_DEVMAP = ("\tif (pmd_devmap_trans_unstable(vmf->pmd)) {\n\t\tfolio_unlock(folio);\n"
           "\t\tfolio_put(folio);\n\t\treturn true;\n\t}\n\n")
NULL_CHECKS = tuple(_null_check(c, n) for n in (False, True)
                    for c in ("!vmf->pte", "unlikely(!vmf->pte)", "vmf->pte == NULL"))
SEED_NULL_CHECK = NULL_CHECKS[0]  # the seed's own hunk
_INSTALL = "\tif (pmd_none(*vmf->pmd))\n\t\tpmd_install(mm, vmf->pmd, &vmf->prealloc_pte);\n\n"
_ALLOC = "\t\tvmf->prealloc_pte = pte_alloc_one(vmf->vma->vm_mm);\n"
_OOM = "\t\tif (!vmf->prealloc_pte)\n\t\t\treturn VM_FAULT_OOM;\n"
_THP = "\tif (pmd_trans_huge(*vmf->pmd)) {\n\t\tfolio_unlock(folio);\n"
_MAPPABLE = "\tif (pmd_none(*vmf->pmd) && folio_test_pmd_mappable(folio)) {\n"
_COMMENTS = (
    "Map the folio with a huge PMD when the PMD is still empty.",
    "A PMD-mappable folio can be mapped whole.",
    "A racing fault may have filled the PMD already.",
    "do_set_pmd() fails when the PMD was populated under us.",
)


def _e(path: str, function: str, off: str, *on: str) -> tuple[Edit, ...]:
    return (Edit(path, function, off, on),)


FM, MM = "mm/filemap.c", "mm/memory.c"
SEED_TOGGLE = Toggle("seed", "mm/filemap: allow pte_offset_map_lock() to fail", (
    _e(FM, "filemap_map_pmd", _INSTALL + _DEVMAP, _INSTALL),
    _e(FM, "filemap_map_pages", _PTE_MAP, *(_PTE_MAP + c for c in NULL_CHECKS)),
))
TOGGLES: tuple[Toggle, ...] = (
    SEED_TOGGLE,
    Toggle("double_unlock", "mm/filemap: unlock the folio on the huge PMD path", (
        _e(FM, "filemap_map_pmd", _THP, _THP + "\t\tfolio_unlock(folio);\n"),)),
    Toggle("error_path", "mm/filemap: skip fault-around on a poisoned or mlocked folio", (
        _e(FM, "filemap_map_pages", "\tif (filemap_map_pmd(vmf, folio, start_pgoff)) {\n",
           *(f"\tif ({t}(folio)) {{\n\t\tfolio_unlock(folio);\n{p}\t\tgoto out;\n\t}}\n\n"
             "\tif (filemap_map_pmd(vmf, folio, start_pgoff)) {\n"
             for t in ("folio_test_hwpoison", "folio_test_mlocked", "folio_test_workingset")
             for p in ("", "\t\tfolio_put(folio);\n"))),)),
    Toggle("finish_fault", "mm/memory: return early when the PTE changed", (
        _e(MM, "finish_fault", "\t\tret = VM_FAULT_NOPAGE;\n\t}\n",
           "\t\treturn VM_FAULT_NOPAGE;\n\t}\n"),)),
    Toggle("do_fault_oom", "mm/memory: another error when no page table can be allocated", (
        _e(MM, "__do_fault", _OOM, *(_OOM.replace("VM_FAULT_OOM", c) for c in
                                      ("VM_FAULT_SIGBUS", "VM_FAULT_RETRY", "VM_FAULT_NOPAGE"))),
    )),
    Toggle("should_fault_around", "mm/memory: fault around only above a threshold", (
        _e(MM, "should_fault_around", "\treturn fault_around_pages > 1;\n",
           *(f"\treturn fault_around_pages > {n};\n" for n in (2, 4, 16, 32))),)),
    Toggle("read_fault_put", "mm/memory: mark the page accessed on a failed read fault", ((
        Edit(MM, "do_read_fault", "\t\tput_page(vmf->page);\n",
             ("\t\tmark_page_accessed(vmf->page);\n",)),
        Edit(MM, "do_read_fault", "\t\tfolio_put(folio);\n",
             ("\t\tfolio_mark_accessed(folio);\n",)),
    ),)),
    Toggle("fault_around_oom", "mm/memory: let ->map_pages() cope without a page table", (
        _e(MM, "do_fault_around", _ALLOC + _OOM, _ALLOC),)),
)


class Generator:
    """Makes and reverts toggles on a ModelText; each step is one patch."""

    def __init__(self, rng: random.Random, toggles: tuple[Toggle, ...] = TOGGLES) -> None:
        self.rng = rng
        self.text = ModelText()
        self.on: dict[str, list[tuple[Edit, str]]] = {}
        self.comment: str | None = None
        # a toggle whose text the model does not have (any more) is left out
        self.toggles = tuple(t for t in toggles if self._fits(t))

    def _fits(self, toggle: Toggle) -> bool:
        return all(any(self.text.count(e.path, e.function, e.off) == 1 for e in alternatives)
                   for alternatives in toggle.edits)

    def flip(self, toggle: Toggle, variant: int | None = None) -> str:
        """Make the change (a spelling drawn at random, or `variant`) or revert it."""
        if toggle.name in self.on:
            for edit, now in reversed(self.on.pop(toggle.name)):
                self.text.replace(edit.path, edit.function, now, edit.off)
            return f'Revert "{toggle.subject}"'
        done = []
        for alternatives in toggle.edits:
            edit = next(e for e in alternatives if self.text.count(e.path, e.function, e.off) == 1)
            now = edit.on[variant if variant is not None else self.rng.randrange(len(edit.on))]
            self.text.replace(edit.path, edit.function, edit.off, now)
            done.append((edit, now))
        self.on[toggle.name] = done
        return toggle.subject

    def vary_null_check(self) -> str:
        """Respell the NULL check the seed added (the seed must be applied)."""
        edits = self.on[SEED_TOGGLE.name]
        edit, now = edits[-1]
        choices = [_PTE_MAP + c for c in NULL_CHECKS if _PTE_MAP + c != now]
        new = self.rng.choice(choices)
        self.text.replace(edit.path, edit.function, now, new)
        edits[-1] = (edit, new)
        return "mm/filemap: respell the pte_offset_map_lock() failure check"

    def recomment(self) -> str:
        """Add, reword or drop a comment in filemap_map_pmd(): no functional change."""
        new = self.rng.choice([c for c in _COMMENTS if c != self.comment])
        old = f"\t/* {self.comment} */\n" if self.comment else ""
        self.text.replace(FM, "filemap_map_pmd", old + _MAPPABLE, f"\t/* {new} */\n" + _MAPPABLE)
        self.comment = new
        return "mm/filemap: comment the huge PMD attempt in filemap_map_pmd()"


SEED_BODY = """filemap_map_pages() allow pte_offset_map_lock() to fail; and remove the
pmd_devmap_trans_unstable() check from filemap_map_pmd(), which can safely
return to filemap_map_pages() and let pte_offset_map_lock() discover that."""


def seed_series(n: int = 32, seed: int = SEED) -> str:
    """n patches shaped like the seed, in one mbox, each applying on top of the previous ones:
    the seed, a comment-only edit of filemap_map_pmd(), a respelt NULL-check hunk, and the
    revert of the seed's change, in turn."""
    rng = random.Random(f"series-{seed}-{n}")
    generator = Generator(rng)
    out = []
    for number in range(1, n + 1):
        before = dict(generator.text.files)
        step = (number - 1) % 4
        if step == 0:
            subject, body = generator.flip(SEED_TOGGLE, variant=0), SEED_BODY
        elif step == 1:
            subject, body = generator.recomment(), "No functional change."
        elif step == 2:
            subject, body = generator.vary_null_check(), "Spell the check differently."
        else:
            subject, body = generator.flip(SEED_TOGGLE), "This reverts the change above."
        out.append(mail(number, n, subject, body, generator.text.diff(before), rng,
                        "Hugh Dickins <hughd@google.com>"))
    return "".join(out)


def fault_path_mbox(n: int = 500, seed: int = SEED) -> str:
    """n fault-path patches in one mbox, each applying on top of the previous ones: each makes
    or reverts one change drawn at random (two, in both files, one time in eight; a
    comment-only edit one time in ten)."""
    rng = random.Random(f"mbox-{seed}-{n}")
    generator = Generator(rng)
    out = []
    for number in range(1, n + 1):
        before = dict(generator.text.files)
        if rng.random() < 0.1:
            subjects = [generator.recomment()]
        elif rng.random() < 0.125:
            first = rng.choice(generator.toggles)
            path = first.edits[0][0].path
            others = [t for t in generator.toggles if t.edits[0][0].path != path]
            subjects = [generator.flip(first)] + ([generator.flip(rng.choice(others))]
                                                   if others else [])
        else:
            subjects = [generator.flip(rng.choice(generator.toggles))]
        body = f"Benchmark patch {number} of {n}."
        out.append(mail(number, n, "; ".join(subjects), body, generator.text.diff(before), rng))
    return "".join(out)



_SUBSYSTEMS = ("gpu/drm/bench", "net/ethernet/bench", "usb/host", "scsi/bench", "media/i2c",
               "iio/adc", "input/touchscreen", "staging/bench")


def _c_line(rng: random.Random, depth: int) -> str:
    name = rng.choice(("priv", "dev", "ctx", "hw", "chan", "port"))
    field = rng.choice(("flags", "state", "count", "base", "irq", "len", "mode", "cfg"))
    choice = rng.randrange(6)
    tab = "\t" * depth
    if choice == 0:
        call = f"bench_read{rng.randrange(64)}({name}, {rng.randrange(4096)})"
        return f"{tab}{name}->{field} = {call};"
    if choice == 1:
        return f"{tab}if ({name}->{field} & BIT({rng.randrange(32)}))"
    if choice == 2:
        value = f"0x{rng.getrandbits(16):04x}"
        return f"{tab}ret = bench_write{rng.randrange(64)}({name}, {field}, {value});"
    if choice == 3:
        return f"{tab}dev_dbg({name}->dev, \"{field} %d\\n\", {name}->{field});"
    if choice == 4:
        return f"{tab}spin_lock_irqsave(&{name}->lock, flags);"
    return f"{tab}{name}->{field} += {rng.randrange(1, 17)};"


def unmodelled_diff(size: int = 5 * 1024 * 1024, seed: int = SEED) -> str:
    """A git diff of at least `size` bytes, every hunk in a drivers/*.c file."""
    rng = random.Random(f"diff-{seed}-{size}")
    parts: list[str] = []
    total = 0
    number = 0
    while total < size:
        number += 1
        path = f"drivers/{rng.choice(_SUBSYSTEMS)}/bench_{number:05d}.c"
        hunks = []
        line = rng.randrange(20, 200)
        shift = 0
        for _ in range(rng.randrange(3, 9)):
            before = [" " + _c_line(rng, rng.randrange(1, 3)) for _ in range(3)]
            removed = ["-" + _c_line(rng, rng.randrange(1, 3)) for _ in range(rng.randrange(0, 4))]
            added = ["+" + _c_line(rng, rng.randrange(1, 3)) for _ in range(rng.randrange(1, 6))]
            after = [" " + _c_line(rng, rng.randrange(1, 3)) for _ in range(3)]
            lines = before + removed + added + after
            func = f"static int bench_probe{rng.randrange(100)}(struct platform_device *pdev)"
            hunks.append(hunk(line, line + shift, func, lines))
            shift += len(added) - len(removed)
            line += len(before) + len(removed) + len(after) + rng.randrange(10, 120)
        index = f"{rng.getrandbits(28):07x}..{rng.getrandbits(28):07x}"
        part = file_diff(path, hunks, index)
        parts.append(part)
        total += len(part)
    return "".join(parts)


def large_mbox(size: int = 50 * 1024 * 1024, patch_bytes: int = 100 * 1024,
               seed: int = SEED) -> Iterator[str]:
    """Mails of about `patch_bytes` each, `size` bytes in all, each a diff of drivers/*.c files
    (no modelled function): the reading floor at the size of a long mailing-list mbox.  Given
    mail by mail, so that writing it never holds the whole file."""
    rng = random.Random(f"large-{seed}-{size}-{patch_bytes}")
    total = max(1, size // patch_bytes)
    for number in range(1, total + 1):
        diff = unmodelled_diff(patch_bytes, seed=seed * 100_003 + number)
        yield mail(number, total, f"drivers: bench change {number}", "Benchmark patch.", diff,
                   rng)


def kernel_function(lines: int, seed: int = SEED) -> tuple[str, str]:
    """A kernel-style C file with one function of about `lines` lines; (source, name)."""
    rng = random.Random(f"function-{seed}-{lines}")
    name = f"bench_fn_{lines}"
    head = ["// SPDX-License-Identifier: GPL-2.0", "#include <linux/spinlock.h>", "",
            "struct bench_dev {", "\tspinlock_t lock;", "\tunsigned long flags;", "\tint nr;",
            "};", ""]
    top = [f"static int {name}(struct bench_dev *dev, unsigned long arg)", "{",
           "\tint ret = 0;", "\tint i;", ""]
    tail = ["\treturn ret;", "", "out_unlock:", "\tspin_unlock(&dev->lock);", "out:",
            "\treturn ret;", "}"]
    loop = ["\tfor (i = 0; i < dev->nr; i++) {", "\t\tif (bench_slot(dev, i))", "\t\t\tbreak;",
            "\t}", ""]
    body: list[str] = []
    k = 0
    while len(top) + len(body) + len(loop) + len(tail) < lines:
        k += 1
        choice = rng.randrange(4)
        if choice == 0:
            body += [f"\tif (dev->flags & BENCH_F{k}) {{",
                     f"\t\tret = bench_op{k}(dev, arg);", "\t} else {",
                     f"\t\tret = -{rng.choice(('EINVAL', 'ENOMEM', 'EAGAIN'))};", "\t}", ""]
        elif choice == 1:
            body += ["\tspin_lock(&dev->lock);", f"\tdev->count{k % 5} += arg;",
                     f"\tif (bench_check{k}(dev)) {{", "\t\tret = -EBUSY;",
                     "\t\tgoto out_unlock;", "\t}", "\tspin_unlock(&dev->lock);", ""]
        elif choice == 2:
            body += [f"\tif (!bench_ready{k}(dev))", "\t\tgoto out;", ""]
        else:
            body += [f"\tdev->state{k % 3} = arg + {k};", ""]
    middle = len(body) // 2
    while middle < len(body) and body[middle - 1] != "":
        middle += 1
    body = body[:middle] + loop + body[middle:]
    return "\n".join(head + top + body + tail) + "\n", name
