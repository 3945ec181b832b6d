"""The report's figures (seaborn on matplotlib), drawn for a reader who never opens the code.

Every figure has a title, axis labels with units, a legend naming the arms, and a caption
saying how to read it. Figures are drawn on `matplotlib.figure.Figure` objects (no pyplot
state) and returned as PNG bytes; a figure that cannot be drawn from the stored results
comes back with a note saying why instead.
"""

from __future__ import annotations

import glob
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402  (rc_context only; figures are built without pyplot)
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter  # noqa: E402
from scipy import stats  # noqa: E402

from . import analysis  # noqa: E402
from .i18n import Words  # noqa: E402

if TYPE_CHECKING:
    from .build import Results

DPI = 110
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")


@dataclass
class Figure:
    """One figure of the report: PNG bytes, or a note saying why it is missing."""

    key: str
    title: str
    caption: str
    png: bytes | None = None
    note: str = ""
    extra: list[str] | None = None  # sentences shown under the figure
    head: list[str] | None = None  # a table shown with (or instead of) the image
    rows: list[list[str]] | None = None
    file: str = ""  # path relative to the results directory, set when written
    data_uri: str = ""


# ---- fonts and style -----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs (registering system CJK fonts that
    matplotlib's font cache predates), or None if the machine has none (`make fonts` installs one)."""
    have = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FAMILIES:
        if name in have:
            return name
    for path in sorted(glob.glob("/usr/share/fonts/**/*CJK*", recursive=True) + glob.glob("/usr/share/fonts/**/wqy*", recursive=True)):
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError):
            continue
    have = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in have), None)


def style(lang: str) -> dict[str, Any]:
    """rc settings: seaborn's whitegrid, large readable text, and a font with Chinese glyphs when needed."""
    rc = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook", font_scale=1.15)}
    cjk = cjk_font()
    families = ["DejaVu Sans"] + ([cjk] if cjk else [])
    if lang == "zh" and cjk:
        families = [cjk, "DejaVu Sans"]
    rc.update({"font.family": "sans-serif", "font.sans-serif": families, "axes.unicode_minus": False,
               "axes.titleweight": "bold", "axes.titlesize": 14, "figure.titlesize": 16, "figure.titleweight": "bold",
               "legend.frameon": True, "legend.framealpha": 0.9, "savefig.dpi": DPI})
    return rc


def palette(arms: list[str]) -> dict[str, Any]:
    """One colour per arm, the same in every figure (colour-blind safe)."""
    colours = sns.color_palette("colorblind", max(len(arms), 3))
    return {arm: colours[i % len(colours)] for i, arm in enumerate(arms)}


