"""Calibration: fit world parameters to an observed community by ABC-SMC (pyabc).

The model has no likelihood we could write down, so we use approximate Bayesian
computation: draw parameters from the prior, simulate the community, keep the draws whose
summary statistics (sim/statistics.py, the same code that measures the data) come close to
the observed ones, and sharpen the threshold generation by generation (sequential Monte
Carlo). pyabc does the inference: the adaptive distance (AdaptivePNormDistance rescales
every statistic by its spread, so members and shares weigh alike), the samplers (local
processes or a dask cluster) and the sqlite history that makes a run resumable. This module
only reads the calibration file, turns a parameter vector into a simulated community, and
writes what came out: posterior.parquet, calibration.json and report.html.

Reproducibility: every particle of a generation is a slot with its own seed (the file's
`seed`, the generation, the slot: sim/sampling.py), so the same file gives the same
posterior on any number of local workers or on a dask cluster.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from agents import strategies
from agents.params import Params, describe, did_you_mean
from agents.world import World

from . import statistics
from .sampling import SlotSampler
from .scenario import Problem, ScenarioError, _line, _message, _plain, load, read

HISTORY = "history.db"
SETTINGS = "settings.json"


# ---- the file ---------------------------------------------------------------------------------
class Prior(Params):
    """A uniform prior on [low, high], or on [log low, log high] with scale: log (for rates spanning decades)."""

    low: float = Field(description="smallest plausible value")
    high: float = Field(description="largest plausible value")
    scale: Literal["linear", "log"] = Field("linear", description="uniform in the value (linear) or in its logarithm (log)")

    @model_validator(mode="after")
    def _order(self) -> "Prior":
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError("scale: log needs low > 0")
        return self

    def to_unit(self, value: float) -> float:
        """Where `value` lies on the prior's own scale (log10 for a log prior)."""
        return math.log10(value) if self.scale == "log" else value

    def from_unit(self, u: float) -> float:
        return 10 ** u if self.scale == "log" else u

    @property
    def bounds(self) -> tuple[float, float]:
        return self.to_unit(self.low), self.to_unit(self.high)


class Budget(Params):
    """How much simulation the fit may spend, and when it may stop early."""

    simulations: int = Field(20_000, ge=10, description="most simulations in all, checked between generations (the last one may overshoot)")
    particles: int = Field(200, ge=10, le=100_000, description="accepted parameter vectors per generation (the posterior sample size)")
    generations: int = Field(10, ge=1, le=100, description="most generations (rounds of tightening)")
    min_acceptance: float = Field(0.02, ge=0, le=1, description="stop once fewer than this share of simulations is accepted: the posterior is no longer getting sharper at a fair price")
    predictive: int = Field(40, ge=0, le=10_000, description="simulations drawn from the posterior for the predictive check (0: no check)")


