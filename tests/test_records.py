"""The records a researcher validates with: memberships, forwards, groups, people.

Every table is checked against another one it must agree with exactly (docs/scenarios.md,
"Results"): forwards against invitations, memberships against people, runs and the daily
series, groups against the memberships and the daily series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agents.community import UNHAPPY, Community
from agents.world import World
from sim.api import run_scenario
from sim.model import CommunityModel
from sim import tables
from sim.runner import _memberships_table
from sim.store import TABLES

SCENARIO = """
name: records
days: 40
replications: 2
seed: 5
world:
  population: {size: 2500}
  groups: {initial: 2, initial_members: 60, cap: 90}
  arrivals: {per_day: 12}
  spreading: {forward_rate: 0.3}
arms:
  plain: {}
  funnel:
    strategy:
      - funnel: {intake_days: 5, acquisition_days: 12}
  split:
    strategy:
      - dunbar_split: {threshold: 50}
      - check_in: {}
"""
RUN = ["arm", "rep"]
DAYS = 40  # the scenario's days


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("records")
    f = tmp / "records.yaml"
    f.write_text(SCENARIO)
    from sim import api

    api_report, api.with_report = api.with_report, lambda directory: directory
    try:
        out = run_scenario(f, workers=1, out=tmp / "out")
    finally:
        api.with_report = api_report
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in ("runs", "daily", *TABLES)}


def per_run(t: dict[str, pd.DataFrame]):
    keys = t["runs"][RUN].itertuples(index=False, name=None)
    for arm, rep in keys:
        yield (arm, rep), {name: df[(df["arm"] == arm) & (df["rep"] == rep)] for name, df in t.items() if "arm" in df}


def test_the_scenario_exercises_every_record(results):
    m, g = results["memberships"], results["groups"]
    assert {"launch", "outside", "invited", "moved"} <= set(m["how"].dropna())
    assert {"unhappy", "removed", "group_closed", "moved"} <= set(m["why_left"].dropna())
    assert {"launch", "overflow", "funnel", "dunbar_split"} <= set(g["how"])
    assert g["closed"].notna().any() and m["ritual_messages"].sum() > 0 and results["forwards"]["joins"].sum() > 0


def test_forwards_and_invitations_reconcile_exactly(results):
    for run, t in per_run(results):
        f, inv = t["forwards"], t["invitations"]
        assert f["item"].is_unique, run
        invited = inv[inv["channel"] == 2]
        assert f["joins"].sum() == len(invited), run
        assert (inv.loc[inv["channel"] != 2, "item"] == -1).all(), run
        by_item = f.set_index("item")
        assert invited["item"].isin(by_item.index).all(), run
        joins = invited.groupby("item").size()
        assert (by_item.loc[joins.index, "joins"] == joins).all(), run
        assert (by_item["joins"] <= by_item["reached"]).all(), run
        src = by_item.loc[invited["item"]]
        # the join's inviter forwarded it, on that day; the cascade generation is one below the forwarder's
        assert (src["person"].to_numpy() == invited["inviter"].to_numpy()).all(), run
        assert (src["day"].to_numpy() == invited["day"].to_numpy()).all(), run
        depth = inv.drop_duplicates("invitee").set_index("invitee")["depth"]
        assert (invited["generation"].to_numpy() == depth.loc[invited["inviter"]].to_numpy() + 1).all(), run


def test_a_forwarder_was_a_member_of_the_group_that_day(results):
    for run, t in per_run(results):
        f, m = t["forwards"], t["memberships"]
        pairs = f.merge(m, on=["person", "group"], suffixes=("", "_m"))
        inside = (pairs["joined"] <= pairs["day"]) & (pairs["left"].isna() | (pairs["left"] >= pairs["day"]))
        held = inside.groupby([pairs["item"]]).any()
        assert len(held) == len(f) and held.all(), run


def test_memberships_hold_every_membership_once(results):
    for run, t in per_run(results):
        m, inv, runs, daily = t["memberships"], t["invitations"], t["runs"], t["daily"]
        # each logged join or move starts one membership, with the same channel
        assert len(m) == len(inv), run
        names = np.array(["launch", "outside", "invited", "moved", "created"])
        assert m["how"].astype(str).value_counts().sort_index().equals(
            pd.Series(names[inv["channel"]]).value_counts().sort_index().rename("count").rename_axis("how")), run
        now = m[m["left"].isna()]
        assert not now.duplicated(["person", "group"]).any(), run
        assert now["why_left"].isna().all() and m.loc[m["left"].notna(), "why_left"].notna().all(), run
        assert now["person"].nunique() == runs["members_final"].iloc[0], run
        ended = m[m["left"].notna()]
        assert (ended["left"] >= ended["joined"]).all(), run
        # a move ends the source membership the day the destination one begins
        moved = m[m["how"] == "moved"]
        src = ended[ended["why_left"] == "moved"][["person", "left"]].rename(columns={"left": "joined"})
        assert len(moved.merge(src.drop_duplicates(), on=["person", "joined"])) == len(moved), run
        # records add up to the community's totals
        assert m["messages"].sum() == daily["messages"].sum(), run
        assert m["ritual_messages"].sum() == daily["ritual"].sum(), run
        assert (m["days_active"] <= m["left"].fillna(DAYS - 1) - m["joined"] + 1).all(), run
        assert ((m["days_active"] > 0) == m["last_post"].notna()).all(), run


def test_people_agree_with_their_memberships(results):
    for run, t in per_run(results):
        m, p = t["memberships"], t["people"]
        per = m.groupby("person").agg(messages=("messages", "sum"), last_post=("last_post", "max"), first=("joined", "min"),
                                      open=("left", lambda s: s.isna().any()), left=("left", "max"),
                                      most=("days_active", "max"), total=("days_active", "sum"))
        p = p.set_index("person").loc[per.index]
        assert len(p) == len(t["people"]), run
        assert (p["messages"] == per["messages"]).all() and (p["joined"] == per["first"]).all(), run
        assert p["last_post"].equals(per["last_post"].astype(p["last_post"].dtype)), run
        assert ((p["left"] >= 0) == ~per["open"]).all(), run
        gone = ~per["open"]
        assert (p.loc[gone, "left"] == per.loc[gone, "left"]).all(), run
        # active days: days with a post in any group, between the busiest membership's and their sum
        assert ((per["most"] <= p["active_days"]) & (p["active_days"] <= per["total"])).all(), run
        assert ((p["active_days"] > 0) == p["first_post"].notna()).all(), run
        assert (p["first_post"].dropna() <= p["last_post"].dropna()).all(), run


def test_groups_hold_every_group_once(results):
    for run, t in per_run(results):
        g, gd, m, daily = t["groups"], t["group_days"], t["memberships"], t["daily"]
        assert (g["group"].to_numpy() == np.arange(len(g))).all(), run
        assert set(gd["group"]) <= set(g["group"]) and set(m["group"]) <= set(g["group"]), run
        g = g.set_index("group")
        open_now = m[m["left"].isna()].groupby("group").size().reindex(g.index, fill_value=0)
        assert (g["size"] == open_now).all(), run
        assert (g["peak"] >= g["size"]).all() and (g["peak"] >= gd.groupby("group")["size"].max().reindex(g.index, fill_value=0)).all(), run
        # the peak is reached by someone joining: no more than the memberships the group ever had
        assert (g["peak"] <= m.groupby("group").size().reindex(g.index, fill_value=0)).all(), run
        last = daily.iloc[-1]
        assert g["closed"].isna().sum() == last["groups_open"] >= last["groups_alive"], run
        assert (g.loc[g["closed"].notna(), "size"] == 0).all() and (g["closed"].dropna() >= g["opened"][g["closed"].notna()]).all(), run
        first_join = m.groupby("group")["joined"].min()
        assert (g.loc[first_join.index, "opened"] <= first_join).all(), run
        assert (g.loc[g["how"] == "launch", "opened"] == 0).all(), run


# ---- in the model: what the tables are built from, checked day by day ------------------------
def test_active_days_count_the_days_with_posts():
    """Who posted on a day is who has that day as last post after it: count those days per person
    and per membership, and compare with the records."""
    w = World.model_validate({"population": {"size": 2000}, "groups": {"initial": 3, "initial_members": 80}})
    model = CommunityModel(w, seed=2)
    c = model.community
    per_person = np.zeros(c.people.size, np.int64)
    per_key: dict[tuple[int, int], int] = {}
    for day in range(30):
        ended = len(c.ended)
        model.step()
        per_person += c.last_post == day
        rows = np.flatnonzero(c.members.last_post == day)
        keys = list(zip(c.members.person[rows].tolist(), c.members.group[rows].tolist()))
        for e in c.ended[ended:]:  # memberships that ended today, after a post today (a leaver may come back later)
            spoke = e["last_post"] == day
            keys += list(zip(e["person"][spoke].tolist(), e["group"][spoke].tolist()))
        for k in keys:
            per_key[k] = per_key.get(k, 0) + 1
    assert per_person.sum() > 0 and (c.active_days == per_person).all()
    m = tables.table(_memberships_table(model)).to_pandas()
    got = m.groupby(["person", "group"])["days_active"].sum()
    got = got[got > 0]
    assert got.to_dict() == per_key


def test_ended_memberships_match_the_leaves(monkeypatch):
    """Every membership a leave ended is in memberships.parquet with its reason, once."""
    ended = []
    leave = Community.leave

    def counting(self, rows, day, why=UNHAPPY):
        rows = np.asarray(rows, np.int64)
        ended.append(len(np.unique(rows)))
        return leave(self, rows, day, why)

    monkeypatch.setattr(Community, "leave", counting)
    w = World.model_validate({"population": {"size": 2000}, "groups": {"initial": 2, "initial_members": 80, "cap": 100},
                              "arrivals": {"per_day": 10}})
    model = CommunityModel(w, seed=4).run(40)
    m = tables.table(_memberships_table(model)).to_pandas()
    assert sum(ended) > 0 and m["left"].notna().sum() == sum(ended)  # no moves here: every end is a leave
    assert (model.community.groups.view("size") == model.community.group_sizes()).all()


def test_every_column_is_documented(results):
    """docs/scenarios.md, "The records", names every column of the record tables."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = doc[doc.index("### The records"): doc.index("## Comparisons and experiments")]
    for name in ("memberships", "forwards", "groups", "people"):
        assert f"`{name}.parquet`" in section
        for col in results[name].columns:
            assert f"`{col}`" in section or col in ("arm", "rep"), (name, col)
    for col in ("item", "generation"):
        assert f"`{col}`" in doc
