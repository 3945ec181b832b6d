"""What members do in a day, vectorised over memberships.

The rules, in the order they run (see docs/model.md, "Process overview"):
arrive -> post -> read (value vs attention) -> learn (novelty) -> feel (satisfaction
against expectations) -> mute / leave / turn to ads -> forward valuable content ->
invited friends join.
No rule depends on the day number or on tenure as a clock: the honeymoon and its decay
come out of novelty (what a member has not yet heard, worn out by repetition, renewed by
newcomers and content), silence out of satisfaction falling below expectations that adapt
to what a member has been getting, and replies drying up as groups quieten.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import distinct
from .compiled import jit
from .draws import binomials, permutation, poissons, source, uniforms
from .community import BY_MEMBERS, CREATED, INVITED, NEVER, OUTSIDE, OVERLOADED, REMOVED, UNHAPPY, Community, Memberships
from .effects import Effects
from .network import neighbours
from .world import World

K_MAX = 20  # friends-in-community bins recorded for the joining curve (the last bin is "20 or more")


def logistic(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass
class Posts:
    """Today's messages per membership row and per group.

    Conversation (chat + valuable) is what members chose to say; ritual messages (thanks
    for a packet, a check-in, a self-introduction) are induced by a lever and counted
    apart, like the operator's own posts.
    """

    chat: np.ndarray
    valuable: np.ndarray
    spam: np.ndarray
    ritual: np.ndarray
    group_chat: np.ndarray
    group_valuable: np.ndarray  # members' valuable posts plus the operator's
    group_operator: np.ndarray  # the operator's posts (content, digests)
    group_ritual: np.ndarray
    group_fresh: np.ndarray  # members' talk weighted by each author's novelty
    group_level: np.ndarray  # mean expertise behind members' valuable posts (NaN: none)
    group_spread: np.ndarray  # their variance: a group of mixed levels suits nobody exactly
    group_spam: np.ndarray  # ads left after moderation
    spam_posted: int
    spam_removed: int
    known: np.ndarray  # per row: familiarity this morning (posting and reading both weigh it)


@dataclass
class Reading:
    """What each membership row read today."""

    valuable: np.ndarray
    talk: np.ndarray  # conversation and content read (what novelty is renewed by)
    load: np.ndarray  # messages this row put on its member's attention
    overload: np.ndarray  # per row: its person's load / attention - 1 (>= 0)
    utility: np.ndarray
    reward: np.ndarray | float  # utility levers gave today (money, recognition, an event), part of `utility`; 0.0 if none
    replied: np.ndarray  # this row posted today and someone replied
    lessons: np.ndarray  # expm1 of learn's exponents (what the day's reading teaches), taken with read's


@jit
def _arrivals(cum_weight, u, joined, never):
    """The people drawn by inverse CDF at u x the total weight (np.searchsorted side="right"):
    the distinct ones who never joined, sorted."""
    n = len(cum_weight)
    drawn = np.empty(len(u), np.int64)
    for i in range(len(u)):
        x = u[i] * cum_weight[-1]
        lo, hi = 0, n  # the first position whose cumulative weight exceeds x
        while lo < hi:
            mid = (lo + hi) >> 1
            if cum_weight[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        drawn[i] = min(lo, n - 1)
    drawn.sort()
    people = np.empty(len(u), np.int64)
    count = 0
    for i in range(len(u)):
        p = drawn[i]
        if (i == 0 or p != drawn[i - 1]) and joined[p] == never:
            people[count] = p
            count += 1
    return people[:count]


def arrivals(c: Community, per_day: float, rng: np.random.Generator, cum_weight: np.ndarray) -> np.ndarray:
    """People who come through one outside channel today, drawn with the channel's weight interest^bias."""
    return _arrive(source(rng), float(per_day), cum_weight, c.joined, NEVER)


@jit
def _arrive(bitgen, per_day, cum_weight, joined, never):
    """arrivals' draws in its order: how many come (Poisson), a uniform each, then their order (a permutation)."""
    k = poissons(bitgen, np.full(1, per_day))[0]
    if k == 0:
        return np.zeros(0, np.int64)
    people = _arrivals(cum_weight, uniforms(bitgen, k), joined, never)
    return people[permutation(bitgen, len(people))]  # Generator.permutation(people): the same swaps


