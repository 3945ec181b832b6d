"""Entry gate: an application or threshold that lets in only people who care about the topic.

Mechanism. Seed 001/004: a group needs a threshold (门槛) at its door, "to keep quality,
and because a seat that was hard to win is valued more"; a learning group filters out
freeloaders. In the model an applicant passes if their interest, as the operator sees
it (with noise of sd 0.1), reaches `min_interest`; this holds for outside arrivals and
invited friends alike, in every group including those opened later. Winning a seat is
worth world.response.earned_seat_utility to a member who passed, once, the day after
(it then fades as any good day does). Members already inside are not re-examined. On
days the trigger does not fire, the door is open again.

Causal path: fewer joiners (`joined_total` falls, growth slows) of higher interest, who
get more from valuable posts and stay (`retention_d30` rises) — clearest when channels
bring anyone (low world.arrivals.interest_bias). When an ungated launch cohort makes up
most joiners, `retention_d30` mixes the two and may barely move.

Cost: operator hours per application reviewed (passed or refused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import MOVED, NEVER
from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator


@register
class EntryGate(Strategy):
    key = "entry_gate"

    class Params(LeverParams):
        min_interest: float = param(0.4, "0-1", "interest an applicant must show to be let in (the operator sees it with noise, sd 0.1)", "seed 001/004 (门槛)", ge=0, le=1)
        hours_per_applicant: float = param(0.05, "hours", "operator hours to review one application", ge=0)

    def setup(self, op: "Operator") -> None:
        self.saved: tuple[float, np.ndarray] | None = None
        c = op.community
        self.applied0, self.refused0 = c.applied, c.refused
        self.billed = c.applied
        self.logged = len(c.log)  # joins read so far from the community's log
        self.passed = np.full(c.people.size, NEVER, np.int64)  # day each person passed the gate

    def arrange(self, op: "Operator", day: int) -> None:
        g, p = op.community.groups, self.params
        if self.saved is None:
            self.saved = (g.defaults["gate"], g.view("gate").copy())
        g.defaults["gate"] = max(g.defaults["gate"], p.min_interest)
        np.maximum(g.view("gate"), p.min_interest, out=g.view("gate"))

    def lift(self, op: "Operator", day: int) -> None:
        if self.saved is None:
            return
        g = op.community.groups
        default, gates = self.saved
        g.defaults["gate"] = default
        g.view("gate")[:] = np.concatenate([gates, np.full(g.n - len(gates), default)])
        self.saved = None

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        r = op.world.response
        fresh = np.flatnonzero(self.passed == day - 1)
        if r.earned_seat_utility > 0 and len(fresh):
            fx.person_utility[fresh] += r.earned_seat_utility

    def settle(self, op: "Operator", day: int, today: dict[str, Any]) -> None:
        c = op.community
        if self.saved is not None:  # the gate stood today: today's joiners passed it
            for entry in c.log[self.logged:]:
                self.passed[entry[2][entry[5] != MOVED]] = day
        self.logged = len(c.log)
        if c.applied > self.billed:
            op.pay(self.key, hours=self.params.hours_per_applicant * (c.applied - self.billed))
            self.billed = c.applied

    def report(self, op: "Operator") -> dict[str, float]:
        c = op.community
        return {"applicants": c.applied - self.applied0, "refused": c.refused - self.refused0}
