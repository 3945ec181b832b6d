"""The community's state: people, groups and memberships as columns, and how they change.

A membership is one person in one group. The membership table is kept sorted by
(person, group), so "is A in group g?" is a binary search and a day's joins and leaves
are one compiled splice or close-up of every column, in place, never a Python loop over
members. What a join or a leave changes besides (caps, ties, friends inside, person columns)
is counted in one compiled call more (agents/compiled.py): a small world's day is a few
rows, where NumPy's per-call cost (and allocating 13 new columns) would dominate.
Person-level columns answer community questions (joined, left, last post); group-level
columns hold what a group owns (cap, norms, whether it takes joiners).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numba import literal_unroll

from .codes import (  # noqa: F401  (the codes, as the engine's modules have always imported them from here)
    BY_MEMBERS, BY_OPERATOR, CHANNELS, CLOSED, CREATED, IMPORTED, INITIAL, INVITED, LAUNCH, MERGED, MOVED, NEVER, OUTSIDE,
    OVERFLOW, OVERLOADED, REMOVED, UNHAPPY, WHY_LEFT,
)
from .compiled import jit, shift
from .network import from_edges, neighbours
from .population import Population

KEY = np.int64(1 << 24)  # a membership's key: person * KEY + group (room for 16.7M groups)


def _grow(a: np.ndarray, n: int, fill) -> np.ndarray:
    if n <= len(a):
        return a
    out = np.full(max(n, 2 * len(a), 16), fill, dtype=a.dtype)
    out[: len(a)] = a
    return out


def _plain(v):
    """A NumPy scalar as Python, with NEVER shown as None."""
    v = v.item()
    return None if v == NEVER else v


class Groups:
    """Per-group columns. Groups are few (<= tens of thousands): Python over groups is fine."""

    def __init__(self, norms: float, cap: int):
        self.norms0, self.platform_cap = norms, cap
        self.n = 0
        self.created = np.zeros(0, np.int32)
        self.closed = np.zeros(0, np.int32)  # day dissolved, or NEVER
        self.open = np.zeros(0, bool)  # takes new joiners
        self.cap = np.zeros(0, np.int64)
        self.norms = np.zeros(0, float)
        self.gate = np.zeros(0, float)  # interest a joiner needs to pass the entry gate
        self.last_post = np.zeros(0, np.int32)
        self.activity = np.zeros(0, float)  # yesterday's messages per member
        self.label: list[str] = []
        # records (groups.parquet): how each group was opened, its members now and at most
        self.how: list[str] = []
        self.size = np.zeros(0, np.int64)  # kept by Community.join/leave/move (equals group_sizes())
        self.peak = np.zeros(0, np.int64)
        self.opener = BY_OPERATOR  # `how` of a group opened without one: the Operator names the lever acting
        self.defaults = {"cap": cap, "gate": 0.0}  # rules a newly opened group gets (levers may tighten them)

    def add(self, day: int, label: str = "", norms: float | None = None, cap: int | None = None,
            how: str | None = None) -> int:
        """Open a group; `how` it was opened (LAUNCH, OVERFLOW, BY_MEMBERS, a lever's key) defaults to `opener`."""
        g = self.n
        self.n += 1
        for name, fill in (("created", day), ("closed", NEVER), ("open", True), ("cap", cap or self.defaults["cap"]),
                           ("norms", self.norms0 if norms is None else norms), ("gate", self.defaults["gate"]),
                           ("last_post", NEVER), ("activity", 0.0), ("size", 0), ("peak", 0)):
            arr = _grow(getattr(self, name), self.n, 0)
            arr[g] = fill
            setattr(self, name, arr)
        self.label.append(label)
        self.how.append(how or self.opener)
        return g

    def _resize(self, groups: np.ndarray, sign: int) -> None:
        """Members joined (+1) or left (-1) `groups` (one entry per membership): update size and peak."""
        _resize(self.size, self.peak, np.asarray(groups, np.int64), int(sign))

    def view(self, name: str) -> np.ndarray:
        return getattr(self, name)[: self.n]

    @property
    def live(self) -> np.ndarray:
        return self.view("closed") == NEVER


@jit
def _resize(size, peak, groups, sign):
    """size += sign per membership in `groups`; on joins, peak is the larger of peak and the new size."""
    for g in groups:
        size[g] += sign
    if sign > 0:
        for g in groups:
            peak[g] = max(peak[g], size[g])


@jit
def _first_each(x, order):
    """np.unique(x, return_index=True): the sorted distinct values and where each first occurs.
    `order`: np.argsort(x, kind="stable") (NumPy's sorts beat numba's on big arrays)."""
    first = np.empty(len(x), np.int64)
    k = 0
    for i in range(len(x)):
        if i == 0 or x[order[i]] != x[order[i - 1]]:
            first[k] = order[i]
            k += 1
    first = first[:k]
    return x[first], first


@jit
def _fresh(key, new_key, order):
    """Which of `new_key` (stable `order`) to insert: the first of each key that `key` (sorted) does not
    hold yet, as positions in `new_key`, increasing."""
    fresh = np.zeros(len(new_key), np.bool_)
    for i in _first_each(new_key, order)[1]:
        at = np.searchsorted(key, new_key[i])
        fresh[i] = at == len(key) or key[at] != new_key[i]
    return np.flatnonzero(fresh)


@jit
def _splice(buf, n, values, order, placed):
    """In place: buf[:n] (room for len(placed) more) with values[order[j]] (or values[0] for all: one
    value broadcast) at row placed[j] (increasing) and the old rows, in order, between. Rows move
    a block at a time (`shift`), from the last block down, so none is overwritten before it has moved."""
    src = n  # old rows [0, src) have not moved yet
    for j in range(len(placed) - 1, -1, -1):
        r = placed[j]
        shift(buf, r - j, src, j + 1)
        buf[r] = values[0] if len(values) == 1 else values[order[j]]
        src = r - j


@jit
def _insert(columns, key, new_key, order):
    """Memberships.insert (and _join_rows), every column in one call: `columns` holds (buffer, new rows' values) per
    column, the sorted `key` the rows now; the new rows (absent `new_key`, stable `order`) go to their
    sorted place. Returns their rows, in input order."""
    placed = np.searchsorted(key, new_key[order]) + np.arange(len(order))
    for column in literal_unroll(columns):
        _splice(column[0], len(key), column[1], order, placed)
    rows = np.empty(len(order), np.int64)
    rows[order] = placed
    return rows


@jit
def _join_rows(columns, n, people, groups, day, first_id, newcomer):
    """A join's rows (_join): of each (people[i], groups[i]) not in buffers[:n] yet (`columns`:
    the buffers, in COLUMNS order, then the key), the first goes in with a newcomer's state (`newcomer`:
    satisfaction, expectation) and spell ids from first_id on. Returns (their positions in `people`,
    increasing; their rows)."""
    person, group, joined, muted, spammer, satisfaction, ties, last_post, posts, novelty, expectation, acquaint, id, key = columns
    new_key = people * KEY + groups
    order = np.argsort(new_key, kind="mergesort")  # (a stable sort is unique: NumPy's answer)
    fresh = _fresh(key[:n], new_key, order)
    if len(fresh) < len(people):  # some already in that group, or twice in the call
        people, groups, new_key = people[fresh], groups[fresh], new_key[fresh]
        order = np.argsort(new_key, kind="mergesort")
    ids = np.arange(first_id, first_id + len(fresh)).astype(np.int32)
    rows = _insert(((person, people), (group, groups), (joined, np.full(1, day, np.int32)),
                    (muted, np.zeros(1, np.bool_)), (spammer, np.zeros(1, np.bool_)), (satisfaction, newcomer[:1]),
                    (ties, np.zeros(1, np.int32)), (last_post, np.full(1, NEVER, np.int32)), (posts, np.zeros(1, np.int32)),
                    (novelty, np.ones(1)), (expectation, newcomer[1:]), (acquaint, np.zeros(1)), (id, ids), (key, new_key)),
                   key[:n], new_key, order)
    return fresh, rows


@jit
def _close_up(buf, n, rows):
    """In place: buf[:n] without `rows` (sorted, distinct), the rows after each moved up a block at a time."""
    for k in range(len(rows)):
        end = rows[k + 1] if k + 1 < len(rows) else n
        shift(buf, rows[k] + 1, end, -k - 1)


@jit
def _remove(columns, n, rows):
    """Memberships.remove, every column in one call: the first n rows of each buffer in `columns`."""
    for buf in literal_unroll(columns):
        _close_up(buf, n, rows)


@dataclass
class Memberships:
    """One row per current membership, sorted by key = person * KEY + group.

    Each column is the first rows of a buffer with room to grow (no new arrays for a day's few joins):
    insert and remove change it in place, so read m.<column> again after a join or leave rather than
    keeping an old one. A column set from outside, or copied, is copied into a new buffer at the next change."""

    KEY = KEY
    person: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    group: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    joined: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    muted: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    spammer: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    satisfaction: np.ndarray = field(default_factory=lambda: np.zeros(0, float))
    ties: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    last_post: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    posts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    novelty: np.ndarray = field(default_factory=lambda: np.zeros(0, float))  # what is still new to the member here (0-1)
    expectation: np.ndarray = field(default_factory=lambda: np.zeros(0, float))  # daily utility the member has come to expect
    acquaint: np.ndarray = field(default_factory=lambda: np.zeros(0, float))  # members known by exchanging replies (not friends)
    id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # this membership's row in Spells (records)

    COLUMNS = ("person", "group", "joined", "muted", "spammer", "satisfaction", "ties", "last_post", "posts",
               "novelty", "expectation", "acquaint", "id")
    # kept by a move (the member's state; `joined` stays the first join, for tenure); `posts` and the
    # Spells records count this group only, so memberships.parquet rows add up to the people's totals
    CARRIED = ("person", "satisfaction", "muted", "spammer", "last_post", "joined", "novelty", "expectation")

    def __len__(self) -> int:
        return len(self.person)

    @property
    def key(self) -> np.ndarray:
        """person * KEY + group, kept in step by insert/remove (recomputed if the columns were replaced)."""
        cached = self.__dict__.get("_key")
        if cached is None or cached[0] is not self.person or cached[1] is not self.group:
            cached = self.__dict__["_key"] = (self.person, self.group, self.person * self.KEY + self.group)
        return cached[2]

    def _keep_key(self, key: np.ndarray) -> None:
        self.__dict__["_key"] = (self.person, self.group, key)

    def find(self, person: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Row of each (person, group), or -1 where that person is not in that group."""
        person, group = np.asarray(person, np.int64), np.asarray(group, np.int64)
        if len(person) * 16 > len(self) > 0:  # many queries: indexing persons once beats a binary search each
            return self._find_many(person, group)
        key = self.key
        want = person * self.KEY + group
        pos = np.searchsorted(key, want)
        hit = pos < len(key)
        hit[hit] = key[pos[hit]] == want[hit]
        return np.where(hit, pos, -1)

    def _find_many(self, person: np.ndarray, group: np.ndarray) -> np.ndarray:
        """find() for many queries (a launch, a day's leavers' friends): index each person's
        first row once, then check the few rows of each queried person, instead of ~log2(rows)
        random probes per query. Same answer as the binary search."""
        n = int(max(person.max(), self.person[-1])) + 1
        start = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(self.person, minlength=n), out=start[1:])
        lo, hi = start[person], start[person + 1]
        out = np.full(len(person), -1, np.int64)
        todo = np.flatnonzero(hi > lo)
        j = 0
        while len(todo):
            r = lo[todo] + j
            hit = self.group[r] == group[todo]
            out[todo[hit]] = r[hit]
            todo = todo[~hit]
            j += 1
            todo = todo[lo[todo] + j < hi[todo]]
        return out

    def _room(self, n: int) -> list[np.ndarray]:
        """Each column's buffer (COLUMNS, then the key), the column its first rows, with room for n rows:
        the ones the columns were last shown from, or new ones for all (a column was set from outside;
        or there is no room)."""
        d = self.__dict__
        buffers, shown = d.get("_buffers", ()), d.get("_shown", ())
        if len(buffers) and len(buffers[0]) >= n and all(map(operator.is_, _columns(self), shown)):
            return buffers
        buffers = d["_buffers"] = []
        for a in (*_columns(self), self.key):
            buf = np.empty(max(n, 2 * len(a), 16), a.dtype)
            buf[: len(a)] = a
            buffers.append(buf)
        return buffers

    def _show(self, buffers: list[np.ndarray], n: int) -> None:
        """The columns: the first n rows of their buffers."""
        views = [buf[:n] for buf in buffers]
        d = self.__dict__
        d.update(zip(self.COLUMNS, views))
        d["_shown"] = views
        self._keep_key(views[-1])

    def insert(self, rows: dict[str, np.ndarray]) -> np.ndarray:
        """Insert new rows (keys must be absent; a column's values one per row or one for all, in the
        column's dtype); return their rows after insertion."""
        new_key = rows["person"] * self.KEY + rows["group"]
        n = len(self) + len(new_key)
        buffers = self._room(n)
        values = [rows[name] for name in self.COLUMNS]
        values.append(new_key)
        at = _insert(tuple(zip(buffers, values)), self.key, new_key, np.argsort(new_key, kind="stable"))
        self._show(buffers, n)
        return at

    def remove(self, rows: np.ndarray) -> None:
        """Remove `rows` (sorted, distinct)."""
        n = len(self)
        buffers = self._room(n)
        _remove(tuple(buffers), n, rows)
        self._show(buffers, n - len(rows))


_columns = operator.attrgetter(*Memberships.COLUMNS)  # a Memberships' columns, in COLUMNS order


class Spells:
    """Records of every membership ever, by Memberships.id (memberships.parquet): kept apart from the
    membership columns so that a day's leaves move one extra column, not four. A move starts a new spell."""

    def __init__(self) -> None:
        self.n = 0
        self.since = np.zeros(0, np.int32)  # day it began in its group (a join or a move)
        self.how = np.zeros(0, np.int8)  # CHANNELS code it began by
        self.ritual = np.zeros(0, np.int32)  # ritual messages written in it
        self.active = np.zeros(0, np.int32)  # days with a conversation message in it

    def make_room(self, n: int) -> None:
        """Room for n spells in every column (ritual and active of a spell not begun yet are 0 already:
        the columns grow zero-filled and only begun spells count)."""
        if n > len(self.since):
            for name in ("since", "how", "ritual", "active"):
                setattr(self, name, _grow(getattr(self, name), n, 0))

    def start(self, k: int, day: int, how: int) -> np.ndarray:
        """k new spells beginning on `day` by channel `how`: their ids."""
        a, b = self.n, self.n + k
        self.make_room(b)
        self.since[a:b] = day
        self.how[a:b] = how
        self.n = b
        return np.arange(a, b, dtype=np.int32)


@jit
def _by_target(target, n):
    """np.argsort(target, kind="stable") for targets in -1..n-1, by counting: the joiners of each target
    in the order they asked."""
    start = np.zeros(n + 2, np.int64)
    for t in target:
        start[t + 2] += 1
    for t in range(n + 1):
        start[t + 1] += start[t]
    order = np.empty(len(target), np.int64)
    for i in range(len(target)):
        order[start[target[i] + 1]] = i
        start[target[i] + 1] += 1
    return order


@jit
def _place(target, size, cap, closed, open_, n_groups):
    """Community.place's caps: joiners taken by target (-1: none; within a target, the first to ask
    first), each target's first ones while it has room, then the rest in turn into the groups that take
    joiners (open, not closed, with room), in group order.
    Returns (positions placed, their groups, positions left over: every group is full)."""
    order = _by_target(target, n_groups)
    sizes = size[:n_groups].copy()
    live = closed[:n_groups] == NEVER
    placed = np.empty(len(target), np.int64)
    to = np.empty(len(target), np.int64)
    rest = np.empty(len(target), np.int64)
    n = n_rest = 0
    first = 0  # where the current target's run starts in `order`
    for i in range(len(order)):
        t = target[order[i]]
        if i == 0 or t != target[order[i - 1]]:
            first = i
        if t >= 0 and i - first < cap[t] - sizes[t] and live[t] and open_[t]:
            placed[n] = order[i]
            to[n] = t
            n += 1
        else:
            rest[n_rest] = order[i]
            n_rest += 1
    for i in range(n):
        sizes[to[i]] += 1
    taken = 0
    for k in range(len(sizes)):
        if taken == n_rest:
            break
        if live[k] and open_[k] and cap[k] > sizes[k]:
            take = min(cap[k] - sizes[k], n_rest - taken)
            for j in range(taken, taken + take):
                placed[n] = rest[j]
                to[n] = k
                n += 1
            sizes[k] += take
            taken += take
    return placed[:n], to[:n], rest[taken:n_rest]


@jit
def _count_inside(friends_inside, indptr, indices, people, sign):
    """People (distinct) who came into (+1) or left (-1) the community: their friends' friends_inside.
    For many (a launch), one pass over everyone's friends beats walking theirs."""
    n = len(friends_inside)
    if len(people) * 64 > n:
        moving = np.zeros(n, np.bool_)
        for p in people:
            moving[p] = True
        for q in range(n):
            count = 0
            for j in range(indptr[q], indptr[q + 1]):
                count += moving[indices[j]]
            friends_inside[q] += sign * count
    else:
        for p in people:
            for j in range(indptr[p], indptr[p + 1]):
                friends_inside[indices[j]] += sign


@jit
def _arrive(people, inviter, day, joined, depth, root, n_groups, left, friends_inside, indptr, indices):
    """The person columns of joiners (one entry per new membership): a first arrival's day, invitation
    depth and root; who comes into the community (no group yet) is counted by their friends.
    Returns (each joiner's generation: depth before today's changes, +1; depth now; how many came in)."""
    n = len(people)
    generation = np.zeros(n, np.int32)
    new_root = np.empty(n, np.int64)
    first = np.zeros(n, np.bool_)
    for i in range(n):  # everything read before anything is written
        p, by = people[i], inviter[i]
        if by >= 0:
            generation[i] = depth[by] + 1
        first[i] = joined[p] == NEVER
        new_root[i] = root[by] if by >= 0 else p
    for i in range(n):
        if first[i]:
            p = people[i]
            joined[p] = day
            depth[p] = generation[i]
            root[p] = new_root[i]
    came = np.empty(n, np.int64)
    k = 0
    for p in people:
        if n_groups[p] == 0:  # the person's first group of this call: came in
            came[k] = p
            k += 1
        left[p] = NEVER
        n_groups[p] += 1
    _count_inside(friends_inside, indptr, indices, came[:k], 1)
    now = np.empty(n, np.int32)
    for i in range(n):
        now[i] = depth[people[i]]
    return generation, now, k


@jit
def _depart(people, day, n_groups, left, friends_inside, indptr, indices):
    """The person columns of leavers (one entry per ended membership): who has no group left is gone
    from the community, and their friends count them out. Returns those people, sorted."""
    for p in people:
        n_groups[p] -= 1
    gone = np.empty(len(people), np.int64)
    k = 0
    for p in people:
        if n_groups[p] == 0:
            gone[k] = p
            k += 1
    gone = np.unique(gone[:k])
    _count_inside(friends_inside, indptr, indices, gone, -1)
    for p in gone:
        left[p] = day
    return gone


@jit
def _count_ties(key, person, group, ties, rows, sign, KEY, indptr, indices):
    """Friends inside the same group, for memberships `rows` joining (+1: set their ties) or leaving (-1):
    each friend's membership of that group that stays gains (loses) a tie; joiners count each other
    but do not add to each other. A friend's membership is a binary search of the sorted keys, or,
    for many (a launch), a look at the friend's few rows, from an index of each person's first row
    (and then the rows go in table order: integer counts do not depend on the order)."""
    changing = np.zeros(len(person), np.int32)  # times a row is in `rows`
    asks = 0
    for r in rows:
        changing[r] += 1
        asks += indptr[person[r] + 1] - indptr[person[r]]
    n = len(indptr) - 1
    indexed = asks * np.log2(len(key) + 1) > (n + len(key)) / 2  # (measured: where the index starts to pay)
    first = np.zeros(n + 1 if indexed else 0, np.int64)  # person p's rows: first[p] to first[p + 1]
    if indexed:
        for p in person:
            first[p + 1] += 1
        for p in range(n):
            first[p + 1] += first[p]
        rows = np.repeat(np.arange(len(person)), changing)
    for r in rows:
        count = 0
        for j in range(indptr[person[r]], indptr[person[r] + 1]):
            friend = indices[j]
            at = -1
            if indexed:
                for i in range(first[friend], first[friend + 1]):
                    if group[i] == group[r]:
                        at = i
                        break
            else:
                want = friend * KEY + group[r]
                i = np.searchsorted(key, want)
                if i < len(key) and key[i] == want:
                    at = i
            if at >= 0:
                count += 1
                if changing[at] == 0:
                    ties[at] += sign
        if sign > 0:
            ties[r] = count


@jit
def _join(columns, n, people, groups, inviter, item, day, channel, newcomer, first_id, since, how, size, peak, joined,
          depth, root, n_groups, left, friends_inside, indptr, indices):
    """Community.join in one call: the new rows (_join_rows; `columns`: Memberships' buffers, the first n
    rows the table), their spells from first_id on (`since`, `how`: with room), group sizes, the joiners' person columns
    (_arrive) and their ties (_count_ties). `inviter`, `item`: empty for none (-1 each).
    Returns (the new rows, the invitation log's entry: one row per INVITATIONS column, how many came
    into the community). One array a field, not eight: boxing an array costs ~1 us."""
    fresh, rows = _join_rows(columns, n, people, groups, day, first_id, newcomer)
    k = len(fresh)
    if k < len(people):  # some already in that group, or twice in the call
        people, groups = people[fresh], groups[fresh]
        inviter = inviter[fresh] if len(inviter) else inviter
        item = item[fresh] if len(item) else item
    since[first_id:first_id + k] = day
    how[first_id:first_id + k] = channel
    inviter = inviter if len(inviter) else np.full(k, -1, np.int64)
    item = item if len(item) else np.full(k, -1, np.int64)
    _resize(size, peak, groups, 1)
    generation, now, came = _arrive(people, inviter, day, joined, depth, root, n_groups, left, friends_inside, indptr, indices)
    person, group, _, _, _, _, ties, _, _, _, _, _, _, key = columns
    m = n + k
    _count_ties(key[:m], person[:m], group[:m], ties[:m], rows, 1, KEY, indptr, indices)
    entry = np.empty((8, k), np.int64)
    for i in range(k):  # INVITATIONS' order
        entry[0, i], entry[1, i], entry[2, i], entry[3, i] = day, inviter[i], people[i], groups[i]
        entry[4, i], entry[5, i], entry[6, i], entry[7, i] = now[i], channel, item[i], generation[i]
    return rows, entry, came


@jit
def _ended(rows, day, why, person, group, id, posts, last_post):
    """Records of the memberships `rows` ending: one row per ENDED column."""
    out = np.empty((7, len(rows)), np.int64)
    for i in range(len(rows)):
        r = rows[i]
        out[0, i], out[1, i], out[2, i], out[3, i] = person[r], group[r], id[r], day
        out[4, i], out[5, i], out[6, i] = why[i], posts[r], last_post[r]
    return out


@jit
def _leave(columns, n, rows, why, day, size, peak, n_groups, left, friends_inside, indptr, indices):
    """Community.leave in one call: `rows` of the table (`columns`: Memberships' buffers, the first n rows
    the table) deduplicated and sorted with their `why` (one for all, or per row); their records
    (_ended), group sizes, ties (_count_ties) and the leavers' person columns (_depart); then the rows
    go (_remove). Returns (the records, who left the community)."""
    person, group, _, _, _, _, ties, last_post, posts, _, _, _, id, key = columns
    person, group, ties, key = person[:n], group[:n], ties[:n], key[:n]
    rows, at = _first_each(rows, np.argsort(rows, kind="mergesort"))  # (a stable sort is unique)
    why = why[at] if len(why) > 1 else np.full(len(rows), why[0], np.int8)
    ended = _ended(rows, day, why, person, group, id, posts, last_post)
    _resize(size, peak, group[rows], -1)
    _count_ties(key, person, group, ties, rows, -1, KEY, indptr, indices)
    gone = _depart(person[rows], day, n_groups, left, friends_inside, indptr, indices)
    _remove(columns, n, rows)
    return ended, gone


# Community.ended's columns, as _ended makes them
ENDED = ("person", "group", "id", "left", "why_left", "messages", "last_post")
# the invitation log's columns (Community.log: one row each per entry) and their dtypes in Community.invitations
INVITATIONS = {"day": np.int32, "inviter": np.int64, "invitee": np.int64, "group": np.int64, "depth": np.int32,
               "channel": np.int8, "item": np.int64, "generation": np.int32}


_NONE = np.zeros(0, np.int64)  # Community.join's inviter or item, for none


class Community:
    """People, groups and memberships, with the structural changes levers and behaviour use."""

    def __init__(self, population: Population, network: sp.csr_array, norms: float, cap: int, overflow: str,
                 satisfaction: float = 0.0, expectation: float = 0.0):
        n = population.size
        self.newcomer = np.array([satisfaction, expectation], float)  # a joiner's satisfaction and expectation in a new group
        self.people = population
        self.network = network
        self.groups = Groups(norms, cap)
        self.members = Memberships()
        self.spells = Spells()
        self.overflow = overflow
        # person columns
        self.joined = np.full(n, NEVER, np.int32)  # day first joined the community
        self.left = np.full(n, NEVER, np.int32)  # day left the community (no group left)
        self.n_groups = np.zeros(n, np.int32)
        self.friends_inside = np.zeros(n, np.int32)  # friends who are members anywhere (kept by join/leave; invitations weigh them)
        self.last_post = np.full(n, NEVER, np.int32)  # last non-spam post, any group
        self.messages = np.zeros(n, np.int64)  # conversation messages written (no ads, no rituals)
        self.expertise = population.expertise0.copy()  # grows with the valuable posts a person reads
        self.channel = np.full(n, -1, np.int16)  # the outside channel a person first came by (world.arrivals.all()), -1: none
        self.first_post = np.full(n, NEVER, np.int32)  # day of the first conversation message
        self.first_replied = np.zeros(n, bool)  # that first post got a reply (Joyce & Kraut's newcomer effect)
        self.depth = np.zeros(n, np.int32)  # invitation depth (0 = came by a channel)
        self.root = np.full(n, -1, np.int64)  # first ancestor in the invitation tree
        self.active_days = np.zeros(n, np.int32)  # days with at least one conversation message, any group
        self.log: list[np.ndarray] = []  # per join call, an int64 row per INVITATIONS column (day, inviter, invitee, ...)
        self.ended: list[dict[str, np.ndarray]] = []  # memberships that ended: who, where, when, why
        self.forward_log: list[tuple] = []  # (day, person, group, reached) per day: one row per forward, items in order
        self.items = 0  # forwards logged so far: the next forward's item id
        self.turned_away = 0
        self.entered = 0  # people who came into the community (first time or back), all days
        self.applied = self.refused = 0  # joiners who met an entry gate, and those it turned back

    # ---- questions -------------------------------------------------------------------------
    @property
    def ever(self) -> np.ndarray:
        return self.joined != NEVER

    def member_count(self) -> int:
        return int(np.count_nonzero(self.n_groups))

    def group_sizes(self) -> np.ndarray:
        return np.bincount(self.members.group, minlength=self.groups.n)

    def entry_groups(self) -> np.ndarray:
        """Groups that take joiners now, in the order an operator fills them."""
        g = self.groups
        room = g.view("cap") - self.group_sizes()
        return np.flatnonzero(g.live & g.view("open") & (room > 0))

    def level(self, rows: np.ndarray) -> np.ndarray:
        """Expertise of the members of `rows` (a person's, whichever group)."""
        return self.expertise[self.members.person[rows]]

    # ---- joining ---------------------------------------------------------------------------
    def place(self, people: np.ndarray, target: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Enforce caps: keep who fits their target; send overflow (and target -1) to entry groups.

        Returns (positions in `people` that were placed, the group each goes to).
        """
        g = self.groups
        target = np.asarray(target, np.int64)
        if not len(target):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        at, to, rest = _place(target, g.size, g.cap, g.closed, g.open, int(g.n))
        while len(rest):  # every group is full: open one, or turn the rest away
            if self.overflow != "new_group":
                self.turned_away += len(rest)
                break
            k = g.add(day, label=g.label[-1] if g.label else "", how=OVERFLOW)
            take = rest[: int(g.cap[k])]
            at, to = np.concatenate([at, take]), np.concatenate([to, np.full(len(take), k, np.int64)])
            rest = rest[len(take):]
        return at, to

    def join(self, people: np.ndarray, groups: np.ndarray, day: int, channel: int,
             inviter: np.ndarray | None = None, item: np.ndarray | None = None) -> np.ndarray:
        """Add memberships (people may already be in other groups); return their rows.

        `item`: the forward (Community.forwarded) that brought each invited joiner, -1 if none.
        """
        people = np.asarray(people, np.int64)
        m, g, adj, sp = self.members, self.groups, self.network, self.spells
        n = len(m)
        buffers = m._room(n + len(people))
        sp.make_room(sp.n + len(people))
        rows, entry, came_in = _join(tuple(buffers), n, people, np.asarray(groups, np.int64),
                                     _NONE if inviter is None else np.asarray(inviter, np.int64),
                                     _NONE if item is None else np.asarray(item, np.int64), int(day), int(channel),
                                     self.newcomer, sp.n, sp.since, sp.how, g.size, g.peak, self.joined, self.depth,
                                     self.root, self.n_groups, self.left, self.friends_inside, adj.indptr, adj.indices)
        m._show(buffers, n + len(rows))  # (even with no new rows: _room may have moved the columns to new buffers)
        if len(rows):
            sp.n += len(rows)
            self.entered += came_in
            self.log.append(entry)
        return rows

    def _end(self, rows: np.ndarray, day: int, why: np.ndarray) -> None:
        """Log ended memberships (memberships.parquet rows with `left`)."""
        m = self.members
        self.ended.append(dict(zip(ENDED, _ended(rows, int(day), why, m.person, m.group, m.id, m.posts, m.last_post))))

    def leave(self, rows: np.ndarray, day: int, why: int | np.ndarray = UNHAPPY) -> np.ndarray:
        """End memberships (`why`: a WHY_LEFT code, one or per row); return the people who thereby left the community."""
        rows = np.asarray(rows, np.int64)
        if not len(rows):
            return rows
        m, g, adj = self.members, self.groups, self.network
        n = len(m)
        buffers = m._room(n)
        ended, gone = _leave(tuple(buffers), n, rows, np.asarray(why, np.int8).reshape(-1), int(day), g.size, g.peak,
                             self.n_groups, self.left, self.friends_inside, adj.indptr, adj.indices)
        m._show(buffers, n - ended.shape[1])
        self.ended.append(dict(zip(ENDED, ended)))
        return gone

    def move(self, rows: np.ndarray, to: np.ndarray, day: int) -> np.ndarray:
        """Move memberships to other groups (a split, a tier, a funnel stage); state carries over."""
        m = self.members
        rows, to = np.asarray(rows, np.int64), np.asarray(to, np.int64)
        keep = {c: getattr(m, c)[rows].copy() for c in m.CARRIED}
        self._end(rows, day, np.full(len(rows), MERGED, np.int8))  # the source membership ends as "moved"
        self.groups._resize(m.group[rows], -1)
        self._count_ties(rows, -1)
        m.remove(np.sort(rows))
        n = len(rows)
        new = m.insert({**keep, "group": to, "ties": np.zeros(n, np.int32), "posts": np.zeros(n, np.int32), "acquaint": np.zeros(n),  # acquaintances stay behind
                        "id": self.spells.start(n, day, MOVED)})
        self.groups._resize(to, +1)
        self._count_ties(new, +1)
        self.log.append(np.array([np.full(n, day), np.full(n, -1), keep["person"], to, self.depth[keep["person"]],
                                  np.full(n, MOVED), np.full(n, -1), np.zeros(n)], np.int64))
        return new

    def dissolve(self, group: int, day: int) -> np.ndarray:
        """Close a group for good: whoever is still in it leaves; return who thereby left the community."""
        gone = self.leave(np.flatnonzero(self.members.group == group), day, CLOSED)
        self.groups.closed[group] = day
        self.groups.open[group] = False
        return gone

    def befriend(self, a: np.ndarray, b: np.ndarray) -> int:
        """Add friendships a[i]-b[i] (people who met offline); return how many ties are new.

        The network is rebuilt (an event is rare) and the friends-inside counts of everyone
        involved are recounted, so `ties` stays exact.
        """
        old = self.network
        n = old.shape[0]
        coo = old.tocoo()
        adj = from_edges(n, np.concatenate([coo.row, np.asarray(a, np.int64)]), np.concatenate([coo.col, np.asarray(b, np.int64)]))
        added = (adj.nnz - old.nnz) // 2
        if added:
            self.network = adj
            m = self.members
            rows = np.flatnonzero(np.isin(m.person, np.concatenate([a, b])))
            owner, friend = neighbours(adj, m.person[rows])
            inside = m.find(friend, m.group[rows][owner]) >= 0
            m.ties[rows] = np.bincount(owner[inside], minlength=len(rows))
            self.friends_inside = (adj @ (self.n_groups > 0).astype(np.int32)).astype(np.int32)
        return int(added)

    def _count_ties(self, rows: np.ndarray, sign: int) -> None:
        """Friends inside the same group: set for `rows` and update their friends' memberships."""
        m, adj = self.members, self.network
        _count_ties(m.key, m.person, m.group, m.ties, np.asarray(rows, np.int64), int(sign), int(Memberships.KEY),
                    adj.indptr, adj.indices)

    # ---- read-only views, for inspection and visualisation ----------------------------------
    def person(self, i: int) -> dict:
        """One person: traits, community history and their memberships (a copy, not live state)."""
        pe, m = self.people, self.members
        rows = np.flatnonzero(m.person == i)
        return {
            "person": int(i), "interest": float(pe.interest[i]), "sociability": float(pe.sociability[i]),
            "attention": float(pe.attention[i]), "patience": float(pe.patience[i]),
            "joined": None if self.joined[i] == NEVER else int(self.joined[i]),
            "left": None if self.left[i] == NEVER else int(self.left[i]),
            "messages": int(self.messages[i]), "invitation_depth": int(self.depth[i]),
            "friends": int(self.network.indptr[i + 1] - self.network.indptr[i]),
            "groups": [{c: _plain(getattr(m, c)[r]) for c in Memberships.COLUMNS if c != "person"} for r in rows],
        }

    def group(self, g: int) -> dict:
        """One group: its columns and current size (a copy, not live state)."""
        gr = self.groups
        return {"group": int(g), "label": gr.label[g], "how": gr.how[g], "size": int(np.count_nonzero(self.members.group == g)),
                **{c: _plain(getattr(gr, c)[g]) for c in ("created", "closed", "open", "cap", "gate", "norms", "last_post", "activity", "peak")}}

    # ---- the records: invitations, forwards, memberships ------------------------------------
    def invitations(self) -> dict[str, np.ndarray]:
        """Every join: the log's entries (a row per INVITATIONS column each) as columns of their own dtypes."""
        if not self.log:
            return {k: np.zeros(0, np.int64) for k in INVITATIONS}
        log = np.concatenate(self.log, axis=1)
        return {k: row.astype(dtype) for (k, dtype), row in zip(INVITATIONS.items(), log)}

    def forwarded(self, day: int, rows: np.ndarray, source: np.ndarray) -> np.ndarray:
        """Log today's forwards, one per membership row in `rows` (behaviour.forward's `rows`), before
        any membership changes; `source` is each exposure's position in `rows`. Returns each
        exposure's item id (ids run on over the whole run)."""
        m, n = self.members, len(rows)
        self.forward_log.append((day, m.person[rows].astype(np.int32), m.group[rows].astype(np.int32),
                                 np.bincount(source, minlength=n).astype(np.int32)))  # lean: a 1M-member year logs millions
        self.items += n
        return self.items - n + np.asarray(source, np.int64)

    def forwards(self) -> dict[str, np.ndarray]:
        """Every forward: day, person, group, item, reached (exposures it made: friends not yet in the community)."""
        log = self.forward_log
        if not log:
            return {k: np.zeros(0, np.int64) for k in ("day", "person", "group", "item", "reached")}
        return {"day": np.repeat(np.array([e[0] for e in log], np.int32), [len(e[1]) for e in log]),
                "person": np.concatenate([e[1] for e in log]).astype(np.int64),
                "group": np.concatenate([e[2] for e in log]).astype(np.int64),
                "item": np.arange(self.items, dtype=np.int64), "reached": np.concatenate([e[3] for e in log])}

    def memberships(self) -> dict[str, np.ndarray]:
        """Every membership ever: those that ended (with `left`, `why_left`) then the current ones
        (`left` NEVER, `why_left` -1). `joined` is the day the membership began in that group
        (negative in a fork: before day 0)."""
        m, sp = self.members, self.spells
        n = len(m)
        now = {"person": m.person, "group": m.group, "id": m.id, "left": np.full(n, NEVER, np.int32),
               "why_left": np.full(n, -1, np.int8), "messages": m.posts, "last_post": m.last_post}
        out = {k: np.concatenate([e[k] for e in self.ended] + [now[k]]).astype(now[k].dtype, copy=False) for k in now}
        ids = out.pop("id")
        return {**out, "joined": sp.since[ids], "how": sp.how[ids], "ritual": sp.ritual[ids], "active": sp.active[ids]}
