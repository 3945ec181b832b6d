"""The operator: the one agent who pulls levers. It runs each strategy on its days.

It also runs the groups: every live group costs `world.economy.upkeep_hours` a day and
every group opened after the launch `setup_hours` once, whoever opened it (overflow, a
cap, a split, a funnel), so strategies are compared on the same books.
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

    def settle(self, day: int, today: dict[str, Any]) -> None:
        e, groups = self.world.economy, self.community.groups
        opened, self.groups_seen = groups.n - self.groups_seen, groups.n
        self.pay(GROUPS, hours=e.upkeep_hours * int(groups.live.sum()) + e.setup_hours * opened)
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
