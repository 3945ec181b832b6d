"""Every lever moves the KPI it targets in the documented direction, on common seeds.

How the checks are made. A small world (4,000 people, otherwise the default world; 60
days) runs with and without the lever on the same replication seeds
(`sim.runner.rep_seed(1, r)`, r = 0..reps-1). Tolerance: the mean paired difference
(with - without) must lie in the documented direction by at least two standard errors
over the replications stated in each case. Where a lever's documented effect concerns
the people it touches (members quoted in a digest, people at an event), the check pairs
those same people across the two runs. Slow versions (`make test-slow`) repeat the
community-level checks on more replications.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents import strategies
from agents.community import INVITED, NEVER
from agents.effects import Effects
from agents.params import describe
from agents.strategies.catalogue import LEVERS
from agents.world import World
from sim.model import CommunityModel
from sim.outcomes import measure
from sim.runner import rep_seed

from .conftest import ties_by_brute_force

ROOT = Path(__file__).resolve().parents[1]
DAYS = 60
SMALL = {"population": {"size": 4000}}
# a seed group of 30 growing through channels that reach anyone: the gate's and the
# referral reward's trade-offs are about who joins, so joiners must outnumber the launch
COHORTS = {**SMALL, "arrivals": {"per_day": 10}}  # ten newcomers a day: a weekly cohort of 70
GROWTH = {"population": {"size": 4000}, "groups": {"initial_members": 30}, "arrivals": {"per_day": 10, "interest_bias": 0}}


@lru_cache(maxsize=None)
def _run(world: str, items: str, seed: int, days: int) -> CommunityModel:
    levers = strategies.build(json.loads(items))
    return CommunityModel(World.model_validate(json.loads(world)), levers, seed=seed).run(days)


def run(world: dict, items: list, rep: int, days: int = DAYS) -> CommunityModel:
    """One run, cached: the same (world, levers, replication) is simulated once per test session."""
    return _run(json.dumps(world, sort_keys=True), json.dumps(items, sort_keys=True), rep_seed(1, rep), days)


def paired(world: dict, items: list, kpi: str, reps: int, days: int = DAYS) -> np.ndarray:
    """KPI with the levers minus without, per replication."""
    return np.array([measure(run(world, items, r, days))[kpi] - measure(run(world, [], r, days))[kpi] for r in range(reps)])


def assert_direction(diffs: np.ndarray, sign: int, what: str) -> None:
    mean, se = diffs.mean(), diffs.std(ddof=1) / np.sqrt(len(diffs))
    assert sign * mean > 2 * se, f"{what}: mean paired difference {mean:.4g} (s.e. {se:.3g}, n={len(diffs)}) not {'+' if sign > 0 else '-'} by 2 s.e."


# lever, world, strategy, KPI, documented direction, replications
CASES = [
    ("dunbar_split", SMALL, [{"dunbar_split": {}}], "active_ratio_final", +1, 20),  # +0.02 a run: 20 to resolve it
    ("group_cap", SMALL, [{"group_cap": {}}], "active_ratio_final", +1, 10),
    ("entry_gate", GROWTH, [{"entry_gate": {}}], "joined_total", -1, 10),
    ("entry_gate", GROWTH, [{"entry_gate": {}}], "retention_d30", +1, 10),
    ("moderation", SMALL, [{"moderation": {}}], "spam_share", -1, 16),
    ("content_schedule", SMALL, [{"content_schedule": {}}], "messages_total", +1, 20),
    ("check_in", SMALL, [{"check_in": {}}], "ritual_messages_total", +1, 10),
    ("kol_seeding", SMALL, [{"kol_seeding": {}}], "dau_mean", +1, 10),
    ("tiering", SMALL, [{"tiering": {}}], "active_ratio_final", +1, 16),
    ("funnel", SMALL, [{"funnel": {}}], "active_ratio_final", +1, 10),
    ("funnel", SMALL, [{"funnel": {}}], "members_final", -1, 10),
    ("lifecycle", SMALL, [{"lifecycle": {"dissolve": "all", "days": [40]}}], "active_ratio_final", +1, 10),
    ("lifecycle", SMALL, [{"lifecycle": {"dissolve": "all", "days": [40]}}], "members_final", -1, 10),
    ("referral_reward", SMALL, [{"referral_reward": {}}], "joined_total", +1, 10),
    ("referral_reward", SMALL, [{"referral_reward": {}}], "referral_join_share", +1, 10),
    ("referral_reward", SMALL, [{"referral_reward": {}}], "active_ratio_final", -1, 16),
    ("open_groups", COHORTS, [{"open_groups": {}}], "muted_share_final", -1, 10),  # older groups stop growing: less to read
]


# With posting propensity calibrated (docs/model.md §9.1) fewer members post, and these two
# lifts are too small to tell from noise in the small world: +0.007 (s.e. 0.006) and +0.006
# (s.e. 0.004) on 30 runs. Expected to fail until the model gives them a clear effect (§11).
WEAK = {("group_cap", "active_ratio_final"), ("tiering", "active_ratio_final")}
FAST = [pytest.param(*c, marks=pytest.mark.xfail(strict=True, reason="docs/model.md, Known gaps: the lift of "
                                                 f"{c[0]} on {c[3]} is not resolved with calibrated posting"))
        if (c[0], c[3]) in WEAK else c for c in CASES]


@pytest.mark.parametrize("lever, world, items, kpi, sign, reps", FAST, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_lever_moves_its_kpi(lever, world, items, kpi, sign, reps):
    assert_direction(paired(world, items, kpi, reps), sign, f"{lever} on {kpi}")


def test_every_lever_has_a_direction_check():
    checked = {c[0] for c in CASES} | {"ugc_curation", "offline_event", "welcome", "red_packet"}  # per-person checks below
    assert checked == set(LEVERS) == set(strategies.REGISTRY)


# ---- the trade-offs the seeds describe ---------------------------------------------------------
def test_entry_gate_trades_growth_for_retention():
    """Fewer joiners, who stay longer: both directions on the same runs (10 replications, 2 s.e.)."""
    items = [{"entry_gate": {}}]
    assert_direction(paired(GROWTH, items, "joined_total", 10), -1, "gate on joined_total")
    assert_direction(paired(GROWTH, items, "retention_d30", 10), +1, "gate on retention_d30")


def test_red_packets_give_money_and_thanks_that_are_not_conversation():
    """A packet day: grabbers receive money (utility in world units) and post thank-yous, which
    are counted as ritual messages; conversation (`messages`, DAU) counts none of them."""
    model = CommunityModel(World.model_validate(SMALL), strategies.build([{"red_packet": {}}]), seed=rep_seed(1, 0))
    c, op = model.community, model.operator
    fx = Effects(c.groups.n, c.people.size)
    op.act(0, fx)
    grabbers = np.flatnonzero(fx.person_utility)
    assert len(grabbers) == 20  # one packet of 20 shares in the launch group
    assert fx.person_utility[grabbers] == pytest.approx(model.world.response.money_utility * 200 / 20)
    assert (fx.ritual_posts[grabbers] == model.world.response.thanks_per_grab).all()
    day = CommunityModel(World.model_validate(SMALL), strategies.build([{"red_packet": {}}]), seed=rep_seed(1, 0)).run(1).daily[0]
    plain = run(SMALL, [], 0, days=1).daily[0]
    assert day["ritual"] > 0 and plain["ritual"] == 0


def test_members_send_packets_back_and_pay_for_them():
    """Yuan et al. 2019's reciprocity is a world parameter (an input, not a validation): members
    send back packets the next day, paid by them — the operator pays only for its own packets.
    With reciprocity 0 nothing comes back."""
    op = run(SMALL, [{"red_packet": {}}], 0).operator
    report = op.levers[0].report(op)
    assert report["members_sent_back"] > 0 and op.money["red_packet"] == pytest.approx(report["money_grabbed"])
    world = {**SMALL, "response": {"reciprocity": 0.0}}
    op = run(world, [{"red_packet": {}}], 0).operator
    assert op.levers[0].report(op)["members_sent_back"] == 0


def test_no_moderation_raises_spam_share():
    """16 replications: without moderation the ad share is higher by more than 2 s.e."""
    assert_direction(-paired(SMALL, [{"moderation": {}}], "spam_share", 16), +1, "spam_share without moderation")


def test_split_at_150_changes_active_ratio_and_costs_admin_hours():
    diffs = paired(SMALL, [{"dunbar_split": {"threshold": 150}}], "active_ratio_final", 20)
    assert_direction(diffs, +1, "split at 150 on active_ratio_final")
    for r in range(20):
        op = run(SMALL, [{"dunbar_split": {"threshold": 150}}], r).operator
        assert op.hours["dunbar_split"] > 0 and op.levers[0].splits >= 1


def test_losing_the_kols_loses_their_content():
    """20 replications: DAU after the KOLs leave on day 25 is lower than if they had stayed (2 s.e.):
    their content and promotion are gone (no shock parameter: nothing else happens)."""
    diffs = []
    for r in range(20):
        stay = [d["dau"] for d in run(SMALL, [{"kol_seeding": {}}], r).daily[26:]]
        gone = [d["dau"] for d in run(SMALL, [{"kol_seeding": {"leave_day": 25}}], r).daily[26:]]
        diffs.append(np.mean(gone) - np.mean(stay))
        op = run(SMALL, [{"kol_seeding": {"leave_day": 25}}], r).operator
        assert 0 < op.levers[0].report(op)["kols_left"] <= 5  # those still there on day 25 (some may have left before)
    assert_direction(np.array(diffs), -1, "DAU after the KOLs left")


def test_quoted_members_post_more_than_they_would_have():
    """UGC curation: pooled over 6 replications, the members the digest quoted wrote at
    least 20% more messages than the same people in the runs without a digest, and more in
    at least 5 of the 6 runs — through recognition, satisfaction and mood, not a multiplier."""
    more, ratio = 0, []
    for r in range(6):
        lever_run = run(SMALL, [{"ugc_curation": {}}], r)
        quoted = np.flatnonzero(lever_run.operator.levers[0].quoted_on != NEVER)
        with_, without = lever_run.community.messages[quoted].sum(), run(SMALL, [], r).community.messages[quoted].sum()
        more += with_ > without
        ratio.append((with_, without))
    assert more >= 5
    assert sum(a for a, _ in ratio) > 1.2 * sum(b for _, b in ratio)


def test_welcomed_newcomers_get_answers_and_introductions_are_not_conversation():
    """Welcome: pooled over 6 replications of a world with a steady stream of newcomers, a
    larger share of first posts gets a reply with admins answering newcomers; the
    introductions they are asked for are ritual messages, not conversation."""
    world = {**SMALL, "arrivals": {"per_day": 10}}
    replied = {}
    for items in ([{"welcome": {}}], []):
        first = [run(world, items, r).community for r in range(6)]
        later = [(c.first_post > 0) & (c.first_post != NEVER) for c in first]
        replied[bool(items)] = np.mean(np.concatenate([c.first_replied[k] for c, k in zip(first, later)]))
    assert replied[True] > replied[False] + 0.05, replied
    m = run(world, [{"welcome": {}}], 0)
    assert measure(m)["ritual_messages_total"] > 0 == measure(run(world, [], 0))["ritual_messages_total"]


def test_members_a_lever_removes_count_as_lost():
    """A KPI must not improve because a lever shrank its denominator unnoticed: members dropped by
    a dissolved group (lifecycle) or a funnel stage leave the community — they count in
    `left_total`, are missing from `members_final` and lower retention."""
    for items in ([{"lifecycle": {"dissolve": "all", "days": [40]}}], [{"funnel": {}}]):
        a, b = measure(run(SMALL, items, 0)), measure(run(SMALL, [], 0))
        assert a["left_total"] > b["left_total"] + 50 and a["members_final"] < b["members_final"] - 50
        assert a["members_final"] + a["left_total"] == a["joined_total"]
        assert a["retention_d30"] < b["retention_d30"]


def test_people_who_met_offline_stay_and_talk_more():
    """Offline events: pooled over 6 replications, more attendees are still members at the
    end than the same people in runs without events. (What they write does not rise in the
    default world: three new friends are a small share of a large group.)"""
    stayed = []
    for r in range(6):
        lever_run = run(SMALL, [{"offline_event": {}}], r)
        people = lever_run.operator.levers[0].ever_attended()
        plain = run(SMALL, [], r).community
        c = lever_run.community
        stayed.append(((c.n_groups[people] > 0).sum(), (plain.n_groups[people] > 0).sum()))
        assert lever_run.operator.levers[0].new_ties > 0
        # new friendships recount who has friends in the community (what invitations weigh)
        assert (c.friends_inside == c.network @ (c.n_groups > 0).astype(int)).all()
    assert sum(a for a, _ in stayed) > sum(b for _, b in stayed)


def test_referral_reward_draws_lower_fit_joiners():
    """10 replications: invited joiners' mean interest is lower with the reward (2 s.e.)."""
    diffs = []
    for r in range(10):
        means = []
        for items in ([{"referral_reward": {}}], []):
            c = run(SMALL, items, r).community
            log = c.invitations()
            invited = log["invitee"][log["channel"] == INVITED]
            means.append(c.people.interest[invited].mean())
        diffs.append(means[0] - means[1])
    assert_direction(np.array(diffs), -1, "interest of invited joiners")


