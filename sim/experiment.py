"""Sweeps and studies: run a scenario at many design points, then ask what mattered and what is robust.

An experiment file names a base scenario, the parameters to vary (any scenario path:
`world.*`, `days`, a lever's `strategy.0.red_packet.amount`, an arm's
`arms.split.strategy.0.dunbar_split.at`), a design and replications per point:
- grid: every combination of the listed values (ranges need `steps`);
- lhs: Latin hypercube (`scipy.stats.qmc`), `samples` points spread evenly over the box;
- sobol: Saltelli's scheme (SALib), `samples` = N, N x (D + 2) points, first and total
  order Sobol indices with bootstrap CIs;
- morris: elementary effects (SALib), `samples` = trajectories, (D + 1) points each, mu*
  with its CI: a cheap screening of many parameters.
Every point runs every arm of the scenario on the same replication seeds (common random
numbers across arms and points). With two or more arms the sampled worlds become a
robustness study: which arm wins in each world, how often each wins, and its regret (how
far behind the best arm it falls in a world), whose maximum is the minimax-regret criterion.
Runs land in the same store as `qunsim run` (parts + manifest, `--resume`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import sys
import time
import typing
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from agents.params import Params, did_you_mean, excerpt, value_problem

from . import __version__
from .executors import Executor, Interrupted, kept, land, make, stage
from .outcomes import KPIS
from .runner import NOT_IN_RUN, Job, jobs
from .scenario import Loaded, Problem, ScenarioError, _at, _line, _plain, _walk, load, read, resolved_yaml
from .store import Store, open_store, resumed, same_as_stored

class Parameter(Params):
    """One varied parameter: a list of values, or a range."""

    values: list[Any] | None = Field(None, description="values to try; in lhs/sobol/morris they are categories drawn evenly")
    low: float | None = Field(None, description="lower end of a range")
    high: float | None = Field(None, description="upper end of a range")
    log: bool = Field(False, description="spread points evenly on a log scale (sizes, rates over orders of magnitude)")
    steps: int | None = Field(None, ge=2, description="grid design: points along the range, ends included")
    integer: bool | None = Field(None, description="round to whole numbers (default: when the scenario's value is whole)")

    @model_validator(mode="after")
    def _one_kind(self) -> "Parameter":
        if self.values is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either values: [...] or low/high, not both")
            if not self.values:
                raise ValueError("values is empty — list at least one value")
        elif self.low is None or self.high is None:
            raise ValueError("give values: [...] or a range with both low: and high:")
        elif not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        elif self.log and self.low <= 0:
            raise ValueError("log: true needs low > 0")
        return self


class Experiment(Params):
    """An experiment file (see docs/scenarios.md, "Comparisons and experiments")."""

    name: str = Field(pattern=r"^[\w.-]+$", description="short name; results go to results/<name>/")
    description: str = Field("", description="the question, in plain words")
    scenario: str = Field(description="the base scenario file, relative to this file")
    design: Literal["grid", "lhs", "sobol", "morris"] = Field("grid", description="how points are chosen")
    samples: int | None = Field(None, ge=1, description="lhs: points; sobol: N (a power of 2); morris: trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels of each parameter")
    parameters: dict[str, Parameter] = Field(min_length=1, description="scenario path -> values or range")
    replications: int = Field(1, ge=1, le=10_000, description="runs per point and arm")
    seed: int | None = Field(None, ge=0, description="master seed (default: the scenario's)")
    days: int | None = Field(None, ge=1, le=3650, description="simulated days (default: the scenario's)")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides of the scenario for every point")
    arms: dict[str, dict[str, Any]] | None = Field(None, description="strategies to compare in every world (replace the scenario's arms)")
    baseline: str | None = Field(None, description="the arm others are compared with (default: the first)")


@dataclass
class Study:
    """A validated experiment: its design points, each a fully resolved scenario with arms."""

    exp: Experiment
    path: Path
    scenario_path: Path
    base: Loaded                 # the scenario with the experiment's arms and `set` applied
    names: list[str]             # parameter paths, in file order
    unit: np.ndarray | None      # the design in the unit cube (lhs/sobol/morris), one row per point
    points: list[dict[str, Any]]  # parameter values per point
    loaded: list[Loaded]         # the resolved scenario of each point

    @property
    def arms(self) -> list[str]:
        return list(self.base.arms)

    @property
    def baseline(self) -> str:
        return self.base.baseline

    @property
    def primary(self) -> str:
        return self.base.scenario.outcomes.primary

    @property
    def seed(self) -> int:
        return self.base.scenario.seed

    def jobs(self) -> list[Job]:
        """Point-major: every arm and replication of point 0, then point 1, ..."""
        where = self.scenario_path.parent
        out: list[Job] = []
        for i, ld in enumerate(self.loaded):
            out += jobs(ld.arms, self.exp.replications, self.seed, where, point=i)
        return out

    def salib_problem(self) -> dict[str, Any]:
        return {"num_vars": len(self.names), "names": self.names, "bounds": [[0.0, 1.0]] * len(self.names)}


# ---- reading and checking an experiment file -----------------------------------------------------
def _explain(err: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    path = ".".join(map(str, loc))
    if err["type"] == "extra_forbidden":
        model = Parameter if loc[0] == "parameters" and len(loc) == 3 else Experiment
        allowed = list(model.model_fields)
        return f"unknown key {excerpt(path, 100)} — {did_you_mean(loc[-1], allowed)}allowed here: {', '.join(allowed)}"
    return value_problem(err, path)


def _whole(raw: dict[str, Any], full: dict[str, Any], name: str) -> bool:
    """Is the parameter at `name` a whole number (so sampled values are rounded)?

    A lever's parameter is typed by the lever's own model; anything else by the type of
    the validated scenario's value (a float field written `12` is still a float).
    """
    parts = name.split(".")
    if "strategy" in parts:
        i = len(parts) - 1 - parts[::-1].index("strategy")
        if len(parts) == i + 4:
            from agents.strategies import REGISTRY

            cls = REGISTRY.get(parts[i + 2])
            field = cls.Params.model_fields.get(parts[i + 3]) if cls else None
            if field is not None:
                return field.annotation is int or int in typing.get_args(field.annotation)
    value = _at(full, name)
    value = _at(raw, name) if value is None else value
    return isinstance(value, int) and not isinstance(value, bool)


def _dump(value: Any) -> str:
    return json.dumps(value, default=str)


def _unit_to_value(spec: Parameter, u: float, integer: bool) -> Any:
    if spec.values is not None:
        k = len(spec.values)
        return spec.values[min(int(u * k), k - 1)]
    lo, hi = float(spec.low), float(spec.high)  # type: ignore[arg-type]
    x = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if spec.log else lo + u * (hi - lo)
    return int(round(x)) if integer else float(f"{x:.12g}")  # 12 digits: no 0.0020000000000000005


def _grid_axis(spec: Parameter, integer: bool) -> list[Any]:
    if spec.values is not None:
        return list(spec.values)
    xs = (np.geomspace if spec.log else np.linspace)(spec.low, spec.high, spec.steps)
    vals = [int(round(x)) for x in xs] if integer else [float(f"{x:.12g}") for x in xs]
    return list(dict.fromkeys(vals))  # rounding may merge neighbours


MAX_POINTS = 20_000  # each point is a resolved scenario in memory; counted before any is built


def design_size(exp: Experiment) -> int:
    """How many points the design has (a grid: at most; rounding may merge a few), without building them."""
    d = len(exp.parameters)
    if exp.design == "grid":
        return math.prod(len(p.values) if p.values is not None else (p.steps or 1) for p in exp.parameters.values())
    per = {"lhs": 1, "sobol": d + 2, "morris": d + 1}[exp.design]
    return (exp.samples or 0) * per


def design(exp: Experiment, integer: dict[str, bool], seed: int) -> tuple[np.ndarray | None, list[dict[str, Any]]]:
    """The points of the experiment: (unit-cube matrix or None for a grid, values per point).

    The designs are seeded, so a resumed sweep gets the same points (and run ids).
    """
    names = list(exp.parameters)
    specs = [exp.parameters[n] for n in names]
    if exp.design == "grid":
        axes = [_grid_axis(s, integer[n]) for n, s in zip(names, specs)]
        return None, [dict(zip(names, combo)) for combo in itertools.product(*axes)]
    d = len(names)
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    if exp.design == "lhs":
        from scipy.stats import qmc

        try:
            sampler = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed))
        except TypeError:  # scipy < 1.15 calls it seed
            sampler = qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed))
        unit = sampler.random(exp.samples)
    elif exp.design == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(problem, exp.samples, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris

        unit = morris.sample(problem, exp.samples, num_levels=exp.levels, seed=seed)
    unit = np.clip(np.asarray(unit, float), 0.0, 1.0)
    points = [{n: _unit_to_value(s, float(u), integer[n]) for n, s, u in zip(names, specs, row)} for row in unit]
    return unit, points


def load_experiment(path: str | Path, run_code: bool = True) -> Study:
    """Read and check an experiment file; every problem is `FILE:LINE: what — what is allowed`.

    `run_code=False` (sweep --check) checks custom levers' files without running them.
    """
    path = Path(path)
    tree = read(path, "experiment")
    try:
        exp = Experiment.model_validate(_plain(tree))
    except ValidationError as e:
        raise ScenarioError([Problem(f"{path}:{_line(tree, tuple(err['loc']))}", _explain(err)) for err in e.errors()]) from None

    def here(*loc: Any) -> str:
        return f"{path}:{_line(tree, loc)}"

    problems: list[Problem] = []
    if exp.design != "grid" and exp.samples is None:
        what = {"lhs": "points", "sobol": "N, a power of 2 (N x (parameters + 2) points)", "morris": "trajectories"}[exp.design]
        problems.append(Problem(here("design"), f"design {exp.design} needs samples: the number of {what}"))
    if exp.design == "sobol" and exp.samples and exp.samples & (exp.samples - 1):
        problems.append(Problem(here("samples"), f"samples is {exp.samples}; sobol needs a power of 2 (e.g. 32, 64, 128)"))
    for name, spec in exp.parameters.items():
        if exp.design == "grid" and spec.values is None and spec.steps is None:
            problems.append(Problem(here("parameters", name), f"parameters.{name}: a range in a grid needs steps: (points along it, ends included)"))
    if not problems and (n := design_size(exp)) > MAX_POINTS:
        problems.append(Problem(here("parameters" if exp.design == "grid" else "samples"), f"the {exp.design} design has "
                                f"{n:,} points, more than {MAX_POINTS:,} — fewer values or steps, or fewer samples "
                                "(split a large study into several experiments)"))
        raise ScenarioError(problems)
    scenario_path = (path.parent / exp.scenario) if not Path(exp.scenario).is_absolute() else Path(exp.scenario)
    if not scenario_path.exists():
        problems.append(Problem(here("scenario"), f"scenario: no such file {str(scenario_path)!r} — the base scenario, relative to this experiment file"))
        raise ScenarioError(problems)
    try:
        load(scenario_path, run_code=run_code)  # the base scenario's own problems, with its own lines
    except ScenarioError as e:
        raise ScenarioError(problems + e.problems) from None

    comp = read(scenario_path)
    for key in ("arms", "baseline"):
        if key in tree:
            comp[key] = tree[key]
            comp.lc.data[key] = list(tree.lc.data[key])  # lines of these come from the experiment file
    sets = [f"{k}={_dump(v)}" for k, v in exp.set.items()]
    sets += [f"replications={exp.replications}"]
    sets += [f"{k}={v}" for k, v in (("seed", exp.seed), ("days", exp.days)) if v is not None]
    top = {"replications", "seed", "days"}

    def mapped(e: ScenarioError, extra: str = "") -> list[Problem]:
        out = []
        for p in e.problems:
            w = p.where
            if w.startswith("--set "):
                key = w.removeprefix("--set ")
                loc = ("parameters", key) if key in exp.parameters else ("set", key) if key in exp.set else (key,) if key in top else ()
                w = f"{path}:{_line(tree, loc)}"
            elif w.startswith("<scenario>"):
                w = str(path) + w.removeprefix("<scenario>")
            out.append(Problem(w, p.what + extra))
        return out

    try:
        base = load(data=comp, overrides=sets, run_code=run_code)
    except ScenarioError as e:
        raise ScenarioError(problems + mapped(e)) from None
    base = Loaded(base.scenario, base.arms, scenario_path, base.raw)

    # every parameter: a settable path, valid at its ends (or each value), and it changes something
    full = base.scenario.model_dump(mode="json")
    integer: dict[str, bool] = {}
    for name, spec in exp.parameters.items():
        why = _walk(base.raw, name)
        if why:
            problems.append(Problem(here("parameters", name), f"parameters.{name}: {why}"))
            continue
        integer[name] = spec.integer if spec.integer is not None else _whole(base.raw, full, name)
        probes = spec.values if spec.values is not None else [_unit_to_value(spec, u, integer[name]) for u in (0.0, 1.0)]
        resolved = []
        for v in probes:
            try:
                ld = load(data=base.raw, overrides=[f"{name}={_dump(v)}"], run_code=run_code)
                resolved.append(json.dumps({a: s.model_dump(mode="json", exclude=NOT_IN_RUN) for a, s in ld.arms.items()}, sort_keys=True, default=str))
            except ScenarioError as e:
                seen = {(p.where, p.what.split(" (at ")[0]) for p in problems}
                problems += [p for p in mapped(e, f" (at {name} = {v!r})") if (p.where, p.what.split(" (at ")[0]) not in seen]
        if len(resolved) == len(probes) > 1 and len(set(resolved)) == 1:
            problems.append(Problem(here("parameters", name), f"parameters.{name}: changing it changes no arm's run — "
                                    "is it replaced by an arm's own settings? Vary arms.NAME.… instead"))
    if problems:
        raise ScenarioError(problems)

    unit, points = design(exp, integer, base.scenario.seed)
    loaded: list[Loaded] = []
    for i, point in enumerate(points):
        try:
            ld = load(data=base.raw, overrides=[f"{k}={_dump(v)}" for k, v in point.items()], run_code=run_code)
        except ScenarioError as e:
            label = ", ".join(f"{k}={v!r}" for k, v in point.items())
            problems += mapped(e, f" (point {i}: {label})")
            continue
        loaded.append(Loaded(ld.scenario, ld.arms, scenario_path, {}))  # raw is not kept: memory
    if problems:
        raise ScenarioError(problems[:20] + ([Problem(str(path), f"... and {len(problems) - 20} more")] if len(problems) > 20 else []))
    return Study(exp, path, scenario_path, base, list(exp.parameters), unit, points, loaded)


# ---- analysis ------------------------------------------------------------------------------------
def point_means(runs: pd.DataFrame, study: Study) -> pd.DataFrame:
    """One row per (point, arm): parameter values, replications and the mean of every KPI."""
    kpis = [k for k in KPIS if k in runs.columns]
    g = runs.groupby(["point", "arm"], sort=True)
    means = g[kpis].mean()
    means.insert(0, "n", g.size())
    means = means.reset_index()
    params = pd.DataFrame(study.points).rename_axis("point").reset_index()
    return params.merge(means, on="point")


def sensitivity(means: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices with 95% CIs, per arm and KPI.

    The inputs are scaled to [0, 1] across their range (log range: in log scale), so a
    Morris mu* is the KPI's change for a move across the whole range. Outcomes that are
    undefined at some point or never vary are left out: they have no indices.
    """
    cols = ["arm", "kpi", "parameter", "index", "value", "conf", "ci_low", "ci_high"]
    if study.exp.design not in ("sobol", "morris"):
        return pd.DataFrame(columns=cols)
    from SALib.analyze import morris, sobol

    problem = study.salib_problem()
    rows = []
    for arm in study.arms:
        m = means[means["arm"] == arm].sort_values("point")
        for kpi in (k for k in KPIS if k in m.columns):
            y = m[kpi].to_numpy(float)
            if len(y) != len(study.points) or not np.isfinite(y).all() or np.ptp(y) == 0:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if study.exp.design == "sobol":
                    si = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=study.seed)
                    pairs = (("S1", "S1_conf"), ("ST", "ST_conf"))
                else:
                    si = morris.analyze(problem, study.unit, y, conf_level=0.95, num_levels=study.exp.levels, seed=study.seed)
                    pairs = (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None))
            for j, name in enumerate(study.names):
                for index, conf in pairs:
                    v = float(si[index][j])
                    c = float(si[conf][j]) if conf else math.nan
                    rows.append([arm, kpi, name, index, v, c, v - c, v + c])
    return pd.DataFrame(rows, columns=cols)


