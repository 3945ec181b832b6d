"""Open groups: the operator opens new groups on a schedule or when the open ones fill up.

Mechanism. Seed 004: groups are opened for a purpose and a cohort — a new group for each
week's newcomers, or the next one when the last is nearly full — rather than one chat
that takes everyone. When the lever fires the operator opens a group, if every group
taking joiners is at least `fill` full (0: whenever it fires), and with `close_doors`
the older groups stop taking joiners (their members stay): newcomers meet each other in
a group of their own cohort, where everything is new to everyone (world.novelty).

Causal path: cohorts of newcomers together -> more novelty and familiarity among them ->
more of them talk; older groups stop growing, so their members have less to read (less
overload, fewer mutes). In the default world the community also ends smaller (fewer
members of a large group to forward its content): guard a share KPI with `mau_final`.

Cost: none of its own; each group it opens costs the world's setup and upkeep hours
(world.economy), as any group does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..operator import Operator

COHORTS = "seed 004 (groups per purpose and cohort)"


@register
class OpenGroups(Strategy):
    key = "open_groups"

    class Params(LeverParams):
        every: int | None = param(7, "days", "act every N days, counted from `start` (default: a group for each week's newcomers)", COHORTS, ge=1)
        fill: float = param(0.0, "share", "open a group only if every group taking joiners is at least this full (0: whenever the lever fires)", ge=0, le=1)
        close_doors: bool = param(True, "-", "older groups stop taking joiners when a new one opens (their members stay)", COHORTS)

    def setup(self, op: "Operator") -> None:
        self.opened = 0

    def arrange(self, op: "Operator", day: int) -> None:
        c, p = op.community, self.params
        g = c.groups
        entry = c.entry_groups()
        if p.fill > 0 and len(entry) and (c.group_sizes()[entry] < p.fill * g.cap[entry]).any():
            return  # there is still room where newcomers go
        new = g.add(day, label="cohort")
        if p.close_doors:
            g.open[entry] = False
        g.open[new] = True
        self.opened += 1

    def report(self, op: "Operator") -> dict[str, float]:
        return {"groups_opened": self.opened}
