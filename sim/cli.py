"""The `qunsim` command: thin wrappers over sim.api, with progress, tables and exit codes.

Exit codes: 0 done, 2 a problem with your input (one line per problem, no traceback),
130 interrupted (Ctrl-C or SIGTERM, a dead worker or scheduler: finished runs are kept, and
the last line is the command that finishes the work).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from typer.core import TyperCommand

from agents.params import describe, shorten
from agents.world import World

from . import __version__
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
    """Check scenario files without running them (nor a custom lever's code): every problem on one line, exit code 2 if any."""
    problems = []
    for f in files:
        try:
            loaded = load(f, run_code=False)
            arms = ", ".join(loaded.arms)
            custom = any("custom" in item for s in loaded.arms.values() for item in s.strategy if isinstance(item, dict))
            note = "; custom lever code not run (its params are checked by qunsim run)" if custom else ""
            out.print(f"{f}: ok — {len(loaded.arms)} arm(s): {arms}; {loaded.scenario.replications} replications x "
                      f"{loaded.scenario.days} days{note}", soft_wrap=True, highlight=False)
        except ScenarioError as e:
            problems += e.problems
    if problems:
        fail(problems)


# options shared by run, compare and sweep
Reps = Annotated[Optional[str], typer.Option("--reps", help="replications per arm (default: the file's), or `auto` with --precision")]
Precision = Annotated[Optional[float], typer.Option(help="with --reps auto: stop when the 95% CI of the primary KPI's difference is within +-this")]
MaxReps = Annotated[Optional[int], typer.Option("--max-reps", help="with --reps auto: most replications per arm (default 200)")]
Seed = Annotated[Optional[int], typer.Option(help="master seed (default: the file's)")]
Days = Annotated[Optional[int], typer.Option(help="simulated days (default: the file's)")]
Sets = Annotated[Optional[list[str]], typer.Option("--set", help="override any scenario value: --set world.population.size=20000 (repeatable)")]
Workers = Annotated[Optional[int], typer.Option(help="worker processes (default: all cores)")]
ExecutorOpt = Annotated[str, typer.Option("--executor", help="local (worker processes) or dask (a dask.distributed cluster)")]
Scheduler = Annotated[Optional[str], typer.Option(help="with --executor dask: the scheduler address, tcp://HOST:PORT")]
OutDir = Annotated[Optional[Path], typer.Option("--out", help="results directory, which must not exist yet (default: results/<name>/<timestamp>/)")]
Resume = Annotated[Optional[Path], typer.Option(help="finish a run in this results directory with its own scenario and options (finished runs are skipped)")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar (for CI)")]


@app.command()
def run(
    file: Annotated[Optional[Path], typer.Argument(help="the scenario YAML file (left out with --resume: the folder's own)")] = None,
    reps: Reps = None,
    seed: Seed = None,
    days: Days = None,
    set_: Sets = None,
    precision: Precision = None,
    max_reps: MaxReps = None,
    workers: Workers = None,
    executor: ExecutorOpt = "local",
    scheduler: Scheduler = None,
    out_dir: OutDir = None,
    resume: Resume = None,
    quiet: Quiet = False,
    robust: Annotated[bool, typer.Option("--robust", help="each replication draws the assumed parameters from their plausible ranges "
                                         "(docs/calibration.md); the verdict says in what share of those worlds the winner wins")] = False,
) -> None:
    """Run every arm of a scenario on shared seeds and write the results directory.

    With `posterior: DIR` in the file (a `qunsim calibrate` output) or --robust, every
    replication runs in its own sampled world, shared by all arms.
    """
    files = [file] if file else []
    directory = _launch("run", "run_scenario", file, _primary(files, resume), quiet, reps=_reps(reps), seed=seed,
                        days=days, sets=set_, precision=precision, max_reps=max_reps, workers=workers, executor=executor,
                        scheduler=scheduler, out=out_dir, resume=resume, **({"robust": True} if robust else {}))
    _report(directory)


@app.command()
def compare(
    files: Annotated[Optional[list[Path]], typer.Argument(help="scenario files: the baseline first, then the arms to compare with it")] = None,
    reps: Reps = None,
    seed: Seed = None,
    days: Days = None,
    set_: Sets = None,
    precision: Precision = None,
    max_reps: MaxReps = None,
    workers: Workers = None,
    executor: ExecutorOpt = "local",
    scheduler: Scheduler = None,
    out_dir: OutDir = None,
    resume: Resume = None,
    quiet: Quiet = False,
) -> None:
    """Compare scenario files as arms (each named by its `name`) on common seeds, analysed paired."""
    files = list(files or [])
    directory = _launch("compare", "compare", files, _primary(files, resume), quiet, reps=_reps(reps), seed=seed,
                        days=days, sets=set_, precision=precision, max_reps=max_reps, workers=workers, executor=executor,
                        scheduler=scheduler, out=out_dir, resume=resume)
    _report(directory)


@app.command()
def sweep(
    file: Annotated[Optional[Path], typer.Argument(help="the experiment YAML file (see experiments/; left out with --resume)")] = None,
    workers: Workers = None,
    executor: ExecutorOpt = "local",
    scheduler: Scheduler = None,
    out_dir: OutDir = None,
    resume: Resume = None,
    quiet: Quiet = False,
    check: Annotated[bool, typer.Option("--check", help="check the experiment file and print its size; run nothing")] = False,
) -> None:
    """Run an experiment: a design of points (grid, lhs, sobol, morris) x arms x replications."""
    from .experiment import load_experiment

    if file is None and not resume:
        fail(["sweep: give an experiment file (or --resume DIR to finish a sweep)"])
    if file is not None:
        try:
            study = load_experiment(file, run_code=not check)
        except ScenarioError as e:
            fail(e.problems)
        n = len(study.points) * len(study.arms) * study.exp.replications
        (out if check else err).print(f"{file}: ok — {study.exp.design} design, {len(study.points)} points x {len(study.arms)} arm(s) "
                                      f"x {study.exp.replications} replication(s) = {n} runs", highlight=False, soft_wrap=True)
    if check:
        return
    directory = _launch("sweep", "sweep", file, _primary([], resume) if file is None else study.primary, quiet,
                        workers=workers, executor=executor, scheduler=scheduler, out=out_dir, resume=resume)
    _sweep_report(directory)


def _primary(files: list[Path], resume: Path | None) -> str:
    """The primary KPI the progress bar follows: the first file's, else the resumed folder's."""
    try:
        if files:
            return load(files[0], run_code=False).scenario.outcomes.primary
        if resume:
            from ruamel.yaml import YAML

            from .store import started_with

            folder, _ = started_with(resume)
            stored = YAML(typ="safe").load((folder / "scenario.resolved.yaml").read_text(encoding="utf-8"))
            return stored["outcomes"]["primary"]
    except (ScenarioError, OSError, KeyError, TypeError, ValueError):
        pass  # the command itself reports what is wrong, every problem of every file
    return "active_ratio_final"


def _reps(reps: str | None) -> int | str | None:
    if reps is None or reps == "auto":
        return reps
    try:
        return int(reps)
    except ValueError:
        fail([f"--reps: {reps!r} is not a number — give a whole number, or `auto` with --precision"])
    return None


def _launch(name: str, call: str, source, primary: str, quiet: bool, **options):
    """Run sim.api's `call` under the progress bar; turn every expected failure into its exit code.

    `options` use the library's keyword names; the command that reproduces the call is
    rebuilt from them and stored with the results. SIGTERM is taken as Ctrl-C, so a
    `kill` also says what is kept.
    """
    if options.get("executor") not in ("local", "dask"):
        fail([f"--executor: {options.get('executor')!r} is not an executor — use local or dask"])
    if options.get("executor") == "dask" and not options.get("scheduler"):
        fail(["--executor dask needs --scheduler tcp://HOST:PORT (the address `dask scheduler` prints)"])
    flags = {("set" if k == "sets" else k): v for k, v in options.items() if (k, v) != ("executor", "local")}
    command = _command(name, *(source if isinstance(source, list) else [source] if source else []), **flags)
    try:  # only the main thread may set handlers (a notebook may call from another)
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:
        previous = None
    try:
        workers = options.get("workers")
        if options.get("executor") == "local" and ((os.cpu_count() or 1) if workers is None else workers) > 1:
            from . import forkserver

            forkserver.start()  # the workers' server imports qunsim beside this process's imports below, not after them
        from agents.strategies.custom import CustomLeverError

        from . import api  # (here, not at the top: `qunsim --help`, validate, params and kpis start without the model)
        from .api import Interrupted

        with _Runs(quiet, primary) as bar:
            return getattr(api, call)(source or None, progress=bar.tick, command=command, **options)
    except ScenarioError as e:
        fail(e.problems)
    except (FileExistsError, FileNotFoundError, ConnectionError) as e:
        fail([str(e)])
    except KeyboardInterrupt:  # before any folder was made (importing, loading, checking, connecting)
        typer.echo("stopped (interrupted) before any run started: nothing was written", err=True)
        raise typer.Exit(130)
    except Interrupted as e:  # (bound by now: the imports above are done once a run can be interrupted)
        if isinstance(e.cause, CustomLeverError):  # the user's own lever failed: their mistake, their line
            typer.echo(str(e.cause), err=True)
            typer.echo(str(e), err=True)
            raise typer.Exit(2)
        typer.echo(str(e), err=True)
        raise typer.Exit(130)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


class _Runs:
    """The progress bar: runs done, elapsed, ETA, and which arm leads on the primary KPI so far."""

    def __init__(self, quiet: bool, primary: str):
        self.primary, self.better = primary, KPIS[primary].better
        self.sums: dict[str, list[float]] = {}
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[best]}"),
                            console=err, disable=quiet)

    def __enter__(self) -> "_Runs":
        self.started = False  # the bar appears with the first run: a rejected input prints only its line
        return self

    def __exit__(self, *exc) -> None:
        if self.started:
            self.bar.__exit__(*exc)

    def tick(self, done: int, total: int, result) -> None:
        if not self.started:
            self.bar.__enter__()
            self.task = self.bar.add_task("runs", total=None, best="")
            self.started = True
        if result is not None:
            v = result.kpis.get(self.primary)
            if v is not None and v == v:
                acc = self.sums.setdefault(result.job.arm, [0.0, 0])
                acc[0] += v
                acc[1] += 1
        self.bar.update(self.task, completed=done, total=total, best=self.leader())

    def leader(self) -> str:
        means = {arm: s / n for arm, (s, n) in self.sums.items() if n}
        if not means:
            return ""
        if len(means) == 1 or self.better == "neither":
            return "  ".join(f"{a}: {_fmt(m)}" for a, m in means.items())
        pick = max if self.better == "higher" else min
        arm = pick(means, key=means.get)
        return f"best so far: {arm} ({self.primary} {_fmt(means[arm])})"


