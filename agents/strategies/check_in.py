"""Daily check-in (打卡) with points, streaks and badges.

Mechanism. Seed 002/004: a daily check-in that earns points (redeemable for gifts),
levels and badges raises activity; in a sports app's group people came "at first only
to post their check-in records", then began sharing tips (seed 002); learning groups
run on daily 打卡 (seed 004). While the lever runs, members are offered a check-in.
Whether they check in is theirs to decide (world.response): a keen member who has a
group at hand (not muted everywhere) checks in with chance `checkin_rate` x
min(1, 2 x interest) x mood, and again the next day with chance `checkin_streak` x
min(1, mood), where mood is the posting factor of their satisfaction
(world.posting.mood_weight): the unhappy break their streaks.
A check-in earns points worth `point_value` (money to the member:
world.response.money_utility per unit); a streak of `badge_days` earns a badge
(world.response.recognition_utility). With `in_group`, the 打卡 post is a ritual message
in one's groups (counted in `ritual_messages_total`, not in conversation).

No fatigue curve: as points become what members are used to, their expectations rise
(world.satisfaction.adaptation), so points buy less satisfaction, moods and check-ins
settle, and stopping leaves members below their new expectations.

Causal path: points and badges -> utility -> satisfaction -> mood -> members post and
stay; check-in posts add to the reading load.

Cost: the points (money per check-in, redeemed as gifts) and a little operator time a day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..codes import NEVER
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
        point_value: float = param(1.0, "currency", "what the points of one check-in are worth to the member (redeemed as gifts)", CHECKIN, ge=0)
        badge_days: int = param(7, "days", "a streak of this many daily check-ins earns a badge", CHECKIN, ge=1)
        in_group: bool = param(True, "-", "a check-in is a message in one's groups (the 打卡 post); false: it happens in an app", CHECKIN)
        hours_per_day: float = param(0.2, "hours/day", "operator hours a day to run the check-in (reminders, gifts)", ge=0)

    def setup(self, op: "Operator") -> None:
        n = op.community.people.size
        self.streak = np.zeros(n, np.int64)
        self.last = np.full(n, NEVER, np.int64)
        self.checkins = self.badges = 0
        self.by_day: dict[int, tuple[int, int]] = {}  # day -> (check-ins, members able to)

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p, w = op.community, self.params, op.world
        r = w.response
        m = c.members
        able_rows = np.flatnonzero(~m.muted)
        able, first = np.unique(m.person[able_rows], return_index=True)
        mood = np.clip(1 + w.posting.mood_weight * m.satisfaction[able_rows[first]], 0.05, 2.0)
        keen = np.minimum(1.0, 2.0 * c.people.interest[able])
        chance = np.where(self.last[able] == day - 1, r.checkin_streak * np.minimum(mood, 1.0), r.checkin_rate * keen * mood)
        who = able[self.rng.random(len(able)) < chance]
        self.streak[who] = np.where(self.last[who] == day - 1, self.streak[who] + 1, 1)
        self.last[who] = day
        badge = who[self.streak[who] % p.badge_days == 0]
        fx.person_utility[who] += r.money_utility * p.point_value
        fx.person_utility[badge] += r.recognition_utility
        if p.in_group:
            fx.ritual_posts[who] += 1.0
        self.checkins += len(who)
        self.badges += len(badge)
        self.by_day[day] = (len(who), len(able))
        fx.pay(self.key, money=p.point_value * len(who), hours=p.hours_per_day)

    def report(self, op: "Operator") -> dict[str, float]:
        days = sorted(self.by_day)
        rate = [self.by_day[d][0] / max(self.by_day[d][1], 1) for d in days]
        return {"checkins": self.checkins, "badges": self.badges,
                "rate_first_week": float(np.mean(rate[:7])) if rate else 0.0,
                "rate_last_week": float(np.mean(rate[-7:])) if rate else 0.0}
