"""CommunityModel: one world, one strategy, one seed; `step()` is one simulated day."""

from __future__ import annotations

import zlib
from typing import Any

import mesa
import numpy as np

from agents import behaviour as rules
from agents import fork
from agents.compiled import jit
from agents.community import INITIAL, INVITED, LAUNCH, NEVER, OUTSIDE, Community
from agents.effects import Effects
from agents.network import neighbours
from agents.operator import Operator
from agents.world import World

from .fork import read as read_today
from .outcomes import MAU_WINDOW
from .people import people_and_network

# a run's named streams besides the build's "population" and "network" (sim/people.py)
STREAMS = ("launch", "arrivals", "posting", "reading", "reacting", "spreading", "operator", "creating")


def stream(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),)))


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Named random streams: adding a mechanism never shifts the draws of another."""
    return {name: stream(seed, name) for name in STREAMS}


@jit
def _record_talk(day, mau_since, alive_since, person, spell, chat, valuable, ritual, replied, muted, row_last_post,
                 row_posts, messages, first_post, first_replied, last_post, active_days, spell_active, spell_ritual,
                 closed, group_last_post, never):
    """Today's conversation into the people's and the memberships' records, and the day's counts.

    Rows sort by person, so a person's rows are consecutive: people counted as runs of rows
    (a person is present, n_groups > 0, exactly when they have a row). Returns (rows that
    posted, messages, valuable, ritual, rows answered, dau, people present, mau, people
    muted somewhere, groups alive, groups open)."""
    n = len(person)
    first = np.zeros(n, np.bool_)  # a person's first post (a row per group they spoke in), read before any update
    for i in range(n):
        first[i] = chat[i] + valuable[i] != 0 and first_post[person[i]] == never
    posted = total = valuable_total = ritual_total = answered = dau = 0
    previous = -1
    for i in range(n):
        talk = chat[i] + valuable[i]
        valuable_total += valuable[i]
        ritual_total += ritual[i]
        answered += replied[i]
        if talk == 0:
            continue
        p = person[i]
        posted += 1
        total += talk
        messages[p] += talk
        if first[i]:
            first_post[p] = day
            if replied[i]:
                first_replied[p] = True
        last_post[p] = day
        row_last_post[i] = day
        row_posts[i] += talk
        spell_active[spell[i]] += 1
        if p != previous:  # records: days with a conversation message, any group
            active_days[p] += 1
            dau += 1
            previous = p
    if ritual_total:
        for i in range(n):
            spell_ritual[spell[i]] += ritual[i]
    present = mau = muted_people = 0
    previous = previous_muted = -1
    for i in range(n):
        p = person[i]
        if p != previous:
            present += 1
            mau += last_post[p] > mau_since
            previous = p
        if muted[i] and p != previous_muted:
            muted_people += 1
            previous_muted = p
    alive = groups_open = 0
    for g in range(len(closed)):
        if closed[g] == never:
            groups_open += 1
            alive += group_last_post[g] > alive_since
    return posted, total, valuable_total, ritual_total, answered, dau, present, mau, muted_people, alive, groups_open


@jit
def _group_counts(sizes, group, chat, valuable, spam, mutes):
    """size, posters, messages, spam, mutes per group: integer counts, as np.bincount's."""
    out = np.zeros((5, len(sizes)), np.int64)
    out[0] = sizes
    for i in range(len(group)):
        g, talk = group[i], chat[i] + valuable[i]
        out[1, g] += talk > 0
        out[2, g] += talk
        out[3, g] += spam[i]
    for r in mutes:
        out[4, group[r]] += 1
    return out


@jit
def _group_day(counts, joined, left, n):
    """The day's group record: `counts` (_group_counts, over the groups open when measured)
    over the n groups open now, then joins and leaves per group."""
    out = np.zeros((7, n), np.int64)
    out[:5, : counts.shape[1]] = counts
    for g in joined:
        out[5, g] += 1
    for g in left:
        out[6, g] += 1
    return out


@jit
def _first_channel(channel, person, rows, i):
    """The outside channel `i` as the first channel of the people of `rows` who have none yet."""
    for r in rows:
        if channel[person[r]] < 0:
            channel[person[r]] = i


@jit
def _census(person, closed, never):
    """People in the community (runs of rows: they sort by person) and groups open."""
    members, previous = 0, -1
    for p in person:
        if p != previous:
            members += 1
            previous = p
    groups_open = 0
    for g in range(len(closed)):
        groups_open += closed[g] == never
    return members, groups_open