def _report(directory: Path) -> None:
    summary = json.loads((directory / "summary.json").read_text())
    _table(summary)
    _comparisons(summary)
    meta = summary["meta"]
    if "stopped_by" in meta:
        why = (f"the primary difference's CI half-width {meta['half_width']:.3g} < {meta['precision']:g}"
               if meta["stopped_by"] == "precision" else f"the maximum of {meta['max_reps']} replications was reached "
               f"(half-width {meta['half_width']:.3g}, wanted < {meta['precision']:g})")
        out.print(f"stopped by {meta['stopped_by']} after {meta['replications']} replications: {why}", highlight=False)
    out.print(f"results: {directory}")
    if (directory / "report.html").exists():
        out.print(f"report: {directory / 'report.html'}", highlight=False, soft_wrap=True)


def _comparisons(summary: dict) -> None:
    """Each arm against the baseline on the primary KPI, the guardrails and the headline KPIs; then the verdict."""
    rows = summary.get("comparisons") or []
    verdict = summary.get("verdict") or {}
    if rows:
        rails = [g["kpi"] for a in verdict.get("arms", {}).values() for g in a["guardrails"]]
        shown = list(dict.fromkeys([summary["primary"], *rails, *SHOWN, "collapsed"]))
        several = len({r["arm"] for r in rows}) > 1
        t = Table(title=f"paired difference vs {summary['baseline']}: * = significant after Holm correction",
                  caption="wins = replications in which the arm did better")
        if several:
            t.add_column("arm", no_wrap=True)
        t.add_column("KPI", no_wrap=True)
        for col in ("diff", "95% CI", "lift", "p Holm", "wins"):
            t.add_column(col, justify="right")
        for r in rows:
            if r["kpi"] not in shown:
                continue
            lift = f"{r['rel_lift']:+.1%}" if r["rel_lift"] == r["rel_lift"] else "–"
            p = "<0.001" if r["p_holm"] < 0.001 else f"{r['p_holm']:.3f}" if r["p_holm"] == r["p_holm"] else "–"
            wins = f"{r['win_share']:.0%}" if r["win_share"] == r["win_share"] else "–"
            cells = [r["kpi"], _fmt(r["diff"]) + (" *" if r["significant"] else ""),
                     f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]", lift, p, wins]
            t.add_row(*([r["arm"]] if several else []), *cells)
        out.print(t)
    if verdict.get("sentence"):
        out.print(verdict["sentence"], highlight=False)
    uncertainty = summary.get("uncertainty") or {}
    if uncertainty.get("sentence"):
        out.print(uncertainty["sentence"], highlight=False, soft_wrap=True)


