"""The library face: everything the command line does is one of these calls."""

from __future__ import annotations

import mesa  # noqa: F401, I001  (first, while the import stack is shallow: see sim/runner.py)

import json
import math
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from . import __version__, stats
from .executors import Executor, Interrupted, kept, land, make, stage
from .runner import RunResult, jobs as make_jobs
from .scenario import Loaded, Problem, ScenarioError, _line, load, read, resolved_yaml
from .store import Store, arm_summary, open_store, resumed, same_as_stored

Progress = Callable[[int, int, RunResult | None], None]

ADAPTIVE_START = 10  # replications before the first look at the interval
ADAPTIVE_STEP = 5    # fewest replications a later round adds
MAX_REPS = 200       # default ceiling of --reps auto

__all__ = ["Interrupted", "compare", "compose", "resolve", "run_scenario", "sweep"]


def resolve(source: str | Path | Loaded, sets: list[str] | None = None, reps: int | None = None,
            seed: int | None = None, days: int | None = None) -> Loaded:
    """A validated scenario with command-line overrides applied (they are validated like the file)."""
    shortcuts = {k: v for k, v in (("replications", reps), ("seed", seed), ("days", days)) if v is not None}
    sets = list(sets or []) + [f"{k}={v}" for k, v in shortcuts.items()]
    try:
        if isinstance(source, Loaded):
            return load(data=source.raw, overrides=sets) if sets else source
        return load(source, overrides=sets)
    except ScenarioError as e:  # a problem with --reps is named --reps, not --set replications
        named = {f"--set {k}": FLAGS[k] for k in shortcuts}
        raise ScenarioError([Problem(named.get(p.where, p.where), p.what) for p in e.problems]) from None


def run_scenario(source: str | Path | Loaded | None = None, *, reps: int | str | None = None, seed: int | None = None,
                 days: int | None = None, sets: list[str] | None = None, workers: int | None = None,
                 out: str | Path | None = None, resume: str | Path | None = None,
                 progress: Progress | None = None, command: str | None = None,
                 precision: float | None = None, max_reps: int | None = None,
                 executor: str | Executor = "local", scheduler: Any = None, robust: bool = False) -> Path:
    """Run every arm x replication of a scenario; return the finished results directory.

    With `posterior: DIR` in the scenario, or `robust`, each replication runs in its own
    sampled world (sim/uncertainty.py) and summary.json gains an `uncertainty` section.

    reps="auto" with `precision` adds replications until the 95% CI of the primary KPI's
    paired difference is narrower than +-precision (or `max_reps` is reached).
    `executor` is "local" (with `workers`), "dask" (with `scheduler`) or an Executor.
    `resume=DIR` finishes DIR with the scenario and options it was started with (`source`
    and options may be left out; given ones must agree).
    """
    options = {"reps": reps, "seed": seed, "days": days, "sets": sets, "precision": precision, "max_reps": max_reps,
               "robust": robust or None}
    files = [] if source is None or isinstance(source, Loaded) else [Path(source)]
    if resume:
        files, options = resumed("run", files, options, resume)
    if source is None and not files:
        raise ScenarioError([Problem("run", "give a scenario file (or --resume DIR to finish a run)")])
    reps = options["reps"]
    loaded = resolve(source if isinstance(source, Loaded) else files[0], options["sets"],
                     reps if isinstance(reps, int) else None, options["seed"], options["days"])
    base_dir = loaded.path.parent if loaded.path else Path.cwd()
    return _run(loaded, dict.fromkeys(loaded.arms, base_dir), kind="run",
                files=files or ([loaded.path] if loaded.path else []), options=options, workers=workers,
                executor=executor, scheduler=scheduler, out=out, resume=resume, progress=progress, command=command,
                robust=bool(options.get("robust")))


def compare(files: list[str | Path] | None = None, *, reps: int | str | None = None, seed: int | None = None,
            days: int | None = None, sets: list[str] | None = None, workers: int | None = None,
            out: str | Path | None = None, resume: str | Path | None = None,
            progress: Progress | None = None, command: str | None = None,
            precision: float | None = None, max_reps: int | None = None,
            executor: str | Executor = "local", scheduler: Any = None) -> Path:
    """Compare scenario files as arms (the first is the baseline) on common seeds."""
    options = {"reps": reps, "seed": seed, "days": days, "sets": sets, "precision": precision, "max_reps": max_reps}
    paths = [Path(f) for f in files or []]
    if resume:
        paths, options = resumed("compare", paths, options, resume)
    reps = options["reps"]
    loaded, dirs = compose(paths, sets=options["sets"], reps=reps if isinstance(reps, int) else None,
                           seed=options["seed"], days=options["days"])
    return _run(loaded, dirs, kind="compare", files=paths, options=options, workers=workers, executor=executor,
                scheduler=scheduler, out=out, resume=resume, progress=progress, command=command)


def sweep(file: str | Path, **options: Any) -> Path:
    """Run an experiment file (designs, sensitivity, robustness); see sim/experiment.py."""
    from .experiment import run_experiment

    return with_report(run_experiment(file, **options))


