"""Events -> the three tables of a run's schema: messages, memberships, groups.

Days are whole days of the export's local calendar counted from the community's first
day (the earliest event in any file): day 0 is that date, kept as `date` on every message
and as `first_date` in observed.json. A membership (one row per spell of one person in
one group, as a run's memberships.parquet) opens at a join, or — for a member already
there when the record starts (first seen posting or leaving) — at the group's first
recorded day, `how = launch`; it closes at a leave (`why_left`: left, removed) and stays
open (`left` null) otherwise. Someone who posts again after leaving without a recorded
join gets a new spell from that day (`how = unrecorded`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .events import JOIN, LAUNCH, LEAVE, MESSAGE, UNRECORDED, Events
from .pseudonym import pseudonyms

ARM, REP = "observed", 0
MEMBERSHIPS = ["arm", "rep", "person", "group", "joined", "left", "how", "why_left", "messages", "ritual_messages",
               "last_post", "days_active", "inviter"]  # issue 10's columns, then who added them (a pseudonym, or null)


@dataclass
class Tables:
    messages: pd.DataFrame
    memberships: pd.DataFrame
    groups: pd.DataFrame
    first_date: str
    days: int  # days from the first to the last day of the record, both included


def build(ev: Events, key: str | None = None, keep_text: bool = False) -> Tables:
    n = len(ev)
    time = np.array(ev.time, dtype="datetime64[s]")
    order = np.argsort(time, kind="stable")
    time = time[order]
    date = time.astype("datetime64[D]")
    first = date[0]
    day = (date - first).astype(np.int64)
    group = np.asarray(ev.group, np.int64)[order]
    kind = np.asarray(ev.event, np.int8)[order]
    codes, keys = pd.factorize(pd.Series(ev.person, dtype=object).iloc[order], sort=False)
    codes = np.asarray(codes, np.int64)
    ids = pseudonyms(list(keys), key)
    inviter_keys = pd.Series(ev.inviter, dtype=object).iloc[order].to_numpy()
    how = pd.Series(ev.how, dtype=object).iloc[order].to_numpy()

    gi, first_at = np.unique(group, return_index=True)  # groups with no event at all (a chat of notices only) are left out
    group = np.searchsorted(gi, group)
    kept = [ev.groups[i] for i in gi]
    opened = day[first_at]

    spells = _spells(day, group, codes, kind, how, inviter_keys, opened, len(keys))
    msg = kind == MESSAGE
    messages = pd.DataFrame({
        "arm": ARM, "rep": REP, "day": day[msg], "date": date[msg], "time": time[msg],
        "person": ids[codes[msg]], "group": group[msg],
        "kind": pd.Categorical(how[msg]), "length": np.asarray(ev.length, np.int64)[order][msg],
    })
    if keep_text:
        messages["text"] = pd.Series(ev.text, dtype=object).iloc[order].to_numpy()[msg]
    inv_codes = spells.pop("inviter")
    inv_ids = pseudonyms(sorted({k for k in inv_codes if k}), key)
    inv_map = dict(zip(sorted({k for k in inv_codes if k}), inv_ids.tolist()))
    memberships = pd.DataFrame({"arm": ARM, "rep": REP, "person": ids[spells.pop("person")], **spells})
    memberships["inviter"] = pd.array([inv_map.get(k) for k in inv_codes], dtype="Int64")
    for c in ("left", "last_post"):
        memberships[c] = pd.array(memberships[c].where(memberships[c] >= 0), dtype="Int64")
    memberships = memberships.sort_values(["group", "joined", "person"], kind="stable").reset_index(drop=True)[MEMBERSHIPS]
    days = int(day[-1]) + 1 if n else 0
    groups = _groups(kept, opened, memberships, messages)
    return Tables(messages, memberships, groups, str(first), days)


def _spells(day, group, person, kind, how, inviter, opened, n_people) -> dict:
    """One pass over the events in time order, keeping each person's open spell per group."""
    sp = {"person": [], "group": [], "joined": [], "left": [], "how": [], "why_left": [], "messages": [], "last_post": [],
          "days_active": [], "inviter": []}
    open_: dict[int, int] = {}
    ever: set[int] = set()
    last_active: list[int] = []
    P = n_people

    def new(p: int, g: int, d: int, why: str, inv: str) -> int:
        for k, v in (("person", p), ("group", g), ("joined", d), ("left", -1), ("how", why), ("why_left", None),
                     ("messages", 0), ("last_post", -1), ("days_active", 0), ("inviter", inv)):
            sp[k].append(v)
        last_active.append(-1)
        return len(sp["person"]) - 1

    msgs, last_post, days_active = sp["messages"], sp["last_post"], sp["days_active"]
    for d, g, p, e, h, inv in zip(day.tolist(), group.tolist(), person.tolist(), kind.tolist(), how, inviter):
        k = g * P + p
        if e == MESSAGE:
            s = open_.get(k)
            if s is None:
                s = open_[k] = new(p, g, d, UNRECORDED, "") if k in ever else new(p, g, int(opened[g]), LAUNCH, "")
                ever.add(k)
            msgs[s] += 1
            last_post[s] = d
            if last_active[s] != d:
                last_active[s] = d
                days_active[s] += 1
        elif e == JOIN:
            if k not in open_:
                open_[k] = new(p, g, d, h, inv)
                ever.add(k)
        elif e == LEAVE:
            s = open_.pop(k, None)
            if s is None and k not in ever:  # left without a recorded join: a member since the record began
                s = new(p, g, int(opened[g]), LAUNCH, "")
                ever.add(k)
            if s is not None:
                sp["left"][s] = d
                sp["why_left"][s] = h
    out = {k: np.asarray(v, np.int64) if k in ("person", "group", "joined", "left", "messages", "last_post", "days_active") else v
           for k, v in sp.items()}
    out["ritual_messages"] = np.zeros(len(out["person"]), np.int64)
    return out


def _groups(kept: list, opened, memberships: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    n = len(kept)
    m = memberships
    peak = np.zeros(n, np.int64)
    if len(m):
        delta = pd.concat([pd.DataFrame({"group": m["group"], "day": m["joined"], "d": 1}),
                           pd.DataFrame({"group": m["group"], "day": m["left"], "d": -1}).dropna()])
        net = delta.groupby(["group", "day"])["d"].sum().groupby(level="group").cumsum()
        top = net.groupby(level="group").max()
        peak[top.index.to_numpy(np.int64)] = top.to_numpy()
    last = messages.groupby("group")["day"].max() if len(messages) else pd.Series(dtype="int64")
    last_post = np.full(n, -1, np.int64)
    last_post[last.index.to_numpy(np.int64)] = last.to_numpy()
    count = np.bincount(messages["group"].to_numpy(np.int64), minlength=n) if len(messages) else np.zeros(n, np.int64)
    final = np.bincount(m.loc[m["left"].isna(), "group"].to_numpy(np.int64), minlength=n) if len(m) else np.zeros(n, np.int64)
    return pd.DataFrame({
        "arm": ARM, "rep": REP, "group": np.arange(n, dtype=np.int64),
        "name": [g.name for g in kept], "source": [g.source for g in kept], "platform": [g.platform for g in kept],
        "opened": opened, "closed": pd.array([None] * n, dtype="Int64"),
        "how": ["created" if g.created else "launch" for g in kept],
        "peak": peak, "messages": count.astype(np.int64), "last_post": pd.array(np.where(last_post >= 0, last_post, -1), dtype="Int64").astype("Int64"),
        "members_final": final.astype(np.int64),
    }).assign(last_post=lambda t: t["last_post"].where(t["last_post"] >= 0))
