"""Fuzzing every reader: whatever the bytes, the outcome is a PatchSeries or one clean InputError.

Clean means: it names the input (or a file of the directory read), its line is in the input, and
its message is one line. A series keeps every hunk line's input position within the input.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pte_check.errors import InputError
from pte_check.inputs import PatchSeries, read_bytes, read_series, read_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p for pattern in ("fixtures/inputs/*.*", "fixtures/inputs/series/*.patch",
                                 "fixtures/seed/*", "fixtures/cases/*/input.*")
               for p in ROOT.glob(pattern) if p.is_file())
SEED_BYTES = {p.name: p.read_bytes() for p in SEEDS}
REPLIES = [data for name, data in sorted(SEED_BYTES.items())
           if name.startswith(("filemap-review-reply", "reply-"))]

TOKENS = [
    b"diff --git a/mm/x.c b/mm/x.c", b"diff --git a/mm/memory.c b/mm/memory.c",
    b"--- a/mm/x.c", b"+++ b/mm/x.c", b"--- /dev/null", b"+++ /dev/null", b"--- x", b"+++ y",
    b"@@ -1 +1 @@", b"@@ -1,2 +1,2 @@ f(void)", b"@@ -0,0 +1,3 @@", b"@@ -1,0 +0,0 @@",
    b"@@@ -1,2 -1,2 +1,3 @@@", b"diff --cc mm/x.c", b"index 1111111..2222222 100644",
    b"new file mode 100644", b"deleted file mode 100644", b"old mode 100644",
    b"new mode 100755", b"rename from mm/a.c", b"rename to mm/b.c", b"copy from \"q\\303\\251.c\"",
    b"similarity index 90%", b"Binary files a/x.bin and b/x.bin differ", b"GIT binary patch",
    b"literal 0", b"\\ No newline at end of file", b"-- ", b"--", b"2.35.3",
    b"From git@z Thu Jan  1 00:00:00 1970", b"From mboxrd@z Thu Jan  1 00:00:00 1970",
    b">From someone", b">>From someone", b"From: A <a@b>", b"From: =?utf-8?q?=C3=A9?= <a@b>",
    b"Subject: [PATCH 1/2] mm: one", b"Subject: [PATCH 0/2] cover", b"Subject: Re: [PATCH] x",
    b"Subject: [PATCH v2 99999999999999999999/3] x", b"Subject: =?bogus?q?x?=",
    b"Date: Mon, 3 Jul 2023 10:00:00 +0100", b"Date: not a date", b"MIME-Version: 1.0",
    b"Content-Type: multipart/mixed; boundary=\"XYZ\"", b"--XYZ", b"--XYZ--",
    b"Content-Type: text/plain; charset=latin1", b"Content-Type: text/plain; charset=bogus",
    b"Content-Type: text/x-patch; name=\"0001.patch\"", b"Content-Type: text/html",
    b"Content-Type: text/plain; format=flowed; delsp=yes",
    b"Content-Disposition: attachment; filename=\"0001.patch\"",
    b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Transfer-Encoding: x-uuencode", b"ZGlmZiAtLWdpdCBh", b"=E9=", b"=", b"=\r",
    b"> > @@ -1,2 +1,2 @@", b"> > diff --git a/mm/x.c b/mm/x.c", b"> > --- a/mm/x.c",
    b"> > +++ b/mm/x.c", b"> > -\tfoo();", b"> > +\tbar();", b"> >  ctx;", b"> > ctx;",
    b"> > - -ENOMEM;", b"> > -ENOMEM;", b"> > +", b"> > -", b">", b"> >", b"> > -- ",
    b"> From: A <a@b>", b"[...]", b"<snip>", b"[ snipped ]", b"", b" ", b"\t", b"\r", b"+",
    b"-", b" x", b"-x", b"+x", b"-\tint a;", b"+\tint b;", b" \treturn 0;",
    b"commit 0123456789abcdef0123456789abcdef01234567", b"Author: A <a@b>", b"    mm: subject",
    b"---", b"\xff\xfe", b"\xc3", "é".encode(), b"\x00", b"\x0c", b"\x1b[31m", "\u2028".encode(),
]
HEADER = st.builds(
    lambda a, b, c, d, tail: f"@@ -{a}{b} +{c}{d} @@{tail}".encode(),
    st.integers(0, 4000), st.sampled_from(["", ",0", ",1", ",2", ",3", ",7", ",99999"]),
    st.integers(0, 4000), st.sampled_from(["", ",0", ",1", ",2", ",3", ",8", ",99999"]),
    st.sampled_from(["", " f(void)", " static bool filemap_map_pmd(struct vm_fault *vmf,"]))
RANDOM_LINE = st.binary(max_size=40).map(lambda b: b.replace(b"\n", b""))
LINE = st.one_of(st.sampled_from(TOKENS), HEADER, RANDOM_LINE,
                 st.sampled_from(TOKENS).map(lambda t: b"> > " + t))


def _delete(draw: st.DrawFn, lines: list[bytes]) -> list[bytes]:
    if not lines:
        return lines
    at = draw(st.integers(0, len(lines) - 1))
    count = draw(st.integers(1, 4))
    return lines[:at] + lines[at + count:]


def _insert(draw: st.DrawFn, lines: list[bytes]) -> list[bytes]:
    at = draw(st.integers(0, len(lines)))
    return lines[:at] + draw(st.lists(LINE, min_size=1, max_size=3)) + lines[at:]


def _duplicate(draw: st.DrawFn, lines: list[bytes]) -> list[bytes]:
    if not lines:
        return lines
    at = draw(st.integers(0, len(lines) - 1))
    end = min(len(lines), at + draw(st.integers(1, 6)))
    return lines[:end] + lines[at:end] + lines[end:]


def _swap(draw: st.DrawFn, lines: list[bytes]) -> list[bytes]:
    if len(lines) < 2:
        return lines
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines = list(lines)
    lines[i], lines[j] = lines[j], lines[i]
    return lines


def _edit(draw: st.DrawFn, lines: list[bytes]) -> list[bytes]:
    """One line changed: its first byte dropped or replaced, quoted, or cut short."""
    if not lines:
        return lines
    at = draw(st.integers(0, len(lines) - 1))
    line = lines[at]
    how = draw(st.sampled_from(["drop", "mark", "quote", "cut", "byte", "crlf"]))
    if how == "drop":
        line = line[1:]
    elif how == "mark":
        line = draw(st.sampled_from([b" ", b"-", b"+", b"\\", b">", b"@"])) + line[1:]
    elif how == "quote":
        line = draw(st.sampled_from([b"> ", b"> > ", b">> ", b" > "])) + line
    elif how == "cut":
        line = line[:draw(st.integers(0, len(line)))]
    elif how == "byte":
        spot = draw(st.integers(0, len(line)))
        line = line[:spot] + bytes([draw(st.integers(0, 255))]).replace(b"\n", b"") + line[spot:]
    else:
        line = line + b"\r"
    return lines[:at] + [line] + lines[at + 1:]


def _renumber(draw: st.DrawFn, lines: list[bytes]) -> list[bytes]:
    """A hunk header replaced by one with other numbers."""
    headers = [i for i, line in enumerate(lines) if line.lstrip(b"> ").startswith(b"@@ ")]
    if not headers:
        return lines
    at = draw(st.sampled_from(headers))
    quote = lines[at][:len(lines[at]) - len(lines[at].lstrip(b"> "))]
    return lines[:at] + [quote + draw(HEADER)] + lines[at + 1:]


MUTATIONS: list[Callable[[st.DrawFn, list[bytes]], list[bytes]]] = [
    _delete, _insert, _duplicate, _swap, _edit, _renumber]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed input with a few line-level mutations, and sometimes cut at a byte."""
    lines = draw(st.sampled_from(seeds)).split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        lines = draw(st.sampled_from(MUTATIONS))(draw, lines)
    data = b"\n".join(lines)
    if draw(st.integers(0, 9)) == 0:
        data = data[:draw(st.integers(0, len(data)))]
    return data


