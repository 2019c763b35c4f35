"""The benchmark harness runs end to end (figures are not checked: only that they exist)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = {
    "startup_python", "startup_version", "startup_version_m", "startup_version_source",
    "series", "mbox", "diff", "large_mbox", "large_mbox_first", "large_mbox_inprocess",
    "large_mbox_first_inprocess",
    "diff_unidiff", "diff_unidiff_inprocess", "tree_50", "tree_300", "fault_path",
}


def test_quick_benchmark_completes_every_workload(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "targets:" in run.stdout

    results = json.loads(out.read_text("utf-8"))
    assert results["quick"] is True and results["runs"] == 1
    assert results["machine"]["nproc"] >= 1 and results["machine"]["python"]
    workloads = results["workloads"]
    assert set(workloads) >= WORKLOADS
    for name, workload in workloads.items():
        assert workload["completed"], (name, workload["error"])
        assert workload["runs"] == workload["runs_requested"] >= 1, name
        wall = workload["wall_s"]
        assert wall["min"] <= wall["median"] <= wall["max"] and wall["median"] > 0, name
        assert workload["peak_memory_mb"]["max"] > 0, name

    for name in ("series", "mbox", "diff", "large_mbox"):
        facts = workloads[name]["extra"]
        assert facts["patches"] == (workloads[name]["size"].get("patches") or 1), name
        assert facts["exit_codes"] == [facts["exit_codes"][0]]
    assert workloads["diff"]["size"]["hunks"] > 0
    assert workloads["large_mbox"]["size"]["patches"] > 1
    assert set(workloads["large_mbox_inprocess"]["parts_s"]) == {"read", "analyse"}
    states = [k for k in workloads["fault_path"]["parts_s"] if k.startswith("state:")]
    assert len(states) == 6  # one per PMD kind
    for name in ("tree_50", "tree_300", "fault_path"):
        assert set(workloads[name]["parts_s"]) >= {"lower", "explore"}, name

    assert {t["id"] for t in results["targets"]} == {
        "series", "diff_ratio", "tree_300", "startup", "mbox_memory", "large_mbox_memory",
        "fault_path_state", "fault_path_mean"}
    for target in results["targets"]:
        assert target["actual"] is not None and target["met"] in (True, False), target
    assert "diff / diff_unidiff (both subprocesses)" in results["ratios"]
    assert "startup_version / python -c pass" in results["ratios"]
