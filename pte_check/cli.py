"""The command line: options in, one analysis, reports out, and the exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click

from pte_check import __version__
from pte_check.errors import PteCheckError
from pte_check.findings import Report, Status
from pte_check.rules import ALL_RULES, Severity

_FAIL_ON = ("error", "warning", "note", "never")


def exit_code(report: Report, fail_on: str, strict: bool, exit_zero: bool) -> int:
    """The exit status of a finished run.

    0: no unwaived finding at or above the `--fail-on` severity (always, with `--exit-zero`);
    1: at least one such finding; 3: with `--strict`, nothing failed but some patch was not
    fully analysed (a `not-analysed` finding or an incomplete status). Exit 2 (bad usage or
    input) never reaches here: it is raised before a report exists.
    """
    if exit_zero:
        return 0
    if fail_on != "never":
        threshold = Severity.parse(fail_on)
        live = [f for f in report.findings() if not f.waived and f.rule != "not-analysed"]
        if any(f.severity >= threshold for f in live):
            return 1
    if strict and any(p.status is not Status.ANALYSED for p in report.patches):
        return 3
    return 0


def _fail(message: str) -> None:
    click.echo(f"pte-check: error: {message}", err=True)
    sys.exit(2)


class _MainGroup(click.Group):
    """`pte-check PATCH...` runs the check; `pte-check model ...` and friends are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                             "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Click's own usage errors as one line naming the option, exit 2, like ours."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as error:
            _fail(error.format_message())
        except click.ClickException as error:
            click.echo(f"pte-check: error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("pte-check: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        check = self.commands["check"]
        with click.Context(check, info_name="pte-check", parent=None) as sub:
            check.format_help(sub, formatter)
        self.format_commands(ctx, formatter)


@click.group(cls=_MainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="pte-check",
                      message="%(prog)s %(version)s")
def main() -> None:
    """pte-check: the behavioural differences a kernel patch makes on the page-fault path."""


_FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "b4")
_CONTRACTS = ("newest", "6.4", "6.5", "6.6")
_LOCK_HELP = ("The lock the fault holds: mmap (mmap_lock for read) or vma (only the per-VMA "
              "lock, FAULT_FLAG_VMA_LOCK set; at 6.4 and 6.5 only anonymous faults run so, on "
              "a VMA that has its anon_vma, and do_swap_page() returns VM_FAULT_RETRY).")


@main.command("check")
@click.version_option(__version__, "--version", prog_name="pte-check",
                      message="%(prog)s %(version)s")
@click.argument("patches", nargs=-1, metavar="PATCH...")
@click.option("--format", "formats", type=click.Choice(_FORMATS), multiple=True,
              help="Report format (default text); repeat it, with --output, for several "
                   "reports from one analysis.")
@click.option("--output", "-o", "outputs", type=click.Path(dir_okay=False), multiple=True,
              help="Write the report of the --format at the same position to this file "
                   "(a format without one goes to standard output).")
@click.option("--git", "git_range", metavar="RANGE",
              help="Read the commits of a revision range of the git checkout here "
                   "(e.g. v6.4..HEAD) instead of PATCH files.")
@click.option("--tree", "tree", type=click.Path(file_okay=False),
              help="A kernel tree: read the exact functions the patch changes from it, apply "
                   "the patch in memory (never writing to the tree), and analyse any function, "
                   "not only the built-in model's.")
@click.option("--no-tree", is_flag=True,
              help="Use the built-in model even inside a kernel checkout.")
@click.option("--sort", type=click.Choice(["input", "risk"]), default="input",
              show_default=True,
              help="Order of the patches in the text report's triage table.")
@click.option("--kernel", type=click.Choice(["auto", "6.4", "6.5"]), default="auto",
              show_default=True,
              help="Function bodies of the built-in model to align the patch with; auto picks "
                   "the version the hunks align with.")
@click.option("--contract", type=click.Choice(_CONTRACTS), default="newest",
              show_default=True,
              help="Primitive contracts: 6.5 lets pte_offset_map*() return NULL; under 6.4 "
                   "calling them on a PMD that is no page table is a bug; 6.6 is 6.5's plus "
                   "page-table retraction by khugepaged (without mmap_lock) among the changes "
                   "other CPUs may make. newest is 6.5, the newest modelled function bodies.")
@click.option("--races", type=click.IntRange(0, 3), default=1, show_default=True,
              help="Concurrent PMD changes by other CPUs explored per path.")
@click.option("--lock", type=click.Choice(["mmap", "vma"]), default="mmap", show_default=True,
              help=_LOCK_HELP)
@click.option("--fail-on", type=click.Choice(_FAIL_ON), default="warning", show_default=True,
              help="Exit 1 when a finding of this severity or above is not waived.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 whatever was found.")
@click.option("--strict", is_flag=True,
              help="Exit 3 when nothing failed but something could not be analysed.")
@click.option("--waivers", type=click.Path(dir_okay=False),
              help="TOML file of [[waive]] entries (default: .pte-check.toml here, if any).")
