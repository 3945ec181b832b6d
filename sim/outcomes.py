"""The outcomes: every KPI defined once, with its meaning, unit and which way is better."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

import numpy as np

from agents.codes import INVITED, MOVED, NEVER

MAU_WINDOW = 30  # days: "monthly" active, and "silent" = no post in this window

if TYPE_CHECKING:
    from .model import CommunityModel


@dataclass(frozen=True)
class KPI:
    name: str
    meaning: str
    unit: str
    better: Literal["higher", "lower", "neither"]


KPIS: dict[str, KPI] = {}

BINARY = "yes/no"  # the unit of a per-run yes/no KPI: its mean over runs is a probability
COLLAPSE_WINDOW = 7
"""Days judged for collapse: a week, so one quiet or ad-heavy day is not a collapse but a dead
or ad-run last week is; the same week dau_final averages over."""


def kpi(name: str, meaning: str, unit: str, better: str = "higher") -> Callable:
    KPIS[name] = KPI(name, meaning, unit, better)  # type: ignore[arg-type]
    return lambda f: f


def gini(x: np.ndarray) -> float:
    x = np.sort(np.asarray(x, float))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * total))


for _name, _meaning, _unit, _better in [
    ("members_final", "people in at least one group on the last day", "people", "higher"),
    ("joined_total", "people who were ever members: the day-0 launch (or a fork's imported members) included", "people", "higher"),
    ("left_total", "people who left every group they were in", "people", "lower"),
    ("dau_mean", "mean daily members who took part in the conversation (ads and ritual messages do not count) over the run", "people/day", "higher"),
    ("dau_final", "mean daily conversation posters over the last 7 days", "people/day", "higher"),
    ("mau_final", "members who took part in the conversation in the last 30 days", "people", "higher"),
    ("active_ratio_final", "mau_final / members_final", "share", "higher"),
    ("messages_total", "conversation: messages members chose to write (no ads, no ritual messages a lever asked for)", "messages", "higher"),
    ("ritual_messages_total", "messages a lever induced or posted: thanks for a red packet, check-ins, introductions, the operator's own posts", "messages", "neither"),
    ("spam_share", "ads / all member posts over the run", "share", "lower"),
    ("silent_share_final", "members with no post in the last 30 days", "share", "lower"),
    ("muted_share_final", "members who muted at least one of their groups", "share", "lower"),
    ("retention_d7", "joiners from day 0 on still members 7 days after joining (joiners with 7 days observed)", "share", "higher"),
    ("retention_d30", "joiners from day 0 on still members 30 days after joining (joiners with 30 days observed)", "share", "higher"),
    ("groups_alive_final", "groups with a member post on at least one of the last alive_window days", "groups", "higher"),
    ("group_lifespan_median_days", "median days from a group's opening to its last alive day (open groups counted to the end: a lower bound)", "days", "higher"),
    ("message_gini", "Gini coefficient of messages per person who ever joined", "0-1", "neither"),
    ("top1pct_message_share", "share of messages written by the top 1% of people who ever joined", "share", "neither"),
    ("referral_join_share", "joiners after day 0 who came by a member's invitation", "share", "higher"),
    ("cascade_size_mean", "mean joiners per invitation cascade (trees with at least one invitation)", "people", "higher"),
    ("cascade_depth_max", "longest invitation chain", "steps", "higher"),
    ("cost_total", "money spent plus operator hours at the hourly wage", "currency", "lower"),
    ("cost_per_active_member", "cost_total / mau_final", "currency/person", "lower"),
    ("operator_hours_undone", "hours of work the operator's team could not do (world.economy.operator_hours): upkeep, moderation, welcomes", "hours", "lower"),
    ("collapsed", f"1 if ads outnumbered conversation messages over the last {COLLAPSE_WINDOW} days, or there was no "
                  "conversation at all; its mean over runs is the probability of collapse", BINARY, "lower"),
]:
    kpi(_name, _meaning, _unit, _better)


def retention(joined: np.ndarray, left: np.ndarray, horizon: int, after: int) -> float:
    """Share of the people who joined from day 0 on, with `after` days observed, still in after `after` days.

    A fork's imported members joined before day 0 and are left out: that they were still
    there on day 0 is how they were chosen, so counting them would overstate retention."""
    seen = (joined != NEVER) & (joined >= 0) & (joined <= horizon - 1 - after)
    if not seen.any():
        return float("nan")
    stayed = (left[seen] == NEVER) | (left[seen] - joined[seen] > after)
    return float(stayed.mean())


def lifespans(model: "CommunityModel") -> np.ndarray:
    g = model.community.groups
    return group_lifespans(g.view("created"), g.view("last_post"), g.view("closed"), g.live, model.day - 1,
                           model.world.groups.alive_window)


def group_lifespans(created: np.ndarray, last_post: np.ndarray, closed: np.ndarray, live: np.ndarray, end: int,
                    window: int) -> np.ndarray:
    """Days from each group's opening to its last alive day (last post + window - 1, capped by
    the end and by its closing); on arrays, so imported tables are measured the same way."""
    last_alive = np.where(last_post >= 0, np.minimum(last_post + window - 1, end), created)
    last_alive = np.where(live, last_alive, np.minimum(last_alive, closed))
    return (last_alive - created + 1).astype(float)


def top_share(messages: np.ndarray, per: int = 100) -> float:
    """Share of all messages written by the top 1/`per` of people (at least one person)."""
    top = np.sort(messages)[::-1][: max(1, len(messages) // per)]
    return float(top.sum() / messages.sum()) if messages.sum() else 0.0


def referral_share(day: np.ndarray, invited: np.ndarray, moved: np.ndarray) -> float:
    """Joins after day 0 (moves between groups not counted) that came by a member's invitation."""
    later = (day > 0) & ~moved
    return float(np.mean(invited[later])) if later.any() else 0.0