SHARED = ("days", "seed", "replications")
FLAGS = {"days": "--days", "seed": "--seed", "replications": "--reps"}


def compose(files: list[str | Path], sets: list[str] | None = None, reps: int | None = None,
            seed: int | None = None, days: int | None = None) -> tuple[Loaded, dict[str, Path]]:
    """One comparison from several scenario files: each file is an arm named by its `name`.

    The arms must agree on days, seed and replications, or the comparison would not be
    paired; command-line values (--days, --seed, --reps, --set) apply to every file.
    Outcomes (primary KPI, guardrails) come from the first file, the baseline.
    """
    if len(files) < 2:
        raise ScenarioError([Problem("compare", "give at least two scenario files: the baseline first, then the arms")])
    problems: list[Problem] = []
    loads: list[Loaded] = []
    for f in files:
        try:
            loads.append(resolve(f, sets, reps, seed, days))
        except ScenarioError as e:
            problems += e.problems
    if problems:
        raise ScenarioError(problems)
    trees = [read(f) for f in files]

    def at(i: int, key: str) -> str:
        line = _line(trees[i], (key,)) if key in trees[i] else None
        return f"{files[i]}:{line}" if line else str(files[i])

    first = loads[0].scenario
    seen: dict[str, int] = {}
    for i, (f, ld) in enumerate(zip(files, loads)):
        s = ld.scenario
        if s.arms:
            problems.append(Problem(at(i, "arms"), f"this file has arms ({', '.join(s.arms)}) — compare takes one "
                                    "arm per file; run it with `qunsim run`, or remove `arms`"))
        if s.name in seen:
            problems.append(Problem(at(i, "name"), f"name {s.name!r} is also the name of {files[seen[s.name]]} — "
                                    "each file's name becomes its arm, so names must differ"))
        seen.setdefault(s.name, i)
        for key in SHARED if i else ():
            if getattr(s, key) != getattr(first, key):
                problems.append(Problem(at(i, key), f"{key} is {getattr(s, key)} here but {getattr(first, key)} in "
                                        f"{files[0]} (the baseline) — arms of a comparison share days, seed and "
                                        f"replications; make them equal, or set them for all with {FLAGS[key]}"))
    if problems:
        raise ScenarioError(problems)
    names = [ld.scenario.name for ld in loads]
    label = "-vs-".join(names) if len(names) <= 3 else f"{names[0]}-vs-{len(names) - 1}-arms"
    arms = {ld.scenario.name: ld.scenario for ld in loads}
    scenario = first.model_copy(update={"name": label, "baseline": None,
                                        "description": f"{names[0]} (baseline) compared with {', '.join(names[1:])}"})
    loaded = Loaded(scenario=scenario, arms=arms, path=Path(files[0]), raw=loads[0].raw)
    dirs = {ld.scenario.name: Path(f).parent for ld, f in zip(loads, files)}
    return loaded, dirs


def _executor(executor: str | Executor, workers: int | None, scheduler: Any) -> tuple[Executor, bool]:
    if isinstance(executor, Executor):
        return executor, False
    return make(executor, workers, scheduler), True


def _run(loaded: Loaded, dirs: dict[str, Path], *, kind: str, files: list[Path], options: dict[str, Any],
         workers: int | None, executor: str | Executor, scheduler: Any, out: str | Path | None,
         resume: str | Path | None, progress: Progress | None, command: str | None, robust: bool = False) -> Path:
    """The one run path of `run` and `compare`: land the runs, analyse them paired, finish the directory.

    Every option is checked before a folder exists, so a rejected command writes nothing.
    """
    started = time.perf_counter()
    s = loaded.scenario
    draws = _draws(loaded, robust)
    world = s.world.model_dump(mode="json")

    def jobs(arms, n, seed, dirs):  # every replication in its sampled world, when there is one
        return make_jobs(arms, n, seed, dirs, draws=draws, base_world=world)

    arms = list(loaded.arms)
    reps, precision, max_reps = options["reps"], options["precision"], options["max_reps"]
    adaptive = reps == "auto"
    if adaptive:
        _check_adaptive(precision, max_reps)
    elif isinstance(reps, str):
        raise ScenarioError([Problem("--reps", f"{reps!r} is not a number — give a whole number, or `auto` with --precision")])
    elif precision is not None or max_reps is not None:
        flag = "--precision" if precision is not None else "--max-reps"
        raise ScenarioError([Problem(flag, "applies only with --reps auto — add --reps auto, or leave it out")])
    text = resolved_yaml(loaded)
    if resume:
        same_as_stored(resume, "scenario.resolved.yaml", text, ignore=("replications",) if adaptive else ())
    ex, own = _executor(executor, workers, scheduler)  # first: an unreachable cluster leaves no directory behind
    meta: dict[str, Any] = {}
    try:
        store = open_store(kind, files, options, s.name, out, resume)
        try:
            store.write_text("scenario.resolved.yaml", text)
            if adaptive:
                n, meta = _adaptive(store, loaded, dirs, ex, precision, max_reps or MAX_REPS, progress, jobs)  # type: ignore[arg-type]
            else:
                n = s.replications
                land(store, jobs(loaded.arms, n, s.seed, dirs), ex, progress)
        except BaseException as e:  # the folder is no longer being written: unlock it
            store.release()
            if isinstance(e, Interrupted):
                raise kept(store, e, resumed=bool(resume)) from e.cause
            raise
    finally:
        if own:
            ex.close()
    todo = jobs(loaded.arms, n, s.seed, dirs)
    with stage(store, "while combining the tables", len(todo)):
        runs = store.consolidate([j.run_id for j in todo])
        comparisons, verdict = stats.analyse(runs, arms, loaded.baseline, s.outcomes)
        per_arm = arm_summary(runs, arms)
        uncertainty = None
        if draws is not None:
            from .uncertainty import assess

            uncertainty = assess(runs, arms, verdict.get("winner"), s.outcomes.primary, draws.scales, draws.source)
        if adaptive:
            store.write_text("scenario.resolved.yaml", resolved_yaml(loaded, replications=n))
        summary: dict[str, Any] = {
            "scenario": s.name,
            "description": s.description,
            "baseline": loaded.baseline,
            "primary": s.outcomes.primary,
            "arms": per_arm,
            "collapse": stats.collapse_risk(per_arm),
            "comparisons": comparisons,
            "verdict": verdict,
            **({"uncertainty": uncertainty} if uncertainty else {}),
            "meta": {
                "seed": s.seed,
                "replications": n,
                "days": s.days,
                "qunsim_version": __version__,
                "config_hash": s.config_hash(),
                "wall_time_s": round(time.perf_counter() - started, 3),
                "command": command or " ".join(sys.argv),
                "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "runs": len(todo),
                "executor": ex.describe(),
                **meta,
            },
        }
        store.write_text("summary.json", json.dumps(summary, indent=2, allow_nan=True))
        directory = store.complete()
    return with_report(directory)


