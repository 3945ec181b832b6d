"""Referral reward (裂变, fission): pay members for every friend who joins through them.

Mechanism. Seed 004: fission growth — incentive policies, posters and rewards get
members to invite their friends; growth spreads along the social network. While the
offer stands a member earns `reward` per friend who joins through them, up to
`max_rewards`, and an invited friend gets a joining `gift`. How members respond is the
world's: they forward content 1 + world.spreading.reward_forwarding x `reward` times as
often (members who have earned the most stop), and a friend's fit counts the gift,
world.spreading.gift_fit per currency unit, whatever their interest in the topic. So
more friends join, and more of them for the gift than for the topic.

Causal path: money offered -> more forwards -> more invitations; the gift -> lower-fit
joiners, who get less from the group and leave sooner (`retention_d30` falls where
invited joiners outnumber the launch cohort).

Cost: the rewards and gifts paid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import INVITED
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
        gift: float = param(5.0, "currency", "given to each invited friend who joins (a coupon, a gift)", FISSION, ge=0)
        max_rewards: int = param(20, "invitations", "most rewarded invitations per member", ge=0)

    def setup(self, op: "Operator") -> None:
        c = op.community
        self.logged = len(c.log)
        self.earned = np.zeros(c.people.size, np.int64)
        self.rewarded = 0

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        p = self.params
        eager = np.flatnonzero(self.earned < p.max_rewards)
        fx.forward_boost[eager] *= 1 + op.world.spreading.reward_forwarding * p.reward
        fx.join_gift += p.gift

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
                gifts = int(np.count_nonzero(inviters >= 0))
                if total or gifts:
                    op.pay(self.key, money=p.reward * total + p.gift * gifts)
        self.logged = len(c.log)

    def report(self, op: "Operator") -> dict[str, float]:
        return {"rewarded_invitations": self.rewarded, "members_rewarded": int(np.count_nonzero(self.earned))}