def _sweep_report(directory: Path) -> None:
    s = json.loads((directory / "summary.json").read_text())
    robust = s.get("robustness")
    if robust:
        t = Table(title=f"robustness over {robust['worlds']} worlds on {robust['kpi']} ({robust['better']} is better)")
        for col in ("arm", "mean", "wins", "mean regret", "worst regret"):
            t.add_column(col, justify="left" if col == "arm" else "right")
        for arm, r in robust["arms"].items():
            t.add_row(arm, _fmt(r["mean"]), f"{r['win_share']:.0%}", _fmt(r["regret_mean"]), _fmt(r["regret_max"]))
        out.print(t)
        out.print(robust["sentence"], highlight=False)
    sens = s.get("sensitivity")
    if sens and sens["primary"]:
        main = "S1" if sens["method"] == "sobol" else "mu_star"
        t = Table(title=f"sensitivity of {s['primary']} ({sens['method']}, 95% CI)")
        for col in ("arm", "parameter", "index", "value [95% CI]"):
            t.add_column(col, justify="left" if col != "value [95% CI]" else "right", no_wrap=col == "parameter")
        for r in sens["primary"]:
            if r["index"] in (main, "ST"):
                t.add_row(r["arm"], r["parameter"], r["index"], f"{_fmt(r['value'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]")
        out.print(t)
    if s["points"] <= 40 and (directory / "points.parquet").exists():
        _points_table(directory, s)
    out.print(f"{s['points']} points, {s['meta']['runs']} runs; points table: {directory / 'points.parquet'}")
    out.print(f"results: {directory}")
    if (directory / "report.html").exists():
        out.print(f"report: {directory / 'report.html'}", highlight=False, soft_wrap=True)


