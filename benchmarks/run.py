"""pte-check benchmarks: wall time and peak memory of generated workloads, with targets.

    python benchmarks/run.py                 # full sizes, 5 runs each (see benchmarks/README.md)
    python benchmarks/run.py --quick         # 1 run, small sizes: a smoke run
    python benchmarks/run.py --only tree --runs 3 --out /tmp/r.json

Workloads are generated from fixed seeds (benchmarks/workloads.py) into a temporary directory.
Subprocess workloads run `python -m pte_check FILE --format json` with this interpreter; their
peak memory is the child's own ru_maxrss (getrusage in the small benchmarks/_measure.py
wrapper that starts it), and their CPU time (user + system) is reported too.  In-process
workloads time lowering and exploration with time.perf_counter() after one untimed warm-up,
and take peak memory from one extra run under tracemalloc (so tracing never slows a timed run).
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
# The package measured: a bytecode-compiled copy of this checkout's pte_check (see install()).
SRC = ROOT

import workloads

MB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# sizes and targets

@dataclass(frozen=True)
class Sizes:
    series: int
    mbox: int
    diff_bytes: int
    functions: tuple[int, ...]
    large_mbox_bytes: int = 50 * MB
    large_patch_bytes: int = 100 * 1024


FULL = Sizes(series=32, mbox=500, diff_bytes=5 * MB, functions=(50, 300, 2000))
# --quick must finish in about a minute while a fault-path patch costs seconds (see README)
QUICK = Sizes(series=2, mbox=2, diff_bytes=256 * 1024, functions=(50, 300),
              large_mbox_bytes=MB, large_patch_bytes=50 * 1024)


@dataclass(frozen=True)
class Target:
    """A figure to meet: `metric` of workload `workload` at most `limit` (in `unit`)."""

    name: str
    limit: float
    unit: str


TARGETS = {
    "series": Target("32-patch series, wall incl. start-up", 1.0, "s"),
    "diff_ratio": Target("5 MB unmodelled diff, CLI wall / bare unidiff parse wall", 3.0, "x"),
    "tree_300": Target("300-line function, lowering + exploring", 0.100, "s"),
    "startup": Target("start-up (pte-check --version)", 0.150, "s"),
    "mbox_memory": Target("500-patch mbox, peak memory (max RSS)", 200.0, "MB"),
    "large_mbox_memory": Target("50 MB mbox, peak Python memory beyond its first patch's run, "
                                "per byte of the largest patch", 10.0, "x"),
    "fault_path_state": Target("whole fault path, per entry state (slowest state)", 0.050, "s"),
    "fault_path_mean": Target("whole fault path, per entry state (mean)", 0.050, "s"),
}


# ---------------------------------------------------------------------------------------------
# measuring

@dataclass
class Result:
    """One workload's runs."""

    name: str
    description: str
    mode: str  # "subprocess" or "in-process"
    size: dict[str, Any]
    walls: list[float] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)  # MB: max RSS per run, or tracemalloc peak
    memory_kind: str = ""
    parts: dict[str, list[float]] = field(default_factory=dict)  # named sub-timings per run
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    runs_requested: int = 0

    @property
    def completed(self) -> bool:
        return self.error is None and bool(self.walls)

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description, "mode": self.mode, "size": self.size,
            "completed": self.completed, "error": self.error,
            "runs": len(self.walls), "runs_requested": self.runs_requested,
            "wall_s": _stats(self.walls),
            "peak_memory_mb": _stats(self.memory), "memory_kind": self.memory_kind,
            "parts_s": {k: _stats(v) for k, v in self.parts.items()},
            "extra": self.extra,
        }


def _stats(values: list[float]) -> dict[str, Any] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "all": values}


def median(values: list[float]) -> float:
    return statistics.median(values)


