"""Quoting a valid patch the way the seed reply is quoted and recovering it loses nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pte_check.inputs import read_text
from pte_check.inputs.patch import Hunk

WORDS = st.from_regex(r"[a-z_][a-z_0-9]{0,6}(\([a-z]{0,4}\))?( = [a-z0-9]{1,3})?;?",
                      fullmatch=True)
TEXT = st.one_of(WORDS, st.sampled_from(["", "}", "{", "return 0;", "again:", "/* x */"]))
INDENT = st.sampled_from(["", "\t", "\t\t", "    ", " \t"])
LINE = st.tuples(st.sampled_from(" -+"), INDENT, TEXT)
HUNK = st.lists(LINE, min_size=1, max_size=8)
COMMENTS = st.lists(st.sampled_from([">", "", "> Why not return here?", "I agree.", ">"]),
                    max_size=2)


def diff_text(hunks: list[list[tuple[str, str, str]]]) -> str:
    out = ["diff --git a/mm/x.c b/mm/x.c", "--- a/mm/x.c", "+++ b/mm/x.c"]
    old = new = 10
    for lines in hunks:
        old_count = sum(kind != "+" for kind, _, _ in lines)
        new_count = sum(kind != "-" for kind, _, _ in lines)
        out.append(f"@@ -{old},{old_count} +{new},{new_count} @@ f(void)")
        out.extend(kind + indent + text for kind, indent, text in lines)
        old, new = old + old_count + 5, new + new_count + 5
    return "\n".join(out) + "\n"


def quote_like_the_seed(line: str) -> str:
    """`> > ` then the line with its leading whitespace collapsed, as in the seed reply."""
    if line[:1] in ("-", "+") and not line.startswith(("--- ", "+++ ")):
        body = line[1:].strip()
        return f"> > {line[0]} {body}".rstrip()
    body = line.strip() if line[:1] == " " or not line else line
    return f"> > {body}".rstrip()


def reply(diff: str, comments: list[list[str]]) -> str:
    out = ["Re: [PATCH v2 05/32] mm/x: property", "", "On Monday, someone wrote:"]
    for index, line in enumerate(diff.splitlines()):
        out.append(quote_like_the_seed(line))
        out.extend(comments[index % len(comments)] if comments else [])
    return "\n".join(out) + "\n"


def normalised(hunk: Hunk) -> list[tuple[str, str, int | None, int | None]]:
    return [(line.kind, " ".join(line.text.split()), line.old, line.new) for line in hunk.lines]


@settings(max_examples=150, deadline=None)
@given(st.lists(HUNK, min_size=1, max_size=3), st.lists(COMMENTS, max_size=4))
def test_quoted_patch_recovers_kinds_texts_and_numbers(
        hunks: list[list[tuple[str, str, str]]], comments: list[list[str]]) -> None:
    diff = diff_text(hunks)
    (original,) = read_text(diff, "p.diff").patches
    (recovered,) = read_text(reply(diff, comments), "r.txt").patches
    assert (recovered.subject, recovered.number, recovered.total) == ("mm/x: property", 5, 32)
    assert [f.path for f in recovered.files] == ["mm/x.c"]
    pairs = list(zip(original.files[0].hunks, recovered.files[0].hunks, strict=True))
    for before, after in pairs:
        assert after.problem is None
        assert after.header == before.header
        assert normalised(after) == normalised(before)
