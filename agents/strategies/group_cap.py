"""Group cap: a hard limit on group size below the platform's 500.

Mechanism. Seed 003/004: a big group serves newcomers' basic questions and drowns its
veterans (999+ unread is harassment; "90% of users are active in groups under 20");
an operator who keeps groups small keeps them talking. Unlike `dunbar_split`, nobody
is moved: a group simply stops taking joiners at the cap, and joiners who find every
open group full either go to a newly opened group (`overflow: new_group`) or are turned
away (`turn_away`, a waiting list that never opens). Groups already above the cap keep
their members; groups opened later get the cap too. On days the trigger does not fire,
the world's cap and overflow rule apply again.

Causal path: more, smaller groups -> fewer messages to read each (less overload) and a
larger share of the group each member knows (familiarity) -> more members talk; with
`turn_away`, fewer members.

Cost: none of its own; every group it makes the community open costs the world's setup
and upkeep hours (world.economy), as any group does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..operator import Operator


@register
class GroupCap(Strategy):
    key = "group_cap"

    class Params(LeverParams):
        cap: int = param(200, "members", "most members a group may have (below the platform cap)", "seed 003/004 (scale is costly)", ge=2)
        overflow: Literal["new_group", "turn_away"] = param("new_group", "-", "joiners who find every group full: open a new group, or turn them away")

    def setup(self, op: "Operator") -> None:
        self.saved: tuple[int, str, np.ndarray] | None = None  # the world's rules, restored by `lift`
        self.n_seen = op.community.groups.n
        self.turned0 = op.community.turned_away
        self.opened = 0

    def arrange(self, op: "Operator", day: int) -> None:
        c, p = op.community, self.params
        g = c.groups
        if self.saved is None:
            self.saved = (g.defaults["cap"], c.overflow, g.view("cap").copy())
        cap = min(p.cap, g.platform_cap)
        g.defaults["cap"] = cap
        np.minimum(g.view("cap"), cap, out=g.view("cap"))
        c.overflow = p.overflow
        self.n_seen = g.n

    def lift(self, op: "Operator", day: int) -> None:
        if self.saved is None:
            return
        c, g = op.community, op.community.groups
        default, overflow, caps = self.saved
        g.defaults["cap"], c.overflow = default, overflow
        caps = np.concatenate([caps, np.full(g.n - len(caps), default)])
        g.view("cap")[:] = caps
        self.saved = None

    def settle(self, op: "Operator", day: int, today: dict[str, Any]) -> None:
        n = op.community.groups.n
        if self.fired_today(day) and n > self.n_seen:
            self.opened += n - self.n_seen
        self.n_seen = n

    def report(self, op: "Operator") -> dict[str, float]:
        return {"groups_opened": self.opened, "turned_away": op.community.turned_away - self.turned0}
