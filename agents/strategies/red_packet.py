"""Red packets (红包): the operator drops money into each group; members grab shares.

Mechanism.
- Grabbing. A packet of `amount` is split into `shares`; members who see it (not muted,
  or muted but happening to look) grab in random order until the shares run out. Each
  grabber gains `money_utility` per currency unit and says something — thanks, a joke:
  `thanks` expected messages. That is how lurkers speak (Yuan et al. 2017, arXiv
  1712.02926: red packets raise group participation). The whole group talks more that
  day (`buzz`).
- Reciprocity. Recipients send back `reciprocity` (0.18) of what they got as their own
  packets to the group within 24 hours (Yuan et al. 2019, arXiv 1906.09698); those
  packets are grabbed the next day in the same way, and so on while a packet is worth
  at least `min_packet`. Members pay for these, not the operator.
- Habituation. "A group that needs red packets to wake is already dead" (seed 000), and
  freebies raise expectations so each one buys less (seed 004, 羊毛福利群). Every earlier
  operator packet in a group cuts the effect of the next (talk, thanks and felt value)
  by the factor exp(-`habituation` x packets so far); the count fades with
  `memory_days`. When the packets stop, members used to them are disappointed: on each
  day a packet is overdue (later than the last interval between packets) they lose
  `disappointment` x (1 - exp(-habituation x packets)) utility.

Default schedule: weekly.

Expected effect: DAU jumps on packet days (lurkers speak; `dau_mean`,
`active_ratio_final` rise); the jump shrinks with repetition; stopping disappoints.

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
YUAN19 = "Yuan et al. 2019, arXiv 1906.09698"
HABIT = "seed 000/004 (expectations rise)"


@register
class RedPacket(Strategy):
    key = "red_packet"

    class Params(LeverParams):
        every: int | None = param(7, "days", "act every N days, counted from `start` (default: a weekly packet)", ge=1)
        amount: float = param(200.0, "currency", "money in the packet dropped into each group", ge=0)
        shares: int = param(20, "shares", "how many members can grab a share (first come, first served)", ge=1)
        thanks: float = param(1.0, "messages", "expected messages a member posts after grabbing (lurkers speak)", YUAN17, ge=0)
        buzz: float = param(0.5, "+share", "extra posting of everyone in the group on a packet day", YUAN17, ge=0)
        money_utility: float = param(0.02, "utility/currency", "utility of one currency unit received", ge=0)
        reciprocity: float = param(0.18, "share", "share of the money received that recipients send back to the group within 24 h", YUAN19, ge=0, le=1)
        min_packet: float = param(1.0, "currency", "smallest packet members bother to send back", gt=0)
        habituation: float = param(0.3, "-", "each earlier packet cuts the next one's effect by the factor exp(-habituation)", HABIT, ge=0)
        memory_days: float = param(30.0, "days", "e-folding time over which a group forgets past packets", HABIT, gt=0)
        disappointment: float = param(0.1, "utility/day", "utility lost on each day a packet is overdue, by members fully used to packets", HABIT, ge=0)

    def setup(self, op: "Operator") -> None:
        n = op.community.groups.n
        self.habit = np.zeros(n)  # operator packets so far, fading
        self.last = np.full(n, -1, np.int64)  # day of the last operator packet, -1 = none
        self.gap = np.zeros(n, np.int64)  # days between the last two operator packets
        self.owed = np.zeros(n)  # money members will send back tomorrow
        self.packets = 0
        self.paid = self.returned = 0.0
        self.grabbed: dict[int, tuple[float, float]] = {}  # day -> (operator's money grabbed, money members sent back)

    def _fit(self, n: int) -> None:
        self.habit, self.last, self.gap, self.owed = (grow(self.habit, n, 0.0), grow(self.last, n, -1),
                                                      grow(self.gap, n, 0), grow(self.owed, n, 0.0))

    def _strength(self, day: int) -> np.ndarray:
        """How much a packet still moves each group: exp(-habituation x packets remembered)."""
        since = np.where(self.last >= 0, day - self.last, 0)
        return np.exp(-self.params.habituation * self.habit * np.exp(-since / self.params.memory_days))

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p = op.community, self.params
        self._fit(c.groups.n)
        strength = self._strength(day)
        money = np.where(c.groups.live & (c.group_sizes() > 0), p.amount, 0.0)
        grabbed = self._drop(op, money, strength, fx)
        returned = self._returns(op, strength, fx)
        dropped = money > 0
        since = np.where(self.last >= 0, day - self.last, 0)
        self.habit[dropped] = self.habit[dropped] * np.exp(-since[dropped] / p.memory_days) + 1
        self.gap[dropped] = np.where(self.last[dropped] >= 0, day - self.last[dropped], 0)
        self.last[dropped] = day
        self.owed += p.reciprocity * grabbed
        self.packets += int(dropped.sum())
        self.paid += float(grabbed.sum())
        self.grabbed[day] = (float(grabbed.sum()), returned)
        fx.pay(self.key, money=float(grabbed.sum()))

    def linger(self, op: "Operator", day: int, fx: "Effects") -> None:
        if self.packets == 0:
            return
        c, p = op.community, self.params
        self._fit(c.groups.n)
        strength = self._strength(day)
        self.grabbed[day] = (0.0, self._returns(op, strength, fx))
        overdue = (self.last >= 0) & (self.gap > 0) & (day - self.last > self.gap) & c.groups.live
        if p.disappointment > 0 and overdue.any():
            fx.utility_bonus[overdue] -= p.disappointment * (1 - strength[overdue])

    def _returns(self, op: "Operator", strength: np.ndarray, fx: "Effects") -> float:
        """Members send back packets worth `reciprocity` of yesterday's grabs; return the money sent."""
        owed = np.where((self.owed >= self.params.min_packet) & op.community.groups.live, self.owed, 0.0)
        self.owed[:] = 0.0
        if not owed.any():
            return 0.0
        grabbed = self._drop(op, owed, strength, fx)  # what nobody grabs goes back to the sender
        self.owed += self.params.reciprocity * grabbed
        self.returned += float(owed.sum())
        return float(owed.sum())

    def _drop(self, op: "Operator", money: np.ndarray, strength: np.ndarray, fx: "Effects") -> np.ndarray:
        """Packets of `money` per group are grabbed; return the money grabbed per group."""
        c, p, w = op.community, self.params, op.world
        m = c.members
        looks = ~m.spammer & (money[m.group] > 0) & (~m.muted | (self.rng.random(len(m)) < w.reading.muted_read_share))
        rows = np.flatnonzero(looks)
        rank = rank_within(m.group[rows], self.rng.random(len(rows)))
        rows = rows[rank < p.shares]
        g = m.group[rows]
        grabbers = np.bincount(g, minlength=len(money))
        share = np.divide(money, p.shares)
        people = m.person[rows]
        s = strength[g]
        np.add.at(fx.chat_posts, people, p.thanks * s)
        np.add.at(fx.person_utility, people, p.money_utility * share[g] * s)
        hit = np.flatnonzero(money > 0)
        fx.post_boost[hit] *= 1 + p.buzz * strength[hit]
        return share * np.minimum(grabbers, p.shares)

    def report(self, op: "Operator") -> dict[str, float]:
        return {"packets": self.packets, "money_grabbed": self.paid, "members_sent_back": self.returned}
