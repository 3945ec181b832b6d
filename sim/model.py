"""CommunityModel: one world, one strategy, one seed; `step()` is one simulated day."""

from __future__ import annotations

import zlib
from typing import Any

import mesa
import numpy as np

from agents import behaviour as rules
from agents import fork
from agents.community import INITIAL, INVITED, LAUNCH, NEVER, OUTSIDE, Community
from agents.effects import Effects
from agents.network import generate, neighbours
from agents.operator import Operator
from agents.population import Population
from agents.world import World

from .fork import read as read_today

STREAMS = ("population", "network", "launch", "arrivals", "posting", "reading", "reacting", "spreading", "operator", "creating")
MAU_WINDOW = 30  # days: "monthly" active, and "silent" = no post in this window


def stream(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),)))


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Named random streams: adding a mechanism never shifts the draws of another."""
    return {name: stream(seed, name) for name in STREAMS}


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
        people = Population.draw(world.population, self.rngs["population"])
        network = generate(world.network, people.size, self.rngs["network"])
        if world.start is not None and world.network.kind != "edge_list" and world.groups.launch_from == "interest":
            network = fork.scatter(network, self.rngs["network"])
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
        c, r = self.community, self.rngs["arrivals"]
        ok = rules.admit(c, people, target, r)
        people, target, inviter = people[ok], target[ok], inviter[ok]
        at, groups = c.place(people, target, self.day)
        item = None if item is None else item[ok][at]  # records: the forward behind each invited join
        return c.join(people[at], groups, self.day, channel, inviter=inviter[at], item=item)

    def step(self) -> None:
        c, w, day = self.community, self.world, self.day
        op = self.operator
        op.arrange(day)
        joined_groups = []
        for i, (channel, weight, rng) in enumerate(self.channels):
            people = rules.arrivals(c, channel.per_day, rng, weight)
            none = np.full(len(people), -1, np.int64)
            rows = self._enter(people, none, none, OUTSIDE)
            joined_groups.append(c.members.group[rows])
            came = c.members.person[rows]
            c.channel[came[c.channel[came] < 0]] = i
            self.arrived[i] += len(rows)
            if channel.cost_per_arrival and len(rows):
                op.pay("channels", money=channel.cost_per_arrival * len(rows))
        rules.create_groups(c, w, day, self.rngs["creating"])
        fx = Effects(c.groups.n, c.people.size)
        op.act(day, fx)

        sizes = c.group_sizes()
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

        left_groups = c.members.group[leaves]
        gone = np.concatenate([c.leave(leaves, day, why), rules.close_deserted(c, day)])
        friend, group, inviter, exp_k, join_k, item = rules.invite(c, w, fx, exposures, self.rngs["spreading"])
        self.exposed_by_k += exp_k
        self.joined_by_k += join_k
        rows = self._enter(friend, group, inviter, INVITED, item)
        joined_groups.append(c.members.group[rows])
        fx.fit(c.groups.n)

        joined_groups = np.concatenate(joined_groups)
        today.update(
            members=c.member_count(),
            groups_open=int(c.groups.live.sum()),  # like members: after the day's closes and the groups joiners opened
            joins=c.entered - self.entered_before,  # first-timers and people who came back
            leaves=len(gone),
            cost=op.cost,
        )
        if group_row is not None:
            n = c.groups.n
            extra = np.vstack([np.bincount(joined_groups, minlength=n), np.bincount(left_groups, minlength=n)])
            pad = n - group_row.shape[1]
            group_row = np.vstack([np.pad(group_row, ((0, 0), (0, pad))), extra])
            self.group_daily.append(group_row)
        self.entered_before = c.entered
        op.settle(day, today)
        self.daily.append(today)
        self.day += 1

    # ---- measurement -----------------------------------------------------------------------
    def _measure(self, posts: rules.Posts, reading: rules.Reading, mutes: np.ndarray, turns: np.ndarray,
                 sizes: np.ndarray) -> dict[str, Any]:
        """Today's outcomes. Conversation only: ritual and operator messages are counted apart."""
        c, day = self.community, self.day
        m = c.members
        talk = posts.chat + posts.valuable
        said = np.flatnonzero(talk)
        spoke = m.person[said]
        np.add.at(c.messages, spoke, talk[said])
        first = said[c.first_post[spoke] == NEVER]  # a person's first post (a row per group they spoke in)
        c.first_post[m.person[first]] = day
        c.first_replied[m.person[first[reading.replied[first]]]] = True
        c.last_post[spoke] = day
        m.last_post[said] = day
        m.posts += talk.astype(np.int32)
        # records (memberships.parquet, people.parquet): active days and ritual messages
        c.spells.active[m.id[said]] += 1
        if len(spoke):
            c.active_days[spoke[np.r_[True, spoke[1:] != spoke[:-1]]]] += 1  # spoke is sorted (rows sort by person)
        if ritual := int(posts.ritual.sum()):
            c.spells.ritual[m.id] += posts.ritual.astype(np.int32)  # ids are distinct
        present = c.n_groups > 0
        n_present = int(present.sum())
        n_members = max(n_present, 1)
        mau = int(np.count_nonzero(present & (c.last_post > day - MAU_WINDOW)))
        muted_people = np.count_nonzero(np.bincount(m.person[m.muted], minlength=c.people.size))
        window = self.world.groups.alive_window
        alive = c.groups.live & (c.groups.view("last_post") > day - window)
        messages = int(talk.sum())
        return {
            "day": day,
            "dau": int(np.count_nonzero(np.diff(spoke))) + 1 if len(spoke) else 0,  # rows sort by person: spoke is sorted
            "mau": mau,
            "active_ratio": mau / n_members,
            "messages": messages,
            "valuable": int(posts.valuable.sum()),
            "operator_posts": float(np.sum(posts.group_operator)),
            "ritual": ritual,
            "answered": int(np.count_nonzero(reading.replied)),  # rows that posted and got a reply
            "posted": len(said),  # rows that posted
            "spam": posts.spam_posted,
            "spam_removed": posts.spam_removed,
            "spam_share": posts.spam_posted / max(messages + posts.spam_posted, 1),
            "mutes": len(mutes),
            "turned_to_spam": len(turns),
            "muted_share": muted_people / n_members,
            "silent_share": float(n_present - mau) / n_members,  # present and no post in the window
            "groups_alive": int(alive.sum()),
            "groups_open": int(c.groups.live.sum()),
        }

    def _group_row(self, posts: rules.Posts, mutes: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """size, posters, messages, spam, mutes per group (joins and leaves are added after)."""
        m, n = self.community.members, self.community.groups.n
        talk = posts.chat + posts.valuable
        return np.vstack([
            sizes,
            np.bincount(m.group[talk > 0], minlength=n),
            np.bincount(m.group, talk, minlength=n).astype(np.int64),
            np.bincount(m.group, posts.spam, minlength=n).astype(np.int64),
            np.bincount(m.group[mutes], minlength=n),
        ])

    def run(self, days: int) -> "CommunityModel":
        for _ in range(days):
            self.step()
        return self
