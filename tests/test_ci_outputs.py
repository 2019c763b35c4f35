"""CI-facing behaviour: waivers, SARIF validity, b4 checks, fingerprints, several outputs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from pte_check.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seed" / "filemap-allow-pte_offset_map_lock-to-fail.patch"
REPLY = ROOT / "fixtures" / "seed" / "filemap-review-reply.txt"
CASES = ROOT / "fixtures" / "cases"
WAIVERS = ROOT / "fixtures" / "waivers" / "seed-accepted.toml"
SCHEMA = json.loads((ROOT / "fixtures" / "report" / "sarif-schema-2.1.0.json").read_text())


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_waivers_silence_the_seed_and_show_it_waived() -> None:
    code, out, _ = _run(str(SEED), "--waivers", str(WAIVERS), "--format", "json")
    assert code == 0
    findings = json.loads(out)["patches"][0]["findings"]
    assert findings and all(f["waived"] for f in findings)
    reasons = {(f["rule"], f["function"]): f["waiver_reason"] for f in findings}
    assert "doesn't matter whether we return VM_FAULT_NOPAGE or 0" in \
        reasons[("return-changed", "filemap_map_pages")]


def test_waivers_do_not_hide_a_leak() -> None:
    leak = CASES / "folio-leak-new-error-path" / "input.patch"
    code, out, _ = _run(str(leak), "--waivers", str(WAIVERS), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert next(f["rule"] for f in report["patches"][0]["findings"] if not f["waived"]) == \
        "resource-imbalance"
    assert any("matched no finding" in n for n in report["notes"])


def test_malformed_waiver_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "w.toml"
    bad.write_text('[[waive]]\nrule = "return-changed"\n\n[[waive]]\nrule = "nope"\n'
                   'reason = "x"\n')
    code, _, err = _run(str(SEED), "--waivers", str(bad))
    assert code == 2
    assert err.strip() == (f"pte-check: error: {bad}:1: a waiver needs a reason")


def test_waiver_line_numbers_count_lf_and_crlf_not_a_lone_cr(tmp_path: Path) -> None:
    from pte_check.compare.waivers import load
    from pte_check.errors import InputError
    crlf = tmp_path / "crlf.toml"
    crlf.write_bytes(b'# seed\r\n\r\n[[waive]]\r\nrule = "return-changed"\r\nreason = "x"\r\n')
    assert [w.line for w in load(str(crlf))] == [3]
    lone = tmp_path / "cr.toml"
    lone.write_bytes(b'# seed\n[[waive]]\rrule = "return-changed"\nreason = "x"\n')
    with pytest.raises(InputError) as error:
        load(str(lone))
    assert error.value.line == 2


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_sarif_validates(case: str) -> None:
    inputs = sorted(str(p) for p in (CASES / case).iterdir() if p.name.startswith("input"))
    code, out, _ = _run(*inputs, "--format", "sarif")
    assert code in (0, 1)
    document = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(document)


def test_seed_sarif_result() -> None:
    document = json.loads(_run(str(SEED), "--format", "sarif")[1])
    result = document["runs"][0]["results"][0]
    assert result["ruleId"] == "return-changed"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "mm/filemap.c"
    assert location["region"]["startLine"] == 3497
    assert len(result["codeFlows"][0]["threadFlows"]) == 2


def test_b4_check_statuses() -> None:
    _, out, _ = _run("-", "--format", "b4", stdin=REPLY.read_text())
    entries = json.loads(out)
    assert [e["status"] for e in entries] == ["warn"]
    leak = CASES / "folio-leak-new-error-path" / "input.patch"
    assert [e["status"] for e in json.loads(_run(str(leak), "--format", "b4")[1])] == ["fail"]
    refactor = CASES / "refactor-return-1" / "input.patch"
    assert json.loads(_run(str(refactor), "--format", "b4")[1]) == []


def _shift_second_hunk(text: str, by: int) -> str:
    old = "@@ -3501,6 +3494,11 @@"
    return text.replace(old, f"@@ -{3501 + by},6 +{3494 + by},11 @@")


def test_fingerprints_survive_a_shifted_hunk(tmp_path: Path) -> None:
    shifted = tmp_path / "shifted.patch"
    shifted.write_text(_shift_second_hunk(SEED.read_text(), 40))
    prints = []
    for path in (SEED, shifted):
        report = json.loads(_run(str(path), "--format", "json")[1])
        prints.append([(f["rule"], f["fingerprint"]) for f in report["patches"][0]["findings"]])
    assert prints[0] == prints[1]
    lines = [f["line"] for f in json.loads(_run(str(shifted), "--format", "json")[1])
             ["patches"][0]["findings"]]
    assert lines[0] == 3537


def test_several_formats_from_one_run(tmp_path: Path) -> None:
    sarif, junit = tmp_path / "r.sarif", tmp_path / "r.xml"
    code, out, _ = _run(str(SEED), "--format", "sarif", "--output", str(sarif),
                        "--format", "junit", "--output", str(junit), "--format", "json")
    assert code == 1
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().startswith("<?xml")
    assert json.loads(out)["tool"]["name"] == "pte-check"
