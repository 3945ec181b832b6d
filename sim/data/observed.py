"""The KPIs of a community's tables, by the definitions of sim/outcomes.py and under its names.

A run measures itself on the model (sim/outcomes.measure); an imported community has only
its records, so this module computes from tables what measure() computes from the model,
calling the same functions (gini, retention, top_share, group_lifespans, referral_share,
cascade_sizes, collapsed) and the same windows (MAU_WINDOW, alive_window, the last 7 days).

A day's measurement sees who was a member during the day: a membership counts on day d if
it began on or before d and had not ended before d (a run measures before the day's leaves).

Not observable in an export, so not in observed.json: `ritual_messages_total` (lever-induced
messages look like any other), `spam_share` (ads are not marked), `muted_share_final`,
`cost_total` and `cost_per_active_member`. `collapsed` counts no ads: 1 only if nobody
spoke in the last 7 days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from agents.community import NEVER

from ..outcomes import MAU_WINDOW, cascade_sizes, collapsed, gini, group_lifespans, referral_share, retention, top_share

ALIVE_WINDOW = 7  # the world's default groups.alive_window
NOT_OBSERVED = ("ritual_messages_total", "spam_share", "muted_share_final", "cost_total", "cost_per_active_member")


def people(memberships: pd.DataFrame) -> pd.DataFrame:
    """One row per person who was ever a member: first join, community leave day (NEVER while
    in any group), messages; as a run's people.parquet (left = -1 there)."""
    m = memberships
    still = m["left"].isna()
    g = m.assign(still=still, left_day=m["left"].fillna(-1).astype(np.int64)).groupby("person", sort=True)
    out = pd.DataFrame({"joined": g["joined"].min(), "still": g["still"].any(), "left": g["left_day"].max(), "messages": g["messages"].sum()})
    out["left"] = np.where(out["still"], NEVER, out["left"])
    return out.drop(columns="still").reset_index()


def daily(messages: pd.DataFrame, memberships: pd.DataFrame, days: int) -> pd.DataFrame:
    """Per day: members, dau (distinct posters), messages, mau and active ratio, as a run's daily table."""
    day = messages["day"].to_numpy(np.int64)
    person = messages["person"].to_numpy(np.int64)
    pairs = np.unique(np.stack([day, person]), axis=1) if len(day) else np.zeros((2, 0), np.int64)
    dau = np.bincount(pairs[0], minlength=days)[:days]
    count = np.bincount(day, minlength=days)[:days]
    m = memberships
    p = people(m)
    # members during day d: a person's span from first join to community leave (gaps between spells are rare; see docs)
    joined = p["joined"].to_numpy(np.int64)
    left = p["left"].to_numpy(np.int64)
    start = np.bincount(joined, minlength=days + 1)[: days + 1]
    stop = np.bincount(np.where(left == NEVER, days, left), minlength=days + 1)[: days + 1]  # end of day, as a run's
    members = np.cumsum(start - stop)[:days]
    mau = np.zeros(days, np.int64)
    if len(pairs[0]):  # posters in the window ending on day d who were members that day
        first_post_window = pd.DataFrame({"day": pairs[0], "person": pairs[1]})
        idx = pd.Series(np.arange(len(p)), index=p["person"].to_numpy())
        who = idx.loc[first_post_window["person"]].to_numpy()
        for d in range(days):
            lo = np.searchsorted(pairs[0], d - MAU_WINDOW + 1)
            hi = np.searchsorted(pairs[0], d, side="right")
            w = np.unique(who[lo:hi])
            mau[d] = np.count_nonzero((joined[w] <= d) & ((left[w] == NEVER) | (left[w] >= d)))
    return pd.DataFrame({"arm": "observed", "rep": 0, "day": np.arange(days), "members": members, "dau": dau, "messages": count,
                         "mau": mau, "active_ratio": mau / np.maximum(members, 1), "spam": 0})


