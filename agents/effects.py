"""Today's levers: what the operator's strategies change in what members have or see.

Each day the model makes a fresh `Effects`, every strategy writes into it (post content,
remove ads, pay money, give recognition, ask for a ritual ...), and the behaviour rules
read it. A handle is something a member receives or sees; how strongly members respond
to it is a world parameter (world.response and friends), never a number in a lever. No
handle multiplies posting or writes an outcome. All handles are neutral by default, so
no strategy means the bare world.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

# per-group handles: name -> neutral value
GROUP = {
    "operator_posts": 0.0,  # valuable messages the operator/experts post today (content, digests): counted apart
    "spam_removal": 0.0,  # share of ads deleted before members read them
    "spammer_removal": 0.0,  # daily chance each ad poster is removed from the group
    "spam_deterrence": 1.0,  # x chance that a dissatisfied member turns to ads (rules seen to be enforced)
    "norm_support": 0.0,  # + per day to the group's norms (rules enforced)
    "newcomer_reply": 0.0,  # extra chance an admin answers the post of someone in their first week
    "kept": 1.0,  # 1 if the operator ran the group today (upkeep done), 0 if it was left alone (no norm recovery)
}
# per-person handles
PERSON = {
    "person_utility": 0.0,  # + utility today, in world units (money x money_utility, recognition, an event)
    "forward_boost": 1.0,  # x chance this person forwards content (a referral offer, posters), from world parameters
    "ritual_posts": 0.0,  # + expected ritual messages today in each of their groups (thanks, check-in, introduction)
}


_NEUTRAL: dict[str, np.ndarray] = {}  # group handle -> its neutral value over as many groups as asked so far (never written)


class Effects:
    """Neutral arrays allocated on first use; costs are booked per lever."""

    def __init__(self, n_groups: int, n_people: int):
        # (speed: a fresh Effects every day; set past __setattr__, whose check only handle names need)
        vars(self).update(n_groups=n_groups, n_people=n_people, _arrays={},
                          join_gift=0.0,  # currency an invited friend receives on joining (a referral gift)
                          money=defaultdict(float), hours=defaultdict(float))  # lever -> money, hours booked today

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
        return None if np.isfinite(self.join_gift) else "fx.join_gift"

    def touched(self, name: str) -> bool:
        return name in self._arrays

    def get(self, name: str) -> np.ndarray | float:
        """The array if a lever set it, else the neutral scalar (cheap for untouched handles)."""
        return self._arrays.get(name, GROUP.get(name, PERSON.get(name)))

    def groups(self, name: str, n: int) -> np.ndarray:
        """A group handle as an array over n groups, to read: the lever's, or its neutral value repeated
        (the compiled rules take arrays: one signature either way, the same arithmetic). The neutral
        arrays are made once and shared by every day (speed: a np.full each costs more than the rule's arithmetic)."""
        a = self._arrays.get(name)
        if a is not None:
            return a
        a = _NEUTRAL.get(name)
        if a is None or len(a) < n:
            a = _NEUTRAL[name] = np.full(max(n, 16, 2 * len(a) if a is not None else 0), GROUP[name], float)
        return a[:n]

    def at(self, name: str, index: np.ndarray) -> np.ndarray | float:
        """The handle's values at `index` (group or person ids), or its neutral scalar."""
        a = self._arrays.get(name)
        return GROUP.get(name, PERSON.get(name)) if a is None else a[index]

    def pay(self, lever: str, money: float = 0.0, hours: float = 0.0) -> None:
        self.money[lever] += money
        self.hours[lever] += hours
