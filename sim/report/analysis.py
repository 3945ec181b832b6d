"""The numbers behind the report's figures, computed from the stored tables alone.

Each function takes the tables of a results directory (see sim/store.py) and returns a
small DataFrame or dict that a figure draws or a sentence quotes. Nothing here draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # the 90% band, the 50% band and the median

# Group-size bands for "members by the size of their group", by their largest size: Dunbar's
# 50 and 150 are the borders that matter to operators (DOMAIN.md, seeds 003/004), 500 is
# WeChat's cap; the last band is everything larger.
SIZE_BANDS = (20, 50, 150, 500)


def band_names() -> list[str]:
    lows = (1,) + tuple(b + 1 for b in SIZE_BANDS)
    return [f"{lo}–{hi}" for lo, hi in zip(lows, SIZE_BANDS)] + [f"{lows[-1]}+"]


# ---- time series ---------------------------------------------------------------------------------
def ribbons(daily: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per arm and day: the 5/25/50/75/95% quantiles of `column` across replications."""
    q = daily.groupby(["arm", "day"], sort=False)[column].quantile(list(QUANTILES)).unstack()
    q.columns = [f"q{int(round(c * 100)):02d}" for c in q.columns]
    return q.reset_index()


def size_bands(groups: pd.DataFrame) -> pd.DataFrame:
    """Per arm, day and size band: the mean share of members (over replications) in groups of that size.

    Columns: arm, day, band (index into band_names()), share. A member in two groups counts twice.
    """
    g = groups[groups["size"] > 0]
    band = np.searchsorted(np.asarray(SIZE_BANDS), g["size"].to_numpy(), side="left")
    g = g.assign(band=band)
    per = g.groupby(["arm", "rep", "day", "band"], sort=False)["size"].sum()
    total = per.groupby(level=["arm", "rep", "day"], sort=False).transform("sum")
    share = (per / total).unstack("band", fill_value=0.0)
    for b in range(len(SIZE_BANDS) + 1):
        if b not in share.columns:
            share[b] = 0.0
    share = share[sorted(share.columns)]
    mean = share.groupby(level=["arm", "day"], sort=False).mean()
    return mean.stack().rename("share").reset_index().rename(columns={"level_2": "band"})


def groups_at_end(groups: pd.DataFrame) -> pd.DataFrame:
    """Per arm: the median number of groups with members on the last recorded day."""
    if groups.empty:
        return pd.DataFrame(columns=["arm", "groups"])
    last = groups["day"].max()
    g = groups[(groups["day"] == last) & (groups["size"] > 0)]
    n = g.groupby(["arm", "rep"], sort=False).size()
    return n.groupby(level="arm", sort=False).median().rename("groups").reset_index()


# ---- survival ------------------------------------------------------------------------------------
@dataclass
class Survival:
    """A Kaplan-Meier curve: survival just after each time, with a 95% (Greenwood) band."""

    time: np.ndarray
    surv: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: int
    events: int

    def at(self, t: float) -> float:
        """Survival at time t (a step function: the value after the last event at or before t)."""
        i = np.searchsorted(self.time, t, side="right") - 1
        return float(self.surv[i]) if i >= 0 else 1.0

    def median(self) -> float:
        """First time survival drops to one half or below; NaN if it never does."""
        hit = np.flatnonzero(self.surv <= 0.5)
        return float(self.time[hit[0]]) if len(hit) else math.nan


def kaplan_meier(duration: np.ndarray, event: np.ndarray) -> Survival:
    """Kaplan-Meier estimate from durations and event flags (False = still going at the end)."""
    d = np.asarray(duration, float)
    e = np.asarray(event, bool)
    times = np.unique(d[e])
    # at risk at t: everyone whose duration is >= t; deaths at t: events with duration == t
    order = np.sort(d)
    at_risk = len(d) - np.searchsorted(order, times, side="left")
    deaths = np.bincount(np.searchsorted(times, d[e]), minlength=len(times))
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - deaths / at_risk)
        green = np.cumsum(np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), 0.0))
    se = surv * np.sqrt(green)
    # the curve starts at 1 at time 0 and runs flat to the longest observation
    t0, s0, se0 = [0.0, *times], [1.0, *surv], [0.0, *se]
    if len(d) and d.max() > t0[-1]:
        t0.append(float(d.max()))
        s0.append(s0[-1])
        se0.append(se0[-1])
    t0, s0, se0 = (np.asarray(x, float) for x in (t0, s0, se0))
    return Survival(t0, s0, np.clip(s0 - 1.96 * se0, 0, 1), np.clip(s0 + 1.96 * se0, 0, 1), len(d), int(e.sum()))