class CalibrationFile(Params):
    name: str = Field(description="short name; results go to results/calibrations/<name>/", pattern=r"^[\w.-]+$")
    description: str = Field("", description="what is being fitted, in plain words")
    scenario: Path = Field(description="the scenario (world and strategy) the data were produced under; its baseline arm is simulated")
    data: Path | None = Field(None, description="a `qunsim import` directory or a qunsim results directory (its baseline arm, replication 0)")
    targets: dict[str, float] | None = Field(None, description="instead of data: observed values of statistics, e.g. published figures (needs days)")
    days: int | None = Field(None, ge=1, le=3650, description="days compared (default: the span of the data)")
    parameters: dict[str, Prior] = Field(description="world parameters to fit, each with its prior: world.PATH: {low, high, scale}")
    statistics: Literal["default"] | list[str] = Field("default", description="`default` or a list of statistic names (qunsim calibrate --help)")
    budget: Budget = Budget()
    seed: int = Field(1, ge=0, description="seed of the whole fit (the same posterior on any number of local workers)")

    @field_validator("parameters")
    @classmethod
    def _some(cls, v: dict[str, Prior]) -> dict[str, Prior]:
        if not v:
            raise ValueError("name at least one parameter to fit")
        return v

    @field_validator("statistics")
    @classmethod
    def _known(cls, v: Any) -> Any:
        if isinstance(v, list):
            bad = statistics.unknown(v)
            if bad:
                raise ValueError(f"unknown statistic {bad[0]!r}; {did_you_mean(bad[0], statistics.DEFINITIONS)}"
                                 f"statistics: {', '.join(statistics.DEFINITIONS)}")
            if not v:
                raise ValueError("name at least one statistic, or say `default`")
        return v

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None:
            bad = [k for k in v if k not in statistics.DEFINITIONS or k.endswith("_weekly")]
            if bad:
                allowed = [k for k in statistics.DEFINITIONS if not k.endswith("_weekly")]
                raise ValueError(f"unknown target statistic {bad[0]!r}; {did_you_mean(bad[0], allowed)}targets can be: {', '.join(allowed)}")
            if not v:
                raise ValueError("name at least one target statistic")
        return v

    @model_validator(mode="after")
    def _data_or_targets(self) -> "CalibrationFile":
        if (self.data is None) == (self.targets is None):
            raise ValueError("give either `data:` (a directory of observed logs or results) or `targets:` (statistic values), not both or neither")
        if self.targets is not None and self.days is None:
            raise ValueError("`targets:` need `days:` — the span the target figures describe")
        return self

    @property
    def statistic_names(self) -> list[str]:
        if self.targets is not None:
            return list(self.targets)
        return statistics.DEFAULT if self.statistics == "default" else list(self.statistics)


NUMERIC = {row["path"]: row for row in describe(World, "world.") if isinstance(row["default"], (int, float))
           and not isinstance(row["default"], bool)}


@dataclass
class Calibration:
    """A checked calibration file: the file, its scenario, and the observed statistics."""

    spec: CalibrationFile
    path: Path | None
    world: dict[str, Any]  # the scenario's (baseline arm's) world, as plain data
    strategy: list[Any]
    base_dir: str
    days: int
    observed: dict[str, float]
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def paths(self) -> list[str]:
        return list(self.spec.parameters)

    def settings(self) -> dict[str, Any]:
        """What determines the fit: compared on --resume, stored in calibration.json."""
        return {"file": str(self.path) if self.path else None, **self.spec.model_dump(mode="json"),
                "days": self.days, "world": self.world, "strategy": self.strategy}


def load_calibration(path: str | Path | None = None, data: dict[str, Any] | None = None) -> Calibration:
    """Read and check a calibration file; every problem becomes `FILE:LINE: what — what is allowed`."""
    tree = read(path) if path is not None else data or {}
    raw = _plain(tree)
    label = str(path) if path is not None else "<calibration>"
    base = Path(path).parent if path is not None else Path.cwd()

    def where(*loc: Any) -> str:
        line = _line(tree, loc) if hasattr(tree, "lc") else None
        return f"{label}:{line}" if line else label

    try:
        spec = CalibrationFile.model_validate(raw)
    except ValidationError as e:
        raise ScenarioError([Problem(where(*err["loc"]), _message(err, CalibrationFile)) for err in e.errors()]) from None
    problems: list[Problem] = []
    for key, prior in spec.parameters.items():
        if key not in NUMERIC:
            problems.append(Problem(where("parameters", key), f"{key!r} is not a numeric world parameter — "
                                    f"{did_you_mean(key, NUMERIC)}see `qunsim params` for the paths (world.SECTION.NAME)"))
    scenario_path = spec.scenario if spec.scenario.is_absolute() else base / spec.scenario
    data_path = None if spec.data is None else spec.data if spec.data.is_absolute() else base / spec.data
    try:
        loaded = load(scenario_path)
    except ScenarioError as e:
        problems.append(Problem(where("scenario"), f"the scenario {scenario_path} has problems:"))
        problems.extend(e.problems)
        raise ScenarioError(problems) from None
    arm = loaded.arms[loaded.baseline]
    world = arm.world.model_dump(mode="json")
    for key, prior in spec.parameters.items():  # both ends of every prior must be a valid world
        if key not in NUMERIC:
            continue
        for end in (prior.low, prior.high):
            try:
                World.model_validate(_with(world, {key: _cast(key, end)}))
            except ValidationError as e:
                msg = e.errors()[0]["msg"].removeprefix("Value error, ")
                problems.append(Problem(where("parameters", key), f"{key} = {end} is outside what the model allows: {msg}"))
                break
    observed, days = {}, spec.days or 0
    if data_path is None:
        observed = dict(spec.targets or {})
    elif not data_path.exists():
        problems.append(Problem(where("data"), f"no such directory {str(data_path)!r} — give a `qunsim import` "
                                "directory or a qunsim results directory, relative to this file"))
    else:
        try:
            observed, days = statistics.from_directory(data_path, spec.statistic_names, spec.days)
        except (FileNotFoundError, ValueError, KeyError) as e:
            problems.append(Problem(where("data"), str(e)))
    if problems:
        raise ScenarioError(problems)
    spec = spec.model_copy(update={"scenario": scenario_path.resolve(), "data": data_path.resolve() if data_path else None})
    return Calibration(spec, Path(path) if path is not None else None, world, arm.model_dump(mode="json")["strategy"],
                       str(scenario_path.parent.resolve()), days, observed, raw)


