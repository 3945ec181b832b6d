"""Each phenomenon comes out of member state, and goes when its mechanism is switched off.

Honeymoon and decay, members falling silent, habituation to rewards and the slide into an
ad group are not scripted by day number: each test runs the same seeds with the mechanism
on (the default world) and off (one world parameter at zero) and shows the phenomenon
appears in the first case and not in the second. Worlds are closed (no arrivals, no
invitations) where growth would blur what is measured.
"""

from __future__ import annotations

import numpy as np
import pytest

from agents import strategies
from agents.world import World
from sim.model import CommunityModel
from sim.outcomes import measure

SEEDS = range(6)


def closed(**over) -> World:
    """300 strangers in one launch group; nobody arrives, nothing is forwarded."""
    base = {"population": {"size": 3000}, "arrivals": {"per_day": 0}, "spreading": {"forward_rate": 0}}
    for section, values in over.items():
        base.setdefault(section, {}).update(values)
    return World.model_validate(base)


def weekly_dau(world: World, seed: int, weeks: int = 4) -> np.ndarray:
    daily = CommunityModel(world, seed=seed).run(7 * weeks).daily
    return np.array([np.mean([d["dau"] for d in daily[7 * i: 7 * i + 7]]) for i in range(weeks)])


@pytest.mark.parametrize("effect, decays", [(None, True), (0.0, False)], ids=["novelty on", "novelty off"])
def test_honeymoon_then_decay_comes_from_novelty(effect, decays):
    """Seed 000: lively first days, quiet after a week. With novelty (the default) week-3 DAU
    is below 70% of week 1 on average over 6 seeds; with `novelty.effect: 0` it stays above
    80% (what decay is left comes from members who leave or mute)."""
    world = closed(**({} if effect is None else {"novelty": {"effect": effect}}))
    weeks = np.array([weekly_dau(world, s) for s in SEEDS])
    ratio = weeks[:, 2].mean() / weeks[:, 0].mean()
    assert (ratio < 0.7) if decays else (ratio > 0.8), ratio


def test_novelty_is_worn_out_by_reading_and_renewed_by_content():
    """Novelty falls as members read each other, and operator content brings it back."""
    world = closed()
    plain = CommunityModel(world, seed=1).run(14)
    talks = CommunityModel(world, strategies.build([{"content_schedule": {"every": 1}}]), seed=1).run(14)
    assert plain.community.members.novelty.mean() < 0.2  # it started at 1 for everyone
    assert talks.community.members.novelty.mean() > 2 * plain.community.members.novelty.mean()


def share_fallen_silent(world: World, seed: int) -> float:
    """Of the members who first posted in week 1, the share who posted nothing in the last 7 of 28 days."""
    c = CommunityModel(world, seed=seed).run(28).community
    early = (c.first_post >= 0) & (c.first_post < 7)
    return float(np.mean(c.last_post[early] < 21))


def test_members_fall_silent_as_novelty_wears_off():
    """Silence: with novelty, more of week 1's posters are silent by week 4 than without
    (in at least 5 of 6 seeds, and by 10 points on average)."""
    on = np.array([share_fallen_silent(closed(), s) for s in SEEDS])
    off = np.array([share_fallen_silent(closed(novelty={"effect": 0}), s) for s in SEEDS])
    assert (on > off).sum() >= 5 and on.mean() - off.mean() > 0.10, (on, off)


# ---- habituation: the same reward buys less each time; stopping it disappoints ---------------
STEADY = {"population": {"patience_median": 1e6, "attention_median": 1e6},  # the same 300 members in both arms: nobody leaves, mutes or is overloaded
          "satisfaction": {"spam_turn_rate": 0, "base_leave_rate": 0, "mute_rate": 0, "silent_mute_rate": 0},
          "response": {"thanks_per_grab": 0}}
DAILY_PACKET = [{"red_packet": {"amount": 3000, "shares": 300, "every": 1, "stop": 34}}]  # 10 yuan each, days 0-34


def packet_lift(habituation: float) -> np.ndarray:
    """Mean satisfaction with daily packets minus without, per seed: week 1, week 5, days 40-49."""
    world = closed(satisfaction={**STEADY["satisfaction"], "habituation": habituation},
                   **{k: v for k, v in STEADY.items() if k != "satisfaction"})
    out = []
    for s in range(4):
        a, b = CommunityModel(world, strategies.build(DAILY_PACKET), seed=s), CommunityModel(world, [], seed=s)
        gap = []
        for _ in range(50):
            a.step()
            b.step()
            gap.append(a.community.members.satisfaction.mean() - b.community.members.satisfaction.mean())
        gap = np.array(gap)
        out.append((gap[:7].mean(), gap[28:35].mean(), gap[40:].mean()))
    return np.array(out)


def test_habituation_the_same_packet_buys_less_and_stopping_disappoints():
    """Seeds 000/004. Expectations adapt (habituation 0.8): after four weeks of daily
    packets the satisfaction they buy is less than twice the week-1 lift, and ten days
    after they stop members are less satisfied than members who never got any. With
    `habituation: 0` the lift keeps growing (over twice week 1) and stopping leaves members
    no worse off than without packets. Every one of 4 seeds."""
    on, off = packet_lift(0.8), packet_lift(0.0)
    assert (on[:, 1] < 2 * on[:, 0]).all() and (on[:, 2] < 0).all(), on
    assert (off[:, 1] > 2 * off[:, 0]).all() and (off[:, 2] > 0).all(), off


def test_slide_into_an_ad_group_comes_from_members_who_stay_unhappy():
    """Seed 004: a member who gets nothing but stays posts ads "to recover sunk time", and
    ads erode norms, which makes more turn (seeds 001/003). In patient groups with weak norms
    (0.4) some of 6 runs slide into ad groups (collapse) and the ad share of the last two
    weeks averages over 10%; with `spam_turn_rate: 0` no member ever posts an ad."""
    def outcomes(turn=None):
        sat = {} if turn is None else {"spam_turn_rate": turn}
        world = closed(population={"size": 3000, "patience_median": 60}, groups={"norms": 0.4}, satisfaction=sat)
        share, fell, ads_total = [], [], 0
        for s in SEEDS:
            m = CommunityModel(world, seed=s).run(90)
            ads = sum(d["spam"] for d in m.daily[-14:])
            share.append(ads / max(1, ads + sum(d["messages"] for d in m.daily[-14:])))
            fell.append(measure(m)["collapsed"])
            ads_total += sum(d["spam"] for d in m.daily)
        return np.mean(share), sum(fell), ads_total

    share, fell, _ = outcomes()
    assert share > 0.1 and fell >= 1, (share, fell)
    share, fell, ads = outcomes(0.0)
    assert ads == 0 and fell == 0