def test_funnel_reports_every_stage_and_the_counts_add_up():
    for r in range(5):
        op = run(SMALL, [{"funnel": {}}], r).operator
        rep = op.levers[0].report(op)
        for stage in ("acquisition", "retention"):
            assert rep[f"{stage}_reached"] >= rep[f"{stage}_converted"] + rep[f"{stage}_lost"]
        assert rep["retention_reached"] == rep["acquisition_converted"]
        assert rep["sharing_reached"] == rep["retention_converted"]
        assert rep["acquisition_reached"] > 0 and rep["acquisition_lost"] > 0 and rep["acquisition_converted"] > 0


def test_tiering_routes_members_by_level():
    for r in range(3):
        model = run(SMALL, [{"tiering": {}}], r)
        lever, c = model.operator.levers[0], model.community
        m = c.members
        advanced = [g for g, t in lever.tier_of.items() if t == 1 and c.groups.live[g]]
        assert advanced and lever.promoted > 0
        rows = np.flatnonzero(np.isin(m.group, advanced))
        level = c.level(rows) + lever.error[m.person[rows]]
        assert (level >= 0.5).all()
        assert not c.groups.open[advanced].any()  # joiners land in entry groups


# ---- structure: splits, caps, dissolutions -----------------------------------------------------
LAUNCH_500 = {"population": {"size": 4000}, "groups": {"initial_members": 500}}