class CommunityModel(mesa.Model):
    """A chat community under one operating strategy.

    world:  the uncertainties (agents.world.World); with `world.start` day 0 is an imported
            community's last day (agents/fork.py), otherwise a launch (`_launch`)
    levers: strategy objects (agents.strategies), already built from the scenario
    """

    def __init__(self, world: World, levers: list | None = None, seed: int = 0, record_groups: bool = True):
        super().__init__(rng=seed)
        self.world, self.seed_value, self.record_groups = world, seed, record_groups
        self.rngs = streams(seed)
        self.day = 0
        people, network = people_and_network(world, seed, stream)  # (drawn from the "population" and "network" streams)
        g = world.groups
        self.community = c = Community(people, network, g.norms, g.cap, g.overflow,
                                       satisfaction=world.satisfaction.initial, expectation=world.satisfaction.aspiration)
        # one stream and one weight table per channel; the default channel keeps the "arrivals" stream
        self.channels = [(ch, np.cumsum(people.interest ** ch.interest_bias),
                          self.rngs["arrivals"] if i == 0 else stream(seed, f"arrivals:{ch.name}"))
                         for i, ch in enumerate(world.arrivals.all())]
        self.arrived = np.zeros(len(self.channels), np.int64)  # joiners per channel
        if world.start is None:
            self._launch()
            self.entered_before = 0  # so that day 0's joins include the launch
        else:  # a fork: day 0 is a real community's last day; its members joined before it
            fork.seed(c, read_today(world.start, world.novelty), world)
            self.entered_before = c.entered
        self.operator = Operator(self, c, world, list(levers or []), self.rngs["operator"])
        self.daily: list[dict[str, Any]] = []
        self.group_daily: list[np.ndarray] = []
        self.sizes = np.zeros(0, np.int64)  # members per group when the day was measured (set by step)
        self.exposed_by_k = np.zeros(rules.K_MAX + 1, np.int64)
        self.joined_by_k = np.zeros(rules.K_MAX + 1, np.int64)

    def _launch(self) -> None:
        """Day 0: the initial groups, filled with people drawn like arrivals (by interest) or circles of friends."""
        c, g = self.community, self.world.groups
        for _ in range(g.initial):
            c.groups.add(0, how=LAUNCH)
        n = min(g.initial * g.initial_members, c.people.size)
        if n:
            rng = self.rngs["launch"]
            w = self.channels[0][1]
            weight = np.diff(w, prepend=0) / w[-1]
            people = self._circles(n, weight, rng) if g.launch_from == "friends" else rng.choice(c.people.size, size=n, replace=False, p=weight)
            groups = np.repeat(np.arange(g.initial), g.initial_members)[:n]
            c.join(people, groups, 0, INITIAL)

    def _circles(self, n: int, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """n people as circles of friends: a few drawn by interest bring their friends, who bring theirs.

        Each launch group gets consecutive people, so friends land together."""
        adj, taken = self.community.network, np.zeros(len(weight), bool)
        order: list[np.ndarray] = []
        count = 0
        while count < n:
            seed = rng.choice(len(weight), p=weight)
            if taken[seed]:
                continue
            frontier = np.array([seed])
            while len(frontier) and count < n:
                frontier = frontier[~taken[frontier]][: n - count]
                taken[frontier] = True
                order.append(frontier)
                count += len(frontier)
                _, friends = neighbours(adj, frontier)
                frontier = rng.permutation(np.unique(friends))
        return np.concatenate(order)[:n]

    # ---- one day ---------------------------------------------------------------------------
    def _enter(self, people: np.ndarray, target: np.ndarray, inviter: np.ndarray, channel: int,
               item: np.ndarray | None = None) -> np.ndarray:
        if not len(people):  # (speed: nobody to admit, place or join)
            return np.zeros(0, np.int64)
        c, r = self.community, self.rngs["arrivals"]
        ok = rules.admit(c, people, target, r)
        if ok is not None:
            people, target, inviter = people[ok], target[ok], inviter[ok]
            item = None if item is None else item[ok]
        at, groups = c.place(people, target, self.day)
        item = None if item is None else item[at]  # records: the forward behind each invited join
        return c.join(people[at], groups, self.day, channel, inviter=inviter[at], item=item)

    def step(self) -> None:
        c, w, day = self.community, self.world, self.day
        op = self.operator
        op.arrange(day)
        joined_groups = []  # records: the group of each join today
        for i, (channel, weight, rng) in enumerate(self.channels):
            people = rules.arrivals(c, channel.per_day, rng, weight)
            none = np.full(len(people), -1, np.int64)
            rows = self._enter(people, none, none, OUTSIDE)
            if not len(rows):
                continue
            if self.record_groups:
                joined_groups.append(c.members.group[rows])
            _first_channel(c.channel, c.members.person, rows, i)
            self.arrived[i] += len(rows)
            if channel.cost_per_arrival:
                op.pay("channels", money=channel.cost_per_arrival * len(rows))
        rules.create_groups(c, w, day, self.rngs["creating"])
        fx = Effects(c.groups.n, c.people.size)
        op.act(day, fx)

        self.sizes = sizes = c.group_sizes()  # members per group when the day is measured (the records' `size`)
        posts = rules.post(c, w, fx, self.rngs["posting"], day, sizes)
        reading = rules.read(c, w, fx, posts, self.rngs["reading"], day, sizes)
        rules.learn(c, w, posts, reading, sizes)
        rules.feel(c, w, reading)
        mutes, leaves, why, turns = rules.react(c, w, fx, reading, self.rngs["reacting"])
        exposures = rules.forward(c, w, fx, reading, self.rngs["spreading"])
        exposures = (*exposures[:3], c.forwarded(day, exposures[4], exposures[3]))  # records: item id of each exposure
        rules.update_groups(c, w, fx, posts, sizes, day)
        today = self._measure(posts, reading, mutes, turns, sizes)
        group_row = self._group_row(posts, mutes, sizes) if self.record_groups else None

        left_groups = c.members.group[leaves] if self.record_groups else None
        gone = len(c.leave(leaves, day, why))
        gone += len(rules.close_deserted(c, day))
        friend, group, inviter, item = rules.invite(c, w, fx, exposures, self.rngs["spreading"], self.exposed_by_k,
                                                    self.joined_by_k)
        rows = self._enter(friend, group, inviter, INVITED, item)
        if self.record_groups and len(rows):
            joined_groups.append(c.members.group[rows])

        members, groups_open = _census(c.members.person, c.groups.view("closed"), NEVER)
        today.update(
            members=members,
            groups_open=groups_open,  # like members: after the day's closes and the groups joiners opened
            joins=c.entered - self.entered_before,  # first-timers and people who came back
            leaves=gone,
            cost=op.cost,
        )
        if group_row is not None:
            joined = np.concatenate(joined_groups) if joined_groups else np.zeros(0, np.int64)
            self.group_daily.append(_group_day(group_row, joined, left_groups, c.groups.n))
        self.entered_before = c.entered
        op.settle(day, today)
        self.daily.append(today)
        self.day += 1

    # ---- measurement -----------------------------------------------------------------------
    def _measure(self, posts: rules.Posts, reading: rules.Reading, mutes: np.ndarray, turns: np.ndarray,
                 sizes: np.ndarray) -> dict[str, Any]:
        """Today's outcomes. Conversation only: ritual and operator messages are counted apart."""
        c, day = self.community, self.day
        m, g = c.members, c.groups
        (posted, messages, valuable, ritual, answered, dau, present, mau, muted_people, alive, groups_open) = _record_talk(
            day, day - MAU_WINDOW, day - self.world.groups.alive_window, m.person, m.id, posts.chat, posts.valuable,
            posts.ritual, reading.replied, m.muted, m.last_post, m.posts, c.messages, c.first_post, c.first_replied,
            c.last_post, c.active_days, c.spells.active, c.spells.ritual, g.view("closed"), g.view("last_post"), NEVER)
        n_members = max(present, 1)
        return {
            "day": day,
            "dau": dau,
            "mau": mau,
            "active_ratio": mau / n_members,
            "messages": messages,
            "valuable": valuable,
            "operator_posts": float(posts.group_operator.sum()),
            "ritual": ritual,
            "answered": answered,  # rows that posted and got a reply
            "posted": posted,  # rows that posted
            "spam": posts.spam_posted,
            "spam_removed": posts.spam_removed,
            "spam_share": posts.spam_posted / max(messages + posts.spam_posted, 1),
            "mutes": len(mutes),
            "turned_to_spam": len(turns),
            "muted_share": np.float64(muted_people / n_members),  # (a NumPy float, as when NumPy counted the muted)
            "silent_share": float(present - mau) / n_members,  # present and no post in the window
            "groups_alive": alive,
            "groups_open": groups_open,
        }

    def _group_row(self, posts: rules.Posts, mutes: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """size, posters, messages, spam, mutes per group (joins and leaves are added after)."""
        m = self.community.members
        return _group_counts(sizes, m.group, posts.chat, posts.valuable, posts.spam, np.asarray(mutes, np.int64))

    def run(self, days: int) -> "CommunityModel":
        """`days` days. (speed: Mesa wraps `step` in its event clock, ~16 us a call, 2-3% of a small
        world's day; run() takes the days directly, so Mesa's clock, which nothing reads, stays put)"""
        day = type(self).step
        for _ in range(days):
            day(self)
        return self
