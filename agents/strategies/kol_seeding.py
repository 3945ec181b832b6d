"""KOL seeding: recruit a few opinion leaders who post, draw replies and bring people in.

Mechanism. Seed 001/003/004: a community needs its "big names" (大咖) and opinion
leaders; leader members drive talk, set the tone and attract members like themselves;
rewarding them keeps them active; a community can also bring KOLs in from outside to
promote it. On the first day the lever fires, the operator picks `count` KOLs among the
members by network degree, by betweenness (sampled sources; on large communities among
the `betweenness_max` best connected), by messages written so far (activity), at random
— or brings in the best-connected people from outside (`outside`), who join the group
with the most members. While committed, a KOL:
- posts `posts` valuable messages a day in each of their groups;
- draws replies: members of a KOL's group post `draw` more per committed KOL;
- forwards content `invite_boost` times as often, so their friends get invitations;
- enjoys the role: it is worth the daily utility a member expects (`aspiration`).

Commitment: a rewarded KOL (`reward` > 0) stays committed; an unpaid one fades with
e-folding time `fade_days`. A KOL leaving is a shock: at the end of `leave_day` every
KOL leaves the community, and the next day members of their groups lose `shock` utility.

Expected effect: more talk (`dau_mean`, `messages_total` rise) and more invitations;
after the KOLs leave, less talk than if they had stayed.

Cost: the reward per KOL per week (for KOLs still in the community) and
`recruit_hours` per KOL recruited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np

from ..community import OUTSIDE
from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator

KOL = "seed 001/003/004 (opinion leaders)"


@register
class KolSeeding(Strategy):
    key = "kol_seeding"

    class Params(LeverParams):
        count: int = param(5, "KOLs", "how many KOLs to recruit", KOL, ge=1)
        choose: Literal["degree", "betweenness", "activity", "random", "outside"] = param(
            "degree", "-", "how KOLs are picked: most friends (degree), most bridging (betweenness), most messages so far "
            "(activity), at random, or best-connected people brought from outside")
        posts: float = param(2.0, "messages/day", "valuable messages a committed KOL posts a day in each of their groups", KOL, ge=0)
        draw: float = param(0.2, "+share", "extra posting of the members of a group per committed KOL in it (replies)", KOL, ge=0)
        invite_boost: float = param(5.0, "x", "a committed KOL forwards content this many times as often (brings invitations)", "seed 004 (KOL posters)", ge=1)
        reward: float = param(100.0, "currency/week", "reward per KOL; 0 = unpaid", KOL, ge=0)
        fade_days: float = param(30.0, "days", "e-folding time of an unpaid KOL's commitment", gt=0)
        leave_day: int | None = param(None, "day", "day every KOL leaves the community (a shock); none = they stay", ge=0)
        shock: float = param(0.3, "utility", "utility lost by every member of a group on the day its KOL leaves", KOL, ge=0)
        recruit_hours: float = param(2.0, "hours", "operator hours to recruit one KOL", ge=0)
        betweenness_sample: int = param(200, "people", "sources sampled for betweenness on graphs larger than this", ge=10)
        betweenness_max: int = param(5000, "people", "on larger communities betweenness is computed among this many best-connected members", ge=10)

    def setup(self, op: "Operator") -> None:
        self.kols = np.zeros(0, np.int64)
        self.since: int | None = None
        self.gone_from: np.ndarray | None = None  # groups the KOLs left, for the shock
        self.left_on: int | None = None
        self.messages0 = 0

    def arrange(self, op: "Operator", day: int) -> None:
        if self.since is None:
            self._recruit(op, day)

    def _recruit(self, op: "Operator", day: int) -> None:
        c, p = op.community, self.params
        members = np.flatnonzero(c.n_groups > 0)
        tie = self.rng.random(c.people.size)  # breaks ties at random
        if p.choose == "outside":
            pool = np.flatnonzero(~c.ever)
            score = np.diff(c.network.indptr)[pool] + tie[pool]
        else:
            pool = members
            if p.choose == "degree":
                score = np.diff(c.network.indptr)[pool] + tie[pool]
            elif p.choose == "activity":
                score = c.messages[pool] + tie[pool]
            elif p.choose == "betweenness":
                if len(pool) > p.betweenness_max:  # approximate: bridges are found among the well connected
                    degree = np.diff(c.network.indptr)[pool] + tie[pool]
                    pool = pool[np.argsort(-degree, kind="stable")[: p.betweenness_max]]
                score = _betweenness(c.network, pool, p.betweenness_sample, self.rng) + 1e-9 * tie[pool]
            else:
                score = tie[pool]
        self.kols = pool[np.argsort(-score, kind="stable")[: p.count]]
        if p.choose == "outside" and len(self.kols):
            sizes = c.group_sizes()
            target = np.full(len(self.kols), int(np.argmax(np.where(c.groups.live, sizes, -1))))
            at, groups = c.place(self.kols, target, day)
            c.join(self.kols[at], groups, day, OUTSIDE, satisfaction=op.world.satisfaction.initial)
            self.kols = self.kols[at]
        self.since = day
        self.messages0 = int(c.messages[self.kols].sum())
        op.pay(self.key, hours=p.recruit_hours * len(self.kols))

    def _present(self, op: "Operator") -> np.ndarray:
        return self.kols[op.community.n_groups[self.kols] > 0]

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        c, p = op.community, self.params
        self._shock(op, day, fx)
        kols = self._present(op)
        if not len(kols):
            return
        commitment = 1.0 if p.reward > 0 else float(np.exp(-(day - self.since) / p.fade_days))
        fx.valuable_posts[kols] += p.posts * commitment
        fx.person_utility[kols] += op.world.satisfaction.aspiration * commitment  # the role itself is rewarding
        fx.forward_boost[kols] *= 1 + (p.invite_boost - 1) * commitment
        m = c.members
        rows = np.flatnonzero(np.isin(m.person, kols))
        per_group = np.bincount(m.group[rows], minlength=c.groups.n)
        fx.post_boost[:] *= 1 + p.draw * commitment * per_group
        if p.reward > 0:
            fx.pay(self.key, money=p.reward / 7 * len(kols))

    def linger(self, op: "Operator", day: int, fx: "Effects") -> None:
        self._shock(op, day, fx)

    def _shock(self, op: "Operator", day: int, fx: "Effects") -> None:
        if self.left_on == day - 1 and self.gone_from is not None and len(self.gone_from):
            fx.utility_bonus[self.gone_from] -= self.params.shock

    def settle(self, op: "Operator", day: int, today: dict[str, Any]) -> None:
        if self.since is None or self.params.leave_day != day or self.left_on is not None:
            return
        c = op.community
        rows = np.flatnonzero(np.isin(c.members.person, self.kols))
        self.gone_from = np.unique(c.members.group[rows])
        c.leave(rows, day)
        self.left_on = day

    def report(self, op: "Operator") -> dict[str, float]:
        c = op.community
        return {"kols": len(self.kols), "kol_messages": int(c.messages[self.kols].sum()) - self.messages0,
                "kols_left": int(np.count_nonzero(c.n_groups[self.kols] == 0))}


def _betweenness(adj, people: np.ndarray, sample: int, rng: np.random.Generator) -> np.ndarray:
    """Betweenness of `people` in the network among them; sampled sources beyond `sample` nodes."""
    sub = adj[people][:, people]
    graph = nx.from_scipy_sparse_array(sub)
    k = None if len(people) <= sample else sample
    bc = nx.betweenness_centrality(graph, k=k, seed=int(rng.integers(2**31)))
    return np.array([bc[i] for i in range(len(people))])