@pytest.mark.parametrize("method", ["communities", "tenure", "random"])
def test_split_halves_stay_under_threshold_and_inherit_rules(method):
    model = CommunityModel(World.model_validate(LAUNCH_500), strategies.build([{"dunbar_split": {"method": method}}]), seed=3)
    c = model.community
    c.groups.gate[0], c.groups.norms[0], c.groups.cap[0] = 0.2, 0.45, 480
    model.operator.arrange(0)
    sizes = c.group_sizes()
    live = np.flatnonzero(c.groups.live)
    assert len(live) >= 4 and sizes[live].max() <= 150
    assert (c.groups.gate[live] == 0.2).all() and (c.groups.norms[live] == 0.45).all() and (c.groups.cap[live] == 480).all()
    assert sizes.sum() + model.operator.levers[0].declined == 500  # who did not follow lost the membership
    np.testing.assert_array_equal(c.members.ties, ties_by_brute_force(model))


def test_unhappy_members_do_not_follow_a_split():
    """Members asked to move decide: content newcomers follow; members far below the follow
    threshold, with no friends moving along, stay behind and lose the membership."""
    model = CommunityModel(World.model_validate(LAUNCH_500), strategies.build([{"dunbar_split": {"method": "random"}}]), seed=3)
    m = model.community.members
    unhappy = m.person[::2].copy()
    m.satisfaction[::2] = -1.0
    model.operator.arrange(0)
    lever, c = model.operator.levers[0], model.community
    still = c.n_groups[unhappy] > 0
    assert lever.declined > 0 and lever.moved > 0
    assert still.mean() < 0.8  # most of the unhappy who were asked to move left
    happy = np.setdiff1d(np.flatnonzero(c.ever), unhappy)
    assert (c.n_groups[happy] > 0).mean() > 0.95


