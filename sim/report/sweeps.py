"""Sweep figures: how the primary KPI moves with each swept parameter, which unknowns matter
most (Sobol/Morris indices with CIs), and which arm wins across the sampled worlds.

They read what `qunsim sweep` stores (sim/experiment.py): points.parquet (one row per design
point and arm: parameter values and KPI means), sensitivity.parquet (arm, kpi, parameter,
index, value, ci_low, ci_high), robustness.parquet (point, parameters, arm, value, regret,
wins, winner) and summary.json (`kind: sweep`, design, parameters, robustness).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure as MplFigure
from scipy import stats

from agents.params import describe
from agents.world import World

from ..outcomes import KPIS
from . import text
from .figures import Figure, _png, palette
from .i18n import Words

MAX_PANELS = 6  # outcome-vs-parameter panels shown (the rest are in points.parquet)
INDEX_NAMES = {"S1": ("first order S1", "一阶指数 S1"), "ST": ("total order ST", "总效应指数 ST"),
               "mu_star": ("Morris μ*", "Morris μ*")}


@dataclass
class Sweep:
    """The stored results of a sweep."""

    summary: dict[str, Any]
    points: pd.DataFrame
    sensitivity: pd.DataFrame
    robustness: pd.DataFrame

    @property
    def parameters(self) -> list[str]:
        return list(self.summary.get("parameters") or {})

    @property
    def design(self) -> str:
        return self.summary.get("design", "grid")


def load(directory: Path, summary: dict[str, Any]) -> Sweep | None:
    """The sweep tables of a results directory, or None if it is not a sweep."""
    if summary.get("kind") != "sweep":
        return None

    def table(name: str) -> pd.DataFrame:
        path = directory / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else pd.DataFrame()

    return Sweep(summary, table("points"), table("sensitivity"), table("robustness"))


UNITS = {r["path"]: r["unit"] for r in describe(World, "world.")}


def axis_label(name: str) -> str:
    """A swept parameter's path with its unit, when the world declares one."""
    unit = UNITS.get(name, "")
    return f"{name} ({unit})" if unit and unit != "-" else name


def parameter_words(sweep: Sweep, w: Words) -> list[str]:
    """Each swept parameter and the range or values it took."""
    out = []
    for name, spec in (sweep.summary.get("parameters") or {}).items():
        if "values" in spec:
            shown = ", ".join(text._show(v) for v in spec["values"])
        else:
            shown = f"{text._show(spec.get('low'))} – {text._show(spec.get('high'))}" + (" (log)" if spec.get("log") else "")
        out.append(f"{axis_label(name)}: {shown}")
    return out