def _cast(path: str, value: float) -> float | int:
    return int(round(value)) if isinstance(NUMERIC[path]["default"], int) else float(value)


def _with(world: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(world))
    for path, value in values.items():
        node = out
        parts = path.split(".")[1:]  # drop "world."
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


# ---- one simulation ------------------------------------------------------------------------------
@dataclass
class Simulator:
    """Parameter vector -> statistics of one simulated community (pyabc's model function).

    pyabc names parameters p0, p1 ... on each prior's own scale (log10 for log priors);
    `values` maps them back to world paths. Plain data only, so it pickles to any worker.
    """

    world: dict[str, Any]
    strategy: list[Any]
    base_dir: str
    days: int
    names: list[str]
    priors: dict[str, dict[str, Any]]  # path -> Prior as plain data

    @classmethod
    def of(cls, cal: Calibration) -> "Simulator":
        return cls(cal.world, cal.strategy, cal.base_dir, cal.days, cal.spec.statistic_names,
                   {k: v.model_dump() for k, v in cal.spec.parameters.items()})

    def values(self, theta: dict[str, float]) -> dict[str, float]:
        return {path: _cast(path, Prior(**p).from_unit(float(theta[f"p{i}"]))) for i, (path, p) in enumerate(self.priors.items())}

    def simulate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        from .model import CommunityModel

        world = World.model_validate(_with(self.world, values))
        levers = strategies.build(self.strategy, Path(self.base_dir))
        return statistics.from_model(CommunityModel(world, levers, seed=seed), self.days, self.names)

    def __call__(self, theta: dict[str, float]) -> dict[str, float]:
        _quiet_worker()
        seed = int(np.random.randint(0, 2**31 - 1))  # pyabc's generator: seeded with the fit in a single process
        return self.simulate(self.values(theta), seed)


_PARENT = os.getpid()


def _quiet_worker() -> None:
    """In a worker process, leave Ctrl-C to the parent: it stops the fit and keeps the history."""
    if os.getpid() != _PARENT:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:
            pass


# ---- the fit ---------------------------------------------------------------------------------------
class Stopped(Exception):
    """Ctrl-C during a fit: the generations finished so far are in DIR/history.db."""

    def __init__(self, directory: Path, generations: int, command: str):
        self.directory, self.generations, self.command = directory, generations, command
        super().__init__(f"stopped (interrupted): {generations} finished generation(s) kept in {directory / HISTORY}; "
                         f"resume with: {command}")