def member_spells(people: pd.DataFrame, days: int) -> pd.DataFrame:
    """One spell per person who ever joined: days from first joining to leaving the community.

    People still in a group on the last day are censored at the end of the run. A person who
    left and came back counts from their first join to their latest leave.
    """
    left = people["left"].to_numpy()
    joined = people["joined"].to_numpy()
    event = left >= 0
    duration = np.where(event, left - joined, days - joined)
    return pd.DataFrame({"arm": people["arm"].to_numpy(), "rep": people["rep"].to_numpy(),
                         "duration": duration, "event": event})


def group_spells(groups: pd.DataFrame, days: int, alive_window: int) -> pd.DataFrame:
    """One spell per group: days from its first day to its last alive day.

    A group is alive while a member posted in it on one of its last `alive_window` days (the
    definition of the `groups_alive_final` KPI). It died if it fell quiet (or emptied) before
    the run ended; otherwise it is censored at the end.
    """
    end = days - 1
    g = groups.assign(posted=np.where(groups["messages"] > 0, groups["day"], -1))
    per = g.groupby(["arm", "rep", "group"], sort=False).agg(first=("day", "min"), last_seen=("day", "max"),
                                                              last_post=("posted", "max")).reset_index()
    quiet_from = np.where(per["last_post"] >= 0, per["last_post"] + alive_window - 1, per["first"])
    last_alive = np.minimum(np.minimum(quiet_from, per["last_seen"]), end)
    last_alive = np.maximum(last_alive, per["first"])
    died = (per["last_post"] < 0) | (per["last_post"] + alive_window - 1 < end) | (per["last_seen"] < end)
    return pd.DataFrame({"arm": per["arm"], "rep": per["rep"], "duration": last_alive - per["first"] + 1, "event": died})


