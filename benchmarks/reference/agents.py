"""The reference model's agents: a member is a `mesa.Agent`, a group is a `mesa.Agent`.

This is the plain, per-agent way of writing the rules of `agents/behaviour.py`: one
Python call per member per day and a loop over the member's groups. It exists to be
read and to be compared with the fast engine, which computes the same equations over
NumPy columns; each docstring names the function of `agents/behaviour.py` it mirrors.
There are no levers here: this is the bare world (`strategy: []`).

A day runs in phases because today's reading depends on what everyone posted today
(a synchronous update, Mesa's step/advance idiom): members `step()` (post), groups
`tally()`, members `advance()` (read, learn, feel, react, forward), groups `update()`.
A group's tally is taken before anyone learns, so every reader sees the novelty its
authors had when they wrote, as in the fast engine where `learn()` runs after `read()`.

Without levers some terms of the fast engine are zero and are left out here: operator
posts (content), ritual messages, lever rewards (so a member's expectation stays at
`aspiration`), moderation. Each place says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from .model import ReferenceModel

NEVER = -(10**6)  # the day of something that never happened (as agents.community.NEVER)


def logistic(x: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * x))


def saturate(x: float, half: float) -> float:
    """1 - exp(-x/half): rises from 0 towards 1, ~63% at x = half (diminishing returns)."""
    return -math.expm1(-x / half)


@dataclass(eq=False)
class Membership:
    """One member in one group: the state that belongs to the pair, and today's scratch values."""

    group: "Group"
    joined: int
    satisfaction: float
    expectation: float  # the daily utility this member has come to expect here (behaviour.feel)
    novelty: float = 1.0  # what is still new to the member here, 0-1; 1 on joining (behaviour.learn)
    muted: bool = False
    spammer: bool = False
    posts: int = 0
    last_post: int = NEVER
    # today
    ties: int = 0
    chat: int = 0
    valuable: int = 0
    spam: int = 0
    level: float = 0.0  # the author's expertise when they posted today (only read if they posted)
    load: float = 0.0
    replied: bool = False  # posted today and someone replied
    leaving: bool = False


class Group(mesa.Agent):
    """A chat group: cap, norms, yesterday's activity, and who is in it."""

    def __init__(self, model: "ReferenceModel", gid: int, day: int):
        super().__init__(model)
        g = model.world.groups
        self.gid, self.created, self.closed = gid, day, NEVER
        self.open, self.cap = True, g.cap
        self.norms0 = self.norms = g.norms
        self.last_post, self.activity = NEVER, 0.0
        self.members: dict[int, Member] = {}
        self.size_today = 0
        self.clear()

    @property
    def live(self) -> bool:
        return self.closed == NEVER

    def takes_joiners(self) -> bool:
        return self.live and self.open and len(self.members) < self.cap

    def clear(self) -> None:
        self.chat = self.valuable = self.spam_posted = self.spam_kept = self.member_talk = 0
        self.fresh = 0.0
        self.level: float | None = None

    def open_day(self) -> None:
        """Sizes are taken once, after arrivals and before anyone posts (size effect, activity)."""
        self.size_today = len(self.members)
        self.clear()

    def tally(self) -> None:
        """Today's messages in the group (behaviour.post's group sums).

        Without levers there are no operator posts, no ritual messages and no moderation
        (every ad stays up). `fresh` is the members' talk weighted by each author's novelty
        (Posts.group_fresh); `level` the mean expertise behind the members' valuable posts,
        None if there were none (Posts.group_level, NaN there).
        """
        ms = [m.groups[self.gid] for m in self.members.values()]
        self.chat = sum(x.chat for x in ms)
        self.valuable = sum(x.valuable for x in ms)
        self.member_talk = self.chat + self.valuable
        self.fresh = sum((x.chat + x.valuable) * x.novelty for x in ms)
        if self.valuable:
            self.level = sum(x.valuable * x.level for x in ms) / self.valuable
        self.spam_posted = sum(x.spam for x in ms)
        self.spam_kept = self.spam_posted

    def update(self) -> None:
        """Yesterday's activity feeds today's replies; ads erode norms, rules restore them (update_groups())."""
        s = self.model.world.satisfaction
        talk = self.chat + self.valuable
        self.activity = talk / max(self.size_today, 1)
        if self.member_talk > 0:
            self.last_post = self.model.day
        total = talk + self.spam_kept
        spam_share = self.spam_kept / total if total > 0 else 0.0
        self.norms += -s.norm_erosion * spam_share * self.norms + s.norm_recovery * (self.norms0 - self.norms)
        self.norms = min(max(self.norms, 0.0), 1.0)


