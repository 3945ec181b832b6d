"""UGC curation: a daily digest of the best member posts, quoting their authors.

Mechanism. Seed 000: respect members' content — one group owner "patiently collects the
constructive views for discussion and, at the end of the day, reviews the best ones, so
everyone feels no view of theirs was wasted: a strong sense of participation and
respect"; seed 002: encourage and reward user content. Each day the operator quotes up
to `quoted` members of each group who posted the day before, the most expert first
(expert posts are the valuable ones). Being quoted is worth `recognition` utility, and
a quoted member posts more for a while (+`motivation`, fading with e-folding
`motivation_days`). The digest itself is worth `digest_value` valuable messages to the
group's readers.

Expected effect: the quoted members post much more than they would have. Community totals
(`messages_total`) barely move in the default world: what the quoted write extra adds
to everyone's reading load, and the others write less (more of them mute the group).

Cost: operator hours per digest per group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..community import NEVER
from ..params import param
from .base import Strategy, rank_within, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

UGC = "seed 000/002 (respected UGC)"


@register
class UgcCuration(Strategy):
    key = "ugc_curation"

    class Params(LeverParams):
        quoted: int = param(3, "members", "members quoted in each group's daily digest", UGC, ge=1)
        recognition: float = param(0.3, "utility", "utility of seeing one's post quoted", UGC, ge=0)
        motivation: float = param(0.5, "+share", "extra posting of a member just quoted", UGC, ge=0)
        motivation_days: float = param(7.0, "days", "e-folding time of that extra posting", gt=0)
        digest_value: float = param(1.0, "messages", "the digest is worth this many valuable messages to the group's readers", ge=0)
        hours_per_digest: float = param(0.5, "hours", "operator hours to write one group's digest", ge=0)

    def setup(self, op: "Operator") -> None:
        self.quoted_on = np.full(op.community.people.size, NEVER, np.int64)
        self.digests = self.quotes = 0

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p = op.community, self.params
        m = c.members
        rows = np.flatnonzero((m.last_post == day - 1) & ~m.spammer & c.groups.live[m.group])
        score = c.expertise(rows, day, op.world.posting.expertise_days) + 1e-6 * self.rng.random(len(rows))
        rows = rows[rank_within(m.group[rows], score) < p.quoted]
        people = np.unique(m.person[rows])
        np.add.at(fx.person_utility, m.person[rows], p.recognition)
        self.quoted_on[people] = day
        groups = np.unique(m.group[rows])
        fx.operator_posts[groups] += p.digest_value
        self.digests += len(groups)
        self.quotes += len(rows)
        self._motivate(day, fx)
        fx.pay(self.key, hours=p.hours_per_digest * len(groups))

    def linger(self, op: "Operator", day: int, fx: "Effects") -> None:
        if self.quotes:
            self._motivate(day, fx)

    def _motivate(self, day: int, fx: "Effects") -> None:
        p = self.params
        recent = np.flatnonzero(day - self.quoted_on < 5 * p.motivation_days)
        if len(recent):
            fx.person_post_boost[recent] *= 1 + p.motivation * np.exp(-(day - self.quoted_on[recent]) / p.motivation_days)

    def report(self, op: "Operator") -> dict[str, float]:
        return {"digests": self.digests, "quotes": self.quotes}
