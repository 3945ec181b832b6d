"""Tiering: route members by expertise into beginner / advanced groups.

Mechanism. Seed 004: sort learners by level into beginner, intermediate and advanced
groups (初/中/高阶) "so that advanced members do not leave on hearing beginners' basics";
seed 002: grade members and operate each level on its own. The operator assesses each
member's expertise (with a fixed per-person error of sd `noise`; expertise grows with
what members read, so beginners are promoted over time) and moves members whose tier differs from
their group's into a group of their tier (the first with room; a new one if none).
Groups that exist when the lever first fires, and groups opened later to take joiners,
are entry groups of the lowest tier; higher-tier groups take no joiners from outside
(joiners land in an entry group and are routed the next day). Each member asked to move
decides whether to follow (agents.behaviour.follow); who declines loses that membership.

Causal path: groups of one level -> valuable posts closer to each reader's level, so
worth more to them (world.reading.level_mismatch: basics bore experts, expert talk loses
novices) -> more satisfied members who post and stay; experts' valuable posts
concentrate in the advanced groups.

Cost: operator minutes per member moved (assessment, invitation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..codes import MERGED
from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..operator import Operator

TIERS = "seed 002/004 (初/中/高阶 groups)"
NAMES = {2: ("beginner", "advanced"), 3: ("beginner", "intermediate", "advanced")}


@register
class Tiering(Strategy):
    key = "tiering"

    class Params(LeverParams):
        levels: list[float] = param([0.5], "expertise 0-1", "expertise boundaries between tiers: [0.5] = beginner / advanced", TIERS)
        noise: float = param(0.1, "expertise", "error of the operator's assessment of a member's expertise (sd, fixed per person)", ge=0)
        minutes_per_move: float = param(2.0, "minutes", "operator minutes per member moved", ge=0)

    def setup(self, op: "Operator") -> None:
        self.tier_of: dict[int, int] = {}
        self.error = self.rng.normal(0.0, self.params.noise, op.community.people.size)
        self.moved = self.declined = self.promoted = 0
        lv = sorted(self.params.levels)
        self.names = NAMES.get(len(lv) + 1) or tuple(f"tier{i}" for i in range(len(lv) + 1))

    def arrange(self, op: "Operator", day: int) -> None:
        from ..behaviour import relocate

        c, p = op.community, self.params
        gr = c.groups
        for g in np.flatnonzero(gr.live):  # groups new to the lever are entry groups of the lowest tier
            self.tier_of.setdefault(int(g), 0)
        m = c.members
        tier_of = np.full(gr.n, -1)
        tier_of[list(self.tier_of)] = list(self.tier_of.values())
        level = c.level(np.arange(len(m))) + self.error[m.person]
        want = np.searchsorted(np.sort(p.levels), level, side="right")
        wrong = np.flatnonzero(gr.live[m.group] & (tier_of[m.group] >= 0) & (want != tier_of[m.group]))
        if not len(wrong):
            return
        people, source, target = m.person[wrong], m.group[wrong], want[wrong]
        self.promoted += int(np.count_nonzero(target > tier_of[source]))
        to = np.full(len(people), -1, np.int64)
        for t in np.unique(target):
            idx = np.flatnonzero(target == t)
            to[idx] = self._seats(op, int(t), len(idx), day)
        # a member already in the destination group (or sent there from two groups) just leaves the old one
        already = m.find(people, to) >= 0
        _, first = np.unique(people * m.KEY + to, return_index=True)
        twice = np.ones(len(people), bool)
        twice[first] = False
        already |= twice
        c.leave(m.find(people[already], source[already]), day, MERGED)
        go = ~already
        moved, declined = relocate(c, op.world, m.find(people[go], source[go]), to[go], day, self.rng)
        self.moved += moved
        self.declined += declined
        op.pay(self.key, hours=p.minutes_per_move / 60 * len(wrong))

    def _seats(self, op: "Operator", tier: int, n: int, day: int) -> np.ndarray:
        """A group of `tier` for each of n movers: fill groups with room, open new ones."""
        c = op.community
        gr = c.groups
        sizes = c.group_sizes()
        out: list[np.ndarray] = []
        for g in sorted(k for k, t in self.tier_of.items() if t == tier and gr.live[k]):
            room = int(gr.cap[g] - sizes[g])
            if room > 0 and n:
                take = min(room, n)
                out.append(np.full(take, g))
                n -= take
        while n > 0:
            g = gr.add(day, label=self.names[tier])
            gr.open[g] = tier == 0  # only entry groups take joiners from outside
            self.tier_of[g] = tier
            take = min(int(gr.cap[g]), n)
            out.append(np.full(take, g))
            n -= take
        return np.concatenate(out) if out else np.zeros(0, np.int64)

    def report(self, op: "Operator") -> dict[str, float]:
        return {"moved": self.moved, "promoted": self.promoted, "declined": self.declined}
