"""Dunbar split: when a group passes a size threshold (default 150), split it in two.

Mechanism. Seed 003/004: under ~50 members talk is spontaneous, ~150 is the stable limit
(Dunbar's layers 5/15/50/150; Zhou, Sornette, Hill & Dunbar 2005), and in large groups
veterans go quiet while the group serves newcomers' questions. In the model a member of
a large group knows a smaller share of it (familiarity) and overload makes people mute,
so two smaller groups talk more per member — but each has fewer posts to read and
forward, and members who move leave their acquaintances behind. How the group is cut matters, because
friends inside a group make people talk and stay (seed 000/002): `communities` keeps
tie communities of the in-group network together (Louvain on groups up to
`louvain_max` members, a reverse Cuthill-McKee order of the tie graph beyond), `tenure`
moves the newest half, `random` a random half. Each member asked to move decides
(`agents.behaviour.follow`): they follow if their satisfaction plus the pull of friends
moving with them clears `world.satisfaction.follow_threshold`; who declines loses that
membership. Both halves keep the group's norms, entry gate, cap, openness and label; a
half still over the threshold is split again.

Causal path: smaller groups -> fewer messages each member must read (less overload and
muting) and a larger share of the group each member knows (world.familiarity) -> more of
them talk; but
each half has less to read and fewer friends inside for those cut off from their circle,
and dissatisfied members asked to move may not follow.

Cost: operator hours per split (open the group, announce, move people); every group also
costs the world's upkeep and setup hours (world.economy), as any group does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from ..params import param
from .base import Strategy, register
from .triggers import LeverParams

if TYPE_CHECKING:
    from ..operator import Operator

DUNBAR = "Dunbar's number: Zhou et al. 2005; seed 003/004"


@register
class DunbarSplit(Strategy):
    key = "dunbar_split"

    class Params(LeverParams):
        threshold: int = param(150, "members", "split a group once it has more members than this", DUNBAR, ge=3)
        method: Literal["communities", "tenure", "random"] = param(
            "communities", "-", "who moves to the new group: a tie community of the in-group network (communities), "
            "the newest members (tenure), or anyone (random)", "seed 000/002 (ties)")
        hours_per_split: float = param(2.0, "hours", "operator hours to announce a split and move people", ge=0)
        resolution: float = param(1.0, "-", "Louvain resolution (communities): higher = smaller tie communities", gt=0)
        louvain_max: int = param(2000, "members", "largest group split with Louvain; bigger ones are cut along a reverse Cuthill-McKee order of the tie graph", ge=10)

    def setup(self, op: "Operator") -> None:
        self.splits = self.moved = self.declined = 0

    def arrange(self, op: "Operator", day: int) -> None:
        c, p = op.community, self.params
        sizes = c.group_sizes()
        todo = [int(g) for g in np.flatnonzero(c.groups.live & (sizes > p.threshold))]
        while todo:
            g = todo.pop()
            new = self._split(op, g, day)
            sizes = c.group_sizes()
            todo += [h for h in (g, new) if sizes[h] > p.threshold]

    def _split(self, op: "Operator", g: int, day: int) -> int:
        from ..behaviour import relocate

        c, p, gr = op.community, self.params, op.community.groups
        m = c.members
        rows = np.flatnonzero(m.group == g)
        movers = c.members.person[rows[self._movers(c, rows)]]
        new = gr.add(day, label=gr.label[g], norms=float(gr.norms[g]), cap=int(gr.cap[g]))
        gr.gate[new], gr.open[new] = gr.gate[g], gr.open[g]
        moved, declined = relocate(c, op.world, m.find(movers, np.full(len(movers), g)), np.full(len(movers), new), day, self.rng)
        self.splits += 1
        self.moved += moved
        self.declined += declined
        op.pay(self.key, hours=p.hours_per_split)
        return new

    def _movers(self, c, rows: np.ndarray) -> np.ndarray:
        """Positions in `rows` of the members who go to the new group (about half)."""
        n, p = len(rows), self.params
        if p.method == "random":
            return self.rng.permutation(n)[: n // 2]
        if p.method == "tenure":  # the newest half moves; veterans keep their group
            order = np.lexsort((self.rng.random(n), -c.members.joined[rows]))
            return order[: n // 2]
        import networkx as nx
        import scipy.sparse as sp
        from scipy.sparse.csgraph import reverse_cuthill_mckee

        people = c.members.person[rows]
        sub = sp.csr_matrix(c.network[people][:, people])
        if n <= p.louvain_max:
            graph = nx.from_scipy_sparse_array(sub)
            parts = nx.community.louvain_communities(graph, resolution=p.resolution, seed=int(self.rng.integers(2**31)))
            half = _balanced_half(parts)
            if len(half) >= n // 4:
                return half
        # too big for Louvain, or one community holds almost everyone: cut along an order
        # that keeps friends next to each other
        order = reverse_cuthill_mckee(sub, symmetric_mode=True)
        return np.asarray(order[n - n // 2:], np.int64)

    def report(self, op: "Operator") -> dict[str, float]:
        return {"splits": self.splits, "moved": self.moved, "declined": self.declined}


def _balanced_half(parts: list[set[int]]) -> np.ndarray:
    """Whole tie communities, largest first, go to the smaller side; return the smaller side."""
    sides: tuple[list[int], list[int]] = ([], [])
    for part in sorted(parts, key=lambda s: (-len(s), min(s))):
        side = sides[0] if len(sides[0]) <= len(sides[1]) else sides[1]
        side.extend(part)
    return np.sort(np.asarray(min(sides, key=len), np.int64))