def _sampler(workers: int | None, executor: str, scheduler: str | None, seed: int) -> tuple[SlotSampler, Callable[[], None]]:
    """The slot sampler on local workers or a dask cluster (its workers checked to run this
    qunsim, as for `qunsim run`), and what closes it."""
    if executor == "dask":
        from .executors import Dask

        cluster = Dask(scheduler)
        return SlotSampler(cluster.workers, seed, client=cluster.client), cluster.close
    return SlotSampler(workers or os.cpu_count() or 1, seed), lambda: None


class _Generations(logging.Handler):
    """Turns pyabc's log lines into progress: simulations so far, generation, acceptance."""

    def __init__(self, tick: Callable[[dict[str, Any]], None]):
        super().__init__(logging.INFO)
        self.tick, self.state = tick, {"generation": 0, "simulations": 0}

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg.startswith("t: "):
            self.state["generation"] = int(msg.split(",")[0].split()[1])
            self.state["epsilon"] = float(msg.split("eps:")[1].strip(" ."))
            self.state["phase"] = "sampling"
        elif msg.startswith("Accepted:"):
            a, b = msg.split(":")[1].split("=")[0].split("/")
            self.state["simulations"] += int(b)
            self.state["accepted"] = int(a)
            self.state["phase"] = "accepted"
        else:
            return
        self.tick(dict(self.state))


def fit(cal: Calibration, out: Path, *, workers: int | None = None, executor: str = "local", scheduler: str | None = None,
        resume: bool = False, progress: Callable[[dict[str, Any]], None] | None = None, command: str = "") -> Path:
    """Run (or continue) the ABC-SMC fit into `out`; write posterior.parquet, calibration.json and report.html."""
    import pyabc

    out = Path(out)
    settings = cal.settings()
    if resume:
        stored = out / SETTINGS
        if not (out / HISTORY).exists() or not stored.exists():
            raise FileNotFoundError(f"{out}: nothing to resume — give the directory of an interrupted calibration")
        before = json.loads(stored.read_text())
        changed = [k for k in settings if k != "file" and before.get(k) != settings[k]]
        if changed:
            raise ScenarioError([Problem(str(cal.path or "<calibration>"), f"the calibration changed since {out} was started "
                                         f"({', '.join(changed)}) — resume with the same file, or start afresh with another --out")])
    elif (out / HISTORY).exists() or (out / "posterior.parquet").exists():
        raise FileExistsError(f"{out} already holds a calibration; choose another --out, or --resume it")
    spec = cal.spec
    sampler, close = _sampler(workers, executor, scheduler, spec.seed)  # first: an unreachable cluster leaves no folder
    if not resume:
        out.mkdir(parents=True, exist_ok=True)
        (out / SETTINGS).write_text(json.dumps(settings, indent=1, default=str))
    logger = logging.getLogger("ABC")
    own = list(logger.handlers)  # pyabc's own stderr handler: its lines would tear the progress bar
    for h in own:
        logger.removeHandler(h)
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", lo, hi - lo)
                                  for i, (lo, hi) in enumerate(p.bounds for p in spec.parameters.values())})
    simulator = Simulator.of(cal)
    abc = pyabc.ABCSMC(simulator, prior, pyabc.AdaptivePNormDistance(p=2), population_size=spec.budget.particles,
                       sampler=sampler)
    db = f"sqlite:///{(out / HISTORY).resolve()}"
    np.random.seed(spec.seed + (1_000_003 * _generations_done(out) if resume else 0))  # what pyabc draws outside the slots
    history = abc.load(db, 1) if resume else abc.new(db, cal.observed)
    done = history.max_t + 1
    handler = _Generations(progress or (lambda s: None))
    handler.state["simulations"] = int(history.total_nr_simulations) if done else 0
    handler.state["generation"] = done
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    started = time.perf_counter()
    try:
        if spec.budget.generations > done and history.total_nr_simulations < spec.budget.simulations:
            abc.run(max_total_nr_simulations=spec.budget.simulations, max_nr_populations=spec.budget.generations - done,
                    min_acceptance_rate=spec.budget.min_acceptance)
    except KeyboardInterrupt:
        raise Stopped(out, pyabc.History(db).max_t + 1, command) from None
    finally:
        close()
        logger.removeHandler(handler)
        for h in own:
            logger.addHandler(h)
    wall = time.perf_counter() - started
    history = pyabc.History(db)
    return write_outputs(cal, out, history, simulator, wall, workers=workers, executor=executor)