# ---- inequality and cascades ---------------------------------------------------------------------
def lorenz(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The Lorenz curve of `values` at population shares `grid` (0..1): share of the total held
    by the least active share of people."""
    x = np.sort(np.asarray(values, float))
    total = x.sum()
    if len(x) == 0 or total <= 0:
        return grid.copy()
    pop = np.arange(len(x) + 1) / len(x)
    cum = np.concatenate([[0.0], np.cumsum(x)]) / total
    return np.interp(grid, pop, cum)


def lorenz_by_arm(people: pd.DataFrame, points: int = 201) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per arm: the mean over replications of each replication's Lorenz curve of messages per person
    who ever joined (so its Gini is the mean of the runs' `message_gini`)."""
    grid = np.linspace(0, 1, points)
    out: dict[str, np.ndarray] = {}
    for arm, rows in people.groupby("arm", sort=False):
        curves = [lorenz(r["messages"].to_numpy(), grid) for _, r in rows.groupby("rep", sort=False)]
        out[str(arm)] = np.mean(curves, axis=0)
    return grid, out


def gini_of_curve(grid: np.ndarray, curve: np.ndarray) -> float:
    """Gini coefficient from a Lorenz curve: 1 - 2 x the area under it."""
    return float(1 - 2 * np.trapezoid(curve, grid))


def cascade_sizes(invitations: pd.DataFrame) -> pd.DataFrame:
    """Per arm and replication, the size of each invitation cascade (as the `cascade_size_mean` KPI counts it).

    A cascade is everyone brought in, directly or down a chain, by one person who came by an
    outside channel or the launch; its size is the number of invited joins in it. Cascades with
    no invited join are not counted.
    """
    frames = []
    for (arm, rep), log in invitations.groupby(["arm", "rep"], sort=False):
        log = log[log["channel"] != 3]  # moves between groups are not arrivals
        first = log.drop_duplicates("invitee", keep="first")  # the log is in time order
        invitee = first["invitee"].to_numpy()
        inviter = np.where(first["channel"].to_numpy() == 2, first["inviter"].to_numpy(), -1)
        # each person's root: follow inviters up the chain (depth is small, so a few passes)
        people = pd.Index(invitee)
        parent = people.get_indexer(inviter)  # -1 for channel joiners (and unknown inviters)
        root = np.arange(len(people))
        for _ in range(len(people)):
            nxt = np.where(parent[root] >= 0, parent[root], root)
            if np.array_equal(nxt, root):
                break
            root = nxt
        where = pd.Series(root, index=people)
        invited = log.loc[log["channel"] == 2, "invitee"].to_numpy()
        if not len(invited):
            continue
        sizes = np.bincount(where.loc[invited].to_numpy(), minlength=len(people))
        sizes = sizes[sizes > 0]
        frames.append(pd.DataFrame({"arm": arm, "rep": rep, "size": sizes}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["arm", "rep", "size"])


def ccdf(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sizes s and the share of cascades of size >= s."""
    s = np.sort(np.asarray(sizes))
    values = np.unique(s)
    share = 1 - np.searchsorted(s, values, side="left") / len(s)
    return values, share


# ---- money ---------------------------------------------------------------------------------------
@dataclass
class CostEffect:
    """An arm against the baseline, paired by replication."""

    arm: str
    d_active: np.ndarray  # extra active members (mau_final) per replication
    d_cost: np.ndarray  # extra cost per replication
    per_1000: float  # extra active members per 1,000 currency units of extra cost (NaN if no extra cost)
    low: float
    high: float


def paired(runs: pd.DataFrame, arm: str, baseline: str, kpi: str) -> np.ndarray:
    """arm minus baseline on `kpi`, one value per replication both arms finished."""
    a = runs[runs["arm"] == arm].set_index("rep")[kpi]
    b = runs[runs["arm"] == baseline].set_index("rep")[kpi]
    both = a.index.intersection(b.index)
    return (a.loc[both] - b.loc[both]).to_numpy(float)


def cost_effect(runs: pd.DataFrame, arm: str, baseline: str, seed: int = 0) -> CostEffect:
    """Incremental active members per 1,000 of incremental cost, with a paired bootstrap 95% CI."""
    da = paired(runs, arm, baseline, "mau_final")
    dc = paired(runs, arm, baseline, "cost_total")
    if len(dc) == 0 or dc.mean() <= 0:
        return CostEffect(arm, da, dc, math.nan, math.nan, math.nan)
    ratio = 1000 * da.mean() / dc.mean()
    low = high = math.nan
    if len(da) >= 3 and np.ptp(dc) + np.ptp(da) > 0:
        res = stats.bootstrap((da, dc), lambda x, y, axis=-1: 1000 * x.mean(axis) / y.mean(axis), paired=True,
                              vectorized=True, method="percentile", n_resamples=2000, rng=np.random.default_rng(seed))
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return CostEffect(arm, da, dc, float(ratio), low, high)


# ---- planning a live test ------------------------------------------------------------------------
@dataclass
class Plan:
    """Units per arm a live two-arm test needs to detect `effect` (80% power, 5% two-sided)."""

    arm: str
    effect: float
    sd: float  # between-replication standard deviation of the KPI (pooled over the two arms)
    communities: float
    groups: float
    members: float
    groups_per_community: float
    members_per_community: float


def units_needed(effect: float, sd: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Two-sample normal approximation: n per arm = 2 (z_{1-a/2} + z_{power})^2 sd^2 / effect^2."""
    if not np.isfinite(effect) or effect == 0 or not np.isfinite(sd):
        return math.inf
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(2 * z**2 * sd**2 / effect**2)


def plan(runs: pd.DataFrame, groups: pd.DataFrame, arm: str, baseline: str, kpi: str) -> Plan:
    """Scale the simulated effect's between-replication variance down to one group and one member.

    A replication is one whole community: its KPI averages over its G groups (M members), so one
    group's (member's) variance is G (M) times the community's, if groups (members) are independent.
    """
    a = runs.loc[runs["arm"] == arm, kpi].to_numpy(float)
    b = runs.loc[runs["arm"] == baseline, kpi].to_numpy(float)
    effect = float(np.nanmean(a) - np.nanmean(b)) if len(a) and len(b) else math.nan
    var = [np.nanvar(x, ddof=1) for x in (a, b) if np.isfinite(x).sum() > 1]
    sd = float(np.sqrt(np.mean(var))) if var else math.nan
    both = runs[runs["arm"].isin([arm, baseline])]
    ends = groups_at_end(groups[groups["arm"].isin([arm, baseline])]) if len(groups) else pd.DataFrame()
    g = float(ends["groups"].mean()) if len(ends) else 1.0
    m = float(both["members_final"].mean()) if len(both) else math.nan
    n = units_needed(effect, sd)

    def whole(x: float) -> float:  # at least 2 units per arm: a test needs some spread to judge
        return float(max(math.ceil(x), 2)) if np.isfinite(x) else math.inf

    return Plan(arm, effect, sd, whole(n), whole(n * g), whole(n * m), g, m)
