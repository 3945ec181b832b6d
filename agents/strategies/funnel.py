"""Funnel (AARRR): acquisition groups -> retention groups -> sharing groups.

Mechanism. Seed 004: one group cannot do acquisition, activation, retention, revenue and
referral at once, so split the community into acquisition groups (拉新群: short-lived,
"don't expect them to live long"), retention groups for buyers (留存群) and sharing groups
for advocates (分享群), each with its own goal; an acquisition group past its use is
dissolved and its active members carried on. In the model:
- every group that takes joiners is an acquisition group; it takes joiners for
  `intake_days`, then closes its door (a new acquisition group opens), and is dissolved
  `acquisition_days` after it opened: whoever has not converted is lost to the funnel;
- each day a member of an acquisition group buys with chance
  world.response.purchase_engaged if engaged (posted in the last `engaged_days` days),
  else world.response.purchase_passive, and is invited to a retention group;
- an engaged member of a retention group, asked to advocate, accepts with chance
  world.response.advocacy a day and is invited to a sharing group; advocates get posters
  and materials and forward content world.response.poster_forwarding times as often;
- an invited member follows or not (agents.behaviour.follow; who declines loses the
  membership);
- retention and sharing groups take no joiners from outside; friends invited from them
  land in the current acquisition group.

Per stage the lever reports people who reached it, converted to the next stage, and
were lost (left the community, or their acquisition group was dissolved) at it.

Causal path: stages sort members by engagement; dissolving acquisition groups removes
the unconverted for good (counted as people lost in `members_final`, `left_total` and
retention); posters make advocates forward more. The report shows where the funnel leaks.

Cost: operator hours per funnel group per day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..codes import MERGED
from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

AARRR = "seed 004 (AARRR; 拉新群/留存群/分享群)"
STAGES = ("acquisition", "retention", "sharing")


@register
class Funnel(Strategy):
    key = "funnel"

    class Params(LeverParams):
        intake_days: int = param(7, "days", "an acquisition group takes joiners for this many days, then a new one opens", AARRR, ge=1)
        acquisition_days: int = param(21, "days", "an acquisition group is dissolved this many days after it opened", AARRR, ge=1)
        engaged_days: int = param(7, "days", "a member is engaged if they posted in the last N days", ge=1)
        hours_per_group_day: float = param(0.3, "hours", "operator hours per live funnel group per day", ge=0)

    def setup(self, op: "Operator") -> None:
        n = op.community.people.size
        self.stage_of: dict[int, int] = {}  # group -> stage
        self.opened: dict[int, int] = {}  # acquisition group -> day it opened for the funnel
        self.stage = np.full(n, -1, np.int8)  # furthest stage each person reached
        self.out = np.zeros(n, bool)  # lost to the funnel
        self.reached = np.zeros(3, np.int64)
        self.converted = np.zeros(3, np.int64)
        self.lost = np.zeros(3, np.int64)

    def _groups(self, op: "Operator", stage: int, live_only: bool = True) -> list[int]:
        live = op.community.groups.live
        return sorted(g for g, s in self.stage_of.items() if s == stage and (live[g] or not live_only))

    def _account(self, op: "Operator") -> None:
        """Who reached which stage, and who has been lost since the last look."""
        c = op.community
        m = c.members
        stage_of = np.full(c.groups.n, -1, np.int8)
        stage_of[list(self.stage_of)] = list(self.stage_of.values())
        s = stage_of[m.group]
        rows = np.flatnonzero(s > self.stage[m.person])
        for st in range(3):
            people = np.unique(m.person[rows[s[rows] == st]])
            people = people[self.stage[people] < st]
            self.reached[st] += len(people)
            self.stage[people] = st
        gone = np.flatnonzero((self.stage >= 0) & ~self.out & (c.n_groups == 0))
        np.add.at(self.lost, self.stage[gone], 1)
        self.out[gone] = True

    def arrange(self, op: "Operator", day: int) -> None:
        c, p = op.community, self.params
        gr = c.groups
        for g in np.flatnonzero(gr.live):  # groups new to the funnel take joiners: acquisition groups
            if int(g) not in self.stage_of:
                self.stage_of[int(g)] = 0
                self.opened[int(g)] = max(int(gr.created[g]), day)
                gr.label[g] = STAGES[0]
        self._account(op)
        m = c.members
        engaged = m.last_post >= day - p.engaged_days
        u = self.rng.random(len(m))
        stage_of = np.full(gr.n, -1, np.int8)
        stage_of[list(self.stage_of)] = list(self.stage_of.values())
        s = stage_of[m.group]
        r = op.world.response
        up = ((s == 0) & (u < np.where(engaged, r.purchase_engaged, r.purchase_passive))) | ((s == 1) & engaged & (u < r.advocacy))
        up &= gr.live[m.group] & ~m.spammer
        self._promote(op, np.flatnonzero(up), day)
        for g in self._groups(op, 0):  # acquisition groups: close the door, then dissolve
            age = day - self.opened[g]
            if age >= p.acquisition_days:
                c.dissolve(g, day)
            elif age >= p.intake_days:
                gr.open[g] = False
        if not any(gr.open[g] for g in self._groups(op, 0)):
            g = gr.add(day, label=STAGES[0])
            self.stage_of[g], self.opened[g] = 0, day
        self._account(op)

    def _promote(self, op: "Operator", rows: np.ndarray, day: int) -> None:
        from ..behaviour import relocate

        c = op.community
        m = c.members
        people, source = m.person[rows], m.group[rows]
        stages = np.full(c.groups.n, -1, np.int64)
        stages[list(self.stage_of)] = list(self.stage_of.values())
        stage_of = stages[source]
        for st in (0, 1):
            pick = stage_of == st
            who, src = people[pick], source[pick]
            who, first = np.unique(who, return_index=True)  # one move per person a day
            src = src[first]
            if not len(who):
                continue
            dest = self._seats(op, st + 1, len(who), day)
            already = m.find(who, dest) >= 0
            c.leave(m.find(who[already], src[already]), day, MERGED)
            relocate(c, op.world, m.find(who[~already], src[~already]), dest[~already], day, self.rng)
            arrived = m.find(who, dest) >= 0  # who declined the invitation lost the membership
            self.converted[st] += int(np.count_nonzero(arrived & (self.stage[who] <= st)))

    def _seats(self, op: "Operator", stage: int, n: int, day: int) -> np.ndarray:
        c = op.community
        gr = c.groups
        sizes = c.group_sizes()
        out = []
        for g in self._groups(op, stage):
            take = min(max(int(gr.cap[g] - sizes[g]), 0), n)
            if take:
                out.append(np.full(take, g))
                n -= take
        while n > 0:
            g = gr.add(day, label=STAGES[stage])
            gr.open[g] = False  # only acquisition groups take joiners from outside
            self.stage_of[g] = stage
            take = min(int(gr.cap[g]), n)
            out.append(np.full(take, g))
            n -= take
        return np.concatenate(out) if out else np.zeros(0, np.int64)

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p = op.community, self.params
        m = c.members
        sharing = self._groups(op, 2)
        if sharing:
            advocates = np.unique(m.person[np.isin(m.group, sharing)])
            fx.forward_boost[advocates] *= op.world.response.poster_forwarding
        live = sum(len(self._groups(op, st)) for st in range(3))
        fx.pay(self.key, hours=p.hours_per_group_day * live)

    def report(self, op: "Operator") -> dict[str, float]:
        self._account(op)
        out: dict[str, float] = {}
        for st, name in enumerate(STAGES):
            out[f"{name}_reached"] = int(self.reached[st])
            if st < 2:
                out[f"{name}_converted"] = int(self.converted[st])
            out[f"{name}_lost"] = int(self.lost[st])
        return out