def _generations_done(out: Path) -> int:
    import pyabc

    return pyabc.History(f"sqlite:///{(out / HISTORY).resolve()}").max_t + 1


def posterior_table(cal: Calibration, history) -> pd.DataFrame:
    """The last generation: one column per parameter path (in its own units) and `weight` (summing to 1)."""
    df, w = history.get_distribution(m=0, t=history.max_t)
    sim = Simulator.of(cal)
    rows = [sim.values(dict(r)) for r in df.to_dict("records")]
    table = pd.DataFrame(rows, columns=cal.paths)
    table["weight"] = np.asarray(w, float) / np.sum(w)
    return table


def write_outputs(cal: Calibration, out: Path, history, simulator: Simulator, wall: float, *,
                  workers: int | None = None, executor: str = "local") -> Path:
    from pyabc.weighted_statistics import effective_sample_size

    posterior = posterior_table(cal, history)
    posterior.to_parquet(out / "posterior.parquet", index=False)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    particles = history.get_nr_particles_per_population()
    generations = []
    for _, row in pops.iterrows():
        t = int(row["t"])
        _, w = history.get_distribution(m=0, t=t)
        n = int(particles.get(t, len(w)))
        generations.append({"generation": t, "epsilon": float(row["epsilon"]), "simulations": int(row["samples"]),
                            "accepted": n, "acceptance": n / max(int(row["samples"]), 1),
                            "ess": float(effective_sample_size(np.asarray(w) / np.sum(w))),
                            "wall_seconds": float(row["wall_time"]) if row["wall_time"] == row["wall_time"] else None})
    check = predictive_check(cal, posterior, simulator, workers=workers if executor == "local" else 1)
    summary = summarise(cal, posterior, check)
    doc = {
        "name": cal.spec.name,
        "settings": cal.settings(),
        "statistics": statistics.expand(cal.spec.statistic_names, cal.days),
        "observed": cal.observed,
        "generations": generations,
        "simulations": int(history.total_nr_simulations),
        "effective_sample_size": generations[-1]["ess"] if generations else None,
        "wall_seconds": wall,
        "simulations_per_second": (sum(g["simulations"] for g in generations) / wall) if wall else None,
        "workers": workers, "executor": executor,
        "posterior": summary["parameters"],
        "predictive_check": check,
        "summary": summary["sentences"],
        "finished": datetime.now().isoformat(timespec="seconds"),
    }
    (out / "calibration.json").write_text(json.dumps(doc, indent=1, default=str))
    from .report.calibration import write_calibration_report

    write_calibration_report(out, doc, posterior, cal)
    return out