def _png(fig: MplFigure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def _label(arm: str, r: "Results", w: Words) -> str:
    return f"{arm} ({w('baseline_tag')})" if arm == r.baseline and len(r.arms) > 1 else arm


pct = PercentFormatter(xmax=1.0, decimals=0)
thousands = FuncFormatter(lambda x, _: f"{x:,.0f}")


# ---- the figures ---------------------------------------------------------------------------------
SERIES = (  # daily column, title key, y-axis label key (None: the currency), a share?
    ("members", "p_members", "y_people", False),
    ("dau", "p_dau", "y_posting", False),
    ("active_ratio", "p_active_ratio", "y_pct_members", True),
    ("spam_share", "p_spam_share", "y_pct_posts", True),
    ("cost", "p_cost", None, False),
)


def timeseries(r: "Results", w: Words) -> Figure:
    """Ribbons per arm (median, 50% and 90% bands over replications) for five daily outcomes."""
    f = Figure("timeseries", w("f_timeseries"), w("c_timeseries"))
    if r.daily.empty:
        f.note = w("not_available", why="daily.parquet")
        return f
    colours = palette(r.arms)
    fig = MplFigure(figsize=(12.5, 11), layout="constrained")
    axes = fig.subplots(3, 2).ravel()
    for ax, (col, title, unit, share) in zip(axes, SERIES):
        if col not in r.daily.columns:
            ax.set_axis_off()
            continue
        q = analysis.ribbons(r.daily, col)
        for arm in r.arms:
            a = q[q["arm"] == arm]
            c = colours[arm]
            ax.fill_between(a["day"], a["q05"], a["q95"], color=c, alpha=0.15, linewidth=0)
            ax.fill_between(a["day"], a["q25"], a["q75"], color=c, alpha=0.35, linewidth=0)
            ax.plot(a["day"], a["q50"], color=c, linewidth=2.2, label=_label(arm, r, w))
        ax.set_title(w(title))
        ax.set_xlabel(w("day"))
        ax.set_ylabel(w("y_cum_cost", cur=w.currency) if unit is None else w(unit))
        ax.yaxis.set_major_formatter(pct if share else thousands)
        ax.set_xlim(0, r.days - 1)
        ax.set_ylim(bottom=0)
        if not r.daily[col].any():  # e.g. no lever costs anything: say so instead of a flat line at 0
            ax.set_ylim(-0.05, 1)
            ax.set_yticks([0])
            ax.text(0.5, 0.5, w("all_zero"), transform=ax.transAxes, ha="center", va="center", fontsize=13, color="#555")
    legend_ax = axes[-1]
    legend_ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    legend_ax.legend(handles, labels, loc="upper left", fontsize=13, title=None, frameon=False)
    legend_ax.text(0.0, 0.25, w("band_note").replace(" · ", "\n"), transform=legend_ax.transAxes, fontsize=12, va="top", color="#333")
    f.png = _png(fig)
    return f


def group_sizes(r: "Results", w: Words) -> Figure:
    """Stacked share of memberships by group-size band over time, one panel per arm."""
    f = Figure("group_sizes", w("f_sizes"), w("c_sizes"))
    if r.group_days.empty:
        f.note = w("not_available", why=w("no_groups"))
        return f
    bands = analysis.size_bands(r.group_days)
    ends = analysis.groups_at_end(r.group_days).set_index("arm")["groups"]
    names = analysis.band_names()
    used = [b for b in range(len(names)) if bands.loc[bands["band"] == b, "share"].max() > 0]  # only sizes that occur
    colours = dict(zip(range(len(names)), sns.color_palette("viridis_r", len(names))))
    n = len(r.arms)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = MplFigure(figsize=(4.6 * cols + 2.6, 4.3 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    for ax, arm in zip(axes, r.arms):
        b = bands[bands["arm"] == arm].pivot(index="day", columns="band", values="share").reindex(columns=used, fill_value=0.0)
        ax.stackplot(b.index, *[b[i] for i in used], colors=[colours[i] for i in used], labels=[names[i] for i in used],
                     alpha=0.95, linewidth=0)
        groups = ends.get(arm, math.nan)
        sub = f"\n{w('groups_end', n=f'{groups:g}')}" if math.isfinite(groups) else ""
        ax.set_title(_label(arm, r, w) + sub, fontsize=13)
        ax.set_xlabel(w("day"))
        ax.set_xlim(0, r.days - 1)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(pct)
    for ax in axes[len(r.arms):]:
        ax.set_axis_off()
    axes[0].set_ylabel(w("share_members_pct"))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], title=w("size_band"), loc="outside right center", fontsize=11)
    f.png = _png(fig)
    return f


def _km_plot(r: "Results", w: Words, spells, key: str, title: str, caption: str, xlabel: str, ylabel: str) -> Figure:
    f = Figure(key, title, caption)
    colours = palette(r.arms)
    fig = MplFigure(figsize=(11, 6), layout="constrained")
    ax = fig.subplots()
    for arm in r.arms:
        s = spells[spells["arm"] == arm]
        if s.empty:
            continue
        km = analysis.kaplan_meier(s["duration"].to_numpy(), s["event"].to_numpy())
        med = km.median()
        tail = f"; {w('median_at', d=f'{med:g}')}" if math.isfinite(med) else ""
        c = colours[arm]
        ax.fill_between(km.time, km.low, km.high, step="post", color=c, alpha=0.2, linewidth=0)
        ax.step(km.time, km.surv, where="post", color=c, linewidth=2.4, label=f"{_label(arm, r, w)} (n={km.n:,}{tail})")
    ax.set_xlim(0, r.days)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(pct)
    ax.axhline(0.5, color="#888", linestyle=":", linewidth=1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower left", fontsize=12)
    f.png = _png(fig)
    return f


def survival_members(r: "Results", w: Words) -> Figure:
    """Kaplan-Meier: share of joiners still members t days after first joining, per arm."""
    if r.people is None or r.people.empty:
        return Figure("survival_members", w("f_surv_members"), w("c_surv_members"), note=w("not_available", why=w("no_people")))
    spells = analysis.member_spells(r.people, r.days)
    return _km_plot(r, w, spells, "survival_members", w("f_surv_members"), w("c_surv_members"), w("x_since_join"), w("y_still_member"))


def survival_groups(r: "Results", w: Words) -> Figure:
    """Kaplan-Meier: share of groups still alive t days after opening, per arm."""
    caption = w("c_surv_groups", window=r.alive_window)
    if r.group_days.empty:
        return Figure("survival_groups", w("f_surv_groups"), caption, note=w("not_available", why=w("no_groups")))
    spells = analysis.group_spells(r.group_days, r.days, r.alive_window)
    return _km_plot(r, w, spells, "survival_groups", w("f_surv_groups"), caption, w("x_since_open"), w("y_still_alive"))


def lorenz(r: "Results", w: Words) -> Figure:
    """Lorenz curve of messages per person who ever joined, per arm, with its Gini."""
    f = Figure("lorenz", w("f_lorenz"), w("c_lorenz"))
    if r.people is None or r.people.empty:
        f.note = w("not_available", why=w("no_people"))
        return f
    grid, curves = analysis.lorenz_by_arm(r.people)
    colours = palette(r.arms)
    fig = MplFigure(figsize=(9.5, 7.5), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#777", linestyle="--", linewidth=1.3, label=w("equality"))
    tops = []
    for arm in r.arms:
        if arm not in curves:
            continue
        curve = curves[arm]
        g = analysis.gini_of_curve(grid, curve)
        ax.plot(grid, curve, color=colours[arm], linewidth=2.6, label=f"{_label(arm, r, w)} ({w('gini')} {g:.2f})")
        tops.append(f"{arm}: {w('top10', v=f'{100 * (1 - np.interp(0.9, grid, curve)):.0f}%')}")
    ax.axvline(0.9, color="#bbb", linewidth=1)
    # legend and box sit above the diagonal, where no Lorenz curve can go
    ax.text(0.03, 0.74, "\n".join(tops), ha="left", va="top", fontsize=11, transform=ax.transAxes,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#ccc"})
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.xaxis.set_major_formatter(pct)
    ax.yaxis.set_major_formatter(pct)
    ax.set_title(w("f_lorenz"), fontsize=13)
    ax.set_xlabel(w("x_lorenz"))
    ax.set_ylabel(w("y_lorenz"))
    ax.legend(loc="upper left", fontsize=11)
    f.png = _png(fig)
    return f


def cascades(r: "Results", w: Words) -> Figure:
    """Complementary cumulative distribution of invitation-cascade sizes, log-log, per arm."""
    f = Figure("cascades", w("f_cascades"), w("c_cascades"))
    sizes = analysis.cascade_sizes(r.invitations) if not r.invitations.empty else None
    if sizes is None or sizes.empty:
        f.note = w("not_available", why=w("no_cascades"))
        return f
    colours = palette(r.arms)
    fig = MplFigure(figsize=(11, 6), layout="constrained")
    ax = fig.subplots()
    for arm in r.arms:
        s = sizes.loc[sizes["arm"] == arm, "size"].to_numpy()
        if not len(s):
            continue
        x, y = analysis.ccdf(s)
        ax.plot(x, y, marker="o", markersize=6, linewidth=1.8, color=colours[arm], drawstyle="steps-post",
                label=w("cascades_n", arm=_label(arm, r, w), n=f"{len(s):,}"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}" if x >= 1 else f"{x:g}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{100 * y:g}%"))
    ax.set_title(w("f_cascades"))
    ax.set_xlabel(w("x_cascade"))
    ax.set_ylabel(w("y_cascade"))
    ax.legend(loc="lower left", fontsize=12)
    f.png = _png(fig)
    return f


def cost_effectiveness(r: "Results", w: Words) -> Figure:
    """The cost-effectiveness plane: extra cost vs extra active members per replication, per arm."""
    f = Figure("cost_effectiveness", w("f_cost"), w("c_cost"))
    others = [a for a in r.arms if a != r.baseline]
    if not others or r.runs.empty:
        f.note = w("not_available", why=w("one_arm_only"))
        return f
    colours = palette(r.arms)
    fig = MplFigure(figsize=(11, 6.5), layout="constrained")
    ax = fig.subplots()
    ax.axhline(0, color="#555", linewidth=1)
    ax.axvline(0, color="#555", linewidth=1)
    for arm in others:
        ce = analysis.cost_effect(r.runs, arm, r.baseline)
        c = colours[arm]
        ax.scatter(ce.d_cost, ce.d_active, color=c, alpha=0.45, s=40, edgecolor="none")
        n = len(ce.d_active)
        if n:
            half = [stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n) if n > 1 else 0.0 for x in (ce.d_cost, ce.d_active)]
            ax.errorbar(ce.d_cost.mean(), ce.d_active.mean(), xerr=half[0], yerr=half[1], fmt="D", markersize=11, color=c,
                        markeredgecolor="black", capsize=5, linewidth=2, label=arm)
    ax.set_title(w("f_cost"))
    ax.set_xlabel(w("x_cost", cur=w.currency))
    ax.set_ylabel(w("y_cost"))
    ax.xaxis.set_major_formatter(thousands)
    if all(not np.any(analysis.paired(r.runs, a, r.baseline, "cost_total")) for a in others):
        ax.set_xlim(-1, 1)
        ax.set_xticks([0])
        ax.text(0.5, 0.02, w("no_extra_cost"), transform=ax.transAxes, ha="center", va="bottom", fontsize=12, color="#555")
    ax.legend(loc="best", fontsize=12, title=w("ce_legend", baseline=r.baseline))
    f.png = _png(fig)
    return f


FIGURES: tuple[Callable[["Results", Words], Figure], ...] = (
    timeseries, group_sizes, survival_members, survival_groups, lorenz, cascades, cost_effectiveness,
)
KEYS = tuple(fn.__name__ for fn in FIGURES)


def render(r: "Results", w: Words) -> list[Figure]:
    """Every figure of the report, in the order the report shows them."""
    with plt.rc_context(style(w.lang)):
        return [fn(r, w) for fn in FIGURES]
