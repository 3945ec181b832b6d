"""What members do in a day, vectorised over memberships.

The rules, in the order they run (see docs/model.md, "Process overview"):
arrive -> post -> read (value vs attention) -> satisfaction -> mute / leave / turn to ads
-> forward valuable content -> invited friends join.
Silence, the honeymoon and the decay are not drawn from any curve: they come out of
novelty wearing off, satisfaction falling below aspiration, and replies drying up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import distinct
from .community import INVITED, NEVER, OUTSIDE, Community, Memberships
from .effects import Effects
from .network import neighbours
from .world import World

K_MAX = 20  # friends-inside bins recorded for the joining curve (the last bin is "20 or more")


def logistic(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def saturate(x: np.ndarray, half: float) -> np.ndarray:
    return -np.expm1(-x / half)


@dataclass
class Posts:
    """Today's messages per membership row and per group."""

    chat: np.ndarray
    valuable: np.ndarray
    spam: np.ndarray
    group_chat: np.ndarray
    group_valuable: np.ndarray  # members' valuable posts plus the operator's
    group_spam: np.ndarray  # ads left after moderation
    spam_posted: int
    spam_removed: int


@dataclass
class Reading:
    """What each membership row read today."""

    valuable: np.ndarray
    load: np.ndarray  # messages this row put on its member's attention
    overload: np.ndarray  # per row: its person's load / attention - 1 (>= 0)
    utility: np.ndarray


def arrivals(c: Community, w: World, rng: np.random.Generator, cum_weight: np.ndarray) -> np.ndarray:
    """People who come through outside channels today, drawn with weight interest^bias."""
    k = rng.poisson(w.arrivals.per_day)
    if k == 0:
        return np.zeros(0, np.int64)
    people = np.searchsorted(cum_weight, rng.random(k) * cum_weight[-1], side="right")
    people = distinct(np.minimum(people, len(cum_weight) - 1))
    return rng.permutation(people[~c.ever[people]])