def test_splitting_along_tie_communities_keeps_more_friends_together():
    kept = {}
    for method in ("communities", "random"):
        totals = []
        for seed in (1, 2, 3):
            model = CommunityModel(World.model_validate(LAUNCH_500), strategies.build([{"dunbar_split": {"method": method}}]), seed=seed)
            model.operator.arrange(0)
            totals.append(model.community.members.ties.sum())
        kept[method] = totals
    assert all(a > b for a, b in zip(kept["communities"], kept["random"])), kept


def test_group_cap_holds_for_groups_opened_later():
    world = {"population": {"size": 4000}, "arrivals": {"per_day": 15}}
    model = run(world, [{"group_cap": {"cap": 100}}], 0)
    sizes = np.zeros((len(model.group_daily), model.community.groups.n), int)
    for day, rows in enumerate(model.group_daily):
        sizes[day, : rows.shape[1]] = rows[0]
    assert model.community.groups.n > 2
    assert sizes[:, 1:].max() <= 100  # the launch group (300) keeps its members; new groups obey the cap
    turned = run(world, [{"group_cap": {"cap": 100, "overflow": "turn_away"}}], 0)
    assert turned.community.groups.n == 1 and turned.operator.levers[0].report(turned.operator)["turned_away"] > 0


def test_lifecycle_moves_active_members_and_drops_the_rest():
    model = run(SMALL, [{"lifecycle": {"dissolve": "all", "days": [40]}}], 0)
    lever, g = model.operator.levers[0], model.community.groups
    assert lever.dissolved >= 1 and lever.moved > 0 and lever.dropped > 0
    assert (g.view("closed")[: lever.dissolved] == 40).all()
    assert g.live.sum() >= 1


