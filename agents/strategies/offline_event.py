"""Offline events: members meet in person, and people who meet become friends.

Mechanism. Seed 000: "community operation cannot rely on online alone — offline is the
foundation"; members who meet get to know each other and then have more to say online,
and a community's liveliness shows in how many come to its events. Seed 002: offline
activities make an app's group feel like a circle of friends. Each live group (or the
whole community, `per_group: false`) holds an event for up to `capacity` members,
invited among its members who have not muted it, the more interested first (drawn
with weight interest). Each attendee makes about world.response.event_ties new friends
among the other attendees: new ties in the social network. Friends inside a group make
members post more and enjoy the chat (world.posting.tie_effect,
world.reading.chat_weight), so the effect outlasts the day. Attending is worth
world.response.event_utility on the day. Default schedule: every 30 days, the first on day 14.

Causal path: meeting -> new ties -> more friends inside the group -> attendees post more,
enjoy the chat and stay. An event reaches a few dozen people a month, so community-level
KPIs move little.

Cost: money per attendee (venue, food) and organiser hours per event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

OFFLINE = "seed 000/002 (offline ties)"


@register
class OfflineEvent(Strategy):
    key = "offline_event"

    class Params(LeverParams):
        every: int | None = param(30, "days", "act every N days, counted from `start` (default: monthly)", ge=1)
        start: int = param(14, "day", "first day the lever may act (default: the first event on day 14)", ge=0)
        capacity: int = param(30, "people", "most attendees per event", ge=2)
        per_group: bool = param(True, "-", "each group holds its own event (false: one event for the whole community)")
        cost_per_attendee: float = param(50.0, "currency", "venue and food per attendee", ge=0)
        hours_per_event: float = param(6.0, "hours", "organiser hours per event", ge=0)

    def setup(self, op: "Operator") -> None:
        self.attendees = np.zeros(0, np.int64)  # today's, for the fun of the day
        self.met: list[np.ndarray] = []  # everyone who ever came
        self.events = self.attended = self.new_ties = 0

    def arrange(self, op: "Operator", day: int) -> None:
        c, p = op.community, self.params
        m = c.members
        ok = np.flatnonzero(~m.muted & c.groups.live[m.group])
        if p.per_group:  # the members of each group, without a pass over all rows per group
            ok = ok[np.argsort(m.group[ok], kind="stable")]
            cuts = np.flatnonzero(np.diff(m.group[ok])) + 1
            crowds = np.split(m.person[ok], cuts) if len(ok) else []
        else:
            crowds = [np.unique(m.person[ok])]
        came, a_all, b_all = [], [], []
        for crowd in crowds:
            crowd = np.setdiff1d(crowd, np.concatenate(came)) if came else crowd
            if len(crowd) < 2:
                continue
            weight = c.people.interest[crowd]
            k = min(p.capacity, len(crowd))
            who = self.rng.choice(crowd, size=k, replace=False, p=weight / weight.sum())
            i, j = np.triu_indices(k, 1)
            meet = self.rng.random(len(i)) < min(1.0, op.world.response.event_ties / (k - 1))
            a_all.append(who[i[meet]])
            b_all.append(who[j[meet]])
            came.append(who)
            self.events += 1
        if not came:
            self.attendees = np.zeros(0, np.int64)
            return
        self.attendees = np.concatenate(came)
        self.met.append(self.attendees)
        self.attended += len(self.attendees)
        self.new_ties += c.befriend(np.concatenate(a_all), np.concatenate(b_all))
        op.pay(self.key, money=p.cost_per_attendee * len(self.attendees), hours=p.hours_per_event * len(came))

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        if len(self.attendees):
            fx.person_utility[self.attendees] += op.world.response.event_utility
        self.attendees = np.zeros(0, np.int64)

    def ever_attended(self) -> np.ndarray:
        return np.unique(np.concatenate(self.met)) if self.met else np.zeros(0, np.int64)

    def report(self, op: "Operator") -> dict[str, float]:
        return {"events": self.events, "attendees": self.attended, "new_ties": self.new_ties}