def admit(c: Community, people: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """Entry gate: a joiner passes if their interest (seen with noise) clears the group's gate.

    Returns a mask over `people`, or None if no group has a gate (everyone passes)."""
    gate = c.groups.view("gate")
    if not len(people) or not np.count_nonzero(gate):  # (speed: count_nonzero costs a tenth of .any() on a few groups)
        return None
    entry = c.entry_groups()
    g = np.where(target >= 0, target, entry[0] if len(entry) else 0)
    seen = c.people.interest[people] + 0.1 * rng.standard_normal(len(people))
    passed = seen >= gate[g]
    c.applied += len(people)
    c.refused += int(np.count_nonzero(~passed))
    return passed


@jit
def _familiarity(ties, acquaint, group, sizes):
    """Per row min(1, people known / the others in the group); NaN stays NaN, as with np.minimum."""
    known = np.empty(len(group))
    for i in range(len(group)):
        share = (ties[i] + acquaint[i]) / max(sizes[group[i]] - 1, 1)
        known[i] = 1.0 if share > 1.0 else share
    return known


def familiarity(c: Community, sizes: np.ndarray) -> np.ndarray:
    """Per row: the share of the other members of the group this member knows (friends and acquaintances)."""
    m = c.members
    return _familiarity(m.ties, m.acquaint, m.group, sizes)


@jit
def _multiplier(base, person, interest_term, ties, known, activity, group, novelty, satisfaction, muted, spammer,
                tie_effect, tie_half, familiarity_effect, reply_effect, novelty_effect, mood_weight, muted_factor, spam_rate):
    """The posting product per row, factor by factor from the left as NumPy took it (the bits depend
    on the order); `base` per person, `activity`: expm1(-activity / activity_half) per group (replies
    saturate as -expm1); a spammer's is `spam_rate` unless that is NaN."""
    rate = np.empty(len(person))
    for i in range(len(person)):
        mood = 1 + mood_weight * satisfaction[i]
        mood = 0.05 if mood < 0.05 else 2.0 if mood > 2.0 else mood  # np.clip (NaN stays NaN)
        replies = -activity[group[i]]
        r = (base[person[i]] * interest_term[i] * (1 + tie_effect * ties[i] / (ties[i] + tie_half))
             * (1 + familiarity_effect * known[i]) * (1 + reply_effect * replies)
             * (1 + novelty_effect * novelty[i]) * mood)
        rate[i] = r * muted_factor if muted[i] else r
        if spammer[i] and not np.isnan(spam_rate):
            rate[i] = spam_rate
    return rate


def multiplier(c: Community, w: World, known: np.ndarray, sociability: np.ndarray | None = None,
               spam_rate: float | None = None) -> np.ndarray:
    """Per row: its person's `sociability` (1 if None) times what multiplies it into today's expected
    posts in that group (interest, friends inside, familiarity `known`, yesterday's activity, novelty,
    mood, mute); an ad poster's row is `spam_rate` instead, if given.

    Apart from `post` (which takes the same product inside its kernel) so that a fork
    (agents/fork.py) can read an observed rate as sociability."""
    m = c.members
    base = np.ones(c.people.size) if sociability is None else sociability
    interest_term, activity = _rate_terms(c, w)
    return _multiplier(base, m.person, interest_term, m.ties, known, activity, m.group, m.novelty, m.satisfaction,
                       m.muted, m.spammer, *_rate_weights(w, spam_rate))


def _rate_terms(c: Community, w: World) -> tuple[np.ndarray, np.ndarray]:
    """The posting rate's NumPy-computed terms (their bits are NumPy's pow and expm1): interest^exponent
    per row, and per group expm1(-activity / activity_half) (yesterday's talk begets replies)."""
    pp = w.posting
    interest_term = c.people.interest[c.members.person] ** pp.interest_exponent
    return interest_term, np.expm1(c.groups.view("activity") / -pp.activity_half)


def _rate_weights(w: World, spam_rate: float | None) -> tuple[float, ...]:
    """_multiplier's world parameters, in its order (spam_rate NaN for none)."""
    pp = w.posting
    return (float(pp.tie_effect), float(pp.tie_half), float(w.familiarity.effect), float(pp.reply_effect),
            float(w.novelty.effect), float(pp.mood_weight), float(pp.muted_factor),
            np.nan if spam_rate is None else float(spam_rate))


_ABSENT = np.zeros(0)  # stands for a lever handle nobody touched (the kernel's flag says so)


@jit
def _posters(count, spammer, person, expertise, valuable_base, valuable_expertise):
    """Ads out of the day's counts (a spammer's count is ads, its posts 0, in place), then who posted,
    their expertise and the chance that a post of theirs is valuable (clipped to [0, 1], NaN kept)."""
    spam = np.zeros(len(count), np.int64)
    for i in range(len(count)):
        if spammer[i]:
            spam[i], count[i] = count[i], 0
    posters = np.flatnonzero(count)
    level, chance = np.empty(len(posters)), np.empty(len(posters))
    for j in range(len(posters)):
        level[j] = expertise[person[posters[j]]]
        p = valuable_base + valuable_expertise * level[j]
        chance[j] = 0.0 if p < 0.0 else 1.0 if p > 1.0 else p  # np.clip (NaN stays NaN)
    return spam, posters, level, chance


@jit
def _post_totals(count, valuable_posted, posters, level, spam, ritual, group, novelty, n, operator):
    """The day's posts per row and their group totals, summed in row order as np.bincount does; the
    float totals are rows of one array (chat, valuable with the operator's, ritual, fresh, level, spread)."""
    rows = len(count)
    valuable = np.zeros(rows, np.int64)
    poster_level = np.zeros(rows)  # a poster's expertise (0 for the others: they add nothing below)
    for j in range(len(posters)):
        valuable[posters[j]] = valuable_posted[j]
        poster_level[posters[j]] = level[j]
    chat = count - valuable
    totals = np.zeros((6, n))
    group_chat, member_valuable, group_ritual, group_fresh, group_level, group_spread = (
        totals[0], totals[1], totals[2], totals[3], totals[4], totals[5])
    expert, expert2, group_spam = np.zeros(n), np.zeros(n), np.zeros(n, np.int64)
    for i in range(rows):
        k = group[i]
        group_chat[k] += chat[i]
        member_valuable[k] += valuable[i]
        group_ritual[k] += ritual[i]
        group_fresh[k] += (chat[i] + valuable[i]) * novelty[i]
        group_spam[k] += spam[i]
        if count[i] > 0:
            expert[k] += valuable[i] * poster_level[i]
            expert2[k] += valuable[i] * (poster_level[i] * poster_level[i])
    for k in range(n):
        group_level[k] = np.nan
        if member_valuable[k] > 0:
            group_level[k] = mean = expert[k] / member_valuable[k]
            spread = expert2[k] / member_valuable[k] - mean * mean
            group_spread[k] = spread if spread >= 0 or np.isnan(spread) else 0.0  # np.maximum(spread, 0)
        member_valuable[k] += operator[k]
    return chat, valuable, totals, group_spam


@jit
def _post(bitgen, sociability, person, interest_term, ties, acquaint, group, sizes, activity, novelty, satisfaction,
          muted, spammer, expertise, ritual_posts, operator, removal, n, tie_effect, tie_half, familiarity_effect,
          reply_effect, novelty_effect, mood_weight, muted_factor, spam_rate, valuable_base, valuable_expertise):
    """A day's posting in one call (see `post`): familiarity, rates, counts, valuable posts, rituals
    (`ritual_posts` per person, empty if no lever asked), the group totals and the ads left after
    moderation (`removal` per group; a group without ads draws nothing)."""
    known = _familiarity(ties, acquaint, group, sizes)
    rate = _multiplier(sociability, person, interest_term, ties, known, activity, group, novelty, satisfaction, muted,
                       spammer, tie_effect, tie_half, familiarity_effect, reply_effect, novelty_effect, mood_weight,
                       muted_factor, spam_rate)
    count = poissons(bitgen, rate)
    spam, posters, level, chance = _posters(count, spammer, person, expertise, valuable_base, valuable_expertise)
    valuable_posted = binomials(bitgen, count[posters], chance)
    ritual = np.zeros(len(person), np.int64)
    if len(ritual_posts):
        ritual_rate = np.empty(len(person))
        for i in range(len(person)):
            ritual_rate[i] = ritual_posts[person[i]] * (muted_factor if muted[i] else 1.0)  # muted members post fewer too
        ritual = poissons(bitgen, ritual_rate)
        for i in range(len(person)):
            if spammer[i]:
                ritual[i] = 0
    chat, valuable, totals, group_spam = _post_totals(count, valuable_posted, posters, level, spam, ritual, group, novelty,
                                                      n, operator)
    keep = np.empty(n)
    for k in range(n):
        keep[k] = 1 - removal[k]
    return known, chat, valuable, spam, ritual, totals, group_spam, binomials(bitgen, group_spam, keep)


def post(c: Community, w: World, fx: Effects, rng: np.random.Generator, day: int, sizes: np.ndarray) -> Posts:
    """Each membership posts a Poisson count; spammers post ads instead; moderation removes some.

    The draws are NumPy's (agents/draws.py), in this order: counts of all rows, valuable posts
    of the posters, rituals of all rows, ads kept per group."""
    m, pp, pe = c.members, w.posting, c.people
    n = c.groups.n
    rituals = fx.touched("ritual_posts")  # a lever asked for them (thanks, check-ins, introductions)
    operator = fx.groups("operator_posts", n)
    interest_term, activity = _rate_terms(c, w)
    known, chat, valuable, spam, ritual, totals, group_spam, kept = _post(
        source(rng), pe.sociability, m.person, interest_term, m.ties, m.acquaint, m.group, sizes, activity, m.novelty,
        m.satisfaction, m.muted, m.spammer, c.expertise, fx.ritual_posts if rituals else _ABSENT, operator,
        fx.groups("spam_removal", n), n, *_rate_weights(w, pp.spam_rate), float(pp.valuable_base),
        float(pp.valuable_expertise))
    group_chat, group_valuable, group_ritual, group_fresh, group_level, group_spread = totals
    spam_posted = int(group_spam.sum())
    return Posts(
        chat=chat,
        valuable=valuable,
        spam=spam,
        ritual=ritual,
        group_chat=group_chat,
        group_valuable=group_valuable,  # members' valuable posts plus the operator's
        group_operator=operator,
        group_ritual=group_ritual if rituals else np.zeros(n, np.int64),
        group_fresh=group_fresh,
        group_level=group_level,
        group_spread=group_spread,
        group_spam=kept,
        spam_posted=spam_posted,
        spam_removed=spam_posted - int(kept.sum()),
        known=known,
    )


@jit
def _attention(person, group, chat, valuable, spam, ritual, muted, group_chat, group_valuable, group_operator,
               group_spam, rituals, group_ritual, group_level, group_spread, expertise, interest, outside_load,
               attention, muted_read_share, level_mismatch, value_half, chat_half, replies_per_message, learning, capacity):
    """What each row hears and reads against its person's attention, in `read`'s arithmetic order.

    Returns, as rows of one array, what the row read (valuable, talk), its load, its person's
    overload, the ads it read and its person's whole load; and, in another (one expm1 call for
    read and learn), the arguments of the expm1s that saturate value, chat and the chance of a
    reply (3 rows of `rows`), then learn's: -learning x the valuable posts each person present
    read (one entry per person), then -talk / capacity per row (novelty renewed)."""
    rows, n = len(person), len(group_chat)
    posted_spam, talk = np.zeros(n), np.empty(n)
    for i in range(rows):
        posted_spam[group[i]] += spam[i]
    for k in range(n):
        talk[k] = group_chat[k] + group_valuable[k] - group_operator[k]  # members' conversation
    read = np.empty((6, rows))
    v_read, talk_read, load, overload, s_read, phone = read[0], read[1], read[2], read[3], read[4], read[5]
    v_members, c_other, s_other = np.empty(rows), np.empty(rows), np.empty(rows)
    seen, heard = np.empty(rows), np.empty(rows)
    for i in range(rows):
        k = group[i]
        v_operator = group_operator[k]
        v_members[i] = group_valuable[k] - v_operator - valuable[i]  # others' valuable posts
        c_other[i] = group_chat[k] - chat[i]
        s = group_spam[k] - spam[i] * (group_spam[k] / max(posted_spam[k], 1.0))
        s_other[i] = s if s >= 0 or np.isnan(s) else 0.0  # np.maximum(s, 0)
        seen[i] = muted_read_share if muted[i] else 1.0
        heard[i] = v_members[i] + v_operator + c_other[i]  # conversation and content (what novelty is renewed by)
        others = heard[i] + (group_ritual[k] - ritual[i]) if rituals else heard[i]  # + others' ritual messages
        load[i] = (others + s_other[i]) * seen[i]
    # a person's load over all their groups, summed in row order as np.bincount does: rows sort by
    # person, so a person's rows are consecutive (no array over everyone)
    person_load = np.empty(rows)  # per row: its person's
    start = present = 0
    for i in range(1, rows + 1):
        if i == rows or person[i] != person[i - 1]:
            present += 1
            total = 0.0
            for j in range(start, i):
                total += load[j]
            person_load[start:i] = total
            start = i
    x = np.empty(4 * rows + present)
    arg = x[: 3 * rows].reshape((3, rows))  # value, chat, reply
    for i in range(rows):
        q, k = person[i], group[i]
        phone[i] = person_load[i] + outside_load[q]  # the day's whole load, on the whole phone
        ratio = phone[i] / attention[q]  # > 1: more than they can take
        r = ratio if ratio >= 1e-12 or np.isnan(ratio) else 1e-12  # np.maximum(ratio, 1e-12)
        share = 1.0 / r
        share = (1.0 if 1.0 <= share else share) * seen[i]  # np.minimum(1.0, share), NaN kept
        distance = expertise[q] - group_level[k]
        gap = np.sqrt(distance * distance + group_spread[k])  # (NumPy squares x ** 2 as x * x)
        match = 1.0 if np.isnan(gap) else 1.0 - level_mismatch * gap  # NaN: no member posted anything valuable
        v_read[i] = (v_members[i] * match + group_operator[k]) * share
        c_read = c_other[i] * share
        s_read[i] = s_other[i] * share
        talk_read[i] = heard[i] * share
        over = ratio - 1.0
        overload[i] = over if over >= 0.0 or np.isnan(over) else 0.0  # np.maximum(ratio - 1, 0)
        arg[0, i] = -(v_read[i] * interest[q]) / value_half
        arg[1, i] = -c_read / chat_half
        own = chat[i] + valuable[i]
        arg[2, i] = -replies_per_message * ((talk[k] - own) / talk[k] if talk[k] > 0 else 0.0)
    lessons = x[3 * rows:]  # per person in row order, summed as np.bincount does; then per row
    j = -1
    for i in range(rows):
        if i == 0 or person[i] != person[i - 1]:
            j += 1
            lessons[j] = 0.0
        lessons[j] += v_read[i]
    for j in range(present):
        lessons[j] = -learning * lessons[j]
    for i in range(rows):
        lessons[present + i] = -talk_read[i] / capacity
    return read, x


@jit
def _utility(expm1, read, known, chat, valuable, person, group,
             newcomers, joined, day, newcomer_reply, rewards, reward, bitgen, value_weight, chat_weight, spam_weight,
             overload_weight, reply_reward):
    """Each row's utility, summed term by term in `read`'s order, and whether its posts got a reply
    (a uniform per row from `bitgen`). `read`: _attention's rows; `expm1`: of its exponents, the
    value, chat and reply ones first (a saturating term is -expm1)."""
    rows = len(known)
    draw = uniforms(bitgen, rows)
    sat = expm1[: 3 * rows].reshape((3, rows))
    load, overload, s_read, phone = read[2], read[3], read[4], read[5]
    utility, replied = np.empty(rows), np.empty(rows, np.bool_)
    for i in range(rows):
        u = value_weight * -sat[0, i]
        u += chat_weight * (0.3 + 0.7 * known[i]) * -sat[1, i]
        u -= spam_weight * s_read[i]
        if overload[i] != 0:  # only the overloaded pay for it
            u -= overload_weight * overload[i] * (load[i] / phone[i] if load[i] > 0 else 0.0)
        p_reply = -sat[2, i]
        if newcomers and joined[person[i]] > day - 7:
            p = p_reply + newcomer_reply[group[i]]
            p_reply = 1.0 if 1.0 <= p else p  # np.minimum(1.0, p)
        replied[i] = chat[i] + valuable[i] > 0 and draw[i] < p_reply
        u += reply_reward * (1.0 if replied[i] else 0.0)
        if rewards:
            u += reward[i]
        utility[i] = u
    return utility, replied


def read(c: Community, w: World, fx: Effects, posts: Posts, rng: np.random.Generator, day: int, sizes: np.ndarray) -> Reading:
    """Value received against the attention budget; returns each row's utility for today.

    A member hears others' messages (ads left after moderation and others' ritual messages
    too; of a muted group a share) and reads as much as their attention takes of their whole
    load (all their groups and the phone's outside load). Valuable posts are worth less to a
    reader far from their level (basics bore experts): the distance is sqrt(distance to the
    posts' mean level^2 + their variance), about the mean |gap|. Utility: value read and chat
    read (both saturating; value by interest, chat by familiarity), minus ads read, minus the
    overloaded's overload (this group's part of it), plus a reply got, plus what levers gave.
    A post that gets a reply is rewarded (Joyce & Kraut: replies bring newcomers back).
    Replies are others' messages spread over the day's posts: a post in a group where only
    its author spoke goes unanswered, one among many others' messages rarely does; levers
    may have admins answer newcomers in their first week (a welcome).
    """
    m, r, pe = c.members, w.reading, c.people
    rituals = fx.touched("ritual_posts")
    read, x = _attention(
        m.person, m.group, posts.chat, posts.valuable, posts.spam, posts.ritual, m.muted, posts.group_chat,
        posts.group_valuable, posts.group_operator, posts.group_spam, rituals,
        posts.group_ritual if rituals else _ABSENT, posts.group_level, posts.group_spread, c.expertise, pe.interest,
        pe.outside_load, pe.attention, float(r.muted_read_share), float(r.level_mismatch),
        float(r.value_half), float(r.chat_half), float(r.replies_per_message), float(r.learning),
        float(w.novelty.capacity))
    expm1 = np.expm1(x)
    newcomers, rewards = fx.touched("newcomer_reply"), fx.touched("person_utility")
    reward = fx.person_utility[m.person] if rewards else 0.0  # (a scalar when no lever gives rewards)
    utility, replied = _utility(
        expm1, read, posts.known, posts.chat, posts.valuable, m.person, m.group, newcomers, c.joined, day,
        fx.newcomer_reply if newcomers else _ABSENT, rewards, reward if rewards else _ABSENT,
        source(rng),
        float(r.value_weight), float(r.chat_weight), float(r.spam_weight), float(r.overload_weight),
        float(r.reply_reward))
    return Reading(valuable=read[0], talk=read[1], load=read[2], overload=read[3], utility=utility, reward=reward,
                   replied=replied, lessons=expm1[3 * len(m):])


@jit
def _learn(expm1, expertise, person, group, chat, valuable, replied, ties, sizes, acquaint, novelty,
           group_chat, group_valuable, group_fresh, group_operator, per_reply, forget, transfer, content):
    """learn's updates of expertise, acquaintance and novelty, given expm1 of its exponents (_attention's).
    Expertise only of people with a row: no one else read anything (their update would add 0.0,
    which changes no bit)."""
    n, n_groups = len(person), len(group_chat)
    k = len(expm1) - n
    j = -1
    for i in range(n):
        if i == 0 or person[i] != person[i - 1]:
            j += 1
            p = person[i]
            expertise[p] += -expm1[j] * (1 - expertise[p])
    posters, replies = np.zeros(n_groups), np.zeros(n_groups)
    for i in range(n):
        posters[group[i]] += chat[i] + valuable[i] > 0
        replies[group[i]] += replied[i]
    given = np.zeros(n_groups)  # replies given: a poster's share of the group's
    phi = np.zeros(n_groups)  # novelty the group's talk carries (0: no talk)
    for g in range(n_groups):
        if posters[g] > 0:
            given[g] = replies[g] / posters[g]
        talk = group_chat[g] + group_valuable[g]
        if talk > 0:
            phi[g] = (transfer * group_fresh[g] + content * group_operator[g]) / talk
    for i in range(n):
        g = group[i]
        a = acquaint[i] + per_reply * (replied[i] + (chat[i] + valuable[i] > 0) * given[g])
        a *= 1 - forget
        room = max(sizes[g] - 1 - ties[i], 0)
        acquaint[i] = room if a > room else a
        novelty[i] += -expm1[k + i] * (phi[g] - novelty[i])


def learn(c: Community, w: World, posts: Posts, reading: Reading, sizes: np.ndarray) -> None:
    """What members take from today's exchanges: novelty used up or renewed, acquaintances made.

    Novelty: members' messages pass on `transfer` of their authors' novelty, the
    operator's content brings `content`; so talk among the same people wears novelty out
    and newcomers and new content bring it back (world.novelty).
    Acquaintance: a reply got, or given (a poster's share of the replies in their group),
    makes `per_reply` acquaintance; it fades at `forget` a day (world.familiarity).
    Expertise: each valuable message read closes a share `learning` of what is left to learn.
    """
    nv, fam, m = w.novelty, w.familiarity, c.members
    _learn(reading.lessons, c.expertise, m.person, m.group, posts.chat, posts.valuable, reading.replied, m.ties, sizes, m.acquaint,
           m.novelty, posts.group_chat, posts.group_valuable, posts.group_fresh, posts.group_operator,
           float(fam.per_reply), float(fam.forget), float(nv.transfer), float(nv.content))


@jit
def _feel(satisfaction, expectation, utility, reward, learning_rate, adaptation, aspiration, habituation):
    """feel's two updates in one pass; `reward` is per row, or one value for all."""
    for i in range(len(satisfaction)):
        satisfaction[i] += learning_rate * (utility[i] - expectation[i] - satisfaction[i])
        r = reward[i] if len(reward) == len(satisfaction) else reward[0]
        expectation[i] += adaptation * (aspiration + habituation * r - expectation[i])


def feel(c: Community, w: World, reading: Reading) -> None:
    """Satisfaction follows today's utility minus expectations; expectations follow the rewards.

    A member expects `aspiration` (what they could get elsewhere) plus a share
    `habituation` of the rewards levers have been giving them lately (a running average at
    rate `adaptation`): the same reward buys less each time, and stopping it leaves members
    below their new expectations until they readjust.
    """
    s, m = w.satisfaction, c.members
    _feel(m.satisfaction, m.expectation, reading.utility, np.atleast_1d(reading.reward),
          float(s.learning_rate), float(s.adaptation), float(s.aspiration), float(s.habituation))


@jit
def _reacting_exponents(satisfaction, leave_threshold, spam_threshold, softness):
    """The arguments of tanh in react's two logistic curves per row, in one array: boredom, then the pull of ads."""
    n = len(satisfaction)
    half = np.empty(2 * n)
    for i in range(n):
        half[i] = 0.5 * ((leave_threshold - satisfaction[i]) / softness)
        half[n + i] = 0.5 * ((spam_threshold - satisfaction[i]) / softness)
    return half


_UNREAD = np.exp(-np.arange(746.0))  # exp(-k) for k readers of a group's ads, NumPy's values (0.0 from k = 746 on)


_WHY_CODES = np.array([UNHAPPY, OVERLOADED, REMOVED], np.int8)  # why a member leaves: unhappy, overloaded, removed


@jit
def _react(bitgen, tanh, overload, muted, spammer, person, group, patience, norms, removal, deterrence,
           mute_rate, silent_mute_rate, unmute_rate, base_leave_rate, spammer_exit, spam_turn_rate, reform_rate, why_codes):
    """react's decisions row by row (the day's four uniforms per row from `bitgen`, as rows of u;
    tanh: of _reacting_exponents), then its changes to `muted` and `spammer`; returns (mutes,
    leaves, why, turns)."""
    n = len(muted)
    u = uniforms(bitgen, 4 * n).reshape((4, n))
    readers = np.zeros(len(norms), np.int64)  # of ads: members neither muted nor posting ads, before anyone reacts
    for i in range(n):
        readers[group[i]] += not muted[i] and not spammer[i]
    mutes, leaves, turns = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    why = np.empty(n, np.int8)
    n_mutes = n_leaves = n_turns = 0
    for i in range(n):
        g = group[i]
        bored = 0.5 * (1.0 + tanh[i])
        capped = 1.0 if overload[i] > 1.0 else overload[i]  # as np.minimum(overload, 1.0): NaN stays NaN
        p_mute = 0.0 if muted[i] else mute_rate * capped + silent_mute_rate * bored
        p_unmute = unmute_rate * (1 - bored) if muted[i] and overload[i] == 0 else 0.0
        # an ad poster stays while someone reads the ads, and leaves a group nobody reads
        unread = _UNREAD[readers[g]] if readers[g] < len(_UNREAD) else 0.0
        hazard = base_leave_rate + (spammer_exit * unread if spammer[i] else bored / patience[person[i]])
        kicked = spammer[i] and u[1, i] < removal[g]
        stays = u[1, i] >= hazard
        p_spam = spam_turn_rate * (0.5 * (1.0 + tanh[n + i])) * (2.0 * (1.0 - norms[g])) * deterrence[g]
        turn = not spammer[i] and u[2, i] < p_spam and stays
        reform = spammer[i] and u[3, i] < reform_rate * (1 - deterrence[g]) and stays and not kicked
        if u[0, i] < p_mute:
            mutes[n_mutes] = i
            n_mutes += 1
            muted[i] = True
        if u[0, i] < p_unmute:
            muted[i] = False
        if u[1, i] < hazard or kicked:
            leaves[n_leaves] = i
            why[n_leaves] = why_codes[2] if kicked else why_codes[1] if overload[i] > 0 else why_codes[0]
            n_leaves += 1
        if turn:
            turns[n_turns] = i
            n_turns += 1
            spammer[i] = True
        if reform:
            spammer[i] = False
    return mutes[:n_mutes], leaves[:n_leaves], why[:n_leaves], turns[:n_turns]


def react(c: Community, w: World, fx: Effects, reading: Reading, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Mute when overloaded or bored, unmute when pleased again; leave when dissatisfied; stay
    and post ads when sunk; an ad poster leaves a group nobody reads, or reforms under rules.

    Returns (rows that muted today, rows that leave today, why each leaves (WHY_LEFT codes),
    rows that turned to ads today).
    """
    s, m, n = w.satisfaction, c.members, c.groups.n
    half = _reacting_exponents(m.satisfaction, float(s.leave_threshold), float(s.spam_threshold), float(s.softness))
    return _react(source(rng), np.tanh(half), reading.overload, m.muted, m.spammer, m.person, m.group, c.people.patience,
                  c.groups.view("norms"), fx.groups("spammer_removal", n), fx.groups("spam_deterrence", n),
                  float(s.mute_rate), float(s.silent_mute_rate), float(s.unmute_rate), float(s.base_leave_rate),
                  float(s.spammer_exit), float(s.spam_turn_rate), float(s.reform_rate), _WHY_CODES)


@jit
def _forwarding_exponents(valuable, satisfaction, person, interest, boost, forward_rate):
    """The argument of forward's expm1 per row, -drive: valuable content read, weighed by interest,
    mood and a lever's boost (`boost`: per person; empty if no lever touched it)."""
    x = np.empty(len(person))
    for i in range(len(person)):
        mood = 1 + satisfaction[i]
        if mood <= 0:  # np.clip(mood, 0, 2)
            mood = 0.0
        if mood >= 2:
            mood = 2.0
        drive = forward_rate * valuable[i] * interest[person[i]] * mood
        if len(boost):
            drive *= boost[person[i]]
        x[i] = -drive
    return x


@jit
def _forwarders(u, expm1, person, indptr, reach):
    """Who forwards today (the row's draw u under the chance -expm1), and how many friend draws
    their forwards take (`reach` each, for a forwarder who has friends)."""
    rows = np.flatnonzero(u < -expm1)
    draws = 0
    for r in rows:
        draws += reach * (indptr[person[r] + 1] > indptr[person[r]])
    return rows, draws


@jit
def _reached(u, rows, person, indptr, indices, n_groups, reach):
    """The friends each forward reaches (`reach` draws u among the forwarder's friends, if any), kept
    if not a member now (never joined, or left and may come back); returns each one and its forward
    (a position in the rows)."""
    friend, item = np.empty(len(u), indices.dtype), np.empty(len(u), np.int64)
    k = n = 0
    for j in range(len(rows)):
        p = person[rows[j]]
        start, degree = indptr[p], indptr[p + 1] - indptr[p]
        if degree > 0:
            for _ in range(reach):
                f = indices[start + np.int64(u[k] * degree)]
                k += 1
                if n_groups[f] == 0:
                    friend[n], item[n] = f, j
                    n += 1
    return friend[:n], item[:n]


@jit
def _first_exposures(order, friend, item, rows, person, group, key):
    """The exposures in `order` (a permutation), each (friend, group) kept at its first occurrence only,
    in that order (as np.unique's return_index, sorted); returns their friend, group, forwarder and item."""
    k = len(order)
    pair = np.empty(k, np.int64)
    for j in range(k):
        pair[j] = friend[order[j]] * key + group[rows[item[order[j]]]]
    first = np.zeros(k, np.bool_)
    by_pair = np.argsort(pair, kind="mergesort")  # stable: the first of equal pairs comes first
    n = 0
    for j in range(k):
        first[by_pair[j]] = j == 0 or pair[by_pair[j]] != pair[by_pair[j - 1]]
        n += first[by_pair[j]]
    out_friend, out_group, out_person, out_item = (np.empty(n, friend.dtype), np.empty(n, group.dtype),
                                                   np.empty(n, person.dtype), np.empty(n, item.dtype))
    n = 0
    for j in range(k):
        if first[j]:
            e = order[j]
            out_friend[n], out_item[n] = friend[e], item[e]
            out_group[n], out_person[n] = group[rows[item[e]]], person[rows[item[e]]]
            n += 1
    return out_friend, out_group, out_person, out_item


_NO_BOOST = np.zeros(0)  # forward's boost when no lever touched it


def forward(c: Community, w: World, fx: Effects, reading: Reading, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Members forward valuable content; each forward reaches a few friends outside the group.

    Returns unique exposures (friend, group, forwarder), friends not yet in the community,
    then for the records: each exposure's forward (its position in `rows`) and `rows`, the
    membership rows that forwarded today (one forward each, whether or not it reached anyone).
    """
    sp, m, pe = w.spreading, c.members, c.people
    boost = fx.forward_boost if fx.touched("forward_boost") else _NO_BOOST
    expm1 = np.expm1(_forwarding_exponents(reading.valuable, m.satisfaction, m.person, pe.interest, boost, float(sp.forward_rate)))
    adj = c.network
    return _forward(source(rng), expm1, m.person, m.group, adj.indptr, adj.indices, c.n_groups, int(sp.forward_reach),
                    Memberships.KEY)


@jit
def _forward(bitgen, expm1, person, group, indptr, indices, n_groups, reach, key):
    """forward's draws and exposures in one call, in its order: a uniform per row (who forwards),
    one per friend draw (whom it reaches), then a permutation of the exposures."""
    rows, draws = _forwarders(uniforms(bitgen, len(person)), expm1, person, indptr, reach)
    friend, item = _reached(uniforms(bitgen, draws), rows, person, indptr, indices, n_groups, reach)
    out_friend, out_group, out_person, out_item = _first_exposures(permutation(bitgen, len(friend)), friend, item, rows,
                                                                   person, group, key)
    return out_friend, out_group, out_person, out_item, rows


@jit
def _links(indptr, indices, n_groups, person, mark):
    """Ties among `person`'s friends inside the community, each counted from both ends: mark
    those friends, walk each one's friends and count the marked ones (`mark` is all False
    before and after)."""
    for j in range(indptr[person], indptr[person + 1]):
        f = indices[j]
        if n_groups[f] > 0:
            mark[f] = True
    links = 0
    for j in range(indptr[person], indptr[person + 1]):
        f = indices[j]
        if n_groups[f] > 0:
            for jj in range(indptr[f], indptr[f + 1]):
                links += mark[indices[jj]]
    for j in range(indptr[person], indptr[person + 1]):
        mark[indices[j]] = False
    return links


@jit
def _density(links, k):
    """Connectedness: links (counted twice) over the pairs of k friends, 0 without a pair."""
    pairs = k * (k - 1) / 2
    return links / 2 / pairs if pairs > 0 else 0.0


@jit
def _tie_density(indptr, indices, n_groups, people, k, want):
    density = np.zeros(len(people))
    mark = np.zeros(len(n_groups), np.bool_)
    for i in range(len(people)):
        if want[i]:
            density[i] = _density(_links(indptr, indices, n_groups, people[i], mark), k[i])
    return density


def tie_density(c: Community, people: np.ndarray, k: np.ndarray, want: np.ndarray) -> np.ndarray:
    """How densely each person's friends inside the community know each other (Backstrom's
    connectedness), for the persons marked in `want` only (0 elsewhere): counting
    friend-of-friend pairs costs the sum of the friends' degrees, so it is done only where it
    can matter. `k`: each person's friends inside (Community.friends_inside)."""
    adj = c.network
    return _tie_density(adj.indptr, adj.indices, c.n_groups, people, k, want)


@jit
def _at_most(x, cap):
    """np.minimum(x, cap), NaN included."""
    return cap if x > cap else x


@jit
def _invite(friend, group, inviter, item, k, expm1_k, bitgen, interest, join_max, connect_bonus, gift, homophily,
            indptr, indices, n_groups, exposed_by_k, joined_by_k):
    """Who of the exposed joins, one invitation per person (the first that took); the exposures
    and joins are added by friends inside into exposed_by_k and joined_by_k. The chance saturates in friends inside (1 - exp:
    `expm1_k` is expm1(-k / join_k_scale)) and rises with tie density in [0, 1], so density
    is counted only for draws between the chances at 0 and at 1 (a uniform per exposure from `bitgen`)."""
    n = len(friend)
    draw = uniforms(bitgen, n)
    joins = np.zeros(n, np.bool_)
    mark = np.zeros(len(n_groups), np.bool_)
    for i in range(n):
        fit = _at_most(2.0 * interest[friend[i]], 2.0) + gift
        alike = 1 + homophily * (1 - 2 * abs(interest[friend[i]] - interest[inviter[i]]))
        base = join_max * -expm1_k[i]
        if draw[i] < _at_most(base * (1 + connect_bonus * 0.0) * fit * alike, 1.0):
            joins[i] = True
        elif draw[i] < _at_most(base * (1 + connect_bonus * 1.0) * fit * alike, 1.0):
            density = _density(_links(indptr, indices, n_groups, friend[i], mark), k[i])
            joins[i] = draw[i] < _at_most(base * (1 + connect_bonus * density) * fit * alike, 1.0)
    pick = np.empty(n, np.int64)
    count = 0
    for i in range(n):
        kb = min(k[i], K_MAX)
        exposed_by_k[kb] += 1
        if joins[i]:
            joined_by_k[kb] += 1
            if not mark[friend[i]]:
                mark[friend[i]] = True
                pick[count] = i
                count += 1
    pick = pick[:count]
    return friend[pick], group[pick], inviter[pick], item[pick]


def invite(c: Community, w: World, fx: Effects, exposures, rng: np.random.Generator, exposed_by_k: np.ndarray,
           joined_by_k: np.ndarray) -> tuple[np.ndarray, ...]:
    """Exposed friends join with a chance that rises with their friends in the community, with diminishing returns.

    Friends count wherever they are in the community (Backstrom et al.: friends in the
    community); the joiner is then placed in the inviter's group, or where there is room.
    Joining gifts add to the fit; homophily: an invitation from someone like oneself (in
    interest) is likelier taken up, so members — KOLs, who forward most, above all — draw
    members like themselves. One invitation per person per day, whichever group reached
    them first.
    Returns (joining people, their group, their inviter, and the entry of exposures[3] of each
    join: the forward that brought it); adds the day's exposures and joins by friends inside k
    (the last bin: K_MAX or more) into `exposed_by_k` and `joined_by_k`.
    """
    friend, group, inviter, item = exposures[:4]
    sp, adj = w.spreading, c.network
    k = c.friends_inside[friend]
    return _invite(friend, group, inviter, item, k, np.expm1(k / -sp.join_k_scale), source(rng), c.people.interest,
                   float(sp.join_max), float(sp.connect_bonus), float(sp.gift_fit * fx.join_gift), float(sp.homophily),
                   adj.indptr, adj.indices, c.n_groups, exposed_by_k, joined_by_k)


def follow(c: Community, w: World, rows: np.ndarray, to: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which members asked to move to group `to` go (a split, a tier, a fresh group): a mask over `rows`.

    A member follows if satisfaction plus the pull of friends in the destination (already
    there or moving too) clears `follow_threshold`; who declines loses the membership.
    """
    s, m = w.satisfaction, c.members
    to = np.asarray(to, np.int64)
    people = m.person[rows]
    owner, friend = neighbours(c.network, people)
    want = friend * Memberships.KEY + to[owner]
    moving = np.sort(people * Memberships.KEY + to)
    pos = np.minimum(np.searchsorted(moving, want), max(len(moving) - 1, 0))
    along = (moving[pos] == want) if len(moving) else np.zeros(len(want), bool)
    there = m.find(friend, to[owner]) >= 0
    k = np.bincount(owner[along | there], minlength=len(rows))
    pull = s.follow_tie_pull * k / (k + w.posting.tie_half)
    return rng.random(len(rows)) < logistic((m.satisfaction[rows] + pull - s.follow_threshold) / s.softness)


def relocate(c: Community, w: World, rows: np.ndarray, to: np.ndarray, day: int, rng: np.random.Generator) -> tuple[int, int]:
    """Ask members to move; those who follow move with their state, the others leave that group.

    Returns (moved, declined).
    """
    rows, to = np.asarray(rows, np.int64), np.asarray(to, np.int64)
    if not len(rows):
        return 0, 0
    go = follow(c, w, rows, to, rng)
    m = c.members
    people, source = m.person[rows], m.group[rows]
    c.leave(m.find(people[~go], source[~go]), day, REMOVED)
    c.move(m.find(people[go], source[go]), to[go], day)
    return int(go.sum()), int((~go).sum())


@jit
def _deserted(group, spammer, closed, never):
    """Open groups whose members (one at least) all post ads."""
    members, readers = np.zeros(len(closed), np.int64), np.zeros(len(closed), np.int64)
    for i in range(len(group)):
        members[group[i]] += 1
        readers[group[i]] += not spammer[i]
    return np.flatnonzero((closed == never) & (members > 0) & (readers == 0))


def close_deserted(c: Community, day: int) -> np.ndarray:
    """A group whose members all post ads has no readers left: it closes. Returns who thereby left the community."""
    deserted = _deserted(c.members.group, c.members.spammer, c.groups.view("closed"), NEVER)
    if not len(deserted):
        return deserted
    gone = [c.dissolve(int(g), day) for g in deserted]
    return np.concatenate(gone) if gone else np.zeros(0, np.int64)


def create_groups(c: Community, w: World, day: int, rng: np.random.Generator) -> np.ndarray:
    """Content members open groups of their own and invite friends from the community.

    Each member whose satisfaction clears the leave threshold opens one with daily chance
    `creation_rate`; they invite a geometric number (mean `created_size`) of their friends
    who are members, and each invited friend decides as a member asked to move does
    (`follow`), keeping their other groups. Returns the groups opened.
    """
    g = w.groups
    if g.creation_rate == 0 or not len(c.members):
        return np.zeros(0, np.int64)
    m = c.members
    rows = np.flatnonzero((m.satisfaction > w.satisfaction.leave_threshold) & ~m.spammer)
    creators = distinct(m.person[rows[rng.random(len(rows)) < g.creation_rate]])
    opened = []
    for person in creators:  # a few a day at most: groups are few
        friends = c.network.indices[c.network.indptr[person]: c.network.indptr[person + 1]]
        friends = friends[c.n_groups[friends] > 0]
        k = min(len(friends), int(rng.geometric(1 / g.created_size)))
        if k == 0:
            continue
        asked = rng.choice(friends, size=k, replace=False)
        new = c.groups.add(day, label="member-created", how=BY_MEMBERS)
        c.join(np.array([person]), np.array([new]), day, CREATED)
        first = _any_row(c, asked)
        goes = follow(c, w, first, np.full(k, new), rng)
        c.join(asked[goes], np.full(int(goes.sum()), new), day, CREATED, inviter=np.full(int(goes.sum()), person))
        opened.append(new)
    return np.asarray(opened, np.int64)


def _any_row(c: Community, people: np.ndarray) -> np.ndarray:
    """One membership row of each person (their first group): whose satisfaction speaks for them."""
    return np.searchsorted(c.members.person, people)


@jit
def _update_groups(group_chat, group_valuable, group_spam, sizes, group, chat, valuable, day, activity, last_post, norms,
                   kept, support, norms0, erosion, recovery):
    """update_groups in one pass over the rows (who talked) and one over the groups; `kept` is 0 for a
    group nobody ran today (it does not recover its norms)."""
    talked = np.zeros(len(norms), np.bool_)
    for i in range(len(group)):
        if chat[i] + valuable[i] > 0:
            talked[group[i]] = True
    for g in range(len(norms)):
        talk = group_chat[g] + group_valuable[g]
        activity[g] = talk / max(sizes[g], 1)
        if talked[g]:
            last_post[g] = day
        total = talk + group_spam[g]
        spam_share = group_spam[g] / total if total > 0 else 0.0
        norm = norms[g] + (-erosion * spam_share * norms[g] + kept[g] * recovery * (norms0 - norms[g]) + support[g])
        if norm <= 0.0:  # np.clip(norm, 0.0, 1.0)
            norm = 0.0
        if norm >= 1.0:
            norm = 1.0
        norms[g] = norm


def update_groups(c: Community, w: World, fx: Effects, posts: Posts, sizes: np.ndarray, day: int) -> None:
    """Yesterday's activity feeds today's replies; ads erode norms, rules restore them."""
    gr, s = c.groups, w.satisfaction
    _update_groups(posts.group_chat, posts.group_valuable, posts.group_spam, sizes, c.members.group, posts.chat,
                   posts.valuable, int(day), gr.view("activity"), gr.view("last_post"), gr.view("norms"),
                   fx.groups("kept", gr.n), fx.groups("norm_support", gr.n), float(gr.norms0),
                   float(s.norm_erosion), float(s.norm_recovery))


__all__ = ["arrivals", "admit", "post", "read", "learn", "feel", "react", "forward", "invite", "follow", "relocate",
           "update_groups", "tie_density", "NEVER", "OUTSIDE", "INVITED"]
