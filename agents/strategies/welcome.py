"""Welcome: greet every newcomer, invite them to introduce themselves, answer their posts.

Mechanism. Seed 001: a joining ritual builds belonging (仪式感, 归属感). Joyce & Kraut
(JCMC 2006): newcomers whose first post got a reply came back to post again 56% of the
time, against 44% without one. The admin greets each newcomer personally on their first
day (recognition: world.response.recognition_utility) and asks them to introduce
themselves (the usual "新人请自我介绍": world.response.introduction_rate ritual messages,
counted in `ritual_messages_total`, not in conversation); during their first week the
admin answers their posts: the chance a newcomer's post gets a reply rises by `reply`
(a reply is worth world.reading.reply_reward).

Causal path: recognition and replies -> utility -> satisfaction -> newcomers post again
and stay. Introductions add to the reading load but are not conversation.

Cost: operator minutes per newcomer (greeting, answering).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..codes import MOVED
from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

JK = "Joyce & Kraut, JCMC 2006"


@register
class Welcome(Strategy):
    key = "welcome"

    class Params(LeverParams):
        reply: float = param(0.5, "probability", "extra chance that a newcomer's post in their first week gets a reply", JK, ge=0, le=1)
        minutes_per_newcomer: float = param(5.0, "minutes", "operator minutes per newcomer (greeting, answering)", ge=0)

    def setup(self, op: "Operator") -> None:
        c = op.community
        self.logged = len(c.log)
        self.greeted = np.zeros(c.people.size, bool)
        self.count = 0

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p, r = op.community, self.params, op.world.response
        live = np.flatnonzero(c.groups.live)
        fx.newcomer_reply[live] = np.minimum(1.0, fx.newcomer_reply[live] + p.reply)
        new = self._newcomers(c)
        done = op.work(self.key, p.minutes_per_newcomer / 60 * len(new))  # newcomers beyond the operator's hours go unwelcomed
        new = new[: int(round(done * len(new)))]
        fx.person_utility[new] += r.recognition_utility
        fx.ritual_posts[new] += r.introduction_rate
        self.greeted[new] = True
        self.count += len(new)
        fx.pay(self.key, hours=p.minutes_per_newcomer / 60 * len(new))

    def linger(self, op: "Operator", day: int, fx: "Effects") -> None:
        self.logged = len(op.community.log)  # nobody greets people who came on other days

    def _newcomers(self, c) -> np.ndarray:
        """People who joined since the last look and have not been greeted (moves are not arrivals)."""
        came = [e[2][e[5] != MOVED] for e in c.log[self.logged:]]
        self.logged = len(c.log)
        people = np.unique(np.concatenate(came)) if came else np.zeros(0, np.int64)
        people = people[~self.greeted[people] & (c.n_groups[people] > 0)]
        return people

    def report(self, op: "Operator") -> dict[str, float]:
        return {"greeted": self.count}
