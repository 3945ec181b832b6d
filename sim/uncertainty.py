"""Verdicts under uncertainty: every replication in its own plausible world, and what the lead depends on.

A verdict for one assumed world hides that the winner may depend on a parameter nobody
measured. Here each replication draws one parameter vector, either from a calibration's
posterior (`posterior: DIR` in the scenario) or, with `qunsim run --robust`, from the
documented plausible ranges of assumed parameters (`PLAUSIBLE`). Every arm of that
replication shares the draw and the seed (common random numbers over what is not known),
so the paired difference is still the strategy's. The draw for replication r is a function
of (scenario seed, r) alone: results do not depend on the number of workers.

Afterwards `assess` says in what share of the sampled worlds the winner leads, and which
drawn parameters its lead depends on most, by a linear regression of the per-replication
lead on the standardised draws (log scale for parameters drawn on a log scale); the flip
threshold is where the fitted lead crosses zero with the other parameters at their means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from agents.params import describe
from agents.world import World

from .outcomes import KPIS

# assumed parameters and the range we find plausible for each (low, high, scale), with why.
# `qunsim run --robust` draws these; every other parameter keeps the scenario's value.
PLAUSIBLE: dict[str, tuple[float, float, str, str]] = {
    "world.population.patience_median": (4.0, 30.0, "log", "an unhappy member stays from under a week to a month"),
    "world.population.attention_median": (50.0, 400.0, "log", "messages a day before overload, from light to heavy chat users"),
    "world.familiarity.effect": (1.0, 6.0, "log", "how much more a member talks in a group where they know everyone"),
    "world.reading.reply_reward": (0.15, 0.6, "linear", "what a reply is worth, from a small to a large reward (the newcomer effect is a known gap)"),
    "world.satisfaction.aspiration": (0.15, 0.45, "linear", "the outside option: from few alternatives to many"),
    "world.novelty.effect": (2.0, 10.0, "log", "how much more a member posts while the group is new to them"),
    "world.spreading.join_max": (0.03, 0.25, "log", "the chance an invited friend joins, from cold to warm invitations"),
}

SEED_TAG = 0x57A7E  # separates the world draws from the run seeds derived from the same master seed


def posterior_table(directory: Path) -> pd.DataFrame:
    return pd.read_parquet(Path(directory) / "posterior.parquet")


def check_posterior(directory: Path) -> str | None:
    """What is wrong with a posterior directory, or None."""
    path = Path(directory) / "posterior.parquet"
    if not path.exists():
        return f"no posterior.parquet in {directory} — give the output directory of `qunsim calibrate`"
    table = posterior_table(directory)
    known = {r["path"] for r in describe(World, "world.")}
    bad = [c for c in table.columns if c != "weight" and c not in known]
    if "weight" not in table.columns or bad or len(table) == 0:
        return f"{path} is not a calibration posterior (columns: world parameter paths and weight)"
    return None


@dataclass(frozen=True)
class Draws:
    """Where each replication's world comes from: rep -> {parameter path: value}."""

    source: str  # "posterior DIR" or "plausible ranges"
    draw: Callable[[int], dict[str, float]]
    scales: dict[str, str]  # path -> linear/log: how the lead is regressed on it

    def __call__(self, rep: int) -> dict[str, float]:
        return self.draw(rep)


def _cast(path: str, value: float) -> float | int:
    defaults = {r["path"]: r["default"] for r in describe(World, "world.")}
    return int(round(value)) if isinstance(defaults.get(path), int) and not isinstance(defaults.get(path), bool) else float(value)


def from_posterior(directory: Path, seed: int) -> Draws:
    table = posterior_table(directory)
    paths = [c for c in table.columns if c != "weight"]
    values = table[paths].to_numpy(float)
    w = table["weight"].to_numpy(float)
    w = w / w.sum()

    def draw(rep: int) -> dict[str, float]:
        rng = np.random.default_rng(np.random.SeedSequence([seed, rep, SEED_TAG]))
        row = values[rng.choice(len(w), p=w)]
        return {p: _cast(p, v) for p, v in zip(paths, row)}

    scales = {p: "log" if (values[:, i] > 0).all() and values[:, i].max() > 5 * values[:, i].min() else "linear"
              for i, p in enumerate(paths)}
    return Draws(f"posterior {directory}", draw, scales)