def _points_table(directory: Path, s: dict) -> None:
    """A small sweep's points: parameter values and each arm's mean primary KPI."""
    import pandas as pd

    points = pd.read_parquet(directory / "points.parquet")
    names = list(s["parameters"])
    wide = points.pivot(index=["point", *names], columns="arm", values=s["primary"]).reset_index()
    t = Table(title=f"{s['primary']} (mean over {s['meta']['replications']} replication(s)) at each point")
    for col in names:
        t.add_column(col.split(".")[-1], justify="right")
    for arm in s["arms"]:
        t.add_column(arm, justify="right")
    for _, row in wide.iterrows():
        t.add_row(*[str(row[n]) if not isinstance(row[n], float) else _fmt(row[n]) for n in names],
                  *[_fmt(row[a]) for a in s["arms"]])
    out.print(t)


def _command(name: str, *args, **options) -> str:
    """The command line that reproduces this call, whoever typed it (shell, notebook, test)."""
    parts = ["qunsim", name, *map(str, args)]
    for key, value in options.items():
        for v in value if isinstance(value, list) else [value]:
            if v is True:
                parts.append(f"--{key.replace('_', '-')}")
            elif v is not None and v is not False:
                parts += [f"--{key.replace('_', '-')}", str(v)]
    return " ".join(shlex.quote(p) for p in parts)


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err, disable=quiet)


def _table(summary: dict) -> None:
    """Each arm's mean [95% CI] and median (5%–95%) of the headline KPIs; then the risk of collapse."""
    from .report.i18n import Words
    from .report.text import collapse_line
    from .stats import collapse_risk

    t = Table(title=f"{summary['scenario']}: mean [95% CI] and median (5%–95%) over {summary['meta']['replications']} replications")
    t.add_column("KPI")
    arms = list(summary["arms"])
    for arm in arms:
        t.add_column(arm + (" (baseline)" if arm == summary["baseline"] and len(arms) > 1 else ""), justify="right")
    for name in SHOWN:
        row = []
        for arm in arms:
            s = summary["arms"][arm][name]
            row.append(f"{_fmt(s['mean'])} [{_fmt(s['ci_low'])}, {_fmt(s['ci_high'])}]\n"
                       f"{_fmt(s['median'])} ({_fmt(s['q05'])}–{_fmt(s['q95'])})")
        t.add_row(name + (" *" if name == summary["primary"] else ""), *row)
    out.print(t)
    line = collapse_line(collapse_risk(summary["arms"]), Words())
    if line:
        out.print(line, highlight=False, soft_wrap=True)


