"""What every lever is: parameters, a mechanism, a cost, and when it runs.

A lever acts in these moments of a day (`op` is the Operator: the community, the world,
the outcome history and the books):
- `arrange(op, day)`        before anyone acts: change structure (split, move, dissolve,
                            gate, cap) — on the days its trigger fires;
- `lift(op, day)`           the same moment on days it does not fire: lift a standing
                            rule it set (a gate, a cap) if it should not outlast its days;
- `act(op, day, fx)`        set today's handles in `fx` (agents/effects.py) and pay for
                            them — on the days its trigger fires;
- `linger(op, day, fx)`     the same moment on other days: what an earlier action leaves
                            behind (an afterglow, members' return packets, disappointment);
- `settle(op, day, today)`  every day, after it: react to what happened (rewards per
                            invitation, conversions);
- `report(op)`              extra per-run figures, stored as `<key>.<name>` in runs.parquet.
A lever that never fires must change nothing: every hook starts from "nothing done yet".

Costs: `fx.pay(key, money=..., hours=...)` in `act`/`linger`, `op.pay(...)` elsewhere;
money in the world's currency, hours at `world.economy.hourly_wage`.
Randomness: `self.rng`, a stream of the lever's own (set by the Operator before `setup`),
so adding a lever never shifts the draws of another.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .triggers import LeverParams, Trigger

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator


class Strategy:
    key: ClassVar[str] = ""  # the name a scenario file uses
    Params: ClassVar[type[LeverParams]] = LeverParams

    def __init__(self, params: LeverParams):
        self.params = params
        self.trigger = Trigger.of(params)
        self.rng = np.random.default_rng(0)  # replaced by the Operator with the lever's own stream
        self.last_fired: int | None = None  # set by the Operator on days `act` runs

    def setup(self, op: "Operator") -> None:
        """Once, after the world is built and before day 0. Must not change the community."""

    def arrange(self, op: "Operator", day: int) -> None:
        pass

    def lift(self, op: "Operator", day: int) -> None:
        pass

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        pass

    def linger(self, op: "Operator", day: int, fx: "Effects") -> None:
        pass

    def settle(self, op: "Operator", day: int, today: dict[str, Any]) -> None:
        pass

    def report(self, op: "Operator") -> dict[str, float]:
        """Extra per-run figures of this lever (e.g. funnel stages), added to runs.parquet."""
        return {}

    def fired_today(self, day: int) -> bool:
        return self.last_fired == day


REGISTRY: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a lever available under its `key` in scenario files."""
    if not cls.key:
        raise ValueError(f"{cls.__name__} needs a `key`")
    REGISTRY[cls.key] = cls
    return cls


def own_stream(parent: np.random.Generator, key: str, n: int) -> np.random.Generator:
    """The n-th lever named `key` gets a stream spawned from the operator's seed sequence."""
    ss = parent.bit_generator.seed_seq
    return np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, zlib.crc32(key.encode()), n)))


def grow(a: np.ndarray, n: int, fill: Any) -> np.ndarray:
    """`a` extended to length n with `fill` (lever state per group grows as groups open)."""
    if len(a) >= n:
        return a
    return np.concatenate([a, np.full(n - len(a), fill, dtype=a.dtype)])


def rank_within(keys: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rank (0 = best) of each item among the items with the same key, by descending score."""
    order = np.lexsort((-score, keys))
    k = keys[order]
    first = np.searchsorted(k, k)  # first position of each key in sorted order
    rank = np.empty(len(keys), np.int64)
    rank[order] = np.arange(len(keys)) - first
    return rank