def cascade_sizes(root: np.ndarray, depth: np.ndarray) -> tuple[float, int]:
    """Mean joiners per invitation tree and the longest chain, from each invited join's root and depth."""
    if not len(root):
        return 0.0, 0
    sizes = np.bincount(root)
    return float(sizes[sizes > 0].mean()), int(depth.max())


def cascades(model: "CommunityModel") -> tuple[float, int]:
    c = model.community
    log = c.invitations()
    invited = log["invitee"][log["channel"] == INVITED]
    return cascade_sizes(c.root[invited], c.depth[invited])


def collapsed(daily: list[dict]) -> int:
    """1 if the last COLLAPSE_WINDOW days had no conversation or more ads than conversation.

    Only `messages` (members' conversation) and `spam` (ads posted) count: a group kept
    busy by ads or by rituals alone is not a living conversation.
    """
    last = daily[-COLLAPSE_WINDOW:]
    talk, ads = sum(x["messages"] for x in last), sum(x["spam"] for x in last)
    return int(talk == 0 or ads > talk)


def measure(model: "CommunityModel") -> dict[str, float]:
    """All KPIs of a finished run."""
    c, days = model.community, model.day
    d = model.daily
    members = c.member_count()
    # after the last day's leavers have gone, as members_final (the daily `mau` is taken before they leave)
    mau = int(np.count_nonzero((c.n_groups > 0) & (c.last_post > days - 1 - MAU_WINDOW))) if d else 0
    ever = c.ever
    msgs = c.messages[ever]
    total_msgs = sum(x["messages"] for x in d)
    spam = sum(x["spam"] for x in d)
    log = c.invitations()
    size, depth = cascades(model)
    cost = model.operator.cost
    return {
        "members_final": members,
        "joined_total": int(ever.sum()),
        "left_total": int(np.count_nonzero(ever & (c.n_groups == 0))),
        "dau_mean": float(np.mean([x["dau"] for x in d])) if d else 0.0,
        "dau_final": float(np.mean([x["dau"] for x in d[-7:]])) if d else 0.0,
        "mau_final": mau,
        "active_ratio_final": mau / members if members else 0.0,
        "messages_total": total_msgs,
        "ritual_messages_total": int(sum(x["ritual"] + x["operator_posts"] for x in d)),
        "spam_share": spam / (spam + total_msgs) if spam + total_msgs else 0.0,
        "silent_share_final": d[-1]["silent_share"] if d else 0.0,
        "muted_share_final": d[-1]["muted_share"] if d else 0.0,
        "retention_d7": retention(c.joined, c.left, days, 7),
        "retention_d30": retention(c.joined, c.left, days, 30),
        "groups_alive_final": d[-1]["groups_alive"] if d else 0,
        "group_lifespan_median_days": float(np.median(lifespans(model))) if c.groups.n else 0.0,
        "message_gini": gini(msgs),
        "top1pct_message_share": top_share(msgs),
        "referral_join_share": referral_share(log["day"], log["channel"] == INVITED, log["channel"] == MOVED),
        "cascade_size_mean": size,
        "cascade_depth_max": depth,
        "cost_total": cost,
        "cost_per_active_member": cost / mau if mau else (0.0 if cost == 0 else float("nan")),
        "operator_hours_undone": float(sum(model.operator.undone.values())),
        "collapsed": collapsed(d),
    }