def _fmt(x: float) -> str:
    if x != x:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def statistics_help() -> str:
    from .statistics import DEFINITIONS

    return "\b\n" + "\n".join(f"  {k}: {v}" for k, v in DEFINITIONS.items())


CALIBRATE_HELP = """Fit world parameters to an observed community by ABC-SMC (pyabc), and say how sure the fit is.

The file (see docs/calibration.md; paths are relative to it):


  name: my_community
  scenario: scenarios/baseline.yaml   # world and strategy the data were produced under
  data: imports/my_group              # a `qunsim import` directory or a qunsim results directory
  days: 60                            # optional: default, the span of the data
  parameters:                         # what to fit, each with a uniform prior
    world.arrivals.per_day: {low: 1, high: 20}
    world.population.sociability_median: {low: 0.001, high: 0.05, scale: log}
  statistics: default                 # or a list of the names below
  budget: {simulations: 20000, particles: 200, generations: 10}

It writes DIR/posterior.parquet (a column per parameter, plus weight), DIR/calibration.json and DIR/report.html (prior vs posterior, pairwise posteriors, a predictive check per statistic with pass/fail, and what the data could and could not pin down). Ctrl-C keeps the finished generations (DIR/history.db); --resume DIR continues them. A scenario can then carry the uncertainty into a verdict with `posterior: DIR`.


Statistics (the same code measures the data and every simulation):
"""


class _CalibrateCommand(TyperCommand):
    """`qunsim calibrate --help` ends with the statistics, read from sim.statistics (which loads the
    engine) only when that help is asked for."""

    def format_help(self, ctx, formatter) -> None:
        self.help = CALIBRATE_HELP + statistics_help()
        return super().format_help(ctx, formatter)


