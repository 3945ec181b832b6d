"""Summary statistics of a community's history: one definition, whatever the history came from.

Calibration compares observed data with simulated runs, so both must be measured by the
same code. Every source is first turned into three plain tables, and `compute` measures
only those:

    daily   one row per day 0..days-1: day, posters (distinct members who posted in the
            conversation that day), messages (conversation messages that day)
    people  one row per person who ever joined: person, joined (day of first join),
            left (day they left their last group, -1 if still a member at the end),
            messages (conversation messages over the whole span)
    groups  one row per group ever opened: group, opened (day), closed (day, -1 if open at
            the end), peak_size (most members it had on any day)

Sources: a live `CommunityModel` (`Tracker`, the fast path inside the calibration loop, no
disk), a qunsim results directory (`from_results`: daily/people/groups.parquet of one
replication) and a `qunsim import` directory (`from_import`: messages, memberships and
groups.parquet as the chat-export importer writes them). Ritual messages (thanks, check-ins)
and ads are not conversation and are left out everywhere.

The statistics (`DEFINITIONS` holds the same words `qunsim calibrate --help` and
docs/calibration.md show):
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agents.community import NEVER
from agents.compiled import jit

from .outcomes import gini

if TYPE_CHECKING:
    from .model import CommunityModel

WEEK = 7

# name -> meaning; a name ending in _weekly is a series: one statistic per week, <name>_w1 ...
DEFINITIONS: dict[str, str] = {
    "posters_weekly": "mean daily posters (distinct members who wrote a conversation message) in each week",
    "messages_weekly": "mean daily conversation messages in each week",
    "members_final": "people in at least one group on the last day",
    "joins_after_launch": "people whose first join came after day 0",
    "leaves_total": "people who left their last group before the end",
    "ever_posted_share": "share of people who ever joined who wrote at least one conversation message",
    "top1_share": "share of all messages written by the top 1% of people who ever joined (by messages)",
    "next9_share": "share of all messages written by the next 9% (the top 10% minus the top 1%)",
    "message_gini": "Gini coefficient of messages per person who ever joined",
    "tenure_median": "median days from first join to leaving, or to the end for those still in (a lower bound)",
    "retention_d7": "share of joiners with 7 days observed who were still members 7 days after joining",
    "groups_opened": "groups ever opened",
    "group_peak_mean": "mean over groups of the most members a group had on any day",
    "group_lifespan_median": "median days from a group's opening to its closing, or to the end if still open",
}
DEFAULT = list(DEFINITIONS)


def describe_definitions() -> str:
    return "\n".join(f"  {k}: {v}" for k, v in DEFINITIONS.items())


def expand(names: list[str], days: int) -> list[str]:
    """The statistic keys `names` produce over `days` days (a weekly series becomes one key per week)."""
    weeks = max(1, math.ceil(days / WEEK))
    out = []
    for name in names:
        if name.endswith("_weekly"):
            out += [f"{name.removesuffix('_weekly')}_w{k + 1}" for k in range(weeks)]
        else:
            out.append(name)
    return out


def unknown(names: list[str]) -> list[str]:
    return [n for n in names if n not in DEFINITIONS]


def compute(daily: pd.DataFrame, people: pd.DataFrame, groups: pd.DataFrame, days: int,
            names: list[str] | None = None) -> dict[str, float]:
    """Every statistic in `names` (default: all) over days 0..days-1 of the three plain tables.

    Rows after `days` are ignored, so a longer history can be cut to the span calibrated.
    """
    names = names or DEFAULT
    end = days - 1
    d = daily[daily["day"] <= end].set_index("day").reindex(range(days), fill_value=0)
    p = people[people["joined"] <= end]
    left = p["left"].to_numpy()
    left = np.where((left >= 0) & (left <= end), left, -1)
    joined = p["joined"].to_numpy()
    msgs = np.sort(p["messages"].to_numpy(float))[::-1]
    total = msgs.sum()
    n = len(msgs)
    g = groups[groups["opened"] <= end]
    out: dict[str, float] = {}
    for name in names:
        if name.endswith("_weekly"):
            col = d[name.removesuffix("_weekly")].to_numpy(float)
            for k in range(max(1, math.ceil(days / WEEK))):
                out[f"{name.removesuffix('_weekly')}_w{k + 1}"] = float(col[k * WEEK:(k + 1) * WEEK].mean())
        elif name == "members_final":
            out[name] = float(np.count_nonzero(left == -1))
        elif name == "joins_after_launch":
            out[name] = float(np.count_nonzero(joined > 0))
        elif name == "leaves_total":
            out[name] = float(np.count_nonzero(left >= 0))
        elif name == "ever_posted_share":
            out[name] = float(np.count_nonzero(msgs > 0) / n) if n else 0.0
        elif name == "top1_share":
            out[name] = float(msgs[: max(1, n // 100)].sum() / total) if total else 0.0
        elif name == "next9_share":
            out[name] = float(msgs[max(1, n // 100): max(1, n // 10)].sum() / total) if total else 0.0
        elif name == "message_gini":
            out[name] = gini(msgs)
        elif name == "tenure_median":
            out[name] = float(np.median(np.where(left >= 0, left, end + 1) - joined)) if n else 0.0
        elif name == "retention_d7":
            seen = joined <= end - 7
            stayed = (left[seen] == -1) | (left[seen] - joined[seen] > 7)
            out[name] = float(stayed.mean()) if seen.any() else 0.0
        elif name == "groups_opened":
            out[name] = float(len(g))
        elif name == "group_peak_mean":
            out[name] = float(g["peak_size"].mean()) if len(g) else 0.0
        elif name == "group_lifespan_median":
            closed = g["closed"].to_numpy()
            stop = np.where((closed >= 0) & (closed <= end), closed, end + 1)
            out[name] = float(np.median(stop - g["opened"].to_numpy())) if len(g) else 0.0
        else:
            raise KeyError(f"unknown statistic {name!r}")
    return out


# ---- sources ---------------------------------------------------------------------------------
@dataclass
class Tracker:
    """Runs a model day by day and keeps what the statistics need that the model does not (peak group sizes).

    The fast path of calibration: no tables on disk, no per-group daily rows.
    """

    model: "CommunityModel"

    def run(self, days: int) -> "Tracker":
        self.days = days
        self.peak = np.zeros(0, np.int64)
        self.last_seen = np.zeros(0, np.int64)  # last day a group had members
        # the day's group sizes as a results directory's groups table holds them (model.sizes: the
        # groups' `size` records; a group opened after the day was measured counts from the next)
        self.model.record_groups = False  # (speed: no other group record is needed)
        for day in range(days):
            self.model.run(1)
            sizes = self.model.sizes
            if len(sizes) > len(self.peak):
                self.peak, self.last_seen = _grown(self.peak, len(sizes), 0), _grown(self.last_seen, len(sizes), -1)
            _seen(self.peak, self.last_seen, sizes, day)
        return self

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        m = self.model
        c = m.community
        daily = pd.DataFrame({"day": [x["day"] for x in m.daily], "posters": [x["dau"] for x in m.daily],
                              "messages": [x["messages"] for x in m.daily]})
        who = np.flatnonzero(c.ever)
        left = c.left[who]
        people = pd.DataFrame({"person": who, "joined": c.joined[who].astype(np.int64),
                               "left": np.where(left == NEVER, -1, left).astype(np.int64),
                               "messages": c.messages[who].astype(np.int64)})
        # closed: the day after a group was last seen with members (as read from a results
        # directory's groups table), -1 if it had members on the last day
        g = c.groups
        last = _grown(self.last_seen, g.n, -1)
        groups = pd.DataFrame({"group": np.arange(g.n), "opened": g.view("created").astype(np.int64),
                               "closed": np.where(last < self.days - 1, last + 1, -1).astype(np.int64),
                               "peak_size": _grown(self.peak, g.n, 0)})
        return daily, people, groups


@jit
def _seen(peak, last_seen, sizes, day):
    """The day's sizes into each group's peak and the last day it had members (in place)."""
    for g in range(len(sizes)):
        peak[g] = max(peak[g], sizes[g])
        if sizes[g] > 0:
            last_seen[g] = day


def _grown(a: np.ndarray, n: int, fill: int) -> np.ndarray:
    """`a` extended to length n with `fill` (groups opened since): np.pad costs ~25 us a call, twice a day."""
    return a if len(a) >= n else np.concatenate([a, np.full(n - len(a), fill, a.dtype)])


def from_model(model: "CommunityModel", days: int, names: list[str] | None = None) -> dict[str, float]:
    """Run `model` for `days` and measure it."""
    return compute(*Tracker(model).run(days).tables(), days, names)


def results_tables(directory: Path, arm: str | None = None, rep: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """The three tables of one replication of a qunsim results directory, and its days.

    A results directory stands in for data: one replication of one arm is one observed
    community (default: the baseline arm, replication 0).
    """
    directory = Path(directory)
    daily = pd.read_parquet(directory / "daily.parquet")
    people = pd.read_parquet(directory / "people.parquet")
    per_day = directory / "group_days.parquet"  # the per-day group series (before the records: groups.parquet)
    groups = pd.read_parquet(per_day if per_day.exists() else directory / "groups.parquet")
    arm = arm or _baseline_arm(directory, daily)
    pick = lambda t: t[(t["arm"] == arm) & (t["rep"] == rep)] if len(t) else t  # noqa: E731
    daily, people, groups = pick(daily), pick(people), pick(groups)
    if not len(daily):
        raise ValueError(f"{directory}: no replication {rep} of arm {arm!r} in daily.parquet")
    d = pd.DataFrame({"day": daily["day"], "posters": daily["dau"], "messages": daily["messages"]})
    p = people[["person", "joined", "left", "messages"]]
    if len(groups):
        alive = groups[groups["size"] > 0]
        by = groups.groupby("group")
        last = alive.groupby("group")["day"].max().reindex(by.size().index, fill_value=-1)
        days = int(daily["day"].max()) + 1
        g = pd.DataFrame({"group": by.size().index, "opened": by["day"].min().to_numpy(),
                          "closed": np.where(last.to_numpy() < days - 1, last.to_numpy() + 1, -1),
                          "peak_size": by["size"].max().to_numpy()})
    else:
        g = pd.DataFrame(columns=["group", "opened", "closed", "peak_size"])
    return d, p, g, int(daily["day"].max()) + 1


def _baseline_arm(directory: Path, daily: pd.DataFrame) -> str:
    import json

    summary = directory / "summary.json"
    if summary.exists():
        base = json.loads(summary.read_text()).get("baseline")
        if base:
            return base
    return str(daily["arm"].iloc[0])


def import_tables(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """The three tables from a `qunsim import` directory, and its days.

    Expects the importer's tables: messages.parquet (day, person; one row per conversation
    message), memberships.parquet (person, group, joined, left (-1 or null if still in),
    messages) and groups.parquet (group, opened, closed, peak_size). A person's first join is
    their earliest membership; they left the community when their last membership ended.
    """
    directory = Path(directory)
    messages = pd.read_parquet(directory / "messages.parquet", columns=["day", "person"])
    spells = pd.read_parquet(directory / "memberships.parquet")
    groups = pd.read_parquet(directory / "groups.parquet")
    days = int(max(messages["day"].max() if len(messages) else 0, spells["joined"].max())) + 1
    by_day = messages.groupby("day")
    daily = pd.DataFrame({"day": by_day.size().index, "posters": by_day["person"].nunique().to_numpy(),
                          "messages": by_day.size().to_numpy()})
    left = spells["left"].fillna(-1).astype(np.int64)
    spells = spells.assign(left=left, still=left < 0)
    per = spells.groupby("person")
    people = pd.DataFrame({"person": per.size().index, "joined": per["joined"].min().to_numpy(),
                           "left": np.where(per["still"].any().to_numpy(), -1, per["left"].max().to_numpy()),
                           "messages": per["messages"].sum().to_numpy()})
    g = groups.rename(columns={"peak size": "peak_size", "peak": "peak_size"})
    g = g.assign(closed=g["closed"].fillna(-1).astype(np.int64))[["group", "opened", "closed", "peak_size"]]
    return daily, people, g, days


def from_directory(directory: Path, names: list[str] | None = None, days: int | None = None) -> tuple[dict[str, float], int]:
    """Measure an observed community: a `qunsim import` directory or a qunsim results directory."""
    directory = Path(directory)
    if (directory / "messages.parquet").exists():  # an import (a results directory has memberships too, not messages)
        daily, people, groups, span = import_tables(directory)
    elif (directory / "people.parquet").exists():
        daily, people, groups, span = results_tables(directory)
    else:
        raise FileNotFoundError(f"{directory}: neither a `qunsim import` directory (messages.parquet) "
                                "nor a qunsim results directory (people.parquet)")
    if days is not None and days > span:
        raise ValueError(f"days: {days} is longer than the data ({span} days in {directory}) — give at most {span}, or leave days out")
    days = days or span
    return compute(daily, people, groups, days, names), days