def draw(posterior: pd.DataFrame, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """`n` parameter vectors drawn from a weighted posterior sample."""
    w = posterior["weight"].to_numpy(float)
    idx = rng.choice(len(posterior), size=n, p=w / w.sum())
    return posterior.drop(columns="weight").iloc[idx].reset_index(drop=True)


def _simulate_row(args: tuple[Simulator, dict[str, float], int]) -> dict[str, float]:
    sim, values, seed = args
    return sim.simulate(values, seed)


def predictive_check(cal: Calibration, posterior: pd.DataFrame, simulator: Simulator, workers: int | None = None) -> dict[str, Any]:
    """Simulate from the posterior and ask, statistic by statistic, whether the data look like a simulated community.

    A statistic passes when its observed value lies inside the 5%-95% band of the
    simulated ones: a fail means no fitted world reproduces it (a missing mechanism, or
    data the model does not describe), whatever the parameters.
    """
    n = cal.spec.budget.predictive
    if not n:
        return {"draws": 0, "statistics": {}}
    rng = np.random.default_rng(np.random.SeedSequence([cal.spec.seed, 0xCA11]))
    rows = draw(posterior, rng, n).to_dict("records")
    seeds = rng.integers(0, 2**31 - 1, size=n)
    args = [(simulator, {k: _cast(k, v) for k, v in r.items()}, int(s)) for r, s in zip(rows, seeds)]
    workers = max(1, workers or os.cpu_count() or 1)
    if workers > 1:
        import concurrent.futures as cf
        import multiprocessing as mp

        with cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            sims = list(pool.map(_simulate_row, args))
    else:
        sims = [_simulate_row(a) for a in args]
    table = pd.DataFrame(sims)
    out = {}
    for key, obs in cal.observed.items():
        col = table[key].to_numpy(float)
        lo, med, hi = (float(np.quantile(col, q)) for q in (0.05, 0.5, 0.95))
        out[key] = {"observed": obs, "q05": lo, "median": med, "q95": hi, "pass": bool(lo - 1e-9 <= obs <= hi + 1e-9)}
    return {"draws": n, "statistics": out}


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    x, w = x[order], w[order]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, c, x))


def summarise(cal: Calibration, posterior: pd.DataFrame, check: dict[str, Any]) -> dict[str, Any]:
    """Per parameter: median and 90% interval, how much the data narrowed the prior; then plain sentences."""
    w = posterior["weight"].to_numpy(float)
    params, sentences = {}, []
    for path, prior in cal.spec.parameters.items():
        x = posterior[path].to_numpy(float)
        lo, med, hi = (weighted_quantile(x, w, q) for q in (0.05, 0.5, 0.95))
        a, b = prior.bounds
        width = (prior.to_unit(hi) - prior.to_unit(lo)) / (b - a)  # share of the prior's (log) range the 90% interval spans
        verdict = "pinned down" if width <= 0.35 else "narrowed" if width <= 0.75 else "not pinned down"
        edge = ("low" if (prior.to_unit(lo) - a) / (b - a) < 0.03 else "high" if (b - prior.to_unit(hi)) / (b - a) < 0.03 else None)
        params[path] = {"median": med, "q05": lo, "q95": hi, "prior_low": prior.low, "prior_high": prior.high,
                        "scale": prior.scale, "interval_share_of_prior": width, "verdict": verdict, "at_prior_edge": edge}
        name = path.removeprefix("world.")
        if verdict == "pinned down":
            sentences.append(f"The data pin down {name}: between {_g(lo)} and {_g(hi)} (90%), median {_g(med)}, "
                             f"against a prior of {_g(prior.low)}-{_g(prior.high)}.")
        elif verdict == "narrowed":
            sentences.append(f"The data narrow {name} to {_g(lo)}-{_g(hi)} (90%, median {_g(med)}) from {_g(prior.low)}-"
                             f"{_g(prior.high)}, but do not fix it.")
        else:
            sentences.append(f"The data say little about {name}: its 90% interval {_g(lo)}-{_g(hi)} spans most of the prior "
                             f"({_g(prior.low)}-{_g(prior.high)}); a verdict that depends on it should be checked over that range.")
        if edge:
            sentences.append(f"The posterior of {name} presses against the {edge} end of its prior "
                             f"({_g(prior.low if edge == 'low' else prior.high)}): the data want a value beyond it — widen the "
                             "prior if the model allows, or read it as a sign that another mechanism is missing.")
    stats = check.get("statistics", {})
    if stats:
        failed = [k for k, v in stats.items() if not v["pass"]]
        sentences.append(f"{len(stats) - len(failed)} of {len(stats)} observed statistics fall inside the 90% band simulated "
                         f"from the posterior ({check['draws']} simulations)." + (
                             f" Outside: {', '.join(failed)} — no fitted world reproduces these; read them as what the model "
                             "misses, not as a fit to trust." if failed else ""))
    return {"parameters": params, "sentences": sentences}


def _g(x: float) -> str:
    return f"{x:.3g}"