# ---- a disabled lever changes nothing; every lever keeps the community consistent ---------------
@pytest.mark.parametrize("lever", LEVERS)
def test_a_lever_that_never_fires_changes_nothing(lever):
    """Identical daily, group and invitation tables and KPIs with a lever whose trigger never fires."""
    never = [{lever: {"days": [10_000]}}]
    a, b = run(SMALL, [], 0, days=40), run(SMALL, never, 0, days=40)
    pd.testing.assert_frame_equal(pd.DataFrame(a.daily), pd.DataFrame(b.daily))
    assert measure(a) == measure(b)
    for x, y in zip(a.group_daily, b.group_daily):
        np.testing.assert_array_equal(x, y)
    for k, v in a.community.invitations().items():
        np.testing.assert_array_equal(v, b.community.invitations()[k])
    assert b.operator.money == a.operator.money and b.operator.hours == a.operator.hours  # only the groups' upkeep


def test_all_levers_together_keep_the_community_consistent():
    """Every lever at once (structure changes included) for 45 days: memberships unique and
    sorted, friends-inside counts exact, group counts consistent, costs booked per lever."""
    items = [{k: {}} for k in LEVERS if k != "lifecycle"] + [{"lifecycle": {"dissolve": "aged", "age_days": 30}}]
    model = CommunityModel(World.model_validate(SMALL), strategies.build(items), seed=5).run(45)
    c, m = model.community, model.community.members
    key = m.key
    assert (np.diff(key) > 0).all()
    np.testing.assert_array_equal(m.ties, ties_by_brute_force(model))
    np.testing.assert_array_equal(c.n_groups, np.bincount(m.person, minlength=c.people.size))
    assert c.groups.live[m.group].all()
    assert set(model.operator.money) | set(model.operator.hours) >= set(LEVERS) - {"group_cap", "entry_gate", "open_groups"}


@pytest.mark.parametrize("lever", LEVERS)
def test_every_lever_documents_mechanism_cost_params_and_example(lever):
    cls = strategies.REGISTRY[lever]
    doc = __import__(cls.__module__, fromlist=["_"]).__doc__
    assert "Mechanism" in doc and "Causal path" in doc and "Cost" in doc
    assert any(s in doc for s in ("seed 00", "Seed 00", "et al.", "Joyce")), "name the seed or study"
    for row in describe(cls.Params):
        assert row["unit"] and row["meaning"], row["path"]
    example = ROOT / "scenarios" / f"{lever}.yaml"
    assert example.exists() and f"- {lever}" in example.read_text(encoding="utf-8")
    assert f"### `{lever}`" in (ROOT / "docs" / "strategies.md").read_text(encoding="utf-8")


# ---- slow: the same questions on more replications --------------------------------------------
@pytest.mark.slow
def test_digest_crowds_out_the_others_slow():
    """24 replications: members the digest did not quote write less than the same people
    without a digest (2 s.e.) — why messages_total barely moves."""
    diffs = []
    for r in range(24):
        lever_run = run(SMALL, [{"ugc_curation": {}}], r)
        others = lever_run.operator.levers[0].quoted_on == NEVER
        diffs.append(lever_run.community.messages[others].sum() - run(SMALL, [], r).community.messages[others].sum())
    assert_direction(np.array(diffs), -1, "messages of members not quoted")


