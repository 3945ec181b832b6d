"""Today's levers: the handles through which the operator's strategies touch behaviour.

Each day the model makes a fresh `Effects`, every strategy writes into it (multiply a
group's posting, post expert content, remove spam, pay ...), and the behaviour rules read
it. Strategies never reach into the rules, and the rules never know which strategy is on.
All fields are neutral by default, so no strategy means the bare world.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

# per-group handles: name -> neutral value
GROUP = {
    "post_boost": 1.0,  # x posting of every member of the group
    "operator_posts": 0.0,  # valuable messages posted by the operator/experts today
    "value_boost": 1.0,  # x utility members draw from valuable messages
    "utility_bonus": 0.0,  # + utility today for every member (a welcome, a badge, a summary)
    "spam_removal": 0.0,  # share of ads deleted before members read them
    "spammer_removal": 0.0,  # daily chance each ad poster is removed from the group
    "spam_deterrence": 1.0,  # x chance that a dissatisfied member turns to ads
    "norm_support": 0.0,  # + per day to the group's norms (rules enforced)
    "newcomer_reply": 0.0,  # extra chance a newcomer's post gets a reply (first week)
}
# per-person handles
PERSON = {
    "person_post_boost": 1.0,  # x posting of this person in all their groups
    "person_utility": 0.0,  # + utility today (money received, points, recognition)
    "forward_boost": 1.0,  # x chance this person forwards content (referral reward)
    "chat_posts": 0.0,  # + expected chit-chat messages today in each of their groups (thanks for a red packet)
    "valuable_posts": 0.0,  # + expected valuable messages today in each of their groups (a KOL's content)
}


class Effects:
    """Neutral arrays allocated on first use; costs are booked per lever."""

    def __init__(self, n_groups: int, n_people: int):
        self.n_groups, self.n_people = n_groups, n_people
        self._arrays: dict[str, np.ndarray] = {}
        self.join_boost = 1.0  # x chance an invited friend joins
        self.join_incentive = 0.0  # + to an invited friend's fit, whatever their interest (a referral reward)
        self.money: dict[str, float] = defaultdict(float)
        self.hours: dict[str, float] = defaultdict(float)

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in GROUP:
            size, neutral = self.n_groups, GROUP[name]
        elif name in PERSON:
            size, neutral = self.n_people, PERSON[name]
        else:
            raise AttributeError(f"no lever handle {name!r}; handles: {sorted(GROUP) + sorted(PERSON)}")
        return self._arrays.setdefault(name, np.full(size, neutral, float))

    def __setattr__(self, name: str, value) -> None:
        if name in GROUP or name in PERSON:  # assigning would replace nothing the rules read
            raise AttributeError(f"fx.{name} is a handle to change in place (fx.{name} *= 2, fx.{name}[groups] += 1), "
                                 "not to assign")
        super().__setattr__(name, value)

    def finite(self) -> str | None:
        """The first handle or cost holding NaN or infinity, or None (a lever wrote garbage)."""
        for name, a in self._arrays.items():
            if not np.isfinite(a).all():
                return f"fx.{name}"
        for book in ("money", "hours"):
            if not all(np.isfinite(v) for v in getattr(self, book).values()):
                return f"fx.{book} (fx.pay)"
        for name in ("join_boost", "join_incentive"):
            if not np.isfinite(getattr(self, name)):
                return f"fx.{name}"
        return None

    def fit(self, n_groups: int) -> None:
        """Groups opened during the day get neutral handles."""
        for name, a in self._arrays.items():
            if name in GROUP and len(a) < n_groups:
                self._arrays[name] = np.concatenate([a, np.full(n_groups - len(a), GROUP[name])])
        self.n_groups = max(self.n_groups, n_groups)

    def touched(self, name: str) -> bool:
        return name in self._arrays

    def get(self, name: str) -> np.ndarray | float:
        """The array if a lever set it, else the neutral scalar (cheap for untouched handles)."""
        return self._arrays.get(name, GROUP.get(name, PERSON.get(name)))

    def at(self, name: str, index: np.ndarray) -> np.ndarray | float:
        """The handle's values at `index` (group or person ids), or its neutral scalar."""
        a = self._arrays.get(name)
        return GROUP.get(name, PERSON.get(name)) if a is None else a[index]

    def pay(self, lever: str, money: float = 0.0, hours: float = 0.0) -> None:
        self.money[lever] += money
        self.hours[lever] += hours
