"""Lifecycle: dissolve a group when it is dead or its time is up; carry its active members on.

Mechanism. Seed 004: decide a group's lifespan before opening it; a short-term group
(an exam, a campaign) "must be dissolved as soon as its goal is met"; when a group's
numbers fall short, move its active users into a new group and stop wasting time on a
dead one. When the lever fires it dissolves every live group that qualifies —
`dissolve: dead` (no member posted for `dead_days` days; a group is never dead before
it is `dead_days` old), `aged` (at least `age_days` old) or `all` (use it with `days:`
for "at a date") — and invites the members who posted in the last `active_days` days
(ad posters excepted) into fresh groups together, filled up to the cap; each decides
whether to follow (agents.behaviour.follow). Everyone else in a dissolved group loses
that membership. A fresh group has the world's initial norms (ads and broken norms are
left behind) and keeps the old group's cap and gate.

Causal path: the quiet are removed (counted as people lost in `members_final`,
`left_total` and retention, so a share KPI cannot rise by shrinking its denominator
unnoticed: guard it with `mau_final`); the active keep talking among themselves in a
group with fresh norms.

Cost: operator hours per group dissolved (announcement, invitations to the new group).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..operator import Operator

LIFE = "seed 004 (group lifecycle)"


@register
class Lifecycle(Strategy):
    key = "lifecycle"

    class Params(LeverParams):
        dissolve: Literal["dead", "aged", "all"] = param("dead", "-", "which groups to dissolve when the lever fires: dead ones, old ones, or all", LIFE)
        dead_days: int = param(14, "days", "a group is dead when no member has posted for this many days", LIFE, ge=1)
        age_days: int = param(60, "days", "age at which a group is dissolved (dissolve: aged)", LIFE, ge=1)
        active_days: int = param(30, "days", "members who posted in the last N days move to the new group", LIFE, ge=1)
        hours_per_group: float = param(1.0, "hours", "operator hours per group dissolved", ge=0)

    def setup(self, op: "Operator") -> None:
        self.dissolved = self.moved = self.dropped = 0

    def arrange(self, op: "Operator", day: int) -> None:
        from ..behaviour import relocate

        c, p = op.community, self.params
        gr = c.groups
        age = day - gr.view("created")
        if p.dissolve == "dead":
            quiet = day - np.maximum(gr.view("last_post"), gr.view("created"))
            due = (quiet >= p.dead_days) & (age >= p.dead_days)
        elif p.dissolve == "aged":
            due = age >= p.age_days
        else:
            due = np.ones(gr.n, bool)
        groups = np.flatnonzero(gr.live & due)
        if not len(groups):
            return
        m = c.members
        rows = np.flatnonzero(np.isin(m.group, groups))
        active = rows[(m.last_post[rows] >= day - p.active_days) & ~m.spammer[rows]]
        people, source = m.person[active], m.group[active]
        people, first = np.unique(people, return_index=True)  # one seat per person
        source = source[first]
        first_group = int(groups[0])
        cap, gate = int(gr.cap[first_group]), float(gr.gate[first_group])
        dest = np.zeros(len(people), np.int64)
        for start in range(0, len(people), cap):
            g = gr.add(day, label=gr.label[first_group], cap=cap)
            gr.gate[g] = gate
            dest[start:start + cap] = g
        moved, _ = relocate(c, op.world, m.find(people, source), dest, day, self.rng)
        before = len(c.members)
        for g in groups:
            c.dissolve(int(g), day)
        self.dissolved += len(groups)
        self.moved += moved
        self.dropped += before - len(c.members)
        op.pay(self.key, hours=p.hours_per_group * len(groups))

    def report(self, op: "Operator") -> dict[str, float]:
        return {"dissolved": self.dissolved, "moved": self.moved, "dropped": self.dropped}