def robustness(means: pd.DataFrame, study: Study) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Strategies x worlds on the primary KPI: the winner of each world, win shares and regret.

    Regret of an arm in a world = how far its mean falls behind the best arm's there (0 for
    the winner). The most robust arm has the smallest worst-case regret (minimax regret).
    Exact ties share the win.
    """
    kpi = study.primary
    better = KPIS[kpi].better
    if len(study.arms) < 2 or better == "neither":
        return pd.DataFrame(), {}
    v = means.pivot(index="point", columns="arm", values=kpi)[study.arms].dropna()
    if v.empty:
        return pd.DataFrame(), {}
    sign = 1.0 if better == "higher" else -1.0
    best = (v * sign).max(axis=1)
    regret = (best.to_numpy()[:, None] - (v * sign).to_numpy())
    regret = pd.DataFrame(np.maximum(regret, 0.0), index=v.index, columns=v.columns)
    won = regret.eq(0)
    share = won.div(won.sum(axis=1), axis=0)
    winner = won.apply(lambda r: " = ".join(r.index[r]), axis=1)
    table = pd.DataFrame(study.points).rename_axis("point").loc[v.index].reset_index()
    long = []
    for arm in study.arms:
        long.append(table.assign(arm=arm, value=v[arm].to_numpy(), regret=regret[arm].to_numpy(),
                                 wins=won[arm].to_numpy(), winner=winner.to_numpy()))
    per_arm = {arm: {"win_share": float(share[arm].mean()), "regret_mean": float(regret[arm].mean()),
                     "regret_max": float(regret[arm].max()), "mean": float(v[arm].mean())} for arm in study.arms}
    robust = min(study.arms, key=lambda a: (per_arm[a]["regret_max"], per_arm[a]["regret_mean"]))
    summary = {"kpi": kpi, "better": better, "worlds": int(len(v)), "arms": per_arm, "most_robust": robust,
               "sentence": f"Across {len(v)} sampled worlds, {robust} has the smallest worst-case regret on {kpi} "
                           f"({per_arm[robust]['regret_max']:.3g}) and wins in {per_arm[robust]['win_share']:.0%} of them."}
    return pd.concat(long, ignore_index=True), summary


# ---- running ---------------------------------------------------------------------------------------
Progress = Callable[[int, int, Any], None]


def run_experiment(file: str | Path | None = None, *, workers: int | None = None, executor: str | Executor = "local",
                   scheduler: Any = None, out: str | Path | None = None, resume: str | Path | None = None,
                   progress: Progress | None = None, command: str | None = None) -> Path:
    """Run every point x arm x replication of an experiment, analyse, and finish its directory.

    `resume=DIR` finishes DIR with the experiment file it was started with (`file` may be left out).
    """
    started = time.perf_counter()
    files = [Path(file)] if file is not None else []
    if resume:
        files, _ = resumed("sweep", files, {}, resume)
    if not files:
        raise ScenarioError([Problem("sweep", "give an experiment file (or --resume DIR to finish a sweep)")])
    study = load_experiment(files[0])
    exp = study.exp
    buf = json.dumps(exp.model_dump(mode="json"), indent=2)
    base_text = resolved_yaml(study.base)
    if resume:
        same_as_stored(resume, "experiment.json", buf)
        same_as_stored(resume, "scenario.resolved.yaml", base_text)
    todo = study.jobs()
    ex, own = (executor, False) if isinstance(executor, Executor) else (make(executor, workers, scheduler), True)
    try:  # the executor first: an unreachable cluster leaves no directory behind
        store = open_store("sweep", files, {}, exp.name, out, resume)
        try:
            store.write_text("scenario.resolved.yaml", base_text)
            store.write_text("experiment.json", buf)
            land(store, todo, ex, progress)
        except BaseException as e:  # the folder is no longer being written: unlock it
            store.release()
            if isinstance(e, Interrupted):
                raise kept(store, e, resumed=bool(resume)) from e.cause
            raise
    finally:
        if own:
            ex.close()
    with stage(store, "while combining the tables", len(todo)):
        return _finish(store, study, todo, buf, ex, started, command)


def _finish(store: Store, study: Study, todo: list[Job], buf: str, ex: Executor, started: float,
            command: str | None) -> Path:
    """Combine the landed runs, analyse them (points, sensitivity, robustness) and complete the folder."""
    exp = study.exp
    runs = store.consolidate([j.run_id for j in todo])
    params = pd.DataFrame(study.points).rename_axis("point").reset_index()
    runs = runs.merge(params, on="point", how="left")
    store.write_table("runs", runs)
    means = point_means(runs, study)
    store.write_table("points", means)
    sens = sensitivity(means, study)
    if len(sens):
        store.write_table("sensitivity", sens)
    robust_table, robust = robustness(means, study)
    if len(robust_table):
        store.write_table("robustness", robust_table)
    primary_sens = sens[sens["kpi"] == study.primary].to_dict("records") if len(sens) else []
    summary = {
        "kind": "sweep",
        "experiment": exp.name,
        "description": exp.description,
        "scenario": str(study.scenario_path),
        "design": exp.design,
        "parameters": {k: v.model_dump(exclude_none=True) for k, v in exp.parameters.items()},
        "points": len(study.points),
        "arms": study.arms,
        "baseline": study.baseline,
        "primary": study.primary,
        "sensitivity": {"method": exp.design, "primary": primary_sens} if len(sens) else None,
        "robustness": robust or None,
        "meta": {
            "seed": study.seed,
            "replications": exp.replications,
            "days": study.base.scenario.days,
            "qunsim_version": __version__,
            "config_hash": hashlib.sha256((buf + study.base.scenario.config_hash()).encode()).hexdigest()[:12],
            "wall_time_s": round(time.perf_counter() - started, 3),
            "command": command or " ".join(sys.argv),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "runs": len(todo),
            "executor": ex.describe(),
        },
    }
    store.write_text("summary.json", json.dumps(summary, indent=2, allow_nan=True, default=str))
    return store.complete()