@click.option("--max-states", type=click.IntRange(100), default=200_000, show_default=True,
              help="Exploration budget per function (states).")
@click.option("--time-limit", type=click.FloatRange(0.1), default=20.0, show_default=True,
              help="Exploration budget per function (seconds).")
@click.option("--loop-bound", type=click.IntRange(1, 8), default=1, show_default=True,
              help="How often a path may go round a loop again before it is dropped.")
def check(patches: Sequence[str], formats: Sequence[str], outputs: Sequence[str],
          git_range: str | None, tree: str | None, no_tree: bool, sort: str, kernel: str,
          contract: str, races: int, lock: str, fail_on: str, exit_zero: bool, strict: bool,
          waivers: str | None, max_states: int, time_limit: float, loop_bound: int) -> None:
    """Check PATCH... (files, directories of *.patch, mbox series, review replies, or - for
    standard input) against the built-in model of the fault path."""
    if not patches and not git_range:
        _fail("no patch given (try: pte-check PATCH, pte-check - < PATCH, or --git RANGE)")
    if patches and git_range:
        _fail("give PATCH files or --git RANGE, not both")
    targets = _targets(formats or ("text",), outputs)
    try:
        report = _run(patches, kernel=kernel, contract=contract, races=races, lock=lock,
                      max_states=max_states, time_limit=time_limit, loop_bound=loop_bound,
                      git_range=git_range, tree=None if no_tree else tree or _checkout())
        if sort == "risk":
            report = report.by_risk()
        report = _waive(report, waivers)
        for fmt, output in targets:
            _emit(report, fmt, output)
    except PteCheckError as error:
        _fail(str(error))
    except Exception as error:  # the user gets one line, never a traceback
        if os.environ.get("PTE_CHECK_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} "
              "(set PTE_CHECK_DEBUG=1 for details)")
    sys.exit(exit_code(report, fail_on, strict, exit_zero))


def _targets(formats: Sequence[str], outputs: Sequence[str]) -> list[tuple[str, str | None]]:
    """Pair each --format with the --output at its position; at most one goes to stdout."""
    if len(outputs) > len(formats):
        _fail("more --output than --format options")
    pairs = [(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)]
    if sum(out is None for _, out in pairs) > 1:
        _fail("only one --format can go to standard output: give the others an --output")
    return pairs


def _run(patches: Sequence[str], **settings: Any) -> Report:
    from pte_check.explore.budget import Budget
    from pte_check.inputs import read_series
    from pte_check.options import Options
    from pte_check.pipeline import analyse

    if settings.get("git_range"):
        from pte_check.inputs.git import read_git_range
        series = read_git_range(settings["git_range"])
    else:
        series = read_series(list(patches), sys.stdin.buffer)
    options = Options(kernel=settings["kernel"], contract=settings["contract"],
                      races=settings["races"], lock=settings.get("lock", "mmap"),
                      budget=Budget(max_states=settings["max_states"],
                                    seconds=settings["time_limit"],
                                    loop_bound=settings.get("loop_bound", 1)))
    provider = None
    if settings.get("tree"):
        from pathlib import Path

        from pte_check.sources.tree import TreeProvider
        provider = TreeProvider(Path(settings["tree"]))
    return analyse(series, options, _progress(), provider)


def _checkout() -> str | None:
    """The current directory when it is a kernel git checkout (said on stderr), else None."""
    here = os.getcwd()
    marks = ("Makefile", "mm/memory.c", "include/linux/mm.h", ".git")
    if all(os.path.exists(os.path.join(here, m)) for m in marks):
        click.echo(f"pte-check: reading functions from the kernel tree at {here} "
                   "(--no-tree for the built-in model)", err=True)
        return here
    return None


def _progress() -> Callable[[int, int, Any], None] | None:
    """A rich progress bar on a terminal's stderr, for series of more than a few patches."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import Progress

    state: dict[str, Any] = {}

    def update(index: int, total: int, patch: Any) -> None:
        if total < 4:
            return
        if "bar" not in state:
            state["bar"] = Progress(transient=True, console=None)
            state["bar"].start()
            state["task"] = state["bar"].add_task("analysing", total=total)
        state["bar"].update(state["task"], completed=index,
                            description=f"{index + 1}/{total} {patch.subject[:50]}")
        if index + 1 == total:
            state["bar"].stop()
    return update


def _waive(report: Report, path: str | None) -> Report:
    from pte_check.compare import waivers

    if path is None and os.path.exists(".pte-check.toml"):
        path = ".pte-check.toml"
    if path is None:
        return report
    return waivers.apply(report, waivers.load(path), path)


def _emit(report: Report, fmt: str, output: str | None) -> None:
    from pte_check.report import Format, formatter

    if fmt == "text" and output is None and sys.stdout.isatty():
        from rich.console import Console

        from pte_check.report.text import render_to
        render_to(Console(highlight=False, markup=False), report)
        return
    if fmt == "json":  # written a patch at a time: a long series' report is never held whole
        from pte_check.report.json import chunks
        pieces: Iterable[str] = chunks(report)
    else:
        pieces = (formatter(Format(fmt))(report),)
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.writelines(pieces)
        except OSError as error:
            raise PteCheckError(f"{output}: cannot write the report: {error.strerror}") from None
    else:
        for piece in pieces:
            click.echo(piece, nl=False)
    if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(formatter(Format.MARKDOWN)(report))


@main.group("model")
def model() -> None:
    """Show the built-in model: its functions, and each one's entry states and outcomes."""


