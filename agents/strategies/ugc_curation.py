"""UGC curation: a daily digest of the best member posts, quoting their authors.

Mechanism. Seed 000: respect members' content — one group owner "patiently collects the
constructive views for discussion and, at the end of the day, reviews the best ones, so
everyone feels no view of theirs was wasted: a strong sense of participation and
respect"; seed 002: encourage and reward user content. Each day the operator quotes up
to `quoted` members of each group who posted the day before, the most expert first
(expert posts are the valuable ones). Being quoted is recognition
(world.response.recognition_utility). The digest itself is `digest_posts` operator posts
of content in the group (value and novelty for readers; counted in
`ritual_messages_total`, not in conversation).

Causal path: recognition -> utility -> satisfaction -> the quoted post more (mood) and
stay; the digest -> value and novelty for every reader.

Cost: operator hours per digest per group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..codes import NEVER
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
        digest_posts: float = param(1.0, "messages", "operator posts a digest makes in a group (content)", UGC, ge=0)
        hours_per_digest: float = param(0.5, "hours", "operator hours to write one group's digest", ge=0)

    def setup(self, op: "Operator") -> None:
        self.quoted_on = np.full(op.community.people.size, NEVER, np.int64)
        self.digests = self.quotes = 0

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p = op.community, self.params
        m = c.members
        rows = np.flatnonzero((m.last_post == day - 1) & ~m.spammer & c.groups.live[m.group])
        score = c.level(rows) + 1e-6 * self.rng.random(len(rows))
        rows = rows[rank_within(m.group[rows], score) < p.quoted]
        people = np.unique(m.person[rows])
        np.add.at(fx.person_utility, m.person[rows], op.world.response.recognition_utility)
        self.quoted_on[people] = day
        groups = np.unique(m.group[rows])
        fx.operator_posts[groups] += p.digest_posts
        self.digests += len(groups)
        self.quotes += len(rows)
        fx.pay(self.key, hours=p.hours_per_digest * len(groups))

    def report(self, op: "Operator") -> dict[str, float]:
        return {"digests": self.digests, "quotes": self.quotes}
