"""KOL seeding: recruit a few opinion leaders who share content and bring people in.

Mechanism. Seed 001/003/004: a community needs its "big names" (大咖) and opinion
leaders; leader members drive talk, set the tone and attract members like themselves;
rewarding them keeps them active; a community can also bring KOLs in from outside to
promote it. On the first day the lever fires, the operator picks `count` KOLs among the
members by network degree, by betweenness (sampled sources; on large communities among
the `betweenness_max` best connected), by messages written so far (activity), by the
joins their sharing chains brought (`chains`: every join in the invitation trees below a
member, all generations — seed 004: find KOLs from multi-level sharing), at random — or
brings in the best-connected people from outside (`outside`), who join the group with
the most members. While committed, a KOL:
- posts `posts` pieces of content a day in each of their groups, as agreed with the
  operator: content members read (value and novelty, world.novelty.content), counted with
  the operator's posts in `ritual_messages_total`, not in conversation;
- promotes the community with the operator's posters: forwards content
  world.response.poster_forwarding times as often, so their friends get invitations;
- enjoys the role: it is worth the daily utility a member expects (world.satisfaction.aspiration).
A KOL's own conversation is theirs, as any member's. Commitment: a rewarded KOL
(`reward` > 0) stays committed; an unpaid one keeps it up only while the group pleases
them (logistic of their satisfaction above world.satisfaction.leave_threshold). At the end of `leave_day` every KOL leaves the
community; what members lose then is the KOLs' content and what they had come to expect.

Causal path: KOL content -> value and novelty for readers -> members post and stay;
KOL promotion -> invitations -> joiners among the KOLs' friends.

Cost: the reward per KOL per week (for KOLs still in the community) and
`recruit_hours` per KOL recruited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..codes import INVITED, OUTSIDE, REMOVED
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
        choose: Literal["degree", "betweenness", "activity", "chains", "random", "outside"] = param(
            "degree", "-", "how KOLs are picked: most friends (degree), most bridging (betweenness), most messages so far "
            "(activity), most joins down their sharing chains (chains), at random, or best-connected people brought from outside")
        posts: float = param(2.0, "messages/day", "pieces of content a committed KOL posts a day in each of their groups, as agreed", KOL, ge=0)
        reward: float = param(100.0, "currency/week", "reward per KOL; 0 = unpaid", KOL, ge=0)
        leave_day: int | None = param(None, "day", "day every KOL leaves the community; none = they stay", ge=0)
        recruit_hours: float = param(2.0, "hours", "operator hours to recruit one KOL", ge=0)
        betweenness_sample: int = param(200, "people", "sources sampled for betweenness on graphs larger than this", ge=10)
        betweenness_max: int = param(5000, "people", "on larger communities betweenness is computed among this many best-connected members", ge=10)

    def setup(self, op: "Operator") -> None:
        self.kols = np.zeros(0, np.int64)
        self.since: int | None = None
        self.left_on: int | None = None
        self.left_count = 0  # KOLs who left the community on leave_day (they may be invited back later)
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
            elif p.choose == "chains":
                score = chain_joins(c)[pool] + tie[pool]
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
            c.join(self.kols[at], groups, day, OUTSIDE)
            self.kols = self.kols[at]
        self.since = day
        self.messages0 = int(c.messages[self.kols].sum())
        op.pay(self.key, hours=p.recruit_hours * len(self.kols))

    def _present(self, op: "Operator") -> np.ndarray:
        return self.kols[op.community.n_groups[self.kols] > 0]

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        from ..behaviour import logistic

        c, p, w = op.community, self.params, op.world
        kols = self._present(op)
        if not len(kols):
            return
        m, s = c.members, w.satisfaction
        rows = np.flatnonzero(np.isin(m.person, kols))
        # a paid KOL keeps it up; an unpaid one only while the group pleases them
        keen = np.ones(len(rows)) if p.reward > 0 else logistic((m.satisfaction[rows] - s.leave_threshold) / s.softness)
        np.add.at(fx.operator_posts, m.group[rows], p.posts * keen)
        commitment = np.zeros(c.people.size)
        np.maximum.at(commitment, m.person[rows], keen)
        fx.person_utility[kols] += s.aspiration * commitment[kols]  # the role itself is rewarding
        fx.forward_boost[kols] *= 1 + (w.response.poster_forwarding - 1) * commitment[kols]
        if p.reward > 0:
            fx.pay(self.key, money=p.reward / 7 * len(kols))

    def settle(self, op: "Operator", day: int, today: dict[str, Any]) -> None:
        if self.since is None or self.params.leave_day != day or self.left_on is not None:
            return
        c = op.community
        self.left_count = len(c.leave(np.flatnonzero(np.isin(c.members.person, self.kols)), day, REMOVED))
        self.left_on = day

    def report(self, op: "Operator") -> dict[str, float]:
        c = op.community
        return {"kols": len(self.kols), "kol_messages": int(c.messages[self.kols].sum()) - self.messages0,
                "kols_left": self.left_count}


def chain_joins(c) -> np.ndarray:
    """Per person: joins in the invitation tree below them, every generation (multi-level sharing chains)."""
    log = c.invitations()
    first = np.zeros(len(log["invitee"]), bool)  # each person's first join: the rows that make a forest
    first[np.unique(log["invitee"], return_index=True)[1]] = True
    invited = first & (log["channel"] == INVITED)
    inviter, invitee = log["inviter"][invited], log["invitee"][invited]
    depth = c.depth[invitee]
    below = np.zeros(c.people.size)
    for d in range(int(depth.max()) if len(depth) else 0, 0, -1):  # deepest first: joins flow up to the roots
        at = depth == d
        np.add.at(below, inviter[at], 1 + below[invitee[at]])
    return below


def _betweenness(adj, people: np.ndarray, sample: int, rng: np.random.Generator) -> np.ndarray:
    """Betweenness of `people` in the network among them; sampled sources beyond `sample` nodes."""
    import networkx as nx

    sub = adj[people][:, people]
    graph = nx.from_scipy_sparse_array(sub)
    k = None if len(people) <= sample else sample
    bc = nx.betweenness_centrality(graph, k=k, seed=int(rng.integers(2**31)))
    return np.array([bc[i] for i in range(len(people))])
