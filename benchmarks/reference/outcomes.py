"""The reference model's KPIs, by the definitions of sim/outcomes.py (names, meanings, units).

Computed from the agents themselves rather than from the fast engine's columns, so a
slip in either bookkeeping shows up as a difference; the helpers (`gini`, `retention`,
`collapsed`) are shared because they are the definitions.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from sim.outcomes import collapsed, gini, retention

from .model import INVITED, MAU_WINDOW, ReferenceModel


def measure(model: ReferenceModel) -> dict[str, float]:
    """All KPIs of a finished run, as sim.outcomes.measure."""
    d, days = model.daily, model.day
    people = list(model.ever.values())
    members = len(model.members)
    # after the last day's leavers have gone, as members_final (the daily `mau` is taken before they leave)
    mau = sum(1 for m in model.members if m.last_post > days - 1 - MAU_WINDOW) if d else 0
    joined = np.array([m.joined for m in people], np.int64)
    left = np.array([m.left for m in people], np.int64)
    msgs = np.array([m.messages for m in people], np.int64)
    top = np.sort(msgs)[::-1][: max(1, len(msgs) // 100)]
    total_msgs = sum(x["messages"] for x in d)
    spam = sum(x["spam"] for x in d)
    later = [e[5] for e in model.log if e[0] > 0]  # channels of joins after day 0 (no moves without levers)
    invited = [e[2] for e in model.log if e[5] == INVITED]
    cascade = Counter(model.ever[p].root for p in invited)
    window, end = model.world.groups.alive_window, days - 1
    # a group's last alive day: its last post + window - 1, at most the end of the run or the day it closed
    last_alive = [min(g.last_post + window - 1, end) if g.last_post >= 0 else g.created for g in model.group_by_id]
    last_alive = [day if g.live else min(day, g.closed) for g, day in zip(model.group_by_id, last_alive)]
    spans = [day - g.created + 1 for g, day in zip(model.group_by_id, last_alive)]
    return {
        "members_final": members,
        "joined_total": len(people),
        "left_total": sum(1 for m in people if not m.groups),
        "dau_mean": float(np.mean([x["dau"] for x in d])) if d else 0.0,
        "dau_final": float(np.mean([x["dau"] for x in d[-7:]])) if d else 0.0,
        "mau_final": mau,
        "active_ratio_final": mau / members if members else 0.0,
        "messages_total": total_msgs,
        "ritual_messages_total": 0,  # no lever asks for rituals or posts content
        "spam_share": spam / (spam + total_msgs) if spam + total_msgs else 0.0,
        "silent_share_final": d[-1]["silent_share"] if d else 0.0,
        "muted_share_final": d[-1]["muted_share"] if d else 0.0,
        "retention_d7": retention(joined, left, days, 7),
        "retention_d30": retention(joined, left, days, 30),
        "groups_alive_final": d[-1]["groups_alive"] if d else 0,
        "group_lifespan_median_days": float(np.median(spans)) if spans else 0.0,
        "message_gini": gini(msgs),
        "top1pct_message_share": float(top.sum() / msgs.sum()) if msgs.sum() else 0.0,
        "referral_join_share": float(np.mean([c == INVITED for c in later])) if later else 0.0,
        "cascade_size_mean": float(np.mean(list(cascade.values()))) if cascade else 0.0,
        "cascade_depth_max": max((model.ever[p].depth for p in invited), default=0),
        "cost_total": model.cost,
        "cost_per_active_member": model.cost / mau if mau else (0.0 if model.cost == 0 else float("nan")),
        "collapsed": collapsed(d),
    }
