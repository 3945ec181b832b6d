"""The default model against the published figures in DOMAIN.md, with the published numbers.

Each test measures an output that no single equation of the model states, pools a few
replications of the default world (its 20,000 people, 90 days: the world
calibration/published.yaml fits, so the test measures what was fitted) and compares it with the
published figure within the tolerance stated in its docstring. Where the model misses,
the test is an expected failure (`xfail(strict=True)`: it must keep failing until the
model is fixed, and then the marker must go) and the gap is listed in docs/model.md,
"Known gaps". A threshold is never moved below the published value to make a test pass.
`make test-slow` repeats the passing checks on more replications.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from agents import strategies
from agents.community import NEVER
from agents.world import World
from sim.model import CommunityModel
from sim.outcomes import measure

DAYS = 90
REPS = 4
DEFAULT: dict = {}  # the default world as it is: a smaller population gives other shares


@lru_cache(maxsize=None)
def default_run(seed: int, levers: str = "") -> CommunityModel:
    items = [{levers: {}}] if levers else []
    return CommunityModel(World.model_validate(DEFAULT), strategies.build(items), seed=seed).run(DAYS)


def runs(reps: int = REPS, levers: str = "") -> list[CommunityModel]:
    return [default_run(s, levers) for s in range(1, reps + 1)]


def message_shares(model: CommunityModel) -> tuple[float, float, float]:
    """Share of people who ever joined and never posted; message shares of the top 1% and the next 9%."""
    c = model.community
    msgs = np.sort(c.messages[c.ever])[::-1]
    n = len(msgs)
    return float(np.mean(msgs == 0)), msgs[: max(1, n // 100)].sum() / msgs.sum(), msgs[n // 100: n // 10].sum() / msgs.sum()


GAP = "docs/model.md, Known gaps: "


@pytest.mark.xfail(strict=True, reason=GAP + "participation inequality — about 73-74% never post (published: more than 75%)")
def test_fewer_than_a_quarter_ever_post():
    """van Mierlo 2014 (63,990 members): fewer than 25% ever posted, so at least 75% never did."""
    never = np.mean([message_shares(m)[0] for m in runs()])
    assert never >= 0.75, never


@pytest.mark.parametrize("reps", [REPS, pytest.param(12, marks=pytest.mark.slow)])
def test_top_one_percent_write_three_quarters(reps):
    """van Mierlo 2014: the top 1% wrote 74.7% of messages. Tolerance: 5 points."""
    top1 = np.mean([message_shares(m)[1] for m in runs(reps)])
    assert abs(top1 - 0.747) <= 0.05, top1


@pytest.mark.parametrize("reps", [REPS, pytest.param(12, marks=pytest.mark.slow)])
def test_next_nine_percent_write_a_quarter(reps):
    """van Mierlo 2014: the next 9% wrote 24.0% of messages. Tolerance: 5 points."""
    next9 = np.mean([message_shares(m)[2] for m in runs(reps)])
    assert abs(next9 - 0.240) <= 0.05, next9


@pytest.mark.parametrize("reps", [REPS, pytest.param(12, marks=pytest.mark.slow)])
def test_about_forty_percent_of_posts_go_unanswered(reps):
    """Burke, Joyce, Kim, Anand & Kraut 2007 (99 Usenet groups): about 40% of thread-starting
    messages got no reply. Measured: posting member-days with no reply. Tolerance: 8 points."""
    unanswered = [1 - sum(d["answered"] for d in m.daily) / sum(d["posted"] for d in m.daily) for m in runs(reps)]
    assert abs(np.mean(unanswered) - 0.40) <= 0.08, unanswered


def newcomer_return(models: list[CommunityModel]) -> tuple[float, float]:
    """Share of people whose first post got a reply / got none who posted again (first posts
    at least 14 days before the end, so that there was time to come back)."""
    again, replied = [], []
    for m in models:
        c = m.community
        seen = (c.first_post != NEVER) & (c.first_post < m.day - 14)
        again.append(c.last_post[seen] > c.first_post[seen])
        replied.append(c.first_replied[seen])
    again, replied = np.concatenate(again), np.concatenate(replied)
    return float(again[replied].mean()), float(again[~replied].mean())


@pytest.mark.xfail(strict=True, reason=GAP + "newcomer effect — a reply to a first post barely changes whether newcomers post again (published: +12 points)")
def test_a_reply_to_a_newcomers_first_post_brings_them_back():
    """Joyce & Kraut 2006: newcomers whose first post got a reply posted again 56% of the time,
    against 44% without one: +12 points. Tolerance: the model's difference within 6 points of 12.
    On 12 replications: on seeds 1-4 alone the difference is +6, at the edge of the tolerance
    by luck (+1 on the 8 of docs/model.md §9)."""
    with_reply, without = newcomer_return(runs(12))
    assert abs((with_reply - without) - 0.12) <= 0.06, (with_reply, without)


@pytest.mark.xfail(strict=True, reason=GAP + "muting — about 44% of members mute their group (survey: 74.6% mute groups, of people in 10-30 groups)")
def test_three_quarters_mute_groups():
    """China Youth Daily 2020 (2,002 WeChat users): 74.6% mute groups. Measured: members who
    muted their group by day 90. Tolerance: 10 points."""
    muted = np.mean([measure(m)["muted_share_final"] for m in runs()])
    assert abs(muted - 0.746) <= 0.10, muted


@pytest.mark.xfail(strict=True, reason=GAP + "leaving — about 23% of people who joined have left by day 90 (survey: 38.4% actively leave groups)")
def test_over_a_third_leave_groups():
    """China Youth Daily 2020: 38.4% actively leave groups. Measured: people who ever joined
    and left the community by day 90, on 12 replications: the share varies from 13% to 58%
    by run (a run sliding into an ad group loses most of its members), so 4 runs with one
    such run would decide by luck. Tolerance: 10 points."""
    left = np.mean([measure(m)["left_total"] / measure(m)["joined_total"] for m in runs(12)])
    assert abs(left - 0.384) <= 0.10, left


@pytest.mark.xfail(strict=True, reason=GAP + "red packets — weekly packets do not raise conversation in the default world (published: they raise participation)")
def test_red_packets_raise_participation():
    """Yuan et al. 2017 (61M packets): red packets raise group participation. Direction only
    (no number to compare): weekly packets raise dau_mean in every one of 4 paired runs."""
    lifts = [measure(a)["dau_mean"] - measure(b)["dau_mean"] for a, b in zip(runs(levers="red_packet"), runs())]
    assert min(lifts) > 0, lifts


@pytest.mark.parametrize("reps", [REPS, pytest.param(12, marks=pytest.mark.slow)])
def test_joining_rises_with_friends_in_the_community_with_diminishing_returns(reps):
    """Backstrom et al. 2006: the chance to join rises with the number of friends in the
    community, with diminishing returns (the paper's curve; shape only, no number is
    compared). Measured over every exposure of the runs, so placement, one invitation per
    person a day and tie density all enter: P(2) > P(1) beyond 2 s.e., and the step from
    3 to 4 friends is smaller than the step from 1 to 2."""
    models = runs(reps)
    exposed = sum(m.exposed_by_k for m in models)[1:5]
    joined = sum(m.joined_by_k for m in models)[1:5]
    assert exposed.min() > 50
    p = joined / exposed
    se = np.sqrt(p * (1 - p) / exposed)
    assert p[1] - p[0] > 2 * np.hypot(se[0], se[1])
    assert p[3] - p[2] < p[1] - p[0]


def test_bigger_audiences_reply_less_per_person_but_not_in_proportion():
    """Blair, Thompson & Wuensch 2005: a request seen by more people gets fewer replies per
    person, not in proportion to group size. Ten groups of 30 against one of 300 (closed,
    same people count): per-member posting is lower in the big group, group totals higher."""
    def rates(groups, members):
        w = World.model_validate({"population": {"size": 3000}, "groups": {"initial": groups, "initial_members": members},
                                  "arrivals": {"per_day": 0}, "spreading": {"forward_rate": 0.0}})
        msgs = np.mean([sum(d["messages"] for d in CommunityModel(w, seed=s).run(30).daily) for s in range(REPS)])
        return msgs / (groups * members), msgs / groups

    small_member, small_group = rates(10, 30)
    big_member, big_group = rates(1, 300)
    assert big_member < small_member and big_group > small_group