@pytest.mark.slow
def test_people_who_met_offline_stay_slow():
    """20 replications: per replication, more attendees are still members than the same
    people without events (2 s.e.)."""
    diffs = []
    for r in range(20):
        lever_run = run(SMALL, [{"offline_event": {}}], r)
        people = lever_run.operator.levers[0].ever_attended()
        diffs.append(int((lever_run.community.n_groups[people] > 0).sum() - (run(SMALL, [], r).community.n_groups[people] > 0).sum()))
    assert_direction(np.array(diffs, float), +1, "attendees still members")


@pytest.mark.slow
def test_content_effect_ends_when_the_schedule_ends_slow():
    """40 replications, talks on days 0-21 only: DAU is lifted while they run (days 0-21,
    2 s.e.), and over days 40-59 the lift is gone: no more than half of it remains (in the
    default world DAU then falls below the no-talk level)."""
    during, after = [], []
    for r in range(40):
        with_ = np.array([d["dau"] for d in run(SMALL, [{"content_schedule": {"stop": 21}}], r).daily])
        without = np.array([d["dau"] for d in run(SMALL, [], r).daily])
        during.append((with_ - without)[:22].mean())
        after.append((with_ - without)[40:].mean())
    assert_direction(np.array(during), +1, "lift while talks ran")
    assert np.mean(after) < 0.5 * np.mean(during)


@pytest.mark.slow
def test_lifecycle_dissolves_dead_groups_slow():
    """Twenty small groups of people who rarely post and rarely leave (as in
    scenarios/lifecycle.yaml), several of which die: weekly dissolution of dead groups raises
    the active share (16 replications, 2 s.e.)."""
    world = {"population": {"size": 5000, "interest_mean": 0.25, "sociability_median": 0.003, "patience_median": 60},
             "groups": {"initial": 20, "initial_members": 40}, "arrivals": {"per_day": 2}}
    items = [{"lifecycle": {"every": 7}}]
    assert_direction(paired(world, items, "active_ratio_final", 16, days=90), +1, "dissolving dead groups on active_ratio_final")
    assert run(world, items, 0, days=90).operator.levers[0].dissolved > 0


@pytest.mark.slow
@pytest.mark.parametrize("lever, world, items, kpi, sign, reps", CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_lever_moves_its_kpi_on_a_second_seed_set_slow(lever, world, items, kpi, sign, reps):
    """The same checks on 30 replications drawn from another master seed."""
    diffs = []
    for r in range(30):
        seed = rep_seed(2, r)
        w = World.model_validate(world)
        diffs.append(measure(CommunityModel(w, strategies.build(items), seed=seed).run(DAYS))[kpi]
                     - measure(CommunityModel(w, [], seed=seed).run(DAYS))[kpi])
    assert_direction(np.array(diffs), sign, f"{lever} on {kpi} (seed set 2)")


def test_kols_found_from_sharing_chains_are_those_whose_chains_brought_most_joins():
    """kol_seeding `choose: chains` (seed 004): the picked KOLs are the members with the most
    joins below them in the invitation trees, counted over every generation."""
    from agents.strategies.kol_seeding import chain_joins

    world = {**SMALL, "spreading": {"forward_rate": 0.03}}
    model = CommunityModel(World.model_validate(world), strategies.build([{"kol_seeding": {"choose": "chains", "start": 30}}]),
                           seed=rep_seed(1, 0)).run(30)
    c = model.community
    below = chain_joins(c)
    log = c.invitations()
    first = np.zeros(len(log["invitee"]), bool)
    first[np.unique(log["invitee"], return_index=True)[1]] = True  # who brought each person in first
    invited = first & (log["channel"] == INVITED)
    # brute force over the trees: a person's descendants through inviter -> invitee edges
    children: dict[int, list[int]] = {}
    for a, b in zip(log["inviter"][invited], log["invitee"][invited]):
        children.setdefault(int(a), []).append(int(b))

    def descendants(p: int) -> int:
        return sum(1 + descendants(k) for k in children.get(p, []))

    roots = list(children)[:50]
    assert [below[p] for p in roots] == [descendants(p) for p in roots]
    assert below.max() >= 3  # chains of more than one generation exist
    model.step()  # day 30: the lever recruits
    kols = model.operator.levers[0].kols
    members = np.flatnonzero(c.n_groups > 0)
    assert below[kols].min() >= np.sort(below[members])[-len(kols)]
