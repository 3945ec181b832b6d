"""Fork from today: a real community as it stands on the last day of its record, as the model's day 0.

What the record says is kept: the groups still open, who is in each, since when (tenure),
when each group and member last posted, and how much each person wrote. What it cannot say
comes from the world as in any run: the traits other than sociability, the social network,
satisfaction and expectations (a newcomer's), acquaintances (none: an export has no replies).
Each person's sociability is estimated from their history (`sociability_map`), read through
the model's own posting rule (behaviour.multiplier) so that an imported member starts out
posting at about the rate their history shows. Days before day 0 are negative.

Nothing here draws but `scatter` (from the run's network stream): the day-0 state is a
function of the record, the world and the seed, so every arm of a replication starts
from the same community.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from .behaviour import familiarity, multiplier
from .community import IMPORTED, NEVER, Community
from .network import from_edges
from .world import Novelty, World

IMPORTED_GROUP = "imported"  # groups.parquet `how` of a group that was open in the record


@dataclass
class Today:
    """A community on its record's last day, with days counted so that day is 0 (sim/fork.py reads it).

    Persons are model people 0..people-1; groups are the record's open ones, in its order.
    """

    people: int  # persons ever in a group of the record
    names: list[str]  # per open group: its name (the chat's title)
    opened: np.ndarray  # its first recorded day (<= 0)
    peak: np.ndarray  # most members it had at the end of a day
    group_last_post: np.ndarray  # day of its last message, NEVER if none
    activity: np.ndarray  # messages per member per day over the record's last 7 days
    person: np.ndarray  # per current membership, in the order they began: the model person
    group: np.ndarray  # the open group (index into names)
    joined: np.ndarray  # day the spell began (<= 0)
    last_post: np.ndarray  # day of the spell's last message, NEVER if none
    novelty: np.ndarray  # what is still new to them there (replay_novelty)
    active: np.ndarray  # days with a message of theirs in that group since the spell began
    first_join: np.ndarray  # per person: first day in any group of the record
    first_post: np.ndarray  # day of their first message, NEVER if none
    person_last_post: np.ndarray  # day of their last message, NEVER if none
    messages: np.ndarray  # messages over the whole record
    days: np.ndarray  # days in groups over the whole record (both ends counted; two groups on a day count twice)


def scatter(network: sp.csr_array, rng: np.random.Generator) -> sp.csr_array:
    """The same network with people renumbered at random.

    Generators put consecutive ids in the same circles of friends; imported people are
    0..k-1, so without this they would all be each other's friends. Scattered, they are
    strangers placed anywhere in the network, as a launch drawn by interest is
    (`world.groups.launch_from: interest`); `friends` keeps them together in its circles."""
    n = network.shape[0]
    new = rng.permutation(n)
    coo = network.tocoo()
    return from_edges(n, new[coo.row], new[coo.col])


def replay_novelty(group: np.ndarray, joined: np.ndarray, end: np.ndarray, spell: np.ndarray, day: np.ndarray,
                   nv: Novelty) -> np.ndarray:
    """Each spell's novelty at the end of the record, by the model's novelty rule replayed on its messages.

    Spells (every membership of the record, ended or not) begin with a newcomer's novelty 1.
    On each day, a member reads the others' messages in the group (R) and renews a share
    1 - exp(-R / capacity) of their novelty with the day's freshness: `transfer` x the mean
    novelty of that day's authors (behaviour.learn; an export has no operator content and
    tells no mutes). `spell`, `day`: the spell and day of each message.
    """
    novelty = np.ones(len(group))
    n_groups = int(group.max(initial=-1)) + 1
    order = np.argsort(day, kind="stable")
    spell, day = spell[order], day[order]
    cuts = np.flatnonzero(np.diff(day)) + 1
    for at, ids in zip(day[np.r_[0, cuts]] if len(day) else [], np.split(spell, cuts) if len(day) else []):
        own = np.bincount(ids, minlength=len(group))
        talk = np.bincount(group[ids], minlength=n_groups)
        fresh = nv.transfer * np.bincount(group[ids], novelty[ids], minlength=n_groups)
        phi = np.divide(fresh, talk, out=np.zeros(n_groups), where=talk > 0)
        here = np.flatnonzero((joined <= at) & (end >= at) & (talk[group] > 0))
        renewed = -np.expm1(-(talk[group[here]] - own[here]) / nv.capacity)
        novelty[here] += renewed * (phi[group[here]] - novelty[here])
    return novelty


def sociability_map(messages: np.ndarray, exposure: np.ndarray, median: float, sigma: float, cap: float) -> np.ndarray:
    """Posterior mode of each person's sociability s, given `messages` ~ Poisson(s x exposure) and
    the world's prior log s ~ Normal(log median, sigma^2) (an empirical-Bayes, lognormal-Poisson MAP).

    The mode of u = log s solves messages - exposure e^u - (u - log median) / sigma^2 = 0. With
    little exposure (a few days, a low multiplier) it stays near the prior median; with much it
    tends to the observed rate messages / exposure. Capped at `cap`, as the prior draws are.
    Newton's method from max(log median, log of the observed rate) converges from above, monotonically.
    """
    n, e = np.asarray(messages, float), np.maximum(np.asarray(exposure, float), 1e-12)
    mu = np.log(median)
    if sigma == 0:
        return np.full(len(n), min(median, cap))
    v = sigma**2
    with np.errstate(divide="ignore"):
        u = np.maximum(mu, np.log(n / e))
    for _ in range(100):
        grow = e * np.exp(u)
        step = (n - grow - (u - mu) / v) / (grow + 1 / v)
        u = u + step
        if np.all(np.abs(step) < 1e-10):
            break
    return np.minimum(np.exp(u), cap)


def acquaintance(today: Today, w: World) -> np.ndarray:
    """Per current membership: the acquaintances familiarity's rule would have left by day 0.

    An export has no replies, so each day a member posted is taken to bring the exchanges of
    a post in a group where others talk as much as they do: a reply got with chance
    1 - exp(-reading.replies_per_message), and as many given. Spread evenly over the spell
    (rate rho = active days / days) and fading at `forget` a day, that is per_reply x
    exchanges x rho x (1 - (1 - forget)^days) / forget, faded further over the days since the
    member's last post.
    """
    fam = w.familiarity
    days = (1 - today.joined).astype(float)
    rho = today.active / days
    exchanges = 2 * -np.expm1(-w.reading.replies_per_message)
    f = fam.forget
    build = -np.expm1(days * np.log1p(-f)) / f if 0 < f < 1 else (days if f == 0 else np.ones(len(days)))
    since = np.where(today.last_post == NEVER, 0, -today.last_post)
    return np.where(today.active > 0, fam.per_reply * exchanges * rho * build * (1 - f) ** since, 0.0)


def seed(c: Community, today: Today, w: World) -> None:
    """Open today's groups, place today's members with the days they carry, and estimate sociability.

    Placing goes through Community.join, so friends inside are counted as for any joiner; the
    days a join writes (day 0) are then replaced by the record's; novelty is replayed from the
    record (`replay_novelty`), acquaintances are `acquaintance`'s.
    """
    g = c.groups
    first = g.n
    for k, name in enumerate(today.names):
        g.add(int(today.opened[k]), label=str(name), how=IMPORTED_GROUP)
    groups = today.group + first
    rows = c.join(today.person, groups, 0, IMPORTED)  # rows come back in input order
    m = c.members
    m.joined[rows] = today.joined
    c.spells.since[m.id[rows]] = today.joined
    if len(rows):
        c.log[-1][0] = today.joined  # the invitation log starts each membership on its day
    m.last_post[rows] = today.last_post
    m.novelty[rows] = today.novelty
    m.acquaint[rows] = np.minimum(acquaintance(today, w), np.maximum(c.group_sizes()[groups] - 1 - m.ties[rows], 0))
    members = np.unique(today.person)
    c.joined[members] = today.first_join[members]
    c.first_post[members] = today.first_post[members]
    c.last_post[members] = today.person_last_post[members]
    at = first + np.arange(len(today.names))
    g.last_post[at] = today.group_last_post
    g.activity[at] = today.activity
    g.peak[at] = np.maximum(g.peak[at], today.peak)

    kappa = multiplier(c, w, familiarity(c, c.group_sizes()))[rows]  # today's posting multiplier of each imported membership
    k = today.people
    count = np.bincount(today.person, minlength=k)
    mean = np.bincount(today.person, kappa, minlength=k) / np.maximum(count, 1)
    e = w.posting.interest_exponent
    interest = c.people.interest[:k] ** e
    typical = float(np.median(kappa / interest[today.person])) if len(kappa) else 1.0
    kappa_person = np.where(count > 0, mean, interest * typical)  # former members: their interest, a typical member's rest
    p = w.population
    sociability = c.people.sociability.copy()  # (the drawn people are read-only: a replication's arms share them)
    sociability[:k] = sociability_map(today.messages, kappa_person * today.days, p.sociability_median,
                                      p.sociability_sigma, p.sociability_cap)
    c.people = replace(c.people, sociability=sociability)