def admit(c: Community, people: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Entry gate: a joiner passes if their interest (seen with noise) clears the group's gate."""
    gate = c.groups.view("gate")
    if not len(people) or not gate.any():
        return np.ones(len(people), bool)
    entry = c.entry_groups()
    g = np.where(target >= 0, target, entry[0] if len(entry) else 0)
    seen = c.people.interest[people] + 0.1 * rng.standard_normal(len(people))
    passed = seen >= gate[g]
    c.applied += len(people)
    c.refused += int(np.count_nonzero(~passed))
    return passed


def post(c: Community, w: World, fx: Effects, rng: np.random.Generator, day: int, sizes: np.ndarray) -> Posts:
    """Each membership posts a Poisson count; spammers post ads instead; moderation removes some."""
    m, pp, pe = c.members, w.posting, c.people
    p, g = m.person, m.group
    tenure = day - m.joined
    size_effect = np.minimum(2.0, (np.maximum(sizes, 1) / pp.size_ref) ** -pp.size_exponent)
    reply_effect = 1 + pp.reply_effect * saturate(c.groups.view("activity"), pp.activity_half)
    rate = (
        pe.sociability[p]
        * pe.interest[p] ** pp.interest_exponent
        * (1 + pp.tie_effect * m.ties / (m.ties + pp.tie_half))
        * (size_effect * reply_effect * fx.get("post_boost"))[g]
        * (1 + pp.novelty_boost * np.exp(-tenure / pp.novelty_days))
        * np.clip(1 + pp.mood_weight * m.satisfaction, 0.05, 2.0)
        * np.where(m.muted, pp.muted_factor, 1.0)
    )
    if fx.touched("person_post_boost"):  # untouched handles are x1: skip the pass
        rate *= fx.person_post_boost[p]
    rate[m.spammer] = pp.spam_rate
    count = rng.poisson(rate)
    spam = np.where(m.spammer, count, 0)
    count[m.spammer] = 0
    valuable = np.zeros_like(count)
    posters = np.flatnonzero(count)
    share = pp.valuable_base + pp.valuable_expertise * c.expertise(posters, day, pp.expertise_days)
    valuable[posters] = rng.binomial(count[posters], np.clip(share, 0, 1))
    chat = count - valuable
    for name, out in (("chat_posts", chat), ("valuable_posts", valuable)):  # levers' extra messages
        if fx.touched(name):
            extra = rng.poisson(fx.at(name, p) * np.where(m.muted, pp.muted_factor, 1.0))
            extra[m.spammer] = 0
            out += extra
    n = c.groups.n
    group_spam = np.bincount(g, spam, minlength=n).astype(np.int64)
    kept = rng.binomial(group_spam, 1 - np.asarray(fx.get("spam_removal")) * np.ones(n))
    return Posts(
        chat=chat,
        valuable=valuable,
        spam=spam,
        group_chat=np.bincount(g, chat, minlength=n),
        group_valuable=np.bincount(g, valuable, minlength=n) + fx.get("operator_posts"),
        group_spam=kept,
        spam_posted=int(group_spam.sum()),
        spam_removed=int(group_spam.sum() - kept.sum()),
    )


def read(c: Community, w: World, fx: Effects, posts: Posts, rng: np.random.Generator, day: int, sizes: np.ndarray) -> Reading:
    """Value received against the attention budget; returns each row's utility for today."""
    m, r, pe = c.members, w.reading, c.people
    p, g = m.person, m.group
    spam_kept_share = np.divide(posts.group_spam, np.maximum(np.bincount(g, posts.spam, minlength=c.groups.n), 1))
    v_other = posts.group_valuable[g] - posts.valuable
    c_other = posts.group_chat[g] - posts.chat
    s_other = np.maximum(posts.group_spam[g] - posts.spam * spam_kept_share[g], 0)
    seen = np.where(m.muted, r.muted_read_share, 1.0)
    load = (v_other + c_other + s_other) * seen
    person_load = np.bincount(p, load, minlength=pe.size)
    ratio = person_load / pe.attention  # > 1: more than they can take
    share_read = np.minimum(1.0, 1.0 / np.maximum(ratio, 1e-12))[p] * seen
    v_read, c_read, s_read = v_other * share_read, c_other * share_read, s_other * share_read
    interest = pe.interest[p]
    friends = m.ties / (m.ties + w.posting.tie_half)
    utility = r.value_weight * fx.at("value_boost", g) * saturate(v_read * interest, r.value_half)
    utility += r.chat_weight * (0.3 + 0.7 * friends) * saturate(c_read, r.chat_half)
    utility -= r.spam_weight * s_read
    overload = np.maximum(ratio - 1.0, 0.0)[p]
    over = np.flatnonzero(overload)  # only the overloaded pay for it (the others' term is exactly 0)
    utility[over] -= r.overload_weight * overload[over] * np.divide(load[over], person_load[p[over]], out=np.zeros(len(over)), where=load[over] > 0)
    # a post that gets a reply is rewarded (Joyce & Kraut: replies bring newcomers back)
    posted = (posts.chat + posts.valuable) > 0
    others = (posts.group_chat + posts.group_valuable)[g] - posts.chat - posts.valuable
    p_reply = saturate(others, r.reply_half)
    if fx.touched("newcomer_reply"):
        p_reply = np.where(day - m.joined < 7, np.minimum(1.0, p_reply + fx.newcomer_reply[g]), p_reply)
    replied = posted & (rng.random(len(m)) < p_reply)
    utility += r.reply_reward * replied
    if fx.touched("utility_bonus") or fx.touched("person_utility"):
        utility += fx.at("utility_bonus", g) + fx.at("person_utility", p)
    return Reading(valuable=v_read, load=load, overload=overload, utility=utility)


def feel(c: Community, w: World, reading: Reading) -> None:
    """Satisfaction is a running average of today's utility above aspiration."""
    s = w.satisfaction
    m = c.members
    m.satisfaction += s.learning_rate * (reading.utility - s.aspiration - m.satisfaction)


def react(c: Community, w: World, fx: Effects, reading: Reading, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mute when overloaded or bored; leave when dissatisfied; stay and post ads when sunk.

    Returns (rows that muted today, rows that leave today, rows that turned to ads today).
    """
    s, m, pe = w.satisfaction, c.members, c.people
    p, g = m.person, m.group
    sat = m.satisfaction
    u = rng.random((3, len(m)))
    bored = logistic((s.leave_threshold - sat) / s.softness)
    p_mute = s.mute_rate * np.minimum(reading.overload, 1.0) + s.silent_mute_rate * bored
    mutes = np.flatnonzero(~m.muted & (u[0] < p_mute))
    hazard = s.base_leave_rate + np.where(m.spammer, 0.0, bored / pe.patience[p])
    kicked = m.spammer & (u[1] < fx.at("spammer_removal", g))
    leaves = np.flatnonzero((u[1] < hazard) | kicked)
    weak_norms = 2.0 * (1.0 - c.groups.view("norms"))[g]
    p_spam = s.spam_turn_rate * logistic((s.spam_threshold - sat) / s.softness) * weak_norms * fx.at("spam_deterrence", g)
    turns = np.flatnonzero(~m.spammer & (u[2] < p_spam) & (u[1] >= hazard))
    m.muted[mutes] = True
    m.spammer[turns] = True
    return mutes, leaves, turns


def forward(c: Community, w: World, fx: Effects, reading: Reading, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members forward valuable content; each forward reaches a few friends outside the group.

    Returns unique exposures (friend, group, forwarder), friends not yet in the community.
    """
    sp, m, pe = w.spreading, c.members, c.people
    p = m.person
    drive = sp.forward_rate * reading.valuable * pe.interest[p] * np.clip(1 + m.satisfaction, 0, 2)
    if fx.touched("forward_boost"):
        drive *= fx.forward_boost[p]
    rows = np.flatnonzero(rng.random(len(m)) < -np.expm1(-drive))
    adj = c.network
    src = np.repeat(rows, sp.forward_reach)
    deg = np.diff(adj.indptr)[p[src]]
    src, deg = src[deg > 0], deg[deg > 0]
    friend = adj.indices[adj.indptr[p[src]] + (rng.random(len(src)) * deg).astype(np.int64)]
    fresh = ~c.ever[friend]
    src, friend = src[fresh], friend[fresh]
    order = rng.permutation(len(src))
    src, friend = src[order], friend[order]
    _, first = np.unique(friend * Memberships.KEY + m.group[src], return_index=True)
    first.sort()
    return friend[first], m.group[src[first]], p[src[first]]


def friends_inside(c: Community, people: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each (person, group): friends in the group, and how densely those friends know each other."""
    owner, friend = neighbours(c.network, people)
    inside = c.members.find(friend, groups[owner]) >= 0
    owner, friend = owner[inside], friend[inside]
    k = np.bincount(owner, minlength=len(people))
    # ties among the friends inside: friend-of-friend pairs that are themselves inside friends
    n = np.int64(c.people.size)
    inside_key = np.sort(owner * n + friend)
    o2, fof = neighbours(c.network, friend)
    key = owner[o2] * n + fof
    pos = np.minimum(np.searchsorted(inside_key, key), max(len(inside_key) - 1, 0))
    linked = inside_key[pos] == key if len(inside_key) else np.zeros(len(key), bool)
    links = np.bincount(owner[o2][linked], minlength=len(people)) / 2
    pairs = k * (k - 1) / 2
    density = np.divide(links, pairs, out=np.zeros(len(people)), where=pairs > 0)
    return k, density


def invite(c: Community, w: World, fx: Effects, exposures, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Exposed friends join with a chance that rises with friends inside, with diminishing returns.

    Returns (joining people, their group, their inviter, exposures by k, joins by k).
    """
    friend, group, inviter = exposures
    sp = w.spreading
    k, density = friends_inside(c, friend, group)
    fit = np.minimum(2.0 * c.people.interest[friend], 2.0) + fx.join_incentive
    p_join = sp.join_max * saturate(k, sp.join_k_scale) * (1 + sp.connect_bonus * density) * fit * fx.join_boost
    joins = rng.random(len(friend)) < np.minimum(p_join, 1.0)
    kb = np.minimum(k, K_MAX)
    by_k = np.bincount(kb, minlength=K_MAX + 1), np.bincount(kb[joins], minlength=K_MAX + 1)
    # one invitation per person per day, whichever group reached them first
    _, first = np.unique(friend[joins], return_index=True)
    pick = np.flatnonzero(joins)[np.sort(first)]
    return friend[pick], group[pick], inviter[pick], *by_k


def update_groups(c: Community, w: World, fx: Effects, posts: Posts, sizes: np.ndarray, day: int) -> None:
    """Yesterday's activity feeds today's replies; ads erode norms, rules restore them."""
    gr, s = c.groups, w.satisfaction
    talk = posts.group_chat + posts.group_valuable
    gr.activity[: gr.n] = talk / np.maximum(sizes, 1)
    member_talk = np.bincount(c.members.group, posts.chat + posts.valuable, minlength=gr.n)
    gr.last_post[: gr.n] = np.where(member_talk > 0, day, gr.view("last_post"))
    total = talk + posts.group_spam
    spam_share = np.divide(posts.group_spam, total, out=np.zeros(gr.n), where=total > 0)
    norms = gr.view("norms")
    norms += -s.norm_erosion * spam_share * norms + s.norm_recovery * (gr.norms0 - norms) + fx.at("norm_support", slice(None))
    np.clip(norms, 0.0, 1.0, out=norms)


__all__ = ["arrivals", "admit", "post", "read", "feel", "react", "forward", "invite", "update_groups",
           "friends_inside", "NEVER", "OUTSIDE", "INVITED"]
