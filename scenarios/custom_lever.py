"""A lever of your own: a daily discussion topic posted by the operator (话题).

Seed 004: "the most important content of a group is its topics" — an operator who posts
a good question gives members something to answer. Copy this file, change `act`, and
name your class in a scenario:

    strategy:
      - custom: {path: custom_lever.py:DailyTopic, params: {pull: 0.5, every: 2}}

A lever subclasses `Strategy` and declares its parameters in a `Params` class built on
`LeverParams` (so the timing keys `days`, `every`, `start`, `stop`, `when` work too).
It writes today's handles into `fx` (see agents/effects.py: post_boost, operator_posts,
value_boost, utility_bonus, person_utility, ...) and books its cost with `fx.pay`.
The other hooks (`arrange`, `settle`, `report`, ...) are described in
agents/strategies/base.py.
"""

import numpy as np

from agents.params import param
from agents.strategies import LeverParams, Strategy


class DailyTopic(Strategy):
    """Post one question in every group; members who care answer it."""

    key = "daily_topic"  # costs and report figures are stored under this name

    class Params(LeverParams):
        pull: float = param(0.5, "+share", "extra posting in every group on a topic day", "seed 004 (topics)", ge=0)
        hours: float = param(0.5, "hours", "operator hours to prepare and post one topic", ge=0)

    def setup(self, op):
        self.topics = 0

    def act(self, op, day, fx):
        live = np.flatnonzero(op.community.groups.live)
        fx.operator_posts[live] += 1  # the question itself is worth reading
        fx.post_boost[live] *= 1 + self.params.pull
        fx.pay(self.key, hours=self.params.hours)
        self.topics += 1

    def report(self, op):
        return {"topics": self.topics}