# ---- figures -------------------------------------------------------------------------------------
def outcome_lines(sw: Sweep, r: Any, w: Words) -> Figure:
    """Primary KPI against each swept parameter: point means as dots, binned means with 95% bands."""
    kpi = r.primary
    f = Figure("sweep_outcome", w("sw_outcome", kpi=w.kpi(kpi)), w("c_sw_outcome"))
    pts = sw.points
    if pts.empty or kpi not in pts.columns:
        f.note = w("not_available", why="points.parquet")
        return f
    names = [p for p in sw.parameters if p in pts.columns and pd.api.types.is_numeric_dtype(pts[p])][:MAX_PANELS]
    if not names:
        f.note = w("not_available", why="no numeric swept parameter")
        return f
    colours = palette(r.arms)
    cols = min(len(names), 2)
    rows = math.ceil(len(names) / cols)
    fig = MplFigure(figsize=(6.2 * cols + 0.5, 4.6 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    share = text.unit_of(kpi) == "share"
    for ax, name in zip(axes, names):
        for arm in r.arms:
            a = pts[pts["arm"] == arm][[name, kpi]].dropna()
            if a.empty:
                continue
            c = colours[arm]
            ax.scatter(a[name], a[kpi], color=c, alpha=0.35, s=22, edgecolor="none")
            levels = np.unique(a[name])
            key = a[name] if len(levels) <= 8 else pd.qcut(a[name], 6, duplicates="drop").map(lambda iv: iv.mid).astype(float)
            g = a.groupby(key)[kpi]
            mean, n, sd = g.mean(), g.size(), g.std(ddof=1).fillna(0.0)
            half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
            ax.fill_between(mean.index, mean - half, mean + half, color=c, alpha=0.18, linewidth=0)
            ax.plot(mean.index, mean, color=c, linewidth=2.4, marker="o",
                    label=arm + (f" ({w('baseline_tag')})" if arm == r.baseline and len(r.arms) > 1 else ""))
        ax.set_xlabel(axis_label(name))
        ax.set_ylabel(f"{w.kpi(kpi)}" + (" (%)" if share else ""))
        if share:
            ax.yaxis.set_major_formatter(lambda y, _: f"{100 * y:.0f}%")
        if (sw.summary.get("parameters") or {}).get(name, {}).get("log"):
            ax.set_xscale("log")
    for ax in axes[len(names):]:
        ax.set_axis_off()
    axes[0].legend(fontsize=11, loc="best")
    fig.suptitle(f.title)
    f.png = _png(fig)
    return f


def heatmap(sw: Sweep, r: Any, w: Words) -> Figure | None:
    """A grid over exactly two parameters: the best arm's gain over the baseline (or the KPI, one arm)."""
    kpi = r.primary
    names = [p for p in sw.parameters if p in sw.points.columns]
    if sw.design != "grid" or len(names) != 2 or sw.points.empty:
        return None
    f = Figure("sweep_heatmap", w("sw_heat", kpi=w.kpi(kpi)), w("c_sw_heat"))
    pts = sw.points
    better = KPIS[kpi].better if kpi in KPIS else "higher"
    sign = -1.0 if better == "lower" else 1.0
    base = pts[pts["arm"] == r.baseline].set_index(names)[kpi]
    others = [a for a in r.arms if a != r.baseline]
    if others:
        gains = pd.concat([(pts[pts["arm"] == a].set_index(names)[kpi] - base) * sign for a in others], axis=1)
        values = gains.max(axis=1)
        who = others[0] if len(others) == 1 else w("sw_best_arm")
        label = f"{who} − {r.baseline} ({w('sw_plus_better')})"
    else:
        values, label = base, w.kpi(kpi)
    grid = values.groupby(level=names).mean().unstack(names[0])
    fig = MplFigure(figsize=(9, 6.5), layout="constrained")
    ax = fig.subplots()
    share = text.unit_of(kpi) == "share"
    with warnings.catch_warnings():  # seaborn's own use of a colormap call matplotlib deprecates
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        sns.heatmap(grid * (100 if share else 1), ax=ax, annot=True, fmt=".1f" if share else ".3g", cmap="RdBu" if others else "viridis",
                    center=0 if others else None, cbar_kws={"label": label + (", pp" if share and others else " (%)" if share else "")})
    ax.set_xlabel(axis_label(names[0]))
    ax.set_ylabel(axis_label(names[1]))
    ax.invert_yaxis()
    ax.set_title(f.title)
    f.png = _png(fig)
    return f


def sensitivity_bars(sw: Sweep, r: Any, w: Words) -> Figure | None:
    """Sobol S1/ST or Morris mu* of each parameter on the primary KPI, per arm, with 95% CIs."""
    s = sw.sensitivity
    if s.empty:
        return None
    kpi = r.primary
    s = s[(s["kpi"] == kpi) & s["index"].isin(list(INDEX_NAMES))]
    method = "Sobol" if sw.design == "sobol" else "Morris"
    f = Figure("sweep_sensitivity", w("sw_sens", method=method), w("c_sw_sens", kpi=w.kpi(kpi)))
    if s.empty:
        f.note = w("not_available", why=f"{kpi}: no indices (it did not vary across the design)")
        return f
    arms = [a for a in r.arms if a in set(s["arm"])]
    indices = [i for i in INDEX_NAMES if i in set(s["index"])]
    params = list(dict.fromkeys(s["parameter"]))
    fig = MplFigure(figsize=(5.2 * len(arms) + 3.5, 2.4 + 0.7 * len(params) * len(indices)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(arms), sharex=True, squeeze=False)).ravel()
    colours = dict(zip(indices, sns.color_palette("Set2", len(indices))))
    height = 0.8 / len(indices)
    for ax, arm in zip(axes, arms):
        a = s[s["arm"] == arm]
        for j, index in enumerate(indices):
            rows = a[a["index"] == index].set_index("parameter").reindex(params)
            y = np.arange(len(params)) + (j - (len(indices) - 1) / 2) * height
            err = np.vstack([rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]]).clip(min=0)
            ax.barh(y, rows["value"], height=height * 0.9, xerr=np.nan_to_num(err), color=colours[index], capsize=4,
                    label=INDEX_NAMES[index][w.i], error_kw={"elinewidth": 1.5})
        ax.set_yticks(np.arange(len(params)), [axis_label(p) for p in params])
        ax.invert_yaxis()
        ax.set_title(arm + (f" ({w('baseline_tag')})" if arm == r.baseline and len(arms) > 1 else ""))
        ax.axvline(0, color="#555", linewidth=1)
    for ax in axes[1:]:
        ax.tick_params(labelleft=False)
    fig.supxlabel(w("sens_x") if sw.design == "sobol" else w("sens_x_morris", kpi=w.kpi(kpi)))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(indices), fontsize=12)
    f.png = _png(fig)
    return f


