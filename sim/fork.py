"""Read a `qunsim import` directory as the community on its last day (agents.fork.Today).

Day 0 of a fork is the record's last day L: a day d of the record becomes d - L. Persons are
everyone in memberships.parquet, in ascending order of their pseudonymous id: model person
i is the i-th smallest id (an edge list for `world.network.kind: edge_list` uses these
numbers). The groups kept are those with a current member (a spell without `left`); a
group everyone left is not opened. Only the importer's tables are read, never texts.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from agents.community import NEVER
from agents.fork import Today, replay_novelty
from agents.world import Novelty

TABLES = ("messages.parquet", "memberships.parquet", "groups.parquet")
COLUMNS = {"messages.parquet": ("day", "person", "group"),
           "memberships.parquet": ("person", "group", "joined", "left", "messages", "last_post", "days_active"),
           "groups.parquet": ("group", "name", "opened", "peak", "last_post")}
WEEK = 7  # days over which a group's activity on day 0 is averaged (an export's last day may be partial)


def problem(directory: Path, size: int) -> str | None:
    """Why a fork cannot start from `directory` in a world of `size` people, or None."""
    directory = Path(directory)
    if not directory.is_dir():
        return f"no such directory {str(directory)!r} — give the --out folder of `qunsim import`, relative to the scenario file"
    missing = [t for t in TABLES if not (directory / t).is_file()]
    if missing:
        return (f"{directory} is not a `qunsim import` directory (no {', '.join(missing)}) — give the --out folder "
                "of `qunsim import`")
    for table, columns in COLUMNS.items():
        try:
            have = set(pq.read_schema(directory / table).names)
        except (OSError, ValueError) as e:
            return f"{directory / table} cannot be read ({type(e).__name__}) — import the exports again with `qunsim import`"
        lacking = [c for c in columns if c not in have]
        if lacking:
            return f"{directory / table} has no column {lacking[0]!r} — it is not the importer's table; import again with `qunsim import`"
    if not pd.read_parquet(directory / "memberships.parquet", columns=["left"])["left"].isna().any():
        return f"{directory}: nobody is a member on its last day (every membership ended) — nothing to fork from"
    today = read(directory, Novelty())
    if today.people > size:
        return (f"{directory} has {today.people:,} people, more than world.population.size ({size:,}) — set "
                f"world.population.size to at least {today.people:,} (the rest are outsiders who may join)")
    return None


def read(directory: Path, novelty: Novelty) -> Today:
    """The community on the record's last day, its novelty replayed under the world's `novelty` rule
    (cached per directory, file times and rule: every run of a comparison forks from the same tables)."""
    directory = Path(directory).resolve()
    stamp = tuple((directory / t).stat().st_mtime_ns for t in TABLES)
    return _read(directory, stamp, novelty)


@lru_cache(maxsize=4)
def _read(directory: Path, stamp: tuple, nv: Novelty) -> Today:
    messages = pd.read_parquet(directory / "messages.parquet", columns=["day", "person", "group"])
    spells = pd.read_parquet(directory / "memberships.parquet", columns=list(COLUMNS["memberships.parquet"]))
    groups = pd.read_parquet(directory / "groups.parquet", columns=list(COLUMNS["groups.parquet"]))
    joined = spells["joined"].to_numpy(np.int64)
    left = spells["left"].to_numpy(dtype=float, na_value=np.nan)
    last = int(max(messages["day"].max() if len(messages) else 0, joined.max(initial=0), np.nanmax(left, initial=0)))
    ids = np.unique(spells["person"].to_numpy(np.int64))  # model person i = the i-th smallest pseudonym
    person = np.searchsorted(ids, spells["person"].to_numpy(np.int64))
    now = np.isnan(left)
    kept = np.unique(spells["group"].to_numpy(np.int64)[now])  # groups with a current member, in the record's order
    g_of = groups.set_index("group")

    # per open group: messages of its last week
    n_groups, span = len(kept), last + 1
    m_group = np.searchsorted(kept, messages["group"].to_numpy(np.int64))
    m_day = messages["day"].to_numpy(np.int64)
    inside = (m_group < n_groups) & (kept[np.minimum(m_group, n_groups - 1)] == messages["group"].to_numpy(np.int64))
    week = min(WEEK, span)
    recent = inside & (m_day > last - week)
    last_week = np.bincount(m_group[recent], minlength=n_groups)

    cur = spells[now]
    c_group = np.searchsorted(kept, cur["group"].to_numpy(np.int64))
    c_joined = cur["joined"].to_numpy(np.int64)
    size = np.bincount(c_group, minlength=n_groups)
    activity = last_week / week / np.maximum(size, 1)
    novelty = replay_novelty(spells["group"].to_numpy(np.int64), joined, np.where(now, last, left).astype(np.int64),
                             _spell_of(spells, messages, last), m_day, nv)[now]

    k = len(ids)
    p_msgs = np.bincount(person, spells["messages"].to_numpy(np.int64), minlength=k)
    p_days = np.bincount(person, np.where(now, last, left) - joined + 1, minlength=k)
    first_join = np.full(k, np.iinfo(np.int64).max)
    np.minimum.at(first_join, person, joined)
    m_person = np.searchsorted(ids, messages["person"].to_numpy(np.int64))
    first_post = np.full(k, np.iinfo(np.int64).max)
    np.minimum.at(first_post, m_person, m_day)
    last_post = np.full(k, -1)
    np.maximum.at(last_post, m_person, m_day)
    posted = cur["last_post"].to_numpy(dtype=float, na_value=np.nan)
    g_last = g_of["last_post"].reindex(kept).to_numpy(dtype=float, na_value=np.nan)

    def day(x, valid=None) -> np.ndarray:
        x = np.asarray(x, float)
        ok = ~np.isnan(x) if valid is None else valid
        return np.where(ok, np.nan_to_num(x) - last, NEVER).astype(np.int32)

    o = np.lexsort((person[now], c_group, c_joined))  # current memberships in the order they began
    return Today(
        people=k,
        names=[str(x) for x in g_of["name"].reindex(kept)],
        opened=day(g_of["opened"].reindex(kept).to_numpy(float)),
        peak=np.maximum(g_of["peak"].reindex(kept).fillna(0).to_numpy(np.int64), size),
        group_last_post=day(g_last),
        activity=activity,
        person=person[now][o].astype(np.int64), group=c_group[o].astype(np.int64), joined=day(c_joined[o]),
        last_post=day(posted[o]), novelty=novelty[o],
        active=cur["days_active"].to_numpy(np.int64)[o].astype(float),
        first_join=day(first_join), first_post=day(first_post, first_post <= last),
        person_last_post=day(last_post, last_post >= 0),
        messages=p_msgs.astype(np.int64), days=p_days.astype(float),
    )


def _spell_of(spells: pd.DataFrame, messages: pd.DataFrame, last: int) -> np.ndarray:
    """Row in `spells` of each message: its author's spell in its group that began last on or before its day
    (the importer opens a spell for every message outside one)."""
    n_groups = int(max(spells["group"].max(), messages["group"].max() if len(messages) else 0)) + 1
    span = last + 2
    pair = spells["person"].to_numpy(np.int64) * n_groups + spells["group"].to_numpy(np.int64)
    key = pair * span + spells["joined"].to_numpy(np.int64)
    order = np.argsort(key, kind="stable")
    want = (messages["person"].to_numpy(np.int64) * n_groups + messages["group"].to_numpy(np.int64)) * span + messages["day"].to_numpy(np.int64)
    at = np.maximum(np.searchsorted(key[order], want, side="right") - 1, 0)
    return order[at]