def measure(messages: pd.DataFrame, memberships: pd.DataFrame, groups: pd.DataFrame, days: int,
            alive_window: int = ALIVE_WINDOW) -> dict[str, float]:
    """The KPIs an export can determine, under runs.parquet's names."""
    m = memberships
    p = people(m)
    end = days - 1
    msgs = p["messages"].to_numpy(np.int64)
    joined = p["joined"].to_numpy(np.int64)
    left = p["left"].to_numpy(np.int64)
    members = int(np.count_nonzero(left == NEVER))
    d = daily(messages, m, days) if days else pd.DataFrame(columns=["dau", "mau", "messages"])
    mau = int(d["mau"].iloc[-1]) if days else 0
    present = int(np.count_nonzero((joined <= end) & ((left == NEVER) | (left >= end))))
    last = groups["last_post"].fillna(-1).to_numpy(np.int64)
    closed = groups["closed"].fillna(NEVER).to_numpy(np.int64)
    live = (closed == NEVER) | (closed > end)
    opened = groups["opened"].to_numpy(np.int64)
    alive = live & (last > end - alive_window)
    invited = (m["how"] == "invited").to_numpy()
    root, depth = _cascades(m)
    size, chain = cascade_sizes(root, depth)
    return {
        "members_final": members,
        "joined_total": len(p),
        "left_total": int(np.count_nonzero(left != NEVER)),
        "dau_mean": float(d["dau"].mean()) if days else 0.0,
        "dau_final": float(d["dau"].iloc[-7:].mean()) if days else 0.0,
        "mau_final": mau,
        "active_ratio_final": mau / members if members else 0.0,
        "messages_total": int(msgs.sum()),
        "silent_share_final": (present - mau) / max(present, 1),
        "retention_d7": retention(joined, left, days, 7),
        "retention_d30": retention(joined, left, days, 30),
        "groups_alive_final": int(alive.sum()),
        "group_lifespan_median_days": float(np.median(group_lifespans(opened, last, closed, live, end, alive_window))) if len(groups) else 0.0,
        "message_gini": gini(msgs),
        "top1pct_message_share": top_share(msgs),
        "referral_join_share": referral_share(m["joined"].to_numpy(), invited, (m["how"] == "moved").to_numpy()),
        "cascade_size_mean": size,
        "cascade_depth_max": chain,
        "collapsed": collapsed([{"messages": int(x), "spam": 0} for x in d["messages"]]) if days else 1,
    }


def _cascades(m: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Root and depth of each invited join, as the model keeps them: a person's depth and root
    are set at their first join (from their inviter's, if invited and already there), and never change."""
    first = m.sort_values(["joined"], kind="stable").drop_duplicates("person")
    joined = dict(zip(first["person"].tolist(), first["joined"].tolist()))
    parent: dict[int, int] = {}
    for person, how, inviter in zip(first["person"].tolist(), first["how"].tolist(), first["inviter"].tolist()):
        ok = how == "invited" and inviter is not None and inviter is not pd.NA and inviter in joined and inviter != person
        parent[person] = inviter if ok and joined[inviter] <= joined[person] else person
    root: dict[int, int] = {}
    depth: dict[int, int] = {}
    for person in parent:
        chain = [person]
        while chain[-1] not in root and parent[chain[-1]] != chain[-1] and len(chain) <= len(parent):
            chain.append(parent[chain[-1]])
        top = chain[-1]
        r, d = (root[top], depth[top]) if top in root else (top, 0)
        for p in reversed(chain[:-1] if top in root or parent[top] == top else chain):
            d += 1
            root[p], depth[p] = r, d
        if top not in root:
            root[top], depth[top] = top, 0
    persons = m.loc[m["how"] == "invited", "person"].tolist()
    if not persons:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes = {r: i for i, r in enumerate(dict.fromkeys(root[p] for p in persons))}
    return np.array([codes[root[p]] for p in persons]), np.array([depth[p] for p in persons])
