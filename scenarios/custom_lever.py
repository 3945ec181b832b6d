"""A lever of your own: a daily discussion topic posted by the operator (话题).

Seed 004: "the most important content of a group is its topics" — an operator who posts
a good question gives members something to answer. Copy this file, change `act`, and
name your class in a scenario:

    strategy:
      - custom: {path: custom_lever.py:DailyTopic, params: {questions: 2, every: 2}}

A lever subclasses `Strategy` and declares its parameters in a `Params` class built on
`LeverParams` (so the timing keys `days`, `every`, `start`, `stop`, `when` work too).
It changes what members have or see by writing today's handles into `fx` (see
agents/effects.py: operator_posts, person_utility, ritual_posts, forward_boost, ...) and
books its cost with `fx.pay`. How strongly members respond is the world's business
(`op.world`): a lever never multiplies posting or writes an outcome. Here the questions
are new content for members to read; the world's novelty and reply rules decide how much
they talk about them.
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
        questions: float = param(1.0, "messages", "questions the operator posts in every group on a topic day", "seed 004 (topics)", ge=0)
        hours: float = param(0.5, "hours", "operator hours to prepare and post one topic", ge=0)

    def setup(self, op):
        self.topics = 0

    def act(self, op, day, fx):
        live = np.flatnonzero(op.community.groups.live)
        fx.operator_posts[live] += self.params.questions  # new content: worth reading, and something to answer
        fx.pay(self.key, hours=self.params.hours)
        self.topics += 1

    def report(self, op):
        return {"topics": self.topics}
