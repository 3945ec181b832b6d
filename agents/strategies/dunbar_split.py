"""Dunbar split: when a group passes a size threshold (default 150), split it in two.

Mechanism. Seed 003/004: under ~50 members talk is spontaneous, ~150 is the stable limit
(Dunbar's layers 5/15/50/150; Zhou, Sornette, Hill & Dunbar 2005), and in large groups
veterans go quiet while the group serves newcomers' questions. In the model each member
posts less as a group grows (bystanders) and overload makes people mute, so two smaller
groups talk more per member — but each has fewer posts to read, and a friend invited
into a smaller group knows fewer people there. How the group is cut matters, because
friends inside a group make people talk and stay (seed 000/002): `communities` keeps
tie communities of the in-group network together (Louvain on groups up to
`louvain_max` members, a reverse Cuthill-McKee order of the tie graph beyond), `tenure`
moves the newest half, `random` a random half. A share `loss` of the members asked to
move never join the new group (they drop that membership). Both halves keep the
group's norms, entry gate, cap, openness and label; a half still over the threshold is
split again.

Expected effect: a higher share of members talking (`active_ratio_final`, `dau_mean`
rise, fewer mutes); fewer members overall (the move loses some, and invitations into
smaller groups convert less); admin hours for every extra group.

Cost: operator hours per split (open the group, announce, move people) and upkeep hours
for every group the splits opened, every day it lives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

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
        loss: float = param(0.1, "share", "share of the members asked to move who do not follow (their membership ends)", "assumed", ge=0, le=1)
        hours_per_split: float = param(2.0, "hours", "operator hours to open the new group, announce and move people", ge=0)
        upkeep_hours: float = param(0.25, "hours/group/day", "operator hours a day to run each group a split opened", ge=0)
        resolution: float = param(1.0, "-", "Louvain resolution (communities): higher = smaller tie communities", gt=0)
        louvain_max: int = param(2000, "members", "largest group split with Louvain; bigger ones are cut along a reverse Cuthill-McKee order of the tie graph", ge=10)

    def setup(self, op: "Operator") -> None:
        self.opened: list[int] = []
        self.splits = self.moved = self.lost = 0

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
        c, p, gr = op.community, self.params, op.community.groups
        m = c.members
        rows = np.flatnonzero(m.group == g)
        movers = c.members.person[rows[self._movers(c, rows)]]
        new = gr.add(day, label=gr.label[g], norms=float(gr.norms[g]), cap=int(gr.cap[g]))
        gr.gate[new], gr.open[new] = gr.gate[g], gr.open[g]
        lost = self.rng.random(len(movers)) < p.loss
        c.leave(m.find(movers[lost], np.full(lost.sum(), g)), day)
        go = movers[~lost]
        c.move(m.find(go, np.full(len(go), g)), np.full(len(go), new), day)
        self.opened.append(new)
        self.splits += 1
        self.moved += len(go)
        self.lost += int(lost.sum())
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

    def settle(self, op: "Operator", day: int, today: dict[str, Any]) -> None:
        if self.opened:
            live = op.community.groups.live[self.opened]
            op.pay(self.key, hours=self.params.upkeep_hours * int(live.sum()))

    def report(self, op: "Operator") -> dict[str, float]:
        return {"splits": self.splits, "moved": self.moved, "lost": self.lost}


def _balanced_half(parts: list[set[int]]) -> np.ndarray:
    """Whole tie communities, largest first, go to the smaller side; return the smaller side."""
    sides: tuple[list[int], list[int]] = ([], [])
    for part in sorted(parts, key=lambda s: (-len(s), min(s))):
        side = sides[0] if len(sides[0]) <= len(sides[1]) else sides[1]
        side.extend(part)
    return np.sort(np.asarray(min(sides, key=len), np.int64))
