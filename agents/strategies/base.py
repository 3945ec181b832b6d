"""What every lever is: parameters, a mechanism, a cost, and when it runs.

A lever acts in up to three moments of a day:
- `arrange(op, day)`  before anyone acts: change structure (split, move, dissolve, gate);
- `act(op, day, fx)`   set today's handles in `fx` (see agents/effects.py) and pay for it;
- `settle(op, day, today)` after the day: react to what happened (reciprocity, funnels).
`op` is the Operator: it gives the community, the world, a random stream and the history
of daily outcomes. A lever runs on the days its trigger allows (see triggers.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..params import Params

if TYPE_CHECKING:
    from ..effects import Effects
    from ..operator import Operator


class Strategy:
    key: ClassVar[str] = ""  # the name a scenario file uses
    Params: ClassVar[type[Params]] = Params

    def __init__(self, params: Params):
        self.params = params

    def setup(self, op: "Operator") -> None:
        """Once, after the world is built and before day 0."""

    def arrange(self, op: "Operator", day: int) -> None:
        pass

    def act(self, op: "Operator", day: int, fx: "Effects") -> None:
        pass

    def settle(self, op: "Operator", day: int, today: dict[str, Any]) -> None:
        pass

    def report(self, op: "Operator") -> dict[str, float]:
        """Extra per-run figures of this lever (e.g. funnel stages), added to runs.parquet."""
        return {}


REGISTRY: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make a lever available under its `key` in scenario files."""
    if not cls.key:
        raise ValueError(f"{cls.__name__} needs a `key`")
    REGISTRY[cls.key] = cls
    return cls