def _draws(loaded: Loaded, robust: bool):
    """Where each replication's world comes from: the scenario's posterior, --robust's ranges, or nowhere (None)."""
    from . import uncertainty

    s = loaded.scenario
    if s.posterior is not None and robust:
        raise ScenarioError([Problem("--robust", f"the scenario already draws its worlds from posterior {s.posterior} — "
                                     "leave out --robust, or remove `posterior:` to draw from the plausible ranges")])
    if s.posterior is not None:
        return uncertainty.from_posterior(s.posterior, s.seed)
    return uncertainty.plausible(s.seed) if robust else None


def with_report(directory: Path) -> Path:
    """Write report.html and report.md into a finished results directory (sim/report).

    A report that fails to build never costs the results: it warns, and `qunsim report DIR`
    rebuilds it later from the stored files.
    """
    from .report import write_report

    try:
        write_report(directory)
    except KeyboardInterrupt as e:
        raise Interrupted(directory, None, 0, e, 0, stage="while writing the report",
                          finish=f"qunsim report {directory}") from None
    except Exception as e:  # noqa: BLE001 — the runs are on disk; only the report is missing
        warnings.warn(f"results are complete in {directory}, but the report failed: {e}; rebuild it with "
                      f"`qunsim report {directory}`", RuntimeWarning, stacklevel=2)
    return directory


def _check_adaptive(precision: float | None, max_reps: int | None) -> None:
    problems = []
    if precision is None or not precision > 0:
        problems.append(Problem("--precision", "--reps auto needs --precision X > 0: the 95% CI half-width wanted "
                                "on the primary KPI's paired difference, in the KPI's unit (e.g. 0.01 for a share)"))
    if max_reps is not None and max_reps < 2:
        problems.append(Problem("--max-reps", f"{max_reps} is too few — at least 2 replications are needed for an interval"))
    if problems:
        raise ScenarioError(problems)


def _adaptive(store: Store, loaded: Loaded, dirs: dict[str, Path], ex: Executor, precision: float,
              max_reps: int, progress: Progress | None, jobs=None) -> tuple[int, dict[str, Any]]:
    """Add replications (all arms at once) until the primary difference is precise enough.

    The next round's size is estimated from the current half-width (it shrinks like
    1/sqrt(n)), at least ADAPTIVE_STEP more and at most double. It never depends on the
    number of workers, so where it runs cannot change where it stops.
    """
    s, arms = loaded.scenario, list(loaded.arms)
    jobs = jobs or make_jobs
    n = min(ADAPTIVE_START, max_reps)
    rounds = 0
    while True:
        rounds += 1
        todo = jobs(loaded.arms, n, s.seed, dirs)
        land(store, todo, ex, progress)
        runs = store.table("kpis", [j.run_id for j in todo])
        width = stats.half_width(runs, arms, loaded.baseline, s.outcomes.primary)
        stopped = "precision" if width < precision else "max_reps" if n >= max_reps else None
        if stopped:
            return n, {"stopped_by": stopped, "precision": precision, "half_width": width,
                       "max_reps": max_reps, "rounds": rounds}
        need = math.ceil(n * (width / precision) ** 2 * 1.1) if math.isfinite(width) else 2 * n
        n = min(max_reps, max(n + ADAPTIVE_STEP, min(need, 2 * n)))