SOUP = st.lists(LINE, max_size=40).map(lambda lines: b"\n".join(lines) + b"\n")
ALL_SEEDS = list(SEED_BYTES.values())
MAILS = [d for n, d in sorted(SEED_BYTES.items()) if n.endswith((".eml", ".mbox")) or
         d.startswith((b"From ", b"From:"))]


def _line_count(data: bytes) -> int:
    return max(1, data.count(b"\n") + 1)


def check(read: Callable[[], PatchSeries], sources: dict[str, bytes]) -> None:
    """read() gives a series or a clean InputError about one of sources (name → bytes)."""
    try:
        series = read()
    except InputError as error:
        assert error.path in sources, error.path
        assert "\n" not in str(error) and "\r" not in str(error), str(error)
        assert error.message.strip(), "an empty message"
        if error.line is not None:
            assert 1 <= error.line <= _line_count(sources[error.path]), str(error)
        return
    assert series.patches
    for patch in series.patches:
        assert patch.source in sources
        limit = _line_count(sources[patch.source])
        assert 1 <= patch.origin <= limit
        for diff in patch.files:
            for hunk in diff.hunks:
                for line in hunk.lines:
                    assert 1 <= line.origin <= limit, (line, limit)


@given(mutated(ALL_SEEDS))
def test_read_bytes_mutated_inputs(data: bytes) -> None:
    check(lambda: read_bytes(data, "in.patch"), {"in.patch": data})


