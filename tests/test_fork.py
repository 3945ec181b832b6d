"""Fork from today (world.start): day 0 is an imported community's last day.

The community is tests/data/community: a simulated run (tests/data/community/made_by.yaml)
exported as Telegram and imported, 45 days, three groups, 244 people.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.community import IMPORTED, NEVER
from agents.fork import replay_novelty, sociability_map
from agents.world import Novelty
from sim.model import CommunityModel
from sim.outcomes import measure
from sim.runner import execute, jobs
from sim.scenario import ScenarioError, load

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "community"
EXAMPLE = ROOT / "scenarios" / "fork_example.yaml"


@pytest.fixture(scope="module")
def record():
    spells = pd.read_parquet(DATA / "memberships.parquet")
    messages = pd.read_parquet(DATA / "messages.parquet")
    last = int(max(messages["day"].max(), spells["joined"].max(), spells["left"].max()))
    return spells, messages, last


def world(*sets: str):
    return load(EXAMPLE, list(sets)).arms["as_today"].world


def test_day_0_holds_the_open_groups_their_members_and_their_tenure(record):
    spells, _, last = record
    c = CommunityModel(world(), seed=1).community
    now = spells[spells["left"].isna()]
    ids = np.unique(spells["person"])  # model person i = the i-th smallest pseudonym
    assert c.groups.n == now["group"].nunique() == 3 and set(c.groups.how) == {"imported"}
    assert c.group_sizes().tolist() == now.groupby("group").size().tolist()
    assert c.member_count() == now["person"].nunique()
    m = c.members
    got = pd.DataFrame({"person": ids[m.person], "group": m.group, "joined": m.joined}).sort_values(["person", "group"])
    want = now.assign(joined=now["joined"] - last).sort_values(["person", "group"])
    assert got["joined"].tolist() == want["joined"].tolist()  # tenure on day 0 = last day - join day
    assert (m.joined <= 0).all() and m.joined.min() == -last
    first = spells.groupby("person")["joined"].min() - last
    members = np.unique(m.person)
    assert c.joined[members].tolist() == first.loc[ids[members]].tolist()
    assert (c.joined[len(ids):] == NEVER).all()  # the rest of the population are outsiders
    posted = now.dropna(subset=["last_post"])
    row = m.find(np.searchsorted(ids, posted["person"]), posted["group"].to_numpy())
    assert (m.last_post[row] == posted["last_post"].to_numpy() - last).all()
    assert m.ties.sum() > 0  # friends inside are counted


def test_heavy_posters_get_a_higher_sociability_than_silent_members(record):
    spells, _, _ = record
    c = CommunityModel(world(), seed=1).community
    ids = np.unique(spells["person"])
    msgs = spells.groupby("person")["messages"].sum().loc[ids].to_numpy()
    s = c.people.sociability[: len(ids)]
    heavy, silent = s[msgs >= np.sort(msgs)[-10]], s[msgs == 0]
    assert len(silent) > 50 and heavy.min() > np.median(silent) * 10
    # what the estimate targets: sociability x today's multiplier ~ the observed rate, for those with a long record
    from agents import behaviour

    m = c.members
    kappa = behaviour.multiplier(c, world(), behaviour.familiarity(c, c.group_sizes()))
    days = 1 - m.joined
    expected = s[m.person] * kappa * days
    seen = np.bincount(np.searchsorted(ids, spells["person"]), spells["messages"], minlength=len(ids))[m.person]
    long_heavy = (days >= 30) & (seen >= 50)
    assert long_heavy.sum() >= 5
    assert np.allclose(expected[long_heavy], seen[long_heavy], rtol=0.2)


def test_little_history_stays_near_the_prior_median_and_much_history_near_the_rate():
    median, sigma, cap = 0.0015, 3.0, 20.0
    none = sociability_map(np.array([0, 0]), np.array([1.0, 2.0]), median, sigma, cap)
    assert none == pytest.approx([median, median], rel=0.05) and none[0] > none[1]  # a silent day pulls a little down
    rich = sociability_map(np.array([500]), np.array([100.0]), median, sigma, cap)
    assert rich[0] == pytest.approx(5.0, rel=0.02)
    # the mode solves messages - exposure s - (log s - log median) / sigma^2 = 0, and more data moves it further
    n, e = np.array([0, 1, 3, 30]), np.array([200.0, 2.0, 2.0, 20.0])
    s = sociability_map(n, e, median, sigma, cap)
    assert np.abs(n - e * s - (np.log(s) - np.log(median)) / sigma**2).max() < 1e-8
    assert s[0] < median and median < s[1] < s[2] < s[3] < 1.5
    assert sociability_map(np.array([10**6]), np.array([1.0]), median, sigma, cap)[0] == cap
    assert sociability_map(np.array([40]), np.array([2.0]), median, 0.0, cap)[0] == median  # no spread: the prior


def test_novelty_is_the_rule_replayed_on_the_record():
    """Two members who talk only to each other wear their novelty out; a newcomer who joined on
    their last day keeps more of a newcomer's, one who came after it keeps all of it."""
    group, joined, end = np.zeros(4, np.int64), np.array([0, 0, 29, 30]), np.full(4, 30)
    day = np.repeat(np.arange(30), 30)
    spell = np.tile(np.repeat([0, 1], 15), 30)  # each writes 15 messages a day, for 30 days
    n = replay_novelty(group, joined, end, spell, day, Novelty())
    u = -np.expm1(-15 / 30)  # share renewed by reading the other's 15 messages
    assert n[:2] == pytest.approx([(1 - u * (1 - 0.7)) ** 30] * 2)  # freshness 0.7 x their own novelty
    assert np.exp(-1) < n[2] < 1 and n[3] == 1.0


