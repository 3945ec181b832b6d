"""A model's per-message and per-membership records, taken while it runs, without changing it.

Runs write per-group daily counts and per-person totals (sim/store.py), not who posted
in which group on which day. Until runs write memberships (issue 10), `record(model, days)`
runs a model with two observers attached — each day's conversation messages per
membership row (before `_measure` counts them) and each membership that ends — and returns
the tables a run would write: memberships in issue 10's schema and messages as counts per
(day, person, group). The draws, and so the run, are exactly those of an unobserved model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from agents.community import CREATED, IMPORTED, INITIAL, INVITED, MOVED, OUTSIDE, UNHAPPY

from .tables import MEMBERSHIPS

CHANNELS = {INITIAL: "launch", OUTSIDE: "outside", INVITED: "invited", MOVED: "moved", CREATED: "created",
            IMPORTED: "imported"}


@dataclass
class Records:
    memberships: pd.DataFrame  # arm, rep, person, group, joined, left, how, why_left, messages, ritual_messages, last_post, days_active, inviter
    messages: pd.DataFrame  # arm, rep, day, person, group, count
    days: int


def record(model, days: int, arm: str = "arm", rep: int = 0) -> Records:
    c = model.community
    said: list[np.ndarray] = []
    ended: list[np.ndarray] = []
    measure, leave, move = model._measure, c.leave, c.move

    def on_measure(posts, *rest):
        talk = posts.chat + posts.valuable
        rows = np.flatnonzero(talk)
        said.append(np.stack([np.full(len(rows), model.day), c.members.person[rows], c.members.group[rows], talk[rows]]))
        return measure(posts, *rest)

    def on_leave(rows, day, why=UNHAPPY):
        ends = np.unique(np.asarray(rows, np.int64))
        ended.append(np.stack([np.full(len(ends), day), c.members.person[ends], c.members.group[ends], np.zeros(len(ends), np.int64)]))
        return leave(rows, day, why)

    def on_move(rows, to, day):
        rows = np.asarray(rows, np.int64)
        ended.append(np.stack([np.full(len(rows), day), c.members.person[rows], c.members.group[rows], np.ones(len(rows), np.int64)]))
        return move(rows, to, day)

    model._measure, c.leave, c.move = on_measure, on_leave, on_move
    try:
        model.run(days)
    finally:
        del model._measure
        c.leave, c.move = leave, move
    log = c.invitations()
    joins = pd.DataFrame({"person": log["invitee"], "group": log["group"], "joined": log["day"],
                          "how": [CHANNELS[int(x)] for x in log["channel"]], "inviter": log["inviter"]})
    ends = pd.DataFrame(np.hstack(ended).T if ended else np.zeros((0, 4), np.int64), columns=["left", "person", "group", "moved"])
    msgs = pd.DataFrame(np.hstack(said).T if said else np.zeros((0, 4), np.int64), columns=["day", "person", "group", "count"])
    mem = spells(joins, ends, msgs)
    return Records(mem.assign(arm=arm, rep=rep)[MEMBERSHIPS], msgs.assign(arm=arm, rep=rep), days)


def spells(joins: pd.DataFrame, ends: pd.DataFrame, msgs: pd.DataFrame) -> pd.DataFrame:
    """Pair the k-th join of a person in a group with their k-th end there; count each spell's messages."""
    j = joins.sort_values(["person", "group", "joined"], kind="stable").reset_index(drop=True)
    j["k"] = j.groupby(["person", "group"]).cumcount()
    e = ends.sort_values(["person", "group", "left"], kind="stable").reset_index(drop=True)
    e["k"] = e.groupby(["person", "group"]).cumcount()
    m = j.merge(e, on=["person", "group", "k"], how="left")
    m["why_left"] = np.where(m["left"].isna(), None, np.where(m["moved"] == 1, "moved", "left"))
    m["spell"] = np.arange(len(m))
    if len(msgs):
        at = pd.merge_asof(msgs.sort_values("day").astype({"day": np.int64}), m[["person", "group", "joined", "spell"]].sort_values("joined").astype({"joined": np.int64}),
                           left_on="day", right_on="joined", by=["person", "group"], direction="backward")
        per = at.groupby("spell").agg(messages=("count", "sum"), last_post=("day", "max"), days_active=("day", "nunique"))
    else:
        per = pd.DataFrame(columns=["messages", "last_post", "days_active"])
    m = m.join(per, on="spell")
    out = pd.DataFrame({
        "person": m["person"].astype(np.int64), "group": m["group"].astype(np.int64), "joined": m["joined"].astype(np.int64),
        "left": pd.array(m["left"], dtype="Int64"), "how": m["how"], "why_left": m["why_left"],
        "messages": m["messages"].fillna(0).astype(np.int64), "ritual_messages": np.zeros(len(m), np.int64),
        "last_post": pd.array(m["last_post"], dtype="Int64"), "days_active": m["days_active"].fillna(0).astype(np.int64),
        "inviter": pd.array(np.where(m["inviter"] >= 0, m["inviter"], pd.NA), dtype="Int64"),
    })
    return out.sort_values(["group", "joined", "person"], kind="stable").reset_index(drop=True)
