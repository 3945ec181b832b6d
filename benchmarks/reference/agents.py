"""The reference model's agents: a member is a `mesa.Agent`, a group is a `mesa.Agent`.

This is the plain, per-agent way of writing the rules of `agents/behaviour.py`: one
Python call per member per day and a loop over the member's groups. It exists to be
read and to be compared with the fast engine, which computes the same equations over
NumPy columns; each docstring names the function of `agents/behaviour.py` it mirrors.
There are no levers here: this is the bare world (`strategy: []`).

A day runs in phases because today's reading depends on what everyone posted today
(a synchronous update, Mesa's step/advance idiom): members `step()` (post), groups
`tally()`, members `advance()` (read, learn, feel, react, forward), groups `update()`
(acquaintances made by today's replies, activity, norms).
A group's tally is taken before anyone learns or reacts, so every reader sees the
novelty its authors had when they wrote, and every ad poster the readers the group had
this morning, as in the fast engine where `learn()` and `react()` run after `read()`
over all rows at once. Acquaintances are made in the group phase because a poster's
share of the replies in the group is known only once everyone has read.

Without levers some terms of the fast engine are zero and are left out here: operator
posts (content), ritual messages, lever rewards (so a member's expectation stays at
`aspiration`), moderation, removal of ad posters, reform of ad posters (it needs rules
seen to be enforced: its chance is reform_rate x (1 - deterrence) = 0). Each place says so.
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
    acquaint: float = 0.0  # members known by exchanging replies, not friends (behaviour.learn)
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
    why: str = ""  # why it ends, if leaving: "unhappy" or "overloaded" (agents.community.WHY_LEFT)

    def familiarity(self) -> float:
        """The share of the other members of the group I know: friends and acquaintances (behaviour.familiarity)."""
        return min(1.0, (self.ties + self.acquaint) / max(self.group.size_today - 1, 1))


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
        self.chat = self.valuable = self.spam_posted = self.spam_kept = self.member_talk = self.readers = 0
        self.fresh = self.spread = 0.0
        self.level: float | None = None

    def open_day(self) -> None:
        """Sizes are taken once, after arrivals and before anyone posts (familiarity, activity)."""
        self.size_today = len(self.members)
        self.clear()

    def tally(self) -> None:
        """Today's messages in the group (behaviour.post's group sums), and this morning's readers.

        Without levers there are no operator posts, no ritual messages and no moderation
        (every ad stays up). `fresh` is the members' talk weighted by each author's novelty
        (Posts.group_fresh); `level` the mean expertise behind the members' valuable posts,
        None if there were none (Posts.group_level, NaN there), `spread` its variance
        (Posts.group_spread). `readers`: members who neither muted the group nor post ads,
        before anyone reacts today (behaviour.react's `readers`).
        """
        ms = [m.groups[self.gid] for m in self.members.values()]
        self.chat = sum(x.chat for x in ms)
        self.valuable = sum(x.valuable for x in ms)
        self.member_talk = self.chat + self.valuable
        self.fresh = sum((x.chat + x.valuable) * x.novelty for x in ms)
        if self.valuable:
            self.level = sum(x.valuable * x.level for x in ms) / self.valuable
            self.spread = max(sum(x.valuable * x.level**2 for x in ms) / self.valuable - self.level**2, 0.0)
        self.spam_posted = sum(x.spam for x in ms)
        self.spam_kept = self.spam_posted
        self.readers = sum(1 for x in ms if not x.muted and not x.spammer)

    def update(self) -> None:
        """Acquaintances made by today's replies (behaviour.learn); yesterday's activity feeds
        today's replies; ads erode norms, rules restore them (behaviour.update_groups)."""
        s, fam = self.model.world.satisfaction, self.model.world.familiarity
        ms = [m.groups[self.gid] for m in self.members.values()]
        # a reply got makes per_reply acquaintance; a poster also gives its share of the group's replies
        posters = [x for x in ms if x.chat + x.valuable > 0]
        given = sum(x.replied for x in posters) / len(posters) if posters else 0.0
        for x in ms:
            posted = x.chat + x.valuable > 0
            x.acquaint += fam.per_reply * (x.replied + (given if posted else 0.0))
            x.acquaint *= 1 - fam.forget
            x.acquaint = min(x.acquaint, max(self.size_today - 1 - x.ties, 0))  # nobody knows more than everyone
        talk = self.chat + self.valuable
        self.activity = talk / max(self.size_today, 1)
        if self.member_talk > 0:
            self.last_post = self.model.day
        total = talk + self.spam_kept
        spam_share = self.spam_kept / total if total > 0 else 0.0
        self.norms += -s.norm_erosion * spam_share * self.norms + s.norm_recovery * (self.norms0 - self.norms)
        self.norms = min(max(self.norms, 0.0), 1.0)

    def deserted(self) -> bool:
        """Every member posts ads: nobody is left to read, and the group closes (behaviour.close_deserted)."""
        return self.live and bool(self.members) and all(m.groups[self.gid].spammer for m in self.members.values())


class Member(mesa.Agent):
    """A person who joined the community, with their traits and their memberships (group id -> Membership).

    The agent is removed from the model when it leaves its last group and registered again
    if it comes back (invited by a friend); what belongs to the person (expertise, messages,
    first join, place in the invitation tree) stays with it.
    """

    def __init__(self, model: "ReferenceModel", person: int, day: int, inviter: "Member | None"):
        super().__init__(model)
        pop = model.population
        self.person = person
        self.interest = float(pop.interest[person])
        self.sociability = float(pop.sociability[person])
        self.attention = float(pop.attention[person])
        self.patience = float(pop.patience[person])
        self.outside_load = float(pop.outside_load[person])  # messages a day from groups outside the community
        self.expertise = float(pop.expertise0[person])  # grows by reading valuable posts (behaviour.learn)
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

    # ---- phase 1: post (behaviour.post) ------------------------------------------------------
    def step(self) -> None:
        """Post a Poisson count in each group; a spammer posts ads instead.

        Novelty, not tenure, gives the honeymoon: everything new to a member (n = 1) makes
        them post (1 + novelty.effect) times as much. Knowing the others makes them talk:
        (1 + familiarity.effect x f), f the share of the others one knows.
        """
        model, w = self.model, self.model.world
        pp, nv, fam = w.posting, w.novelty, w.familiarity
        rng = model.rng
        for ms in self.groups.values():
            g = ms.group
            ms.ties = self.ties_in(g)
            ms.leaving = False
            if ms.spammer:
                ms.chat, ms.valuable, ms.spam = 0, 0, int(rng.poisson(pp.spam_rate))
                continue
            reply_effect = 1 + pp.reply_effect * saturate(g.activity, pp.activity_half)
            rate = (
                self.sociability
                * self.interest ** pp.interest_exponent
                * (1 + pp.tie_effect * ms.ties / (ms.ties + pp.tie_half))
                * (1 + fam.effect * ms.familiarity())
                * reply_effect
                * (1 + nv.effect * ms.novelty)
                * min(max(1 + pp.mood_weight * ms.satisfaction, 0.05), 2.0)
                * (pp.muted_factor if ms.muted else 1.0)
            )
            count = int(rng.poisson(rate))
            valuable = 0
            if count:
                ms.level = self.expertise  # the person's, whichever group (Community.level)
                share = min(max(pp.valuable_base + pp.valuable_expertise * ms.level, 0.0), 1.0)
                valuable = int(rng.binomial(count, share))
            ms.chat, ms.valuable, ms.spam = count - valuable, valuable, 0

    # ---- phase 2: read, learn, feel, react, forward -------------------------------------------
    def advance(self) -> None:
        """Read what the others posted today against the attention budget, then respond."""
        model, w = self.model, self.model.world
        r = w.reading
        rng = model.rng
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
        phone = my_load + self.outside_load  # what I read a day, groups outside the community included
        ratio = phone / self.attention
        self.overload = max(ratio - 1.0, 0.0)
        valuable_read = 0.0  # over all my groups: what I learn from today
        for gid, ms in list(self.groups.items()):
            g = ms.group
            v, c, a, seen = others[gid]
            share_read = min(1.0, 1.0 / max(ratio, 1e-12)) * seen
            # valuable posts are worth less to a reader far from the levels they were written at:
            # distance to their mean, widened by their spread
            if g.level is None:
                match = 1.0
            else:
                match = 1.0 - r.level_mismatch * math.sqrt((self.expertise - g.level) ** 2 + g.spread)
            v_read, c_read, a_read = v * match * share_read, c * share_read, a * share_read
            valuable_read += v_read
            utility = r.value_weight * saturate(v_read * self.interest, r.value_half)
            utility += r.chat_weight * (0.3 + 0.7 * ms.familiarity()) * saturate(c_read, r.chat_half)
            utility -= r.spam_weight * a_read
            utility -= r.overload_weight * self.overload * (ms.load / phone if ms.load > 0 else 0.0)
            ms.replied = False
            own = ms.chat + ms.valuable
            if own > 0:  # a post that gets a reply is rewarded; replies are others' share of the day's talk
                talk = g.chat + g.valuable
                p_reply = -math.expm1(-r.replies_per_message * (talk - own) / talk)
                ms.replied = rng.random() < p_reply
                if ms.replied:
                    utility += r.reply_reward
            self.learn(ms, (v + c) * share_read)  # talk read: others' messages, undiscounted
            self.feel(ms, utility)
            self.react(ms)
            self.forward(ms, v_read)
        # expertise grows by reading: each valuable message read closes `learning` of what is left
        self.expertise += -math.expm1(-r.learning * valuable_read) * (1 - self.expertise)

    def learn(self, ms: Membership, talk_read: float) -> None:
        """Novelty: reading renews a share of what is new to me with the freshness of what I read (behaviour.learn).

        The share renewed is u = 1 - exp(-talk read / capacity); the freshness of the
        group's talk is phi = transfer x (its authors' novelty, weighted by their messages)
        / all its messages (the `content` x operator posts term is 0 without levers).
        Expertise is learnt at the end of `advance` (it is the person's, over all groups),
        acquaintances in `Group.update` (they need everyone's replies).
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
        """Mute when overloaded or bored, unmute when pleased again; leave when dissatisfied;
        stay and post ads when sunk; an ad poster leaves a group nobody reads (behaviour.react).

        Four draws, as the fast engine's four per row: mute-or-unmute, leave, turn to ads,
        reform (without levers an ad poster never reforms, so that draw is not needed here).
        """
        model, s = self.model, self.model.world.satisfaction
        rng = model.rng
        sat = ms.satisfaction
        bored = logistic((s.leave_threshold - sat) / s.softness)
        u = rng.random()
        if not ms.muted:
            if u < s.mute_rate * min(self.overload, 1.0) + s.silent_mute_rate * bored:
                ms.muted = True
                model.today["mutes"] += 1
        elif self.overload == 0 and u < s.unmute_rate * (1 - bored):
            ms.muted = False
        if ms.spammer:  # stays while someone reads the ads: the group's readers this morning
            hazard = s.base_leave_rate + s.spammer_exit * math.exp(-ms.group.readers)
        else:
            hazard = s.base_leave_rate + bored / self.patience
        ms.leaving = rng.random() < hazard  # applied after the day is measured
        ms.why = "overloaded" if self.overload > 0 else "unhappy"
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
            if not model.present(friend):  # not a member now: never joined, or left and may come back
                model.exposures.append((friend, ms.group.gid, self))

    # ---- phase 3: leave (after the day is measured) ------------------------------------------
    def quit(self, gid: int) -> None:
        """End my membership of group `gid`."""
        del self.groups[gid]
        del self.model.group_by_id[gid].members[self.person]

    def depart(self) -> bool:
        """Leave the groups decided on today; return True if no group is left (left the community)."""
        for gid in [gid for gid, ms in self.groups.items() if ms.leaving]:
            self.quit(gid)
        return self.gone()

    def gone(self) -> bool:
        """If I am in no group any more, I have left the community: the agent leaves the model."""
        if self.groups:
            return False
        self.left = self.model.day
        self.remove()
        return True
