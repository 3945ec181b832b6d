"""The default model against the published figures in DOMAIN.md (tolerances stated per test).

Each check pools a few replications of a small world; `-m slow` reruns them on more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.outcomes import measure

from .conftest import run, small_world

REPS = 4


def pooled(world, reps=REPS, days=60, first_seed=1):
    return [run(world, seed=first_seed + r, days=days) for r in range(reps)]


@pytest.mark.parametrize("reps", [REPS, pytest.param(16, marks=pytest.mark.slow)])
def test_joining_rises_with_friends_inside_with_diminishing_returns(reps):
    """Backstrom et al. 2006: P(join | k friends inside) rises with k and levels off."""
    w = small_world(population={"size": 5000}, spreading={"forward_rate": 0.03})
    models = pooled(w, reps=reps)
    exposed = sum(m.exposed_by_k for m in models)
    joined = sum(m.joined_by_k for m in models)
    p = joined[1:5] / exposed[1:5]  # k = 1..4
    se = np.sqrt(p * (1 - p) / exposed[1:5])
    assert exposed[1:5].min() > 50
    assert p[1] - p[0] > 2 * np.hypot(se[0], se[1])  # 2 friends beat 1, beyond noise
    assert p[3] > p[0]
    assert p[3] / p[0] < 3.0  # far from proportional to k: diminishing returns


@pytest.mark.parametrize("reps", [REPS, pytest.param(12, marks=pytest.mark.slow)])
def test_participation_is_unequal(reps):
    """van Mierlo 2014 / 90-9-1: most members never post; the top 10% write most messages."""
    models = pooled(small_world(population={"size": 5000}), reps=reps, days=90)
    for m in models:
        c = m.community
        msgs = np.sort(c.messages[c.ever])[::-1]
        assert (msgs == 0).mean() > 0.5  # more than half never posted
        assert msgs[: len(msgs) // 10].sum() / msgs.sum() > 0.8  # top 10% write > 80%
        assert measure(m)["message_gini"] > 0.85


@pytest.mark.parametrize("reps", [REPS, pytest.param(16, marks=pytest.mark.slow)])
def test_honeymoon_then_decay(reps):
    """Seed 000: lively first days, quiet after a week: week-3 DAU below 80% of week-1 DAU on average."""
    models = pooled(small_world(population={"size": 5000}), reps=reps, days=21)
    week = np.array([[np.mean([d["dau"] for d in m.daily[i * 7:(i + 1) * 7]]) for i in range(3)] for m in models])
    assert week[:, 2].mean() < 0.8 * week[:, 0].mean()


def test_overload_raises_mutes():
    """CYD 2020: group messages disturb people and they mute. Less attention -> more muting (paired seeds)."""
    lo = small_world(population={"attention_median": 20})
    hi = small_world(population={"attention_median": 400})
    diffs = [measure(run(lo, seed=s))["muted_share_final"] - measure(run(hi, seed=s))["muted_share_final"] for s in range(REPS)]
    assert min(diffs) > 0


def test_per_member_posting_falls_with_group_size_but_not_in_proportion():
    """Bystander effect (Blair et al. 2005): per-member posts fall with size; group totals still rise."""
    def rates(groups, members):
        w = small_world(groups={"initial": groups, "initial_members": members}, arrivals={"per_day": 0},
                        spreading={"forward_rate": 0.0})
        per_member, per_group = [], []
        for s in range(REPS):
            m = run(w, seed=s, days=30)
            msgs = sum(d["messages"] for d in m.daily)
            per_member.append(msgs / (groups * members * 30))
            per_group.append(msgs / (groups * 30))
        return np.mean(per_member), np.mean(per_group)

    small_m, small_g = rates(10, 30)
    big_m, big_g = rates(1, 300)
    assert big_m < small_m
    assert big_g > small_g
