"""ReferenceModel: the community model written the plain Mesa way, one agent call at a time.

Same world parameters (`agents.world.World`), same population and network generators
as `sim.model.CommunityModel`; what differs is that every member is a `mesa.Agent`
stepped by `model.agents_by_type[Member].shuffle_do(...)`. It draws its randomness from
Mesa's own generators (`model.rng`, `model.random`), so for a given seed its numbers differ
from the fast engine's; their *distributions* must not (tests/test_equivalence.py).

One day (the order of `sim.model.CommunityModel.step`):
arrivals, channel by channel -> the operator books the day's upkeep of every live group
and the setup of the groups opened since yesterday -> members post -> groups tally ->
members read, learn, feel, react, forward -> groups update -> the day is measured ->
leavers leave -> groups whose members all post ads close -> invited friends join
(people who left can be invited back).

World settings the reference does not write out (a launch among circles of friends,
member-created groups, a limit on the operator's hours) are refused, not ignored.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import mesa
import numpy as np
from mesa.agentset import AgentSet

from agents.network import generate
from agents.population import Population
from agents.world import World

from .agents import NEVER, Group, Member, Membership, saturate

INITIAL, OUTSIDE, INVITED = 0, 1, 2  # how a person came in (as agents.community)
MAU_WINDOW = 30  # days (as sim.outcomes.MAU_WINDOW)
K_MAX = 20  # friends-in-community bins of the joining curve (as agents.behaviour.K_MAX)


class ReferenceModel(mesa.Model):
    """A chat community without levers; `step()` is one day."""

    def __init__(self, world: World, seed: int = 0):
        super().__init__(rng=seed)
        self.world, self.day = world, 0
        self.population = Population.draw(world.population, self.rng)
        adj = generate(world.network, self.population.size, self.rng)
        self.friends: list[list[int]] = [adj.indices[adj.indptr[i]: adj.indptr[i + 1]].tolist() for i in range(self.population.size)]
        self.friend_sets = [set(f) for f in self.friends]
        unsupported = {"groups.launch_from": world.groups.launch_from != "interest",
                       "groups.creation_rate": world.groups.creation_rate > 0,
                       "economy.operator_hours": world.economy.operator_hours is not None}
        if any(unsupported.values()):
            raise NotImplementedError(f"the reference model has no rules for {[k for k, v in unsupported.items() if v]}")
        # each outside channel draws people with weight interest^bias (world.arrivals.all(), `outside` first)
        self.channels = [(ch, (w := self.population.interest ** ch.interest_bias) / w.sum()) for ch in world.arrivals.all()]
        self.group_by_id: list[Group] = []
        self.ever: dict[int, Member] = {}  # everyone who ever joined, present or gone
        self.log: list[tuple[int, int, int, int, int, int]] = []  # (day, inviter, invitee, group, depth, channel)
        self.daily: list[dict[str, Any]] = []
        self.exposed_by_k = np.zeros(K_MAX + 1, np.int64)
        self.joined_by_k = np.zeros(K_MAX + 1, np.int64)
        self.turned_away = 0
        self.exposures: list[tuple[int, int, Member]] = []
        self.today: Counter = Counter()
        self.hours = 0.0  # the operator's hours: running the groups (agents.operator.Operator._run_groups)
        self.money = 0.0  # what the channels' arrivals cost
        self.launch()
        self.groups_seen = len(self.group_by_id)  # launch groups are set up before day 0

    # ---- structure ---------------------------------------------------------------------------
    @property
    def members(self) -> AgentSet:
        """Members present now (a Member agent is removed when it leaves its last group)."""
        return self.agents_by_type.get(Member) or AgentSet([], random=self.random)

    def open_group(self, day: int) -> Group:
        g = Group(self, len(self.group_by_id), day)
        self.group_by_id.append(g)
        return g

    @property
    def groups(self) -> AgentSet:
        """Groups not closed (a closed group's agent leaves the model; `group_by_id` keeps it for the outcomes)."""
        return self.agents_by_type.get(Group) or AgentSet([], random=self.random)

    def join(self, person: int, group: Group, channel: int, inviter: Member | None = None) -> bool:
        """A person enters a group; a first-timer becomes a Member agent, who left and comes back is registered again.

        Returns whether a membership was made (not if already in that group)."""
        member = self.ever.get(person)
        if member is None:
            member = self.ever[person] = Member(self, person, self.day, inviter)
        elif group.gid in member.groups:
            return False
        elif not member.groups:  # back after leaving: the same person, their expertise and history kept
            self.register_agent(member)
        if not member.groups:
            self.today["joins"] += 1  # people entering the community, first time or back
        member.left = NEVER
        s = self.world.satisfaction
        member.groups[group.gid] = Membership(group, self.day, satisfaction=s.initial, expectation=s.aspiration)
        group.members[person] = member
        self.log.append((self.day, inviter.person if inviter else -1, person, group.gid, member.depth, channel))
        return True

    def launch(self) -> None:
        """Day 0: the initial groups, filled with people drawn by interest^bias without replacement."""
        g = self.world.groups
        for _ in range(g.initial):
            self.open_group(0)
        n = min(g.initial * g.initial_members, self.population.size)
        if n:
            people = self.rng.choice(self.population.size, size=n, replace=False, p=self.channels[0][1])
            for i, person in enumerate(people.tolist()):
                self.join(person, self.group_by_id[i // g.initial_members], INITIAL)

    def enter(self, people: list[int], targets: list[int], inviters: list[Member | None], channel: int) -> int:
        """Caps are enforced (Community.place): joiners are seated in order of their target group;
        those whose target is full (or who have none: -1) go to the first group with room,
        else to a new group (overflow: new_group) or are turned away. Returns how many were seated."""
        order = sorted(range(len(people)), key=lambda j: targets[j])
        rest, seated = [], 0
        for j in order:
            t = targets[j]
            if t >= 0 and self.group_by_id[t].takes_joiners():
                seated += self.join(people[j], self.group_by_id[t], channel, inviters[j])
            else:
                rest.append(j)
        for n, j in enumerate(rest):
            room = next((g for g in self.group_by_id if g.takes_joiners()), None)
            if room is None:
                if self.world.groups.overflow != "new_group":
                    self.turned_away += len(rest) - n
                    break
                room = self.open_group(self.day)
            seated += self.join(people[j], room, channel, inviters[j])
        return seated

    # ---- one day -----------------------------------------------------------------------------
    def step(self) -> None:
        day = self.day
        self.exposures = []
        self.arrive()
        self.run_groups()
        groups = self.groups
        groups.do("open_day")
        self.members.shuffle_do("step")  # post
        groups.do("tally")
        self.members.shuffle_do("advance")  # read, learn, feel, react, forward
        groups.do("update")  # acquaintances, activity, norms
        today = self.measure_day()
        gone = sum(m.depart() for m in list(self.members) if any(ms.leaving for ms in m.groups.values()))
        gone += self.close_deserted()
        self.invite()
        today.update(members=len(self.members), joins=self.today["joins"], leaves=gone, cost=self.cost)
        self.daily.append(today)
        self.today = Counter()  # after the day: the launch's joins count on day 0, as in the fast engine
        self.day += 1

    def arrive(self) -> None:
        """Each outside channel brings Poisson(per_day) draws of people who never joined, weighted by
        its interest^bias, and may cost something per arrival (behaviour.arrivals, CommunityModel.step)."""
        for channel, p in self.channels:
            k = int(self.rng.poisson(channel.per_day))
            if k == 0:
                continue
            drawn = self.rng.choice(self.population.size, size=k, p=p)
            people = [int(x) for x in np.unique(drawn) if int(x) not in self.ever]
            self.random.shuffle(people)
            seated = self.enter(people, [-1] * len(people), [None] * len(people), OUTSIDE)
            self.money += channel.cost_per_arrival * seated

    def run_groups(self) -> None:
        """Before anyone posts: every live group costs upkeep_hours today, every group opened since
        yesterday's count setup_hours (Operator._run_groups; the team's hours are unlimited here)."""
        e = self.world.economy
        opened, self.groups_seen = len(self.group_by_id) - self.groups_seen, len(self.group_by_id)
        self.hours += e.upkeep_hours * sum(1 for g in self.group_by_id if g.live) + e.setup_hours * opened

    def close_deserted(self) -> int:
        """A group whose members all post ads has no readers left: it closes and they leave it
        (behaviour.close_deserted). Returns how many thereby left the community."""
        gone = 0
        for g in [g for g in self.groups if g.deserted()]:
            for member in list(g.members.values()):
                member.quit(g.gid)
                gone += member.gone()
            g.closed, g.open = self.day, False
            g.remove()
        return gone

    @property
    def cost(self) -> float:
        """Operator hours at the hourly wage, plus what the channels' arrivals cost; no lever spends
        anything here (Operator.cost)."""
        return self.hours * self.world.economy.hourly_wage + self.money

    def present(self, person: int) -> bool:
        """In at least one group now."""
        member = self.ever.get(person)
        return member is not None and bool(member.groups)

    def friends_in_community(self, person: int) -> tuple[int, float]:
        """Friends who are members anywhere in the community, and the share of pairs of them
        who are friends too (behaviour.invite: Community.friends_inside, behaviour.tie_density)."""
        inside = [f for f in self.friends[person] if self.present(f)]
        k = len(inside)
        if k < 2:
            return k, 0.0
        links = sum(1 for i, a in enumerate(inside) for b in inside[i + 1:] if b in self.friend_sets[a])
        return k, links / (k * (k - 1) / 2)

    def invite(self) -> None:
        """Exposed friends join with a chance that rises with their friends in the community, with
        diminishing returns, more when those friends know each other (behaviour.forward +
        behaviour.invite). Without levers there is no joining gift to add to the fit."""
        sp = self.world.spreading
        order = self.rng.permutation(len(self.exposures))
        seen: set[tuple[int, int]] = set()
        joining: dict[int, tuple[int, Member]] = {}  # person -> (group, inviter): the first that reached them
        for i in order.tolist():
            friend, gid, inviter = self.exposures[i]
            if (friend, gid) in seen:
                continue
            seen.add((friend, gid))
            k, density = self.friends_in_community(friend)
            fit = min(2.0 * float(self.population.interest[friend]), 2.0)
            p_join = sp.join_max * saturate(k, sp.join_k_scale) * (1 + sp.connect_bonus * density) * fit
            joins = self.rng.random() < min(p_join, 1.0)
            self.exposed_by_k[min(k, K_MAX)] += 1
            if joins:
                self.joined_by_k[min(k, K_MAX)] += 1
                joining.setdefault(friend, (gid, inviter))
        people = list(joining)
        self.enter(people, [joining[p][0] for p in people], [joining[p][1] for p in people], INVITED)

    # ---- measurement (sim.model.CommunityModel._measure) --------------------------------------
    def measure_day(self) -> dict[str, Any]:
        """Today's outcomes; conversation only (there are no ritual or operator messages without levers)."""
        day, members = self.day, list(self.members)
        dau = messages = valuable = muted = posted = answered = 0
        for m in members:
            talked, replied = 0, False
            for ms in m.groups.values():
                talk = ms.chat + ms.valuable
                if talk:
                    ms.last_post, ms.posts = day, ms.posts + talk
                    talked += talk
                    valuable += ms.valuable
                    posted += 1
                    answered += ms.replied
                    replied |= ms.replied
            if talked:
                if m.first_post == NEVER:  # Joyce & Kraut: did a newcomer's first post get a reply?
                    m.first_post, m.first_replied = day, replied
                m.messages += talked
                m.last_post = day
                dau += 1
            messages += talked
            muted += any(ms.muted for ms in m.groups.values())
        n = max(len(members), 1)
        mau = sum(1 for m in members if m.last_post > day - MAU_WINDOW)
        spam = sum(g.spam_posted for g in self.group_by_id)
        window = self.world.groups.alive_window
        return {
            "day": day,
            "dau": dau,
            "mau": mau,
            "active_ratio": mau / n,
            "messages": messages,
            "valuable": valuable,
            "operator_posts": 0.0,
            "ritual": 0,
            "answered": answered,  # memberships that posted and got a reply
            "posted": posted,  # memberships that posted
            "spam": spam,
            "spam_removed": 0,
            "spam_share": spam / max(messages + spam, 1),
            "mutes": self.today["mutes"],
            "turned_to_spam": self.today["turned_to_spam"],
            "muted_share": muted / n,
            "silent_share": sum(1 for m in members if m.last_post <= day - MAU_WINDOW) / n,
            "groups_alive": sum(1 for g in self.group_by_id if g.live and g.last_post > day - window),
            "groups_open": sum(1 for g in self.group_by_id if g.live),
        }

    def run(self, days: int) -> "ReferenceModel":
        for _ in range(days):
            self.step()
        return self


def member_days(daily: list[dict[str, Any]]) -> int:
    """Members present summed over days: the unit of work both engines are timed in."""
    return int(sum(d["members"] for d in daily))


__all__ = ["ReferenceModel", "member_days"]
