"""When a lever acts: on a schedule, when a measured condition holds, or every day.

Every lever's parameters carry the same timing keys, written beside its own parameters:

    - red_packet: {amount: 200, every: 7, start: 4}          # weekly, from day 4
    - content_schedule: {days: [10, 20, 30]}                  # on these days only
    - check_in: {when: {metric: active_ratio, below: 0.1}}    # while the group is quiet
    - moderation: {every: 1, stop: 30}                        # for the first month

Keys combine with AND: a lever with `every: 7` and `when:` acts on every seventh day on
which the condition holds. Without any timing key a lever acts every day (some levers,
like red packets, have their own default schedule). `when` reads yesterday's daily
outcomes (or their mean over the last `over` days), so it never fires on day 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import field_validator, model_validator

from ..params import Params, did_you_mean, param

# The keys of the daily outcome dicts the model records (sim/model.py, `daily.parquet`).
# tests/test_triggers.py checks this list against a real run, so it cannot drift.
METRICS = (
    "members", "joins", "leaves", "dau", "mau", "active_ratio", "messages", "valuable",
    "operator_posts", "ritual", "answered", "posted", "spam", "spam_removed", "spam_share", "mutes", "turned_to_spam",
    "muted_share", "silent_share", "groups_alive", "groups_open", "cost",
)


class When(Params):
    """A measured condition: yesterday's value of a daily outcome is below / above a bound."""

    metric: str = param(..., "-", "a daily outcome: " + ", ".join(METRICS))
    below: float | None = param(None, "metric units", "fire while the metric is below this")
    above: float | None = param(None, "metric units", "fire while the metric is above this")
    over: int = param(1, "days", "compare the mean of the last N days (1 = yesterday)", ge=1, le=365)

    @field_validator("metric")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric {v!r}; {did_you_mean(v, METRICS)}metrics: {', '.join(METRICS)}")
        return v

    @model_validator(mode="after")
    def _a_bound(self) -> "When":
        if self.below is None and self.above is None:
            raise ValueError("`when` needs a bound: below: X and/or above: X")
        return self


class LeverParams(Params):
    """Base of every lever's parameters: the timing keys shared by all levers."""

    days: list[int] | None = param(None, "days", "act on these days only, e.g. [7, 14, 30]")
    every: int | None = param(None, "days", "act every N days, counted from `start`", ge=1)
    start: int = param(0, "day", "first day the lever may act", ge=0)
    stop: int | None = param(None, "day", "last day the lever may act (none = to the end)", ge=0)
    when: When | None = param(None, "-", "act only while a daily outcome is below/above a bound: {metric, below, above, over}")

    @model_validator(mode="before")
    @classmethod
    def _days_replace_default_schedule(cls, data: Any) -> Any:
        """Given `days`, a lever's default `every` (red packets weekly ...) does not apply."""
        if isinstance(data, dict) and data.get("days") is not None and "every" not in data:
            return {**data, "every": None}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "LeverParams":
        if self.days is not None and self.every is not None:
            raise ValueError("give `days` or `every`, not both")
        if self.stop is not None and self.stop < self.start:
            raise ValueError(f"stop (day {self.stop}) is before start (day {self.start})")
        if self.days is not None and any(d < 0 for d in self.days):
            raise ValueError("days are day numbers, 0 or more")
        return self


TIMING = tuple(LeverParams.model_fields)


class Trigger:
    """Decides, from the day and the outcome history, whether a lever acts today."""

    def __init__(self, timing: LeverParams):
        self.days = None if timing.days is None else frozenset(timing.days)
        self.every, self.start, self.stop, self.when = timing.every, timing.start, timing.stop, timing.when

    @classmethod
    def of(cls, params: Params) -> "Trigger | None":
        """The trigger of a lever's parameters, or None if it acts every day."""
        if not isinstance(params, LeverParams):
            return None
        p = params
        if p.days is None and p.every is None and p.start == 0 and p.stop is None and p.when is None:
            return None
        return cls(p)

    def fires(self, day: int, history: list[dict[str, Any]]) -> bool:
        if day < self.start or (self.stop is not None and day > self.stop):
            return False
        if self.days is not None and day not in self.days:
            return False
        if self.every is not None and (day - self.start) % self.every:
            return False
        if self.when is not None:
            w = self.when
            if len(history) < w.over:
                return False
            value = float(np.mean([h[w.metric] for h in history[-w.over:]]))
            if w.below is not None and not value < w.below:
                return False
            if w.above is not None and not value > w.above:
                return False
        return True

    def __repr__(self) -> str:
        parts = [f"{k}={v!r}" for k, v in vars(self).items() if v is not None]
        return f"Trigger({', '.join(parts)})"