def test_the_fork_continues_at_the_rate_of_the_record(record):
    """Members start out posting at about the rate their history shows: the first week's messages
    a day are within a factor 1.5 of the record's last week (the fixture's own world: cap 100)."""
    _, messages, last = record
    observed = np.bincount(messages["day"], minlength=last + 1)[-7:].mean()
    w = world("world.groups.cap=100")
    first_week = np.mean([np.mean([d["messages"] for d in CommunityModel(w, seed=s).run(7).daily]) for s in (1, 2, 3)])
    assert observed / 1.5 < first_week < observed * 1.5, (first_week, observed)


def test_same_seed_same_run_and_every_arm_starts_from_the_same_day_0():
    loaded = load(EXAMPLE)
    a = CommunityModel(world(), seed=5).run(5)
    b = CommunityModel(world(), seed=5).run(5)
    assert a.daily == b.daily
    starts = [CommunityModel(s.world, seed=5).community for s in loaded.arms.values()]
    for name in ("person", "group", "joined", "ties", "novelty", "acquaint", "last_post"):
        assert np.array_equal(getattr(starts[0].members, name), getattr(starts[1].members, name)), name
    assert np.array_equal(starts[0].people.sociability, starts[1].people.sociability)
    assert (starts[0].network != starts[1].network).nnz == 0


def test_records_and_kpis_of_a_fork(record):
    spells, _, _ = record
    loaded = load(EXAMPLE, ["days=10"])
    job = jobs(loaded.arms, 1, loaded.scenario.seed, EXAMPLE.parent)[0]
    r = execute(job)
    r.memberships, r.invitations, r.daily, r.groups, r.people = (getattr(r, t).to_pandas() for t in
                                                                 ("memberships", "invitations", "daily", "groups", "people"))
    imported = r.memberships[r.memberships["how"] == "imported"]
    assert len(imported) == spells["left"].isna().sum() and (imported["joined"] <= 0).all()
    logged = r.invitations[r.invitations["channel"] == IMPORTED]  # each membership starts in the log on its day
    assert sorted(logged["day"]) == sorted(imported["joined"])
    k = r.kpis
    assert k["joined_total"] == k["members_final"] + k["left_total"]  # imported members count as day-0 members
    assert r.daily["joins"].iloc[0] < 20  # day 0's joins are the day's arrivals, not the 208 imported members
    assert set(r.groups["how"]) >= {"imported"} and (r.groups.loc[r.groups["how"] == "imported", "opened"] <= 0).all()
    assert r.people["first_post"].min() < 0  # days before day 0 are kept, not nulled


def test_retention_counts_only_people_who_joined_from_day_0():
    m = CommunityModel(world(), seed=2).run(12)
    c = m.community
    k = measure(m)
    seen = (c.joined >= 0) & (c.joined <= 12 - 1 - 7)
    stayed = (c.left[seen] == NEVER) | (c.left[seen] - c.joined[seen] > 7)
    assert k["retention_d7"] == pytest.approx(stayed.mean())


def test_an_edge_list_names_people_by_their_pseudonym_order(tmp_path, record):
    spells, _, _ = record
    now = spells[spells["left"].isna()]
    ids = np.unique(spells["person"])
    group0 = np.searchsorted(ids, now.loc[now["group"] == 1, "person"].to_numpy()[:4])
    (tmp_path / "friends.txt").write_text(f"{group0[0]} {group0[1]}\n{group0[0]} {group0[2]}\n{group0[3]} 1500\n")
    (tmp_path / "s.yaml").write_text(f"name: f\nworld:\n  start: {DATA}\n  population: {{size: 2000}}\n"
                                     "  network: {kind: edge_list, path: friends.txt}\n")
    c = CommunityModel(load(tmp_path / "s.yaml").scenario.world, seed=1).community
    row = c.members.find(group0, np.ones(4, np.int64))
    assert c.members.ties[row].tolist() == [2, 1, 1, 0]


def test_a_bad_start_is_one_line_with_exit_code_2(tmp_path):
    (tmp_path / "empty").mkdir()
    cases = {"nowhere": "no such directory", "empty": "not a `qunsim import` directory"}
    for start, what in cases.items():
        path = tmp_path / f"{start}.yaml"
        path.write_text(f"name: bad\ndays: 5\nworld:\n  population: {{size: 500}}\n  start: {start}\n")
        with pytest.raises(ScenarioError) as e:
            load(path)
        assert [str(p) for p in e.value.problems] == [p for p in map(str, e.value.problems) if p.startswith(f"{path}:5: world.start:")]
        assert what in str(e.value)
    gone = tmp_path / "gone"
    shutil.copytree(DATA, gone)
    spells = pd.read_parquet(gone / "memberships.parquet")
    spells.assign(left=spells["left"].fillna(44)).to_parquet(gone / "memberships.parquet")
    (tmp_path / "gone.yaml").write_text("name: gone\nworld:\n  start: gone\n")
    with pytest.raises(ScenarioError, match="nobody is a member on its last day"):
        load(tmp_path / "gone.yaml")
    small = tmp_path / "small.yaml"
    small.write_text(f"name: small\nworld:\n  start: {DATA}\n  population:\n    size: 100\n")
    with pytest.raises(ScenarioError, match="244 people, more than world.population.size") as e:
        load(small)
    assert str(e.value).startswith(f"{small}:3:")
    r = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(tmp_path / "empty.yaml")], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len([line for line in (r.stdout + r.stderr).splitlines() if "world.start" in line]) == 1


def test_the_example_validates_and_its_launch_settings_do_not_apply():
    """A fork ignores world.groups' launch: a launch larger than the population is no problem."""
    assert load(EXAMPLE, ["world.groups.initial_members=5000"]).arms["as_today"].world.start == DATA.resolve()