def install(work: Path) -> dict[str, Any]:
    """Copy this checkout's pte_check into `work` and compile it to bytecode, as pip would:
    the figures are those of an installed package (this environment sets
    PYTHONDONTWRITEBYTECODE, so the checkout itself recompiles every module at each start),
    and edits made to the checkout while the benchmark runs do not reach it."""
    global SRC
    SRC = work / "src"
    shutil.copytree(ROOT / "pte_check", SRC / "pte_check",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    compileall.compile_dir(SRC / "pte_check", quiet=1)
    sys.path.insert(0, str(SRC))
    workloads.PACKAGE_ROOT = SRC
    digest = hashlib.sha1()
    files = sorted(p for p in (SRC / "pte_check").rglob("*") if p.suffix in (".py", ".c"))
    for path in files:
        digest.update(str(path.relative_to(SRC)).encode() + b"\0" + path.read_bytes())
    return {"copied_from": str(ROOT / "pte_check"), "files": len(files),
            "sources_sha1": digest.hexdigest()[:16], "bytecode": "compiled (compileall)"}


def child_env(source: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a subprocess run: pte_check imported from `source` (default SRC)."""
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(source or SRC)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH")
                                else []))
    env.pop("PTE_CHECK_DEBUG", None)
    return env


def run_child(argv: list[str], stdout: Path, timeout: float,
              env: dict[str, str] | None = None) -> tuple[float, float, float, int, str]:
    """Run argv under benchmarks/_measure.py; (wall seconds, max RSS in MB, CPU seconds (user +
    system), exit code, stderr tail).  The wrapper, not this process, is the command's parent, so
    that its ru_maxrss is its own and not this process's high-water mark (see _measure.py)."""
    env = env or child_env()
    report = stdout.with_suffix(".measure.json")
    report.unlink(missing_ok=True)
    wrapper = [sys.executable, str(HERE / "_measure.py"), str(report), str(timeout), *argv]
    with open(stdout, "wb") as out, tempfile.TemporaryFile() as err:
        subprocess.run(wrapper, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT,
                       env=env, check=True, timeout=timeout + 60)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    measured = json.loads(report.read_text("utf-8"))
    code = measured["exit"]
    if measured["timed_out"]:
        tail += f"\n(killed after the --timeout of {timeout:g} s)"
    elif code < 0:
        tail += f"\n(killed by signal {-code})"
    return (measured["wall_s"], measured["maxrss_kb"] / 1024,  # ru_maxrss is in KB on Linux
            measured["user_s"] + measured["system_s"], code, tail)


class Bench:
    def __init__(self, args: argparse.Namespace, sizes: Sizes, work: Path) -> None:
        self.args = args
        self.sizes = sizes
        self.work = work
        self.results: dict[str, Result] = {}

    def log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def repeat(self, result: Result, once: Callable[[int], None],
               runs: int | None = None) -> Result:
        """Call once(i) up to --runs times; stop early once --max-seconds have been spent."""
        runs = runs or self.args.runs
        result.runs_requested = runs
        spent = 0.0
        try:
            for index in range(runs):
                start = time.perf_counter()
                once(index)
                spent += time.perf_counter() - start
                if spent > self.args.max_seconds and index + 1 < runs:
                    self.log(f"  {result.name}: stopping after {index + 1} run(s), "
                             f"{spent:.0f} s > --max-seconds {self.args.max_seconds:g}")
                    break
        # a workload that fails is reported, and the others still run
        except Exception as error:  # noqa: BLE001
            result.error = f"{type(error).__name__}: {error}"
            self.log(f"  {result.name}: FAILED: {result.error}")
            if self.args.verbose:
                traceback.print_exc()
        self.results[result.name] = result
        if result.walls:
            self.log(f"  {result.name}: median {_fmt_s(median(result.walls))} "
                     f"over {len(result.walls)} run(s)")
        return result

    # -- subprocess workloads ----------------------------------------------------------------

    def cli(self, name: str, description: str, path: Path | None, argv: list[str],
            size: dict[str, Any], expect_patches: int | None = None,
            ok_codes: tuple[int, ...] = (0, 1, 3), env: dict[str, str] | None = None,
            runs: int | None = None) -> Result:
        self.log(f"{name}: {' '.join(argv)}")
        result = Result(name, description, "subprocess", size,
                        memory_kind="max RSS (getrusage RUSAGE_CHILDREN in _measure.py)")
        out = self.work / f"{name}.out"

        def once(index: int) -> None:
            wall, rss, cpu, code, tail = run_child(argv, out, self.args.timeout, env)
            if code not in ok_codes:
                raise RuntimeError(f"exit {code}: {tail.strip()[-500:]}")
            result.walls.append(wall)
            result.memory.append(rss)
            result.parts.setdefault("cpu", []).append(cpu)
            result.extra.setdefault("exit_codes", []).append(code)
            if index == 0 and path is not None:
                result.extra.update(_report_facts(out, expect_patches))

        return self.repeat(result, once, runs)

    def python_cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pte_check", *args]

    # -- in-process workloads ----------------------------------------------------------------

    def inprocess(self, name: str, description: str, size: dict[str, Any],
                  once: Callable[[], dict[str, float]], runs: int | None = None) -> Result:
        """Time once() (returns named sub-timings) --runs times after a warm-up; then one run
        under tracemalloc for the peak of Python allocations."""
        self.log(f"{name}: in-process")
        result = Result(name, description, "in-process", size,
                        memory_kind="tracemalloc peak (separate run)")
        state = {"warm": False}

        def timed(index: int) -> None:
            if not state["warm"]:
                once()
                state["warm"] = True
            start = time.perf_counter()
            parts = once()
            result.walls.append(time.perf_counter() - start)
            for key, value in parts.items():
                result.parts.setdefault(key, []).append(value)

        self.repeat(result, timed, runs)
        if result.completed:
            try:
                tracemalloc.start()
                once()
                result.memory.append(tracemalloc.get_traced_memory()[1] / MB)
            except Exception as error:  # noqa: BLE001
                result.error = f"under tracemalloc: {type(error).__name__}: {error}"
            finally:
                tracemalloc.stop()
        return result


def _report_facts(out: Path, expect: int | None) -> dict[str, Any]:
    """What the first run's JSON report says (so a run that silently did nothing shows)."""
    report = json.loads(out.read_text("utf-8"))
    patches = report["patches"]
    statuses: dict[str, int] = {}
    for patch in patches:
        statuses[patch["status"]] = statuses.get(patch["status"], 0) + 1
    findings = [f for p in patches for f in p["findings"]]
    skipped = [f for f in findings if f["rule"] == "not-analysed"]
    budget = [f for f in skipped if "ran out of time" in f["message"]
              or "states without finishing" in f["message"]]
    if expect is not None and len(patches) != expect:
        raise RuntimeError(f"report has {len(patches)} patches, expected {expect}")
    return {"patches": len(patches), "statuses": statuses, "findings": len(findings),
            "not_analysed": len(skipped), "not_analysed_over_budget": len(budget),
            "series_report": report.get("series") is not None,
            "report_bytes": out.stat().st_size}


def _fmt_s(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


# ---------------------------------------------------------------------------------------------
# the workloads

def bench_startup(b: Bench) -> None:
    # start-ups take a tenth of a second and vary with the machine's load: 4x the runs
    runs = b.args.runs * 4
    b.cli("startup_python", "Python start-up alone (python -c pass)", None,
          [sys.executable, "-c", "pass"], {}, ok_codes=(0,), runs=runs)
    script = Path(sys.executable).with_name("pte-check")
    argv = [str(script), "--version"] if script.exists() else b.python_cli("--version")
    b.cli("startup_version", f"pte-check --version ({' '.join(Path(a).name for a in argv)})",
          None, argv, {}, ok_codes=(0,), runs=runs)
    b.cli("startup_version_m", "python -m pte_check --version", None,
          b.python_cli("--version"), {}, ok_codes=(0,), runs=runs)
    b.cli("startup_version_source", "python -m pte_check --version from the checkout, no "
          "bytecode (PYTHONDONTWRITEBYTECODE=1: every module compiled at start)", None,
          b.python_cli("--version"), {}, ok_codes=(0,), runs=runs,
          env=child_env(ROOT, PYTHONDONTWRITEBYTECODE="1"))


def bench_series(b: Bench) -> None:
    n = b.sizes.series
    path = b.work / f"series-{n}.mbox"
    path.write_text(workloads.seed_series(n), "utf-8")
    b.cli("series", f"{n} seed-shaped patches in one mbox, CLI, built-in model", path,
          b.python_cli(str(path), "--format", "json"),
          {"patches": n, "bytes": path.stat().st_size}, expect_patches=n)


def bench_mbox(b: Bench) -> None:
    n = b.sizes.mbox
    path = b.work / f"fault-path-{n}.mbox"
    path.write_text(workloads.fault_path_mbox(n), "utf-8")
    b.cli("mbox", f"{n} fault-path patches in one mbox, CLI, built-in model", path,
          b.python_cli(str(path), "--format", "json"),
          {"patches": n, "bytes": path.stat().st_size}, expect_patches=n)


def bench_large_mbox(b: Bench) -> None:
    """A long mbox is read one patch at a time: peak memory against the largest patch."""
    path = b.work / f"large-{b.sizes.large_mbox_bytes}.mbox"
    largest = patches = 0
    with open(path, "w", encoding="utf-8") as handle:
        for text in workloads.large_mbox(b.sizes.large_mbox_bytes, b.sizes.large_patch_bytes):
            handle.write(text)
            largest, patches = max(largest, len(text.encode())), patches + 1
    first = b.work / "large-first.mbox"
    first.write_text(next(workloads.large_mbox(b.sizes.large_mbox_bytes,
                                               b.sizes.large_patch_bytes)), "utf-8")
    facts = {"bytes": path.stat().st_size, "patches": patches, "largest_patch_bytes": largest}
    b.cli("large_mbox", f"{facts['bytes'] / MB:.0f} MB mbox of {patches} drivers/*.c patches "
          "(no modelled function), CLI, JSON report to a file", path,
          b.python_cli(str(path), "--format", "json"), facts, expect_patches=patches, runs=1)
    b.cli("large_mbox_first", "its first patch alone, CLI (the same run's fixed cost)", first,
          b.python_cli(str(first), "--format", "json"), {"bytes": first.stat().st_size},
          expect_patches=1, runs=1)

    from pte_check.inputs import read_series
    from pte_check.options import Options
    from pte_check.pipeline import analyse

    def read_and_analyse(source: Path) -> Callable[[], dict[str, float]]:
        def once() -> dict[str, float]:
            start = time.perf_counter()
            series = read_series([str(source)])
            read = time.perf_counter() - start
            analyse(series, Options())
            return {"read": read, "analyse": time.perf_counter() - start - read}
        return once

    b.inprocess("large_mbox_inprocess", "the same mbox: read_series + analyse in-process, no "
                "report (peak is Python allocations)", facts, read_and_analyse(path), runs=1)
    b.inprocess("large_mbox_first_inprocess", "its first patch alone, in-process",
                {"bytes": first.stat().st_size}, read_and_analyse(first), runs=1)


def bench_diff(b: Bench) -> None:
    size = b.sizes.diff_bytes
    path = b.work / f"unmodelled-{size}.diff"
    text = workloads.unmodelled_diff(size)
    path.write_text(text, "utf-8")
    facts = {"bytes": path.stat().st_size, "files": text.count("\ndiff --git ") + 1,
             "hunks": text.count("\n@@ -")}
    b.cli("diff", f"{facts['bytes'] / MB:.1f} MB diff of drivers/*.c (no modelled function), "
          "CLI", path, b.python_cli(str(path), "--format", "json"), facts, expect_patches=1)
    code = ("import sys, unidiff\n"
            "with open(sys.argv[1], encoding='utf-8') as f: unidiff.PatchSet(f.read())")
    b.cli("diff_unidiff", "bare unidiff.PatchSet parse of the same diff (subprocess, "
          "incl. start-up)", None, [sys.executable, "-c", code, str(path)], facts,
          ok_codes=(0,))

    import unidiff

    def parse() -> dict[str, float]:
        with open(path, encoding="utf-8") as handle:
            unidiff.PatchSet(handle.read())
        return {}

    b.inprocess("diff_unidiff_inprocess", "bare unidiff.PatchSet parse of the same diff "
                "(in-process, read + parse)", facts, parse)


def bench_tree(b: Bench) -> None:
    from pte_check.explore.budget import Budget
    from pte_check.explore.run import explore
    from pte_check.lowering import lower_function
    from pte_check.model.contract import CONTRACTS

    for lines in b.sizes.functions:
        source, name = workloads.kernel_function(lines)
        path = b.work / f"bench_fn_{lines}.c"
        path.write_text(source, "utf-8")
        facts: dict[str, Any] = {"function_lines": lines, "file_lines": source.count("\n")}

        def once(source: str = source, name: str = name,
                 facts: dict[str, Any] = facts) -> dict[str, float]:
            _clear_summaries()
            start = time.perf_counter()
            function = lower_function(source, name)
            lowered = time.perf_counter()
            result = explore({name: function}, name, CONTRACTS["6.5"], Budget())
            done = time.perf_counter()
            if result.incomplete:
                raise RuntimeError(f"exploration incomplete: {result.incomplete}")
            facts.update(instructions=len(function.code), paths=len(result.paths),
                         states=result.states, dropped=result.dropped,
                         lowering_notes=len(function.notes))
            return {"lower": lowered - start, "explore": done - lowered}

        b.inprocess(f"tree_{lines}", f"{lines}-line kernel-style function: lower_function + "
                    "explore (contract 6.5, default Budget)", facts, once)


def bench_fault_path(b: Bench) -> None:
    from pte_check.explore import run as explore_run
    from pte_check.explore.budget import Budget
    from pte_check.lowering import lower_function
    from pte_check.model import catalog
    from pte_check.model.contract import CONTRACTS

    contract, budget, root = CONTRACTS["6.5"], Budget(), "do_read_fault"
    model = catalog.functions("6.4")
    facts: dict[str, Any] = {"root": root, "functions": len(model), "kernel": "6.4",
                             "contract": "6.5", "races": 1}
    per_state: dict[str, float] = {}

    class TimedMachine(explore_run.Machine):  # type: ignore[misc, name-defined]
        """explore()'s machine, timing each entry state's top-level run."""

        def run(self, name: str, world: Any, args: Any) -> Any:
            if self.depth:
                return super().run(name, world, args)
            start = time.perf_counter()
            try:
                return super().run(name, world, args)
            finally:
                kind = getattr(getattr(world, "pmd", None), "value", "?")
                per_state[kind] = per_state.get(kind, 0.0) + time.perf_counter() - start

    def once() -> dict[str, float]:
        _clear_summaries()
        per_state.clear()
        start = time.perf_counter()
        functions = {name: lower_function(fn.text, name) for name, fn in model.items()}
        lowered = time.perf_counter()
        original = explore_run.Machine
        explore_run.Machine = TimedMachine
        try:
            result = explore_run.explore(functions, root, contract, budget)
        finally:
            explore_run.Machine = original
        done = time.perf_counter()
        if result.incomplete:
            raise RuntimeError(f"exploration incomplete: {result.incomplete}")
        facts.update(paths=len(result.paths), states=result.states,
                     entry_states=len(per_state))
        return {"lower": lowered - start, "explore": done - lowered,
                **{f"state:{k}": v for k, v in per_state.items()}}

    b.inprocess("fault_path", f"{root}() and its callees (6.4 model, {len(model)} functions) "
                "lowered and explored from every entry state, summary cache cleared; "
                "state:KIND is the time explore() spent on that PMD kind", facts, once)


def _clear_summaries() -> None:
    """Empty the explorer's process-wide callee-summary cache and the cache of lowered function
    texts, so every run starts cold."""
    from pte_check.explore import machine
    from pte_check.lowering import lower

    cache = getattr(machine, "_SUMMARIES", None)
    if cache is not None:
        cache.clear()
    clear = getattr(lower.lower_function, "cache_clear", None)
    if clear is not None:
        clear()


WORKLOADS: dict[str, Callable[[Bench], None]] = {
    "startup": bench_startup, "series": bench_series, "mbox": bench_mbox, "diff": bench_diff,
    "large_mbox": bench_large_mbox,
    "tree": bench_tree, "fault_path": bench_fault_path,
}


# ---------------------------------------------------------------------------------------------
# ratios, targets, table

def _med(results: dict[str, Result], name: str, part: str | None = None) -> float | None:
    result = results.get(name)
    if result is None or not result.completed:
        return None
    if part is not None:
        values = result.parts.get(part)
        return median(values) if values else None
    return median(result.walls)


def _state_medians(results: dict[str, Result]) -> dict[str, float]:
    result = results.get("fault_path")
    if result is None or not result.completed:
        return {}
    return {k.removeprefix("state:"): median(v) for k, v in result.parts.items()
            if k.startswith("state:")}


def ratios(results: dict[str, Result]) -> dict[str, float]:
    out: dict[str, float] = {}

    def put(key: str, num: float | None, den: float | None) -> None:
        if num is not None and den:
            out[key] = num / den

    python = _med(results, "startup_python")
    put("startup_version / python -c pass", _med(results, "startup_version"), python)
    put("startup_version_m / python -c pass", _med(results, "startup_version_m"), python)
    put("startup_version_source / startup_version_m", _med(results, "startup_version_source"),
        _med(results, "startup_version_m"))
    for name in ("series", "mbox"):
        wall = _med(results, name)
        if wall is not None:
            patches = results[name].size["patches"]
            put(f"{name} / python -c pass", wall, python)
            out[f"{name}: seconds per patch"] = wall / patches
            if python is not None:
                out[f"{name}: seconds per patch beyond start-up"] = (wall - python) / patches
    put("diff / diff_unidiff (both subprocesses)", _med(results, "diff"),
        _med(results, "diff_unidiff"))
    put("diff / diff_unidiff_inprocess", _med(results, "diff"),
        _med(results, "diff_unidiff_inprocess"))
    if _med(results, "diff") is not None:
        out["diff: MB per second (CLI)"] = results["diff"].size["bytes"] / MB / _med(results,
                                                                                     "diff")
    for name in [n for n in results if n.startswith("tree_")]:
        put(f"{name}: explore / lower", _med(results, name, "explore"),
            _med(results, name, "lower"))
    put("tree_2000 / tree_300", _med(results, "tree_2000"), _med(results, "tree_300"))
    put("tree_300 / tree_50", _med(results, "tree_300"), _med(results, "tree_50"))
    whole = _med(results, "fault_path", "explore")
    states = _state_medians(results)
    if whole is not None and states:
        out["fault_path: explore seconds per entry state (mean)"] = whole / len(states)
        out["fault_path: slowest / fastest entry state"] = max(states.values()) / max(
            min(states.values()), 1e-9)
    return out


def check_targets(results: dict[str, Result], quick: bool) -> list[dict[str, Any]]:
    figures: dict[str, float | None] = {
        "series": _med(results, "series"),
        "tree_300": _med(results, "tree_300"),
        "startup": _med(results, "startup_version"),
    }
    diff, bare = _med(results, "diff"), _med(results, "diff_unidiff")
    figures["diff_ratio"] = diff / bare if diff is not None and bare else None
    mbox = results.get("mbox")
    figures["mbox_memory"] = max(mbox.memory) if mbox and mbox.completed else None
    large, first = results.get("large_mbox_inprocess"), results.get("large_mbox_first_inprocess")
    figures["large_mbox_memory"] = (
        (max(large.memory) - max(first.memory)) * MB / large.size["largest_patch_bytes"]
        if large and first and large.completed and first.completed and large.memory
        and first.memory else None)
    states = _state_medians(results)
    whole = _med(results, "fault_path", "explore")
    figures["fault_path_state"] = max(states.values()) if states else None
    figures["fault_path_mean"] = whole / len(states) if states and whole is not None else None
    rows = []
    for key, target in TARGETS.items():
        actual = figures.get(key)
        row: dict[str, Any] = {"id": key, "target": target.name, "limit": target.limit,
                               "unit": target.unit, "actual": actual}
        if actual is None:
            row.update(met=None, verdict="not measured")
        elif actual <= target.limit:
            row.update(met=True, verdict="met")
        else:
            row.update(met=False, missed_by=actual - target.limit,
                       factor=actual / target.limit,
                       verdict=f"missed by {_fmt_unit(actual - target.limit, target.unit)} "
                               f"({actual / target.limit:.1f}x the target)")
        if quick and key in ("series", "mbox_memory", "diff_ratio", "large_mbox_memory"):
            row["verdict"] += " (quick sizes: not the target's workload)"
        rows.append(row)
    return rows


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def _fmt_unit(value: float, unit: str) -> str:
    if unit == "s":
        return _fmt_s(value)
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.1f} {unit}"


def table(results: dict[str, Result], ratio: dict[str, float],
          targets: list[dict[str, Any]]) -> str:
    rows = [("workload", "size", "runs", "median", "min - max", "peak mem", "split (medians)")]
    for result in results.values():
        size = ", ".join(f"{k}={v}" for k, v in result.size.items()
                         if k in ("patches", "bytes", "function_lines"))
        if not result.completed:
            rows.append((result.name, size, f"0/{result.runs_requested}", "FAILED",
                         (result.error or "")[:70], "", ""))
            continue
        walls = result.walls
        memory = ""
        if result.memory:
            memory = f"{max(result.memory):.1f} MB" + (" py" if result.mode == "in-process"
                                                       else " RSS")
        plain = {k: v for k, v in result.parts.items() if not k.startswith("state:")}
        split = "  ".join(f"{k} {_fmt_s(median(v))}" for k, v in plain.items()) \
            if len(plain) > 1 or "cpu" in plain else ""
        rows.append((result.name, size, f"{len(walls)}/{result.runs_requested}",
                     _fmt_s(median(walls)), f"{_fmt_s(min(walls))} - {_fmt_s(max(walls))}",
                     memory, split))
        for key, values in result.parts.items():
            if key.startswith("state:"):
                rows.append((f"  entry state {key[6:]}", "", "", _fmt_s(median(values)),
                             f"{_fmt_s(min(values))} - {_fmt_s(max(values))}", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += ["", "ratios:"]
    lines += [f"  {k:<58} {v:10.3f}" for k, v in ratio.items()]
    lines += ["", "targets:"]
    for row in targets:
        actual = "-" if row["actual"] is None else _fmt_unit(row["actual"], row["unit"])
        lines.append(f"  {row['target']:<58} <= {_fmt_unit(row['limit'], row['unit']):>9}"
                     f"   actual {actual:>9}   {row['verdict']}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# the machine

def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info: dict[str, Any] = {
        "nproc": usable, "cpu_count": os.cpu_count(), "cpu_model": cpu,
        "memory_gb": memory, "python": platform.python_version(),
        "implementation": platform.python_implementation(), "executable": sys.executable,
        "platform": platform.platform(),
    }
    try:
        import pte_check
        info["pte_check"] = pte_check.__version__
    except Exception as error:  # noqa: BLE001 - the workloads say what broke
        info["pte_check"] = f"import failed: {error}"
    git = shutil.which("git")
    if git:
        head = subprocess.run([git, "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        dirty = subprocess.run([git, "status", "--porcelain", "--", "pte_check"], cwd=ROOT,
                               capture_output=True, text=True, check=False)
        if head.returncode == 0:
            info["git_head"] = head.stdout.strip()
            info["pte_check_modified_since_head"] = bool(dirty.stdout.strip())
    return info


# ---------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="1 run and small sizes (series 2, mbox 2, diff 0.25 MB, "
                             "functions of 50 and 300 lines)")
    parser.add_argument("--runs", type=int, help="runs per workload (default 5; 1 with --quick)")
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="stop repeating a workload once its runs took this long "
                             "(default 600; the runs made are reported)")
    parser.add_argument("--timeout", type=float, default=14400.0,
                        help="kill a subprocess run after this many seconds (default 14400)")
    parser.add_argument("--only", action="append", choices=sorted(WORKLOADS),
                        help="run only this workload group (repeatable)")
    parser.add_argument("--series", type=int, help="patches in the seed series")
    parser.add_argument("--mbox", type=int, help="patches in the fault-path mbox")
    parser.add_argument("--out", type=Path, default=HERE / "results.json",
                        help="JSON results (default benchmarks/results.json)")
    parser.add_argument("--keep", action="store_true", help="keep the generated workloads")
    parser.add_argument("--verbose", "-v", action="store_true", help="tracebacks of failures")
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else 5
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes = QUICK if args.quick else FULL
    sizes = Sizes(args.series or sizes.series, args.mbox or sizes.mbox, sizes.diff_bytes,
                  sizes.functions, sizes.large_mbox_bytes, sizes.large_patch_bytes)

    started = time.time()
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="pte-check-bench-"))
    bench = Bench(args, sizes, work)
    try:
        package = install(work)
        host = machine()
        for group in args.only or list(WORKLOADS):
            try:
                WORKLOADS[group](bench)
            except Exception as error:  # noqa: BLE001 - e.g. an import of the package failed
                bench.log(f"{group}: FAILED before measuring: {type(error).__name__}: {error}")
                if args.verbose:
                    traceback.print_exc()
                bench.results[group] = Result(group, f"workload group {group}", "-", {},
                                              error=f"{type(error).__name__}: {error}",
                                              runs_requested=args.runs)
    finally:
        if args.keep:
            bench.log(f"workloads kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    results = bench.results
    ratio = ratios(results)
    targets = check_targets(results, args.quick)
    document = {
        "schema": 1,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_s": time.time() - started,
        "quick": args.quick, "runs": args.runs, "max_seconds": args.max_seconds,
        "sizes": {"series": sizes.series, "mbox": sizes.mbox, "diff_bytes": sizes.diff_bytes,
                  "functions": list(sizes.functions)},
        "machine": host,
        "package": package,
        "load_average": {"start": load_before, "end": os.getloadavg()},
        "workloads": {name: r.to_json() for name, r in results.items()},
        "ratios": ratio,
        "targets": targets,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    print(table(results, ratio, targets))
    print(f"\nload average (1, 5, 15 min): start {_load(load_before)}, end "
          f"{_load(os.getloadavg())}; {host['nproc']} CPUs; pte_check sources "
          f"{package['sources_sha1']}")
    print(f"{len(results)} workloads, {sum(not r.completed for r in results.values())} failed;"
          f" {document['duration_s']:.0f} s; JSON: {args.out}")
    return 0 if all(r.completed for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
