"""Referral reward (裂变, fission): pay members for every friend who joins through them.

Mechanism. Seed 004: fission growth — incentive policies, posters and rewards get
members to invite their friends; growth spreads along the social network. While the
reward is offered members forward content `forward_boost` times as often (posters,
invitation links), and a friend's chance to accept counts the reward too: `join_incentive`
is added to their fit, whatever their interest in the topic. So more friends join, and
more of them join for the reward than for the topic: lower-fit joiners who get less out
of the group and leave sooner. A member earns `reward` per friend who joins, up to
`max_rewards`; members who have reached it stop forwarding more than usual.

Expected effect: more joiners by invitation (`joined_total`, `referral_join_share`
rise), of lower fit: their mean interest falls, so a smaller share of members talks
(`active_ratio_final` falls) and, where invited joiners outnumber the launch cohort,
fewer stay (`retention_d30` falls).

Cost: the rewards paid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..community import INVITED
from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

FISSION = "seed 004 (裂变 posters and rewards)"


@register
class ReferralReward(Strategy):
    key = "referral_reward"

    class Params(LeverParams):
        reward: float = param(5.0, "currency", "paid to a member for each friend who joins through them", FISSION, ge=0)
        forward_boost: float = param(3.0, "x", "members forward content this many times as often while rewards are offered", FISSION, ge=1)
        join_incentive: float = param(0.5, "fit", "added to an invited friend's fit (2 x interest, at most 2): the reward draws people with little interest", FISSION, ge=0)
        max_rewards: int = param(20, "invitations", "most rewarded invitations per member", ge=0)

    def setup(self, op: "Operator") -> None:
        c = op.community
        self.logged = len(c.log)
        self.earned = np.zeros(c.people.size, np.int64)
        self.rewarded = 0

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        p = self.params
        eager = np.flatnonzero(self.earned < p.max_rewards)
        fx.forward_boost[eager] *= p.forward_boost
        fx.join_incentive += p.join_incentive

    def settle(self, op: "Operator", day: int, today: dict[str, Any]) -> None:
        c, p = op.community, self.params
        if self.fired_today(day):  # invitations accepted today, while the reward was on
            inviters = [e[1][e[5] == INVITED] for e in c.log[self.logged:]]
            if inviters:
                inviters = np.concatenate(inviters)
                inviters = inviters[inviters >= 0]
                n = np.bincount(inviters, minlength=c.people.size)
                paid = np.minimum(n, np.maximum(p.max_rewards - self.earned, 0))
                self.earned += paid
                total = int(paid.sum())
                self.rewarded += total
                if total:
                    op.pay(self.key, money=p.reward * total)
        self.logged = len(c.log)

    def report(self, op: "Operator") -> dict[str, float]:
        return {"rewarded_invitations": self.rewarded, "members_rewarded": int(np.count_nonzero(self.earned))}
