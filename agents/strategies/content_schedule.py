"""Content schedule (PGC): expert talks or posts in every group on a schedule.

Mechanism. Seed 000/001/004: regular sharing by invited experts keeps a group alive
("PGC: regularly invite industry experts to share and interact"); a learning group
lives on steady output, and when sharing stops and nothing replaces it the group dies
(seed 001). On a session day the expert posts `posts` valuable messages in each live
group (a talk is a burst of messages). That is all the lever does: the posts are content
members read (value, against their attention) and new content (world.novelty.content),
so it renews what is new to members and they talk more — for as long as the novelty
lasts. When the schedule ends, the group is left with what its members write, and with
expectations that the talks raised (world.satisfaction.adaptation).

Causal path: expert posts -> value read and novelty renewed -> members post more and are
more satisfied; a burst also adds to the reading load (overload, muting). The posts
themselves are counted in `ritual_messages_total`, not in conversation.

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
        fee: float = param(500.0, "currency", "speaker fee per session", ge=0)
        hours_per_group: float = param(1.0, "hours", "operator hours per session in each group (hosting, relaying)", ge=0)

    def setup(self, op: "Operator") -> None:
        self.sessions = 0

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        p = self.params
        live = np.flatnonzero(op.community.groups.live)
        fx.operator_posts[live] += p.posts
        self.sessions += 1
        fx.pay(self.key, money=p.fee, hours=p.hours_per_group * len(live))

    def report(self, op: "Operator") -> dict[str, float]:
        return {"sessions": self.sessions}
