"""Moderation: group rules and admins who enforce them.

Mechanism. Seed 001/003/004: rules and admins keep a group's quality; "without them
ads and spam make people mute the group", and a group nobody enforces rules in slides
into an ad group and dissolves (seed 004: an operator deleted hundreds of free groups
that had turned into ad groups). A member who gets no value but stays starts posting
ads to recover sunk time (seed 004). Admins here:
- delete a share `spam_removal` of ads before members read them;
- remove a member who posts ads with a daily chance `spammer_removal` (repeat
  offenders are caught);
- enforce rules visibly, which deters would-be ad posters (how much is the world's:
  world.satisfaction.deterrence);
- shore up norms by `norm_support` a day (the ad share erodes norms; rules restore them).

Causal path: a lower `spam_share` (fewer members turn to ads and those who do are
removed), and readers spared the ads that were deleted.

Cost: admin hours per live group per day.
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

RULES = "seed 001/003/004 (rules and admins)"


@register
class Moderation(Strategy):
    key = "moderation"

    class Params(LeverParams):
        spam_removal: float = param(0.8, "share", "share of ads admins delete before members read them", RULES, ge=0, le=1)
        spammer_removal: float = param(0.3, "1/day", "daily chance that a member who posts ads is removed from the group", RULES, ge=0, le=1)
        norm_support: float = param(0.01, "1/day", "added to a group's norms each day rules are enforced", RULES, ge=0, le=1)
        hours_per_group_day: float = param(0.5, "hours", "admin hours per live group per day", ge=0)

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        p, c = self.params, op.community
        live = np.flatnonzero(c.groups.live)
        done = op.work(self.key, p.hours_per_group_day * len(live))  # the operator's hours may not stretch to every group
        live = live[np.argsort(-c.group_sizes()[live], kind="stable")][: int(round(done * len(live)))]
        fx.spam_removal[live] = np.maximum(fx.spam_removal[live], p.spam_removal)
        fx.spammer_removal[live] = np.maximum(fx.spammer_removal[live], p.spammer_removal)
        fx.spam_deterrence[live] *= 1 - op.world.satisfaction.deterrence
        fx.norm_support[live] += p.norm_support
        fx.pay(self.key, hours=p.hours_per_group_day * len(live))
