"""The `qunsim` command: thin wrappers over sim.api, with progress, tables and exit codes.

Exit codes: 0 done, 2 a problem with your input (one line per problem, no traceback),
130 interrupted (finished runs are kept and can be resumed).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from agents.params import describe
from agents.world import World

from . import __version__
from .api import Interrupted, run_scenario
from .outcomes import KPIS
from .scenario import ScenarioError, load

app = typer.Typer(
    name="qunsim",
    help="Simulate chat communities (WeChat/QQ/WhatsApp/Telegram-style groups) and compare "
    "operating strategies before you try them on real people.\n\n"
    "Start with:  qunsim run scenarios/baseline.yaml\n\n"
    "A scenario file has a world (what you cannot control), a strategy (your levers) and "
    "outcomes (what counts). See docs/scenarios.md.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

SHOWN = ("members_final", "dau_final", "active_ratio_final", "retention_d30", "spam_share", "cost_total")


def fail(problems: list) -> None:
    for p in problems:
        typer.echo(str(p), err=True)  # plain: one unwrapped line per problem
    raise typer.Exit(2)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="scenario files to check")]) -> None:
    """Check scenario files without running them: every problem on one line, exit code 2 if any."""
    problems = []
    for f in files:
        try:
            loaded = load(f)
            arms = ", ".join(loaded.arms)
            out.print(f"{f}: ok — {len(loaded.arms)} arm(s): {arms}; {loaded.scenario.replications} replications x {loaded.scenario.days} days", soft_wrap=True)
        except ScenarioError as e:
            problems += e.problems
    if problems:
        fail(problems)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="the scenario YAML file")],
    reps: Annotated[Optional[int], typer.Option("--reps", help="replications per arm (default: the file's)")] = None,
    seed: Annotated[Optional[int], typer.Option(help="master seed (default: the file's)")] = None,
    days: Annotated[Optional[int], typer.Option(help="simulated days (default: the file's)")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override any scenario value: --set world.population.size=20000 (repeatable)")] = None,
    workers: Annotated[Optional[int], typer.Option(help="worker processes (default: all cores)")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="results directory (default: results/<name>/<timestamp>/)")] = None,
    resume: Annotated[Optional[Path], typer.Option(help="continue an interrupted run in this directory")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Run every arm of a scenario on shared seeds and write the results directory."""
    try:
        loaded = load(file)  # validate the file first so errors name its lines
    except ScenarioError as e:
        fail(e.problems)
    command = _command("run", file, reps=reps, seed=seed, days=days, set=set_, workers=workers, out=out_dir, resume=resume)
    try:
        with _progress(quiet) as bar:
            task = bar.add_task("runs", total=None)

            def tick(done: int, total: int, result) -> None:
                bar.update(task, completed=done, total=total)

            directory = run_scenario(file, reps=reps, seed=seed, days=days, sets=set_, workers=workers,
                                     out=out_dir, resume=resume, progress=tick, command=command)
    except ScenarioError as e:
        fail(e.problems)
    except (FileExistsError, FileNotFoundError) as e:
        fail([str(e)])
    except Interrupted as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(130)
    summary = json.loads((directory / "summary.json").read_text())
    _table(summary)
    out.print(f"results: {directory}")


def _command(name: str, *args, **options) -> str:
    """The command line that reproduces this call, whoever typed it (shell, notebook, test)."""
    parts = ["qunsim", name, *map(str, args)]
    for key, value in options.items():
        for v in value if isinstance(value, list) else [value]:
            if v is not None:
                parts += [f"--{key}", str(v)]
    return " ".join(shlex.quote(p) for p in parts)


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err, disable=quiet)


def _table(summary: dict) -> None:
    t = Table(title=f"{summary['scenario']}: mean [95% CI] over {summary['meta']['replications']} replications")
    t.add_column("KPI")
    arms = list(summary["arms"])
    for arm in arms:
        t.add_column(arm + (" (baseline)" if arm == summary["baseline"] and len(arms) > 1 else ""), justify="right")
    for name in SHOWN:
        row = []
        for arm in arms:
            s = summary["arms"][arm][name]
            row.append(f"{_fmt(s['mean'])} [{_fmt(s['ci_low'])}, {_fmt(s['ci_high'])}]")
        t.add_row(name + (" *" if name == summary["primary"] else ""), *row)
    out.print(t)


def _fmt(x: float) -> str:
    if x != x:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


@app.command()
def params(markdown: Annotated[bool, typer.Option("--markdown", help="print a Markdown table (docs/model.md uses it)")] = False) -> None:
    """List every world parameter: path, default, unit, meaning and source."""
    rows = describe(World, "world.")
    if markdown:
        out.print(markdown_table(rows), markup=False, highlight=False, soft_wrap=True)
        return
    t = Table("parameter", "default", "unit", "meaning", "source")
    for r in rows:
        t.add_row(r["path"], str(r["default"]), r["unit"], r["meaning"], r["source"])
    out.print(t)


def markdown_table(rows: list[dict]) -> str:
    lines = ["| parameter | default | unit | meaning | source |", "|---|---|---|---|---|"]
    lines += [f"| `{r['path']}` | {r['default']} | {r['unit']} | {r['meaning']} | {r['source']} |" for r in rows]
    return "\n".join(lines)


@app.command()
def kpis() -> None:
    """List the outcomes every run measures, with their meaning and unit."""
    t = Table("KPI", "meaning", "unit", "better")
    for k in KPIS.values():
        t.add_row(k.name, k.meaning, k.unit, k.better)
    out.print(t)


@app.command()
def version() -> None:
    """Print the qunsim version."""
    out.print(__version__)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