@given(SOUP)
def test_read_bytes_line_soup(data: bytes) -> None:
    check(lambda: read_bytes(data, "soup.patch"), {"soup.patch": data})


@given(st.binary(max_size=3000))
def test_read_bytes_random_bytes(data: bytes) -> None:
    check(lambda: read_bytes(data, "random.bin"), {"random.bin": data})


ANY_CHAR = st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))


@given(st.text(ANY_CHAR, max_size=2000))
def test_read_text_any_text(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    check(lambda: read_text(text, "t.txt"), {"t.txt": data})


@given(mutated(MAILS))
def test_format_patch_and_mbox_mutated(data: bytes) -> None:
    check(lambda: read_bytes(data, "m.mbox"), {"m.mbox": data})


@st.composite
def mbox(draw: st.DrawFn) -> bytes:
    """Several mutated mails behind From_ lines, some mboxrd."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        mail = draw(mutated(MAILS))
        if mail.startswith(b"From "):
            mail = mail.split(b"\n", 1)[-1]
        out.append(draw(st.sampled_from([b"From git@z Thu Jan  1 00:00:00 1970",
                                         b"From mboxrd@z Thu Jan  1 00:00:00 1970"])))
        out.append(mail)
    return b"\n".join(out)


@given(mbox())
def test_mbox_of_mutated_mails(data: bytes) -> None:
    check(lambda: read_bytes(data, "s.mbox"), {"s.mbox": data})


@given(mutated(REPLIES))
def test_quoted_reply_mutated(data: bytes) -> None:
    check(lambda: read_bytes(data, "reply.txt"), {"reply.txt": data})


@st.composite
def quoted(draw: st.DrawFn) -> bytes:
    """A diff quoted at some depth, whitespace collapsed at random, comments interleaved."""
    diff = draw(mutated([d for n, d in sorted(SEED_BYTES.items()) if n.endswith(".diff")
                         or n == "input.patch"]))
    prefix = draw(st.sampled_from([b"> ", b"> > ", b">> ", b"> > > "]))
    out = [draw(st.sampled_from([b"Re: [PATCH 2/5] mm: x", b"Subject: Re: x", b"hello"])), b""]
    for line in diff.split(b"\n"):
        if draw(st.booleans()):
            line = b" ".join(line.split())
        out.append(prefix + line)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from([b"", b">", b"Why?", b"[...]", prefix[:-2]])))
    return b"\n".join(out) + b"\n"


@given(quoted())
def test_quoted_reply_generated(data: bytes) -> None:
    check(lambda: read_bytes(data, "q.txt"), {"q.txt": data})


@given(st.lists(st.one_of(mutated(ALL_SEEDS), SOUP), min_size=1, max_size=4),
       st.booleans(), st.booleans())
def test_read_series_files_directory_and_stdin(inputs: list[bytes], as_dir: bool,
                                               stdin: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        names = [str(Path(tmp) / f"{i:04d}.patch") for i in range(len(inputs))]
        sources = dict(zip(names, inputs, strict=True))
        for name, data in sources.items():
            Path(name).write_bytes(data)
        paths = [tmp] if as_dir else names
        if stdin:
            sources["<stdin>"] = inputs[0]
            check(lambda: read_series([*paths, "-"], io.BytesIO(inputs[0])), sources)
        else:
            check(lambda: read_series(paths), sources)