@app.command(help=CALIBRATE_HELP, cls=_CalibrateCommand)
def calibrate(
    file: Annotated[Path, typer.Argument(help="the calibration YAML file")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="output directory (default: results/calibrations/<name>/<timestamp>/)")] = None,
    resume: Annotated[Optional[Path], typer.Option(help="continue an interrupted calibration in this directory")] = None,
    workers: Workers = None,
    executor: ExecutorOpt = "local",
    scheduler: Scheduler = None,
    quiet: Quiet = False,
) -> None:
    from datetime import datetime

    if executor not in ("local", "dask"):
        fail([f"--executor: {executor!r} is not an executor — use local or dask"])
    if executor == "dask" and not scheduler:
        fail(["--executor dask needs --scheduler tcp://HOST:PORT (the address `dask scheduler` prints)"])
    if out_dir is not None and resume is not None and out_dir != resume:
        fail(["give --out or --resume, not both: --resume DIR continues the calibration in DIR"])
    try:
        from .calibrate import Stopped, fit, load_calibration

        cal = load_calibration(file)
    except ScenarioError as e:
        fail(e.problems)
    except KeyboardInterrupt:  # while importing pyabc and the model, or reading the data
        typer.echo("stopped (interrupted) before the fit started: nothing was written", err=True)
        raise typer.Exit(130)
    directory = resume or out_dir or Path("results") / "calibrations" / cal.spec.name / datetime.now().strftime("%Y%m%d-%H%M%S")
    flags = {"workers": workers, "executor": None if executor == "local" else executor, "scheduler": scheduler}
    command = _command("calibrate", file, resume=directory, **flags)
    budget = cal.spec.budget
    bar = Progress(TextColumn("[bold]simulations"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[state]}"), console=err, disable=quiet)

    def tick(state: dict) -> None:
        acc = f"  accepted {state['accepted']}" if "accepted" in state else ""
        bar.update(task, completed=min(state["simulations"], budget.simulations),
                   state=f"generation {state['generation'] + 1}/{budget.generations}{acc}")

    try:
        with bar:
            task = bar.add_task("fit", total=budget.simulations, state="")
            directory = fit(cal, directory, workers=workers, executor=executor, scheduler=scheduler,
                            resume=resume is not None, progress=tick, command=command)
    except ScenarioError as e:
        fail(e.problems)
    except (FileExistsError, FileNotFoundError, ConnectionError) as e:
        fail([str(e)])
    except Stopped as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(130)
    doc = json.loads((directory / "calibration.json").read_text())
    t = Table(title=f"{cal.spec.name}: posterior after {doc['simulations']} simulations, {len(doc['generations'])} generations")
    for col in ("parameter", "median", "90% interval", "prior", "verdict"):
        t.add_column(col, justify="left" if col in ("parameter", "verdict") else "right")
    for path, p in doc["posterior"].items():
        t.add_row(path, _fmt(p["median"]), f"{_fmt(p['q05'])} – {_fmt(p['q95'])}", f"{_fmt(p['prior_low'])} – {_fmt(p['prior_high'])}", p["verdict"])
    out.print(t)
    for sentence in doc["summary"]:
        out.print(sentence, highlight=False, soft_wrap=True)
    out.print(f"results: {directory}", highlight=False, soft_wrap=True)
    typer.echo(f"report: {directory / 'report.html'}")


@app.command()
def params(
    markdown: Annotated[bool, typer.Option("--markdown", help="print a Markdown table")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list: path, default, unit, meaning, kind, source")] = False,
) -> None:
    """List every world parameter: path, default, unit, meaning, kind and source.

    kind says where the number comes from: `published` (the figure is in the source named),
    `calibrated` (fitted; the source names the file that fitted it) or `assumed` (a
    plausible choice; the source, if any, only motivates it). Any of them can be set in a
    scenario (`world: ...`) or with `--set world.PATH=VALUE`, and swept.
    """
    rows = describe(World, "world.")
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    if markdown:
        out.print(markdown_table(rows), markup=False, highlight=False, soft_wrap=True)
        return
    t = Table("parameter", "default", "unit", "meaning", "kind", "source")
    for r in rows:
        t.add_row(r["path"], str(r["default"]), r["unit"], r["meaning"], r["kind"], r["source"])
    out.print(t)


def markdown_table(rows: list[dict]) -> str:
    lines = ["| parameter | default | unit | meaning | kind | source |", "|---|---|---|---|---|---|"]
    lines += [f"| `{r['path']}` | {r['default']} | {r['unit']} | {r['meaning']} | {r['kind']} | {r['source']} |" for r in rows]
    return "\n".join(lines)


@app.command("report")
def report_command(
    directory: Annotated[Path, typer.Argument(help="a finished results directory (of run, compare or sweep)")],
    lang: Annotated[str, typer.Option("--lang", help="language of the report: en or zh (Chinese: report.zh.html)")] = "en",
) -> None:
    """Rebuild report.html and report.md of a results directory from its stored results alone."""
    from .report import write_report
    from .report.i18n import LANGS

    if lang not in LANGS:
        fail([f"--lang: {lang!r} is not a report language — choose one of: {', '.join(LANGS)}"])
    try:
        paths = write_report(directory, lang=lang)
    except FileNotFoundError as e:
        fail([str(e)])
    except (ValueError, OSError) as e:  # a damaged summary.json or table: say which folder, not a traceback
        fail([f"{directory}: the stored results cannot be read ({shorten(str(e), 120)}) — give the folder of a finished "
              "run, or finish it with --resume"])
    for path in paths:
        if path.suffix in (".html", ".md"):
            typer.echo(f"report: {path}")  # plain: a path a terminal can click, never wrapped


@app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="exports of one community's groups: Telegram result.json, WhatsApp .txt/.zip, event CSV")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="directory to write (default: results/import/<timestamp>/)")] = None,
    keep_text: Annotated[bool, typer.Option("--keep-text", help="keep message texts (personal data; dropped by default, length and kind kept)")] = False,
    key: Annotated[Optional[str], typer.Option("--key", help="secret for the pseudonymous person ids (default: $QUNSIM_PSEUDONYM_KEY, else a public default)")] = None,
    date_order: Annotated[str, typer.Option("--date-order", help="WhatsApp dates: auto (scan the file), day-first or month-first")] = "auto",
    no_report: Annotated[bool, typer.Option("--no-report", help="skip report.html")] = False,
) -> None:
    """Read chat exports into a run's tables, observed.json (the KPIs) and report.html. See docs/data.md."""
    from datetime import datetime

    from .data import importer
    from .data.problems import ImportProblem

    if date_order not in ("auto", "day-first", "month-first"):
        fail([f"--date-order: {date_order!r} — use auto, day-first or month-first"])
    target = out_dir or Path("results") / "import" / datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        directory = importer.run(list(files), target, keep_text=keep_text, key=key, date_order=date_order, report=not no_report)
    except ImportProblem as e:
        fail([e])
    except FileExistsError as e:
        fail([str(e)])
    obs = json.loads((directory / "observed.json").read_text())
    k = obs["kpis"]
    out.print(f"{obs['groups']} group(s), {obs['people']:,} people, {k['messages_total']:,} messages over {obs['days']} days "
              f"({obs['first_date']} to {obs['last_date']}); members_final {k['members_final']:,}, "
              f"active_ratio_final {_fmt(k['active_ratio_final'])}, retention_d30 {_fmt(k['retention_d30'])}", highlight=False, soft_wrap=True)
    typer.echo(f"written: {directory}")
    if (directory / "report.html").exists():
        typer.echo(f"report: {directory / 'report.html'}")


