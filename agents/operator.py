"""The operator: the one agent who pulls levers. It runs each strategy on its days.

It also runs the groups: every live group costs `world.economy.upkeep_hours` a day and
every group opened after the launch `setup_hours` once, whoever opened it (overflow, a
cap, a split, a funnel), so strategies are compared on the same books.

Capacity (`world.economy.operator_hours`): the team has so many hours a day. Upkeep comes
first, largest groups first; a group left unrun does not recover its norms. Levers then
draw on what is left in the order they are listed (`work()`); what could not be done is
booked in `undone` and reported (seed 004: a 70,000-person launch chat lost control).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from .community import BY_OPERATOR, Community
from .effects import Effects
from .strategies.base import own_stream
from .world import World


GROUPS = "groups"  # the cost key of running and opening groups


class Operator(mesa.Agent):
    """Holds the levers, their random stream and the running cost of operating."""

    def __init__(self, model: mesa.Model, community: Community, world: World, levers: list, stream: np.random.Generator):
        super().__init__(model)
        self.community, self.world, self.levers, self.random_stream = community, world, levers, stream
        self.history: list[dict[str, Any]] = []  # daily outcomes so far (triggers read them)
        self.money: dict[str, float] = {}
        self.hours: dict[str, float] = {}
        self.groups_seen = community.groups.n  # launch groups are set up before day 0
        self.budget = float("inf")  # operator hours left today
        self.undone: dict[str, float] = {}  # hours of work left undone, per lever (and "groups")
        named: dict[str, int] = {}
        for lever in self._acting():  # each lever draws from its own stream: adding one never shifts another
            named[lever.key] = named.get(lever.key, 0) + 1
            lever.rng = own_stream(stream, lever.key, named[lever.key])
            lever.setup(self)

    def _acting(self):
        """The levers in turn; a group opened while one acts is recorded as opened by it (groups.parquet `how`)."""
        groups = self.community.groups
        for lever in self.levers:
            groups.opener = getattr(lever, "key", "") or BY_OPERATOR
            yield lever
        groups.opener = BY_OPERATOR

    def _on(self, day: int):
        return [lv for lv in self.levers if getattr(lv, "trigger", None) is None or lv.trigger.fires(day, self.history)]

    def arrange(self, day: int) -> None:
        on = {id(lv) for lv in self._on(day)}
        for lever in self._acting():  # on other days a lever may lift a standing rule (see strategies/base.py)
            if id(lever) in on:
                lever.arrange(self, day)
            else:
                lever.lift(self, day)

    def act(self, day: int, fx: Effects) -> None:
        self._run_groups(fx)
        self._today = self._on(day)
        on = {id(lv) for lv in self._today}
        for lever in self._acting():  # on other days what an earlier action left behind lingers
            if id(lever) in on:
                lever.last_fired = day
                lever.act(self, day, fx)
            else:
                lever.linger(self, day, fx)
        for book, spent in ((self.money, fx.money), (self.hours, fx.hours)):
            for k, v in spent.items():
                book[k] = book.get(k, 0.0) + v

    def _run_groups(self, fx: Effects) -> None:
        """Today's upkeep of every live group (largest first) and setup of the groups opened since yesterday."""
        e, c = self.world.economy, self.community
        self.budget = float("inf") if e.operator_hours is None else e.operator_hours
        opened, self.groups_seen = c.groups.n - self.groups_seen, c.groups.n
        live = np.flatnonzero(c.groups.live)
        need = e.upkeep_hours * len(live) + e.setup_hours * opened
        done = self.work(GROUPS, need)
        fx.pay(GROUPS, hours=need * done)
        if done < 1 and e.upkeep_hours > 0:
            order = live[np.argsort(-c.group_sizes()[live], kind="stable")]
            kept = int(done * len(live))
            fx.kept[order[kept:]] = 0.0

    def work(self, lever: str, hours: float) -> float:
        """Claim `hours` of today's capacity for `lever`: the share of the work that can be done.

        The hours not available are booked in `undone`; the caller does only that share (and
        pays only for it)."""
        if hours <= 0:
            return 1.0
        done = min(1.0, self.budget / hours)
        self.budget -= hours * done
        if done < 1:
            self.undone[lever] = self.undone.get(lever, 0.0) + hours * (1 - done)
        return done

    def settle(self, day: int, today: dict[str, Any]) -> None:
        for lever in self._acting():
            lever.settle(self, day, today)
        self.history.append(today)

    def pay(self, lever: str, money: float = 0.0, hours: float = 0.0) -> None:
        """Book a cost outside `act` (a split in `arrange`, rewards in `settle`)."""
        for book, spent in ((self.money, money), (self.hours, hours)):
            book[lever] = book.get(lever, 0.0) + spent

    @property
    def cost(self) -> float:
        return sum(self.money.values()) + sum(self.hours.values()) * self.world.economy.hourly_wage