class Member(mesa.Agent):
    """A person who joined the community, with their traits and their memberships (group id -> Membership)."""

    def __init__(self, model: "ReferenceModel", person: int, day: int, inviter: "Member | None"):
        super().__init__(model)
        pop = model.population
        self.person = person
        self.interest = float(pop.interest[person])
        self.sociability = float(pop.sociability[person])
        self.attention = float(pop.attention[person])
        self.patience = float(pop.patience[person])
        self.expertise0 = float(pop.expertise0[person])
        self.friends = model.friends[person]
        self.groups: dict[int, Membership] = {}
        self.joined, self.left = day, NEVER
        self.messages, self.last_post = 0, NEVER
        self.first_post, self.first_replied = NEVER, False  # day of the first conversation message; did it get a reply
        self.depth = inviter.depth + 1 if inviter is not None else 0
        self.root = inviter.root if inviter is not None else person
        self.overload = 0.0

    def ties_in(self, group: Group) -> int:
        """Friends inside the group, counted directly (the fast engine keeps this count incrementally)."""
        inside = group.members
        return sum(1 for f in self.friends if f in inside)

    def expertise(self, tenure: int) -> float:
        """Grows with tenure in the group from expertise0 towards 1 (Community.expertise)."""
        days = self.model.world.posting.expertise_days
        return self.expertise0 + (1 - self.expertise0) * (1 - math.exp(-tenure / days))

    # ---- phase 1: post (behaviour.post) ------------------------------------------------------
    def step(self) -> None:
        """Post a Poisson count in each group; a spammer posts ads instead.

        Novelty, not tenure, gives the honeymoon: everything new to a member (n = 1) makes
        them post (1 + novelty.effect) times as much.
        """
        model, pp, nv = self.model, self.model.world.posting, self.model.world.novelty
        rng, day = model.rng, model.day
        for ms in self.groups.values():
            g = ms.group
            ms.ties = self.ties_in(g)
            ms.leaving = False
            if ms.spammer:
                ms.chat, ms.valuable, ms.spam = 0, 0, int(rng.poisson(pp.spam_rate))
                continue
            tenure = day - ms.joined
            size_effect = min(2.0, (max(g.size_today, 1) / pp.size_ref) ** -pp.size_exponent)
            reply_effect = 1 + pp.reply_effect * saturate(g.activity, pp.activity_half)
            rate = (
                self.sociability
                * self.interest ** pp.interest_exponent
                * (1 + pp.tie_effect * ms.ties / (ms.ties + pp.tie_half))
                * size_effect * reply_effect
                * (1 + nv.effect * ms.novelty)
                * min(max(1 + pp.mood_weight * ms.satisfaction, 0.05), 2.0)
                * (pp.muted_factor if ms.muted else 1.0)
            )
            count = int(rng.poisson(rate))
            valuable = 0
            if count:
                ms.level = self.expertise(tenure)
                share = min(max(pp.valuable_base + pp.valuable_expertise * ms.level, 0.0), 1.0)
                valuable = int(rng.binomial(count, share))
            ms.chat, ms.valuable, ms.spam = count - valuable, valuable, 0

    # ---- phase 2: read, learn, feel, react, forward -------------------------------------------
    def advance(self) -> None:
        """Read what the others posted today against the attention budget, then respond."""
        model, w = self.model, self.model.world
        r = w.reading
        rng, day = model.rng, model.day
        # what each group puts on my attention (behaviour.read); no operator or ritual messages
        others = {}
        for gid, ms in self.groups.items():
            g = ms.group
            v = g.valuable - ms.valuable
            c = g.chat - ms.chat
            kept_share = g.spam_kept / max(g.spam_posted, 1)
            a = max(g.spam_kept - ms.spam * kept_share, 0.0)
            seen = r.muted_read_share if ms.muted else 1.0
            ms.load = (v + c + a) * seen
            others[gid] = (v, c, a, seen)
        my_load = sum(ms.load for ms in self.groups.values())
        ratio = my_load / self.attention
        self.overload = max(ratio - 1.0, 0.0)
        for gid, ms in list(self.groups.items()):
            g = ms.group
            v, c, a, seen = others[gid]
            share_read = min(1.0, 1.0 / max(ratio, 1e-12)) * seen
            # valuable posts are worth less to a reader far from the level they were written at
            match = 1.0 if g.level is None else 1.0 - r.level_mismatch * abs(self.expertise(day - ms.joined) - g.level)
            v_read, c_read, a_read = v * match * share_read, c * share_read, a * share_read
            friends = ms.ties / (ms.ties + w.posting.tie_half)
            utility = r.value_weight * saturate(v_read * self.interest, r.value_half)
            utility += r.chat_weight * (0.3 + 0.7 * friends) * saturate(c_read, r.chat_half)
            utility -= r.spam_weight * a_read
            utility -= r.overload_weight * self.overload * (ms.load / my_load if ms.load > 0 else 0.0)
            ms.replied = False
            if ms.chat + ms.valuable > 0:  # a post that gets a reply is rewarded
                p_reply = saturate(g.chat + g.valuable - ms.chat - ms.valuable, r.reply_half)
                ms.replied = rng.random() < p_reply
                if ms.replied:
                    utility += r.reply_reward
            self.learn(ms, (v + c) * share_read)  # talk read: others' messages, undiscounted
            self.feel(ms, utility)
            self.react(ms)
            self.forward(ms, v_read)

    def learn(self, ms: Membership, talk_read: float) -> None:
        """Novelty: reading renews a share of what is new to me with the freshness of what I read (behaviour.learn).

        The share renewed is u = 1 - exp(-talk read / capacity); the freshness of the
        group's talk is phi = transfer x (its authors' novelty, weighted by their messages)
        / all its messages (the `content` x operator posts term is 0 without levers).
        """
        nv, g = self.model.world.novelty, ms.group
        talk = g.chat + g.valuable
        phi = nv.transfer * g.fresh / talk if talk > 0 else 0.0
        u = -math.expm1(-talk_read / nv.capacity)
        ms.novelty += u * (phi - ms.novelty)

    def feel(self, ms: Membership, utility: float) -> None:
        """Satisfaction follows today's utility minus my expectation; the expectation follows the rewards (behaviour.feel).

        Without levers the reward is 0, so the expectation, which starts at `aspiration`,
        stays there.
        """
        s = self.model.world.satisfaction
        reward = 0.0
        ms.satisfaction += s.learning_rate * (utility - ms.expectation - ms.satisfaction)
        ms.expectation += s.adaptation * (s.aspiration + s.habituation * reward - ms.expectation)

    def react(self, ms: Membership) -> None:
        """Mute when overloaded or bored; leave when dissatisfied; stay and post ads when sunk (behaviour.react)."""
        model, s = self.model, self.model.world.satisfaction
        rng = model.rng
        sat = ms.satisfaction
        bored = logistic((s.leave_threshold - sat) / s.softness)
        p_mute = s.mute_rate * min(self.overload, 1.0) + s.silent_mute_rate * bored
        if not ms.muted and rng.random() < p_mute:
            ms.muted = True
            model.today["mutes"] += 1
        hazard = s.base_leave_rate + (0.0 if ms.spammer else bored / self.patience)
        ms.leaving = rng.random() < hazard  # applied after the day is measured
        weak_norms = 2.0 * (1.0 - ms.group.norms)
        p_spam = s.spam_turn_rate * logistic((s.spam_threshold - sat) / s.softness) * weak_norms
        if not ms.spammer and not ms.leaving and rng.random() < p_spam:
            ms.spammer = True
            model.today["turned_to_spam"] += 1

    def forward(self, ms: Membership, valuable_read: float) -> None:
        """Forward valuable content; a forward reaches a few friends (with replacement) (behaviour.forward)."""
        model, sp = self.model, self.model.world.spreading
        rng = model.rng
        drive = sp.forward_rate * valuable_read * self.interest * min(max(1 + ms.satisfaction, 0.0), 2.0)
        if not self.friends or rng.random() >= -math.expm1(-drive):
            return
        for _ in range(sp.forward_reach):
            friend = self.friends[int(rng.integers(len(self.friends)))]
            if friend not in model.ever:  # only people not yet in the community can be recruited
                model.exposures.append((friend, ms.group.gid, self))

    # ---- phase 3: leave (after the day is measured) ------------------------------------------
    def depart(self) -> bool:
        """Leave the groups decided on today; return True if no group is left (left the community)."""
        for gid in [gid for gid, ms in self.groups.items() if ms.leaving]:
            del self.groups[gid]
            del self.model.group_by_id[gid].members[self.person]
        if self.groups:
            return False
        self.left = self.model.day
        self.remove()
        return True