@model.command("list")
def model_list() -> None:
    """The modelled functions, the kernel file of each and the versions modelled; then the
    functions modelled by their contract."""
    from pte_check.model import catalog

    rows: dict[str, tuple[str, list[str]]] = {}
    for version in catalog.versions():
        for fn in catalog.functions(version).values():
            same = "" if fn.version == version else f" (= {fn.version})"
            rows.setdefault(fn.name, (fn.file, []))[1].append(version + same)
    for name in sorted(rows, key=lambda n: (rows[n][0], n)):
        file, versions = rows[name]
        click.echo(f"{file:14} {name + '()':28} {', '.join(versions)}")
    contracts = ", ".join(c for c in _CONTRACTS if c != "newest")
    click.echo("\nBy contract (what they return and do, per contract; pte_check/model/"
               "primitives.py):")
    for name, file in sorted(catalog.CONTRACT_FUNCTIONS.items(), key=lambda kv: (kv[1], kv[0])):
        click.echo(f"{file:24} {name + '()':28} contracts {contracts}")


@model.command("show")
@click.argument("function")
@click.option("--kernel", type=click.Choice(["6.4", "6.5"]), default="6.5", show_default=True,
              help="Which version of the function's body.")
@click.option("--contract", type=click.Choice(_CONTRACTS), default="newest",
              show_default=True, help="Primitive contracts (6.6: with page-table retraction).")
@click.option("--races", type=click.IntRange(0, 3), default=1, show_default=True,
              help="Concurrent PMD changes by other CPUs explored per path.")
@click.option("--lock", type=click.Choice(["mmap", "vma"]), default="mmap", show_default=True,
              help=_LOCK_HELP)
@click.option("--paths", is_flag=True, help="Print a witness path under each outcome.")
def model_show(function: str, kernel: str, contract: str, races: int, lock: str,
               paths: bool) -> None:
    """FUNCTION's entry states and the outcomes each reaches, as the model explores them."""
    from pte_check.explore.budget import Budget
    from pte_check.model import catalog
    from pte_check.pipeline import describe
    from pte_check.report.model import render_view

    name = function.rstrip("()")
    try:
        view = describe(name, kernel, contract, races, Budget(), lock)
    except PteCheckError as error:
        _fail(str(error))
    if not view.states:
        click.echo(f"{name}(): no modelled fault reaches it under --lock {lock}: "
                   f"{catalog.LOCKS[lock]}")
        return
    click.echo(render_view(view, paths), nl=False)


@main.command("explain")
@click.argument("patches", nargs=-1, metavar="PATCH...", required=True)
@click.option("--finding", "which", required=True,
              help="The finding: its number in the report (1, 2, ...) or a fingerprint prefix.")
@click.option("--kernel", type=click.Choice(["auto", "6.4", "6.5"]), default="auto",
              show_default=True, help="As for the check.")
@click.option("--contract", type=click.Choice(_CONTRACTS), default="newest",
              show_default=True, help="As for the check.")
@click.option("--races", type=click.IntRange(0, 3), default=1, show_default=True,
              help="As for the check.")
@click.option("--lock", type=click.Choice(["mmap", "vma"]), default="mmap", show_default=True,
              help="As for the check.")
def explain(patches: Sequence[str], which: str, kernel: str, contract: str, races: int,
            lock: str) -> None:
    """One finding of PATCH... in full: both witness paths side by side, states, call chain."""
    from pte_check.report.model import render_explain

    try:
        report = _run(patches, kernel=kernel, contract=contract, races=races, lock=lock,
                      max_states=200_000, time_limit=20.0)
    except PteCheckError as error:
        _fail(str(error))
    findings = report.findings()
    chosen = [f for i, f in enumerate(findings, 1)
              if which == str(i) or (len(which) >= 4 and f.fingerprint.startswith(which))]
    if not chosen:
        _fail(f"no finding {which!r}: the report has {len(findings)} "
              f"(numbered 1 to {len(findings)})")
    click.echo(render_explain(chosen[0]), nl=False)


def rules_table() -> str:
    """The rule registry as a Markdown table (the README's copy is checked against it)."""
    rows = ["| id | what | default severity |", "|---|---|---|"]
    rows += [f"| {r.id} | {r.description} | {r.severity.label} |" for r in ALL_RULES]
    return "\n".join(rows)
