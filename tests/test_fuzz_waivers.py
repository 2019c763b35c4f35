"""Fuzzing the waiver loader: any file gives waivers or one clean InputError naming its line."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pte_check.compare import waivers
from pte_check.errors import InputError
from pte_check.rules import RULES_BY_ID

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "fixtures" / "waivers" / "seed-accepted.toml").read_text()

KEYS = ["rule", "function", "file", "fingerprint", "entry_state", "reason", "link", "severity",
        "Rule", "waive", ""]
VALUES = ['"return-changed"', '"not-analysed"', '"no-such-rule"', '""', '"  "', '"why"',
          "'literal'", '"""multi\nline"""', "1", "true", "1979-05-27", "3.5", "[]", '["a"]',
          "{}", '{ x = "y" }', '"\\u00e9"', '"\\x"', '"unterminated', "inf", "nan"]
LINES = st.one_of(
    st.sampled_from(["[[waive]]", "[waive]", "[[waive.sub]]", "[other]", "[[other]]", "# c",
                     "", "waive = 1", "waive = []", "waive = [1, 2]", 'waive = ["a"]',
                     "waive = [{}]", 'waive = [{ rule = "return-changed", reason = "r" }]',
                     'waive = [[{ rule = "return-changed" }]]', "waive = {}", "[[ waive ]]",
                     "  [[waive]]", "[[waive]] # c", "[", "]", "=", "\x00", "\ufeff"]),
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(KEYS), st.sampled_from(VALUES)),
    st.text(max_size=30).map(lambda t: t.replace("\n", " ")),
)
SOUP = st.lists(LINES, max_size=25).map(lambda lines: "\n".join(lines) + "\n")


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    lines = SEED.split("\n")
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(lines)))
        if draw(st.booleans()) and at < len(lines):
            del lines[at]
        else:
            lines.insert(at, draw(LINES))
    return "\n".join(lines)


def check(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "waivers.toml")
        Path(path).write_bytes(data)
        try:
            loaded = waivers.load(path)
        except InputError as error:
            assert error.path == path
            assert "\n" not in str(error), str(error)
            if error.line is not None:  # lines as Python reads text: \r, \r\n and \n end one
                lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
                assert 1 <= error.line <= lines, str(error)
            return
    for waiver in loaded:
        assert waiver.rule in RULES_BY_ID and waiver.reason.strip()
        assert all(isinstance(v, (str, type(None))) for v in (
            waiver.function, waiver.file, waiver.fingerprint, waiver.entry_state, waiver.link))


@given(st.one_of(SOUP, mutated_seed()))
def test_waiver_files(text: str) -> None:
    check(text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("text", ["waive = [1, 2]\n", 'waive = [[{ rule = "return-changed" }]]\n',
                                  'waive = ["return-changed"]\n'])
def test_waive_entries_that_are_no_tables_are_input_errors(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.toml"
        path.write_text(text)
        with pytest.raises(InputError, match="table"):
            waivers.load(str(path))


@given(st.binary(max_size=500))
def test_waiver_files_random_bytes(data: bytes) -> None:
    check(data)
