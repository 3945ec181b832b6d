"""Red packets (红包): the operator drops money into each group; members grab shares.

Mechanism.
- Grabbing. A packet of `amount` is split into `shares`; members who see it (not muted,
  or muted but happening to look, world.reading.muted_read_share) grab in random order
  until the shares run out. A grabber receives money (worth world.response.money_utility
  per unit) and posts a ritual thank-you (world.response.thanks_per_grab messages,
  counted in `ritual_messages_total`, not in conversation).
- Reciprocity. Recipients send back world.response.reciprocity (0.18, Yuan et al. 2019)
  of what they got as their own packets to the group the next day; those are grabbed in
  the same way, while a packet is worth at least world.response.min_return_packet.
  Members pay for these, not the operator.
- Habituation is not in the lever. The money raises members' utility, and their
  expectations adapt to what they have been getting (world.satisfaction.adaptation): the
  same packet buys less satisfaction each time, and when packets stop members are left
  below their new expectations (seed 000: "a group that needs red packets to wake is
  already dead"; seed 004: freebies raise expectations).

Causal path: money -> utility -> satisfaction against expectations -> mood -> posting and
staying; thank-yous add to the reading load. Default schedule: weekly.

Cost: the money grabbed (unclaimed shares are refunded, as on WeChat).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import param
from .base import Strategy, grow, rank_within, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

YUAN17 = "Yuan et al. 2017, arXiv 1712.02926; seed 000"


@register
class RedPacket(Strategy):
    key = "red_packet"

    class Params(LeverParams):
        every: int | None = param(7, "days", "act every N days, counted from `start` (default: a weekly packet)", ge=1)
        amount: float = param(200.0, "currency", "money in the packet dropped into each group", YUAN17, ge=0)
        shares: int = param(20, "shares", "how many members can grab a share (first come, first served)", ge=1)

    def setup(self, op: "Operator") -> None:
        self.owed = np.zeros(op.community.groups.n)  # money members will send back tomorrow
        self.packets = 0
        self.paid = self.returned = 0.0
        self.dropped_on: list[int] = []  # days the operator dropped packets

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p = op.community, self.params
        self._returns(op, fx)
        money = np.where(c.groups.live & (c.group_sizes() > 0), p.amount, 0.0)
        grabbed = self._drop(op, money, fx)
        self.owed = grow(self.owed, c.groups.n, 0.0) + op.world.response.reciprocity * grabbed
        self.packets += int(np.count_nonzero(money))
        self.dropped_on.append(day)
        self.paid += float(grabbed.sum())
        fx.pay(self.key, money=float(grabbed.sum()))

    def linger(self, op: "Operator", day: int, fx: "Effects") -> None:
        if self.packets:
            self._returns(op, fx)

    def _returns(self, op: "Operator", fx: "Effects") -> None:
        """Members send back packets worth `reciprocity` of yesterday's grabs."""
        r = op.world.response
        self.owed = grow(self.owed, op.community.groups.n, 0.0)
        owed = np.where((self.owed >= r.min_return_packet) & op.community.groups.live, self.owed, 0.0)
        self.owed[:] = 0.0
        if owed.any():
            grabbed = self._drop(op, owed, fx)  # what nobody grabs goes back to the sender
            self.owed += r.reciprocity * grabbed
            self.returned += float(owed.sum())

    def _drop(self, op: "Operator", money: np.ndarray, fx: "Effects") -> np.ndarray:
        """Packets of `money` per group are grabbed; return the money grabbed per group."""
        c, p, w = op.community, self.params, op.world
        m = c.members
        looks = ~m.spammer & (money[m.group] > 0) & (~m.muted | (self.rng.random(len(m)) < w.reading.muted_read_share))
        rows = np.flatnonzero(looks)
        rows = rows[rank_within(m.group[rows], self.rng.random(len(rows))) < p.shares]
        g = m.group[rows]
        share = np.divide(money, p.shares)
        people = m.person[rows]
        np.add.at(fx.ritual_posts, people, w.response.thanks_per_grab)
        np.add.at(fx.person_utility, people, w.response.money_utility * share[g])
        return share * np.minimum(np.bincount(g, minlength=len(money)), p.shares)

    def report(self, op: "Operator") -> dict[str, float]:
        return {"packets": self.packets, "money_grabbed": self.paid, "members_sent_back": self.returned}