@app.command("export")
def export_command(
    results: Annotated[Path, typer.Argument(help="a results directory (of run or compare) or an imported directory")],
    fmt: Annotated[str, typer.Option("--format", help="telegram (result.json), whatsapp (.txt, one per group) or csv")] = "telegram",
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="directory to write the export into (default: RESULTS/export-FORMAT/)")] = None,
    arm: Annotated[Optional[str], typer.Option("--arm", help="which arm (default: the first)")] = None,
    rep: Annotated[int, typer.Option("--rep", help="which replication")] = 0,
    start: Annotated[str, typer.Option("--start", help="the local date of day 0")] = "2024-01-01",
) -> None:
    """Write one simulated run out as a chat export (synthetic people, no real data), to share or to test `qunsim import`."""
    from .data import export

    if fmt not in export.FORMATS:
        fail([f"--format: {fmt!r} — use one of {', '.join(export.FORMATS)}"])
    try:
        records = export.run_records(results, arm, rep)
        paths = export.write(records, fmt, out_dir or results / f"export-{fmt}", start)
    except (export.ExportProblem, FileNotFoundError, FileExistsError) as e:
        fail([str(e)])
    for p in paths:
        typer.echo(f"written: {p}")


@app.command()
def explore(
    file: Annotated[Path, typer.Argument(help="the scenario YAML file to explore")],
    host: Annotated[str, typer.Option(help="address to listen on; 127.0.0.1 keeps the page on this machine")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on; 0 picks a free one")] = 8765,
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", help="also offer these world parameters as inputs: a path or a prefix, e.g. --param world.posting "
        "(repeatable; --param world offers all of them)")] = None,
) -> None:
    """Watch a scenario day by day in your browser, and turn its knobs before you run it.

    Serves a page (Mesa's SolaraViz) and prints the URL to open; works offline; Ctrl-C stops it.

    Every arm of the scenario runs side by side on one seed: the seed of replication 0 of `qunsim run`. Step advances one day, ▶ plays, Reset starts again at day 0.

    Inputs: the world parameters the file sets (add more with --param) and every parameter of its levers; moving one re-runs every arm up to the day reached.

    Shown: the day's KPIs; members, DAU, active ratio, spam share and cost day by day; the groups (size, activity or spam, shared members); the `qunsim run FILE --set ...` command for the current settings, and a button that downloads the scenario file with them written in.

    Example:  qunsim explore scenarios/dunbar_split.yaml --port 8765
    """
    import importlib.util

    missing = [m for m in ("solara", "solara_assets", "altair", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:  # the explore extra is not installed
        fail([f"qunsim explore needs the explorer's packages ({', '.join(missing)} missing): "
              "make setup, or pip install 'qunsim[explore]'"])
    from .explore import serve

    if not file.exists():
        fail([f"{file}: no such file — give the path of a scenario YAML file"])
    name = file.name

    def ready(url: str) -> None:
        typer.echo(f"exploring {name}: open {url} in your browser (Ctrl-C stops)")

    try:
        serve(file, host=host, port=port, params=param, ready=ready)
    except ScenarioError as e:
        fail(e.problems)
    except OSError as e:  # the port is taken, or the address is not this machine's
        fail([f"--host {host} --port {port}: cannot listen there ({e.strerror or e}) — try another --port, or --port 0"])
    except KeyboardInterrupt:
        pass


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