def robustness(sw: Sweep, r: Any, w: Words) -> Figure | None:
    """Where each arm wins across the sampled worlds (a map over the first two parameters) and the table."""
    rob = sw.summary.get("robustness") or {}
    if not rob:
        return None
    kpi = rob.get("kpi", r.primary)
    unit = text.unit_of(kpi)
    f = Figure("sweep_robustness", w("sw_robust"), w("c_sw_robust", kpi=w.kpi(kpi)))
    f.head = [w("plan_arm"), w("sw_mean", kpi=w.kpi(kpi)), w("sw_wins"), w("sw_regret_mean"), w("sw_regret_max")]
    f.rows = [[arm + (" ★" if arm == rob.get("most_robust") else ""), text.value(a.get("mean"), unit, w),
               text.percent(a.get("win_share")), text.delta(a.get("regret_mean"), unit, w).lstrip("+"),
               text.delta(a.get("regret_max"), unit, w).lstrip("+")] for arm, a in rob.get("arms", {}).items()]
    f.extra = [w("sw_most_robust", arm=rob.get("most_robust", "–"), n=rob.get("worlds", "–"))]
    t = sw.robustness
    names = [p for p in sw.parameters if p in t.columns and pd.api.types.is_numeric_dtype(t[p])][:2]
    if t.empty or not names:
        return f
    worlds = t.drop_duplicates("point")
    winners = list(dict.fromkeys(worlds["winner"]))
    colours = {**palette(r.arms), **{x: "#999999" for x in winners if x not in r.arms}}
    fig = MplFigure(figsize=(9.5, 6.5 if len(names) == 2 else 3.2), layout="constrained")
    ax = fig.subplots()
    jitter = np.random.default_rng(0)  # worlds that share parameter values would hide each other

    def spread(v: pd.Series) -> np.ndarray:
        width = float(np.ptp(worlds[v.name])) if v.name in worlds else 0.0
        return v.to_numpy(float) + jitter.uniform(-0.015, 0.015, len(v)) * (width or 1.0)

    for winner in winners:
        ww = worlds[worlds["winner"] == winner]
        y = spread(ww[names[1]]) if len(names) == 2 else jitter.uniform(-0.3, 0.3, len(ww))
        ax.scatter(spread(ww[names[0]]), y, s=70, color=colours[winner], edgecolor="black", linewidth=0.5, alpha=0.85,
                   label=f"{winner} ({len(ww)})")
    ax.set_xlabel(axis_label(names[0]))
    if len(names) == 2:
        ax.set_ylabel(axis_label(names[1]))
    else:
        ax.set_yticks([])
    ax.set_title(w("sw_where"))
    ax.legend(title=w("sw_winner"), fontsize=11, loc="center left", bbox_to_anchor=(1.01, 0.5))
    f.png = _png(fig)
    return f


def render(directory: Path, w: Words, r: Any) -> list[Figure]:
    """The sweep figures of a results directory; none if it is not a sweep."""
    sw = getattr(r, "sweep", None)
    if sw is None:
        return []
    from matplotlib import pyplot as plt

    from .figures import style

    with plt.rc_context(style(w.lang)):
        figs = [outcome_lines(sw, r, w), heatmap(sw, r, w), sensitivity_bars(sw, r, w), robustness(sw, r, w)]
    return [f for f in figs if f is not None]
