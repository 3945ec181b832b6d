"""Daily check-in (打卡) with points, streaks and badges.

Mechanism. Seed 002/004: a daily check-in that earns points (redeemable for gifts),
levels and badges raises activity; in a sports app's group people came "at first only
to post their check-in records", then began sharing tips (seed 002); learning groups
run on daily 打卡 (seed 004). Each day a member who has a group at hand (not muted
everywhere) checks in with chance `rate` x min(1, 2 x interest) (the keen check in),
which fades as the novelty of the campaign wears off: t days after it began the chance
is multiplied by `habit` + (1 - habit) x exp(-t / `fatigue_days`); a member who checked
in yesterday checks in again with chance `keep` (a streak). A check-in is a
message in one's groups (`in_group`: the 打卡 post, one message on average, read by
others as chit-chat; `in_group: false` for a check-in inside an app), earns points worth
`points_utility` and nudges the member to say more that day (`nudge`); a streak of
`badge_days` daily check-ins earns a badge worth `badge_utility`.

Expected effect: more members active (`active_ratio_final`, `dau_mean` rise) — a lift
that shrinks as fatigue sets in but does not vanish (`habit`); more chit-chat to read.

Cost: the points (money per check-in, redeemed as gifts) and a little operator time a day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..community import NEVER
from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

CHECKIN = "seed 002/004 (签到, 打卡, points)"


@register
class CheckIn(Strategy):
    key = "check_in"

    class Params(LeverParams):
        rate: float = param(0.02, "probability/day", "chance a keen member checks in on a day, at first (x min(1, 2 x interest))", CHECKIN, ge=0, le=1)
        keep: float = param(0.7, "probability", "chance of checking in again the day after a check-in (streaks)", CHECKIN, ge=0, le=1)
        fatigue_days: float = param(21.0, "days", "e-folding time over which the novelty of the check-in wears off", CHECKIN, gt=0)
        habit: float = param(0.3, "share", "share of the first check-in rate that lasts once the novelty is gone", ge=0, le=1)
        in_group: bool = param(True, "-", "a check-in is a message in one's groups (the 打卡 post); false: it happens in an app", CHECKIN)
        points_utility: float = param(0.05, "utility", "utility of the points one check-in earns", ge=0)
        nudge: float = param(0.2, "+share", "extra posting in one's groups on a day one checks in", CHECKIN, ge=0)
        badge_days: int = param(7, "days", "a streak of this many daily check-ins earns a badge", ge=1)
        badge_utility: float = param(0.3, "utility", "utility of earning a badge", ge=0)
        point_cost: float = param(0.05, "currency", "cost of the points of one check-in (redeemed as gifts)", ge=0)
        hours_per_day: float = param(0.2, "hours/day", "operator hours a day to run the check-in (reminders, gifts)", ge=0)

    def setup(self, op: "Operator") -> None:
        n = op.community.people.size
        self.streak = np.zeros(n, np.int64)
        self.last = np.full(n, NEVER, np.int64)
        self.began: int | None = None
        self.checkins = self.badges = 0
        self.by_day: dict[int, tuple[int, int]] = {}  # day -> (check-ins, members able to)

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p = op.community, self.params
        m = c.members
        if self.began is None:
            self.began = day
        able = np.flatnonzero(np.bincount(m.person[~m.muted], minlength=c.people.size))
        keen = np.minimum(1.0, 2.0 * c.people.interest[able])
        novelty = p.habit + (1 - p.habit) * np.exp(-(day - self.began) / p.fatigue_days)
        chance = np.where(self.last[able] == day - 1, p.keep, p.rate * keen * novelty)
        who = able[self.rng.random(len(able)) < chance]
        self.streak[who] = np.where(self.last[who] == day - 1, self.streak[who] + 1, 1)
        self.last[who] = day
        badge = who[self.streak[who] % p.badge_days == 0]
        fx.person_utility[who] += p.points_utility
        fx.person_utility[badge] += p.badge_utility
        fx.person_post_boost[who] *= 1 + p.nudge
        if p.in_group:
            fx.chat_posts[who] += 1.0
        self.checkins += len(who)
        self.badges += len(badge)
        self.by_day[day] = (len(who), len(able))
        fx.pay(self.key, money=p.point_cost * len(who), hours=p.hours_per_day)

    def report(self, op: "Operator") -> dict[str, float]:
        days = sorted(self.by_day)
        rate = [self.by_day[d][0] / max(self.by_day[d][1], 1) for d in days]
        return {"checkins": self.checkins, "badges": self.badges,
                "rate_first_week": float(np.mean(rate[:7])) if rate else 0.0,
                "rate_last_week": float(np.mean(rate[-7:])) if rate else 0.0}
