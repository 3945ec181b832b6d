"""Content schedule (PGC): expert talks or posts in every group on a schedule.

Mechanism. Seed 000/001/004: regular sharing by invited experts keeps a group alive
("PGC: regularly invite industry experts to share and interact"); a learning group
lives on steady output, and when sharing stops and nothing replaces it the group dies
(seed 001). On a session day the expert posts `posts` valuable messages in each live
group (a talk is a burst of messages), the session's quality multiplies the value
members draw from valuable messages that day (`quality`), and members talk about it:
posting rises by `talk` on the day and the extra talk fades over the following days
(e-folding `afterglow_days`). Nothing else remains: when the schedule ends (`stop`, or
a `days` list that runs out), the group is left with what its members write. Default
schedule: weekly.

Expected effect: more members talking (`dau_mean`, `active_ratio_final` rise) while the
schedule runs. The lift ends with the schedule — and in the default world the groups are
then quieter than if there had been no talks: the bursts of messages made some members
mute the group or leave (seed 001: when sharing stops, the group dies).

Cost: a speaker fee per session, and operator hours per session in each group (hosting,
relaying the talk).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

PGC = "seed 000/001/004 (PGC)"


@register
class ContentSchedule(Strategy):
    key = "content_schedule"

    class Params(LeverParams):
        every: int | None = param(7, "days", "act every N days, counted from `start` (default: a weekly session)", ge=1)
        posts: float = param(20.0, "messages", "valuable messages the expert posts in each group per session (a talk is a burst)", PGC, ge=0)
        quality: float = param(1.5, "x", "value members draw from valuable messages on a session day (x)", PGC, ge=0)
        talk: float = param(1.0, "+share", "extra posting by members on a session day (discussion): 1 = double", PGC, ge=0)
        afterglow_days: float = param(2.0, "days", "e-folding time of the extra talk after a session", gt=0)
        fee: float = param(500.0, "currency", "speaker fee per session", ge=0)
        hours_per_group: float = param(1.0, "hours", "operator hours per session in each group (hosting, relaying)", ge=0)

    def setup(self, op: "Operator") -> None:
        self.last: int | None = None
        self.sessions = 0

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        p = self.params
        live = np.flatnonzero(op.community.groups.live)
        fx.operator_posts[live] += p.posts
        fx.value_boost[live] *= p.quality
        fx.post_boost[live] *= 1 + p.talk
        self.last = day
        self.sessions += 1
        fx.pay(self.key, money=p.fee, hours=p.hours_per_group * len(live))

    def linger(self, op: "Operator", day: int, fx: "Effects") -> None:
        if self.last is None:
            return
        glow = self.params.talk * np.exp(-(day - self.last) / self.params.afterglow_days)
        if glow > 1e-3:
            live = np.flatnonzero(op.community.groups.live)
            fx.post_boost[live] *= 1 + glow

    def report(self, op: "Operator") -> dict[str, float]:
        return {"sessions": self.sessions}