def plausible(seed: int) -> Draws:
    def draw(rep: int) -> dict[str, float]:
        rng = np.random.default_rng(np.random.SeedSequence([seed, rep, SEED_TAG]))
        out = {}
        for path, (lo, hi, scale, _) in PLAUSIBLE.items():
            u = rng.random()
            out[path] = _cast(path, math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if scale == "log" else lo + u * (hi - lo))
        return out

    return Draws("plausible ranges (qunsim run --robust)", draw, {p: v[2] for p, v in PLAUSIBLE.items()})


def assess(runs: pd.DataFrame, arms: list[str], winner: str | None, primary: str, scales: dict[str, str],
           source: str) -> dict[str, Any]:
    """Share of sampled worlds in which the leading arm leads, and the parameters its lead depends on.

    The leading arm is the verdict's winner, or if there is none the arm with the best mean
    on the primary KPI. Its lead in replication r is its primary KPI minus the best other
    arm's (sign turned so that positive is better).
    """
    better = KPIS[primary].better
    sign = -1.0 if better == "lower" else 1.0
    paths = [p for p in scales if p in runs.columns]
    wide = runs.pivot_table(index="rep", columns="arm", values=primary)
    out: dict[str, Any] = {"source": source, "parameters": paths, "primary": primary, "worlds": int(len(wide))}
    if len(arms) < 2 or better == "neither" or len(wide) == 0:
        out["sentence"] = ""
        return out
    means = wide.mean() * sign
    lead_arm = winner or str(means.idxmax())
    others = [a for a in arms if a != lead_arm]
    lead = sign * (wide[lead_arm] - (wide[others].max(axis=1) if sign > 0 else wide[others].min(axis=1)))
    share = float((lead > 0).mean())
    out.update(arm=lead_arm, is_winner=winner is not None, share=share, lead_mean=float(lead.mean()))
    draws = runs.drop_duplicates("rep").set_index("rep").loc[wide.index, paths].astype(float)
    drivers = regression(lead.to_numpy(float), draws, scales)
    out["drivers"] = drivers
    head = f"{lead_arm} {'wins' if winner else 'leads'} in {share:.0%} of {len(wide)} sampled worlds ({source})"
    flip = next((d for d in drivers if d.get("threshold") is not None), None)
    if flip:
        head += f"; it loses when {flip['parameter'].removeprefix('world.')} {flip['loses_when']} {flip['threshold']:.3g}"
    elif drivers:
        head += f"; its lead depends most on {drivers[0]['parameter'].removeprefix('world.')}, but does not flip within the sampled range"
    out["sentence"] = head + "."
    return out


def regression(lead: np.ndarray, draws: pd.DataFrame, scales: dict[str, str]) -> list[dict[str, Any]]:
    """Least squares of the lead on the standardised draws; drivers sorted by |standardised slope|."""
    n, k = draws.shape
    if k == 0 or n < k + 3:
        return []
    x = np.column_stack([np.log(draws[c]) if scales.get(c) == "log" else draws[c] for c in draws.columns]).astype(float)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    ok = sd > 0
    z = np.zeros_like(x)
    z[:, ok] = (x[:, ok] - mu[ok]) / sd[ok]
    design = np.column_stack([np.ones(n), z[:, ok]])
    coef, *_ = np.linalg.lstsq(design, lead, rcond=None)
    fitted = design @ coef
    ss = float(((lead - lead.mean()) ** 2).sum())
    r2 = 1 - float(((lead - fitted) ** 2).sum()) / ss if ss > 0 else 0.0
    a = coef[0]
    rows = []
    for j, col in zip(np.flatnonzero(ok), coef[1:]):
        path = draws.columns[j]
        row = {"parameter": path, "slope_per_sd": float(col), "r2": r2, "threshold": None, "loses_when": None}
        if col != 0:
            zc = -a / col  # where the fitted lead is zero, the others at their means
            if z[:, j].min() <= zc <= z[:, j].max():
                xc = mu[j] + zc * sd[j]
                row["threshold"] = float(math.exp(xc) if scales.get(path) == "log" else xc)
                row["loses_when"] = "<" if col > 0 else ">"
        rows.append(row)
    rows.sort(key=lambda r: -abs(r["slope_per_sd"]))
    return rows
