"""The social network: who knows whom, held as a symmetric CSR adjacency (scipy.sparse).

Generators are vectorised or compiled (numba, agents/compiled.py) so that a million people
take seconds, not minutes:
- clustered_scale_free: a degree-corrected block model: people sit in small friend
  circles (clustering) and carry power-law degree propensities (hubs);
- communities: the same with a few large blocks and equal propensities (an SBM);
- small_world: a Watts-Strogatz ring with rewiring;
- holme_kim: networkx's powerlaw_cluster_graph, for small reference graphs;
- edge_list: a file of `a b` pairs.
"""

from __future__ import annotations

import threading

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .compiled import jit
from .world import Network as NetworkParams


def from_edges(n: int, a: np.ndarray, b: np.ndarray) -> sp.csr_array:
    """Symmetric 0/1 adjacency without self-loops or duplicate ties."""
    key = _tie_keys(np.asarray(a, np.int64), np.asarray(b, np.int64))
    key = _sorted_distinct(key, n, np.empty_like(key))
    return _from_keys(n, key, np.empty(2 * len(key), np.int64))


def _from_keys(n: int, key: np.ndarray, room: np.ndarray) -> sp.csr_array:
    """Adjacency from sorted distinct tie keys (see _tie), its indices written in `room` (int64, 2 a key)."""
    indptr, indices = _csr(key, n, room)
    adj = sp.csr_array((np.ones(len(indices), np.int8), indices, indptr), shape=(n, n))
    adj.has_canonical_format = True  # rows come out sorted, without duplicates
    return adj


@jit
def _tie(a, b):
    """The key lo << 32 | hi of the tie a-b (lo, hi: its ends in order): keys sort as (lo, hi)
    do, and give their ends back by a shift and a mask (not a division)."""
    return min(a, b) << 32 | max(a, b)


@jit
def _tie_keys(a, b):
    """The key of each pair a[i]-b[i] that is not a self-loop."""
    key = np.empty(len(a), np.int64)
    k = 0
    for i in range(len(a)):
        if a[i] != b[i]:
            key[k] = _tie(a[i], b[i])
            k += 1
    return key[:k]


@jit
def _by_end(key, n, shift, out):
    """The keys sorted stably by the end (key >> shift) & 0xFFFFFFFF into `out`: a counting sort."""
    first = np.zeros(n + 1, np.int64)  # first[r]: where end r's keys start
    for x in key:
        first[((x >> shift) & 0xFFFFFFFF) + 1] += 1
    for r in range(n):
        first[r + 1] += first[r]
    for x in key:
        r = (x >> shift) & 0xFFFFFFFF
        out[first[r]] = x
        first[r] += 1


@jit
def _sorted_distinct(key, n, scratch):
    """np.unique of tie keys, in place (through `scratch`, as long): counting sorts on the higher
    end then (stably) on the lower, flat passes over the keys, where sorting each person's few
    keys mispredicts a branch at every person and one comparison sort of all keys would pay
    log2 of their number each."""
    _by_end(key, n, 0, scratch[:len(key)])
    _by_end(scratch[:len(key)], n, 32, key)
    k, last = 0, -1
    for x in key:  # without a branch: a repeat is written over
        key[k] = x
        k += x != last
        last = x
    return key[:k]


@jit
def _union(key, new, out):
    """Sorted union of two sorted arrays of distinct keys, into `out`: a merge, where a long run
    of keys below the next new one is found by galloping and copied whole (a round after the
    first adds few keys to many)."""
    i = k = 0
    for x in new:
        if i + 16 < len(key) and key[i + 16] < x:  # a long run
            j, step = i + 16, 32  # key[j] < x
            while j + step < len(key) and key[j + step] < x:
                j += step
                step *= 2
            j += 1 + np.searchsorted(key[j + 1:min(j + step, len(key))], x)  # the first key >= x
            out[k:k + j - i] = key[i:j]
            k += j - i
            i = j
        while i < len(key) and key[i] < x:
            out[k] = key[i]
            k += 1
            i += 1
        if i < len(key) and key[i] == x:  # a tie drawn again
            i += 1
        out[k] = x
        k += 1
    rest = len(key) - i
    out[k:k + rest] = key[i:]
    return out[:k + rest]


@jit
def _csr(key, n, room):
    """CSR indptr and indices (written in `room`) of the symmetric adjacency of sorted distinct tie keys.

    Row r lists its lower friends (keys with hi = r, in key order) before its higher ones
    (keys with lo = r), so every row's columns come out sorted, as scipy's COO->CSR gives them.
    One fill pointer a row serves both parts: keys come in order of lo, so all of row r's
    lower friends (their lo < r) are in before its first higher one.
    """
    indptr = np.zeros(n + 1, np.int64)
    for x in key:  # degrees
        indptr[(x >> 32) + 1] += 1
        indptr[(x & 0xFFFFFFFF) + 1] += 1
    for r in range(n):
        indptr[r + 1] += indptr[r]
    fill = indptr[:-1].copy()
    indices = room[:indptr[n]]
    for x in key:
        lo = x >> 32
        hi = x & 0xFFFFFFFF
        indices[fill[hi]] = lo
        fill[hi] += 1
        indices[fill[lo]] = hi
        fill[lo] += 1
    return indptr, indices


@jit
def _guide(cum, slices):
    """A guide table for inverse-CDF draws: where each of `slices` equal slices of the total starts,
    i.e. np.searchsorted(cum, arange(slices) * h, side="right"), in one pass (the edges ascend)."""
    n = len(cum)
    h = cum[-1] / slices
    start = np.empty(slices, np.int32)  # (n < 2**31: half the cache of int64)
    i = 0
    for s in range(slices):
        edge = s * h
        while i < n and cum[i] <= edge:
            i += 1
        start[s] = i
    return start, h


@jit
def _per(h):
    """Slices per unit of weight for _draw: 1 / h rounded down (by more than its rounding
    errors and the product's), so that u * _per(h) never reaches a slice whose edge s * h lies
    above u: no check after it, which would stand between every draw and its first load."""
    return (1 / h) * (1 - 2.0**-50)


@jit
def _draw(cum, start, per, u):
    """min(np.searchsorted(cum, u, side="right"), len(cum) - 1), exactly: from the first position
    past u's slice edge, walk the few left (instead of ~log2(n) random probes). Any slice whose
    edge is not above u gives the same answer, so a slice one too low (u within 1e-10 slices
    of an edge) costs a step at most. `per`: _per(h), a multiply where a division is ~4x dearer."""
    n = len(cum)
    i = start[min(np.int64(u * per), len(start) - 1)]
    i += cum[i] <= u  # the usual single step, without a branch to mispredict (start[s] < n: edges lie below the total)
    while i < n and cum[i] <= u:
        i += 1
    return min(i, n - 1)


@jit
def _drawn_keys(cum, start, h, block, u, m_in):
    """The tie keys of a round's ties, each end a position drawn by weight (cum: the running
    total of weights), without self-loops; repeats are dropped after.

    The uniforms u come in the order they were drawn: m_in first ends anywhere, m_in second ends
    in the first end's block, then m_out first ends and m_out second ends anywhere. Each loop
    makes independent draws, so the memory waits of many draws overlap. The keys are written
    over the uniforms, each read before its slot is: fresh memory costs a page fault (~3 us)
    for every 512 keys.
    """
    n = len(cum)
    total = cum[-1]
    per = _per(h)
    m_out = len(u) // 2 - m_in
    key = u.view(np.int64)
    for i in range(m_in):  # the first ends inside a block, for now
        key[i] = _draw(cum, start, per, u[i] * total)
    for i in range(m_in):  # their second ends
        a = key[i]
        first = a // block * block
        lo = cum[first - 1] if first > 0 else 0.0
        hi = cum[min(first + block, n) - 1]
        key[i] = _tie(a, _draw(cum, start, per, lo + u[m_in + i] * (hi - lo)))
    for i in range(m_in, m_in + m_out):  # across blocks
        key[i] = _tie(_draw(cum, start, per, u[m_in + i] * total), _draw(cum, start, per, u[m_in + m_out + i] * total))
    k = 0
    for i in range(m_in + m_out):  # without a branch: a self-loop is written over
        key[k] = key[i]
        k += (key[i] >> 32) != (key[i] & 0xFFFFFFFF)
    return key[:k]


KEEP = 1 << 20  # int64s (8 MiB): scratch kept for worlds of up to ~85,000 people at 12 friends each
_kept = threading.local()  # scratch memory, kept between builds (per thread: a dask worker may build in several)


def _scratch(name: str, n: int) -> np.ndarray:
    """n int64s of scratch memory that outlives a build: fresh memory costs a page fault every 512
    values (~3-5 us each here), ~1.5 ms of a 20,000-person build's merge rounds. A big world's
    (over KEEP values) is not kept: its build is long anyway, and a run would carry it to the end."""
    a = getattr(_kept, name, None)
    if a is None or len(a) < n:
        a = np.empty(n, np.int64)
        if n <= KEEP:
            setattr(_kept, name, a)
    return a[:n]


def block_model(n: int, mean_degree: float, block: int, mixing: float, exponent: float | None, rng: np.random.Generator) -> sp.csr_array:
    """Degree-corrected stochastic block model on contiguous blocks of size `block`.

    Ties are drawn in rounds until duplicates are made up for, so the mean degree is met.
    """
    if exponent is None:
        w = np.ones(n)
    else:  # Pareto propensities with the structural cut-off sqrt(n * mean degree)
        w = rng.pareto(exponent - 1, n) + 1
        w = np.minimum(w, np.sqrt(n * mean_degree) / mean_degree * w.mean())
    w = w / w.mean()
    rng.shuffle(w)
    cum = np.cumsum(w)
    start, h = _guide(cum, 4 * n)  # 4 slices a person: a draw seldom walks (a walk step is a branch miss)
    target = int(round(n * mean_degree / 2))
    keys = np.zeros(0, np.int64)
    work = np.empty(2 * target)  # every round's uniforms, then their keys: memory touched once
    held = _scratch("held", 2 * target).reshape(2, target)  # the keys so far, merged from one row into the other
    for r in range(8):
        m = target - len(keys)
        if m <= target * 0.002:
            break
        m_in = rng.binomial(m, 1 - mixing)  # inside a block: the second end in the first's block
        u = rng.random(out=work[:2 * m])  # = four draws in turn: m_in and m_in inside, m - m_in and m - m_in across
        key = _drawn_keys(cum, start, h, int(block), u, int(m_in))  # over the first half of the uniforms
        keys = _union(keys, _sorted_distinct(key, n, work[m:2 * m].view(np.int64)), held[r % 2])  # the second half, read already
    return _from_keys(n, keys, work.view(np.int64))  # the memory is touched already


def small_world(n: int, mean_degree: float, rewiring: float, rng: np.random.Generator) -> sp.csr_array:
    k = max(1, int(round(mean_degree / 2)))
    a = np.repeat(np.arange(n), k)
    b = (a + np.tile(np.arange(1, k + 1), n)) % n
    rewire = rng.random(len(b)) < rewiring
    b[rewire] = rng.integers(0, n, rewire.sum())
    return from_edges(n, a, b)


def generate(p: NetworkParams, n: int, rng: np.random.Generator) -> sp.csr_array:
    if p.kind == "clustered_scale_free":
        return block_model(n, p.mean_degree, p.block_size, p.mixing, p.degree_exponent, rng)
    if p.kind == "communities":
        return block_model(n, p.mean_degree, -(-n // p.communities), p.mixing, None, rng)
    if p.kind == "small_world":
        return small_world(n, p.mean_degree, p.rewiring, rng)
    if p.kind == "holme_kim":
        g = nx.powerlaw_cluster_graph(n, max(1, int(p.mean_degree / 2)), 1 - p.mixing, seed=int(rng.integers(2**31)))
        e = np.array(g.edges(), dtype=np.int64).reshape(-1, 2)
        return from_edges(n, e[:, 0], e[:, 1])
    if p.kind == "edge_list":
        e = np.loadtxt(p.path, dtype=np.int64, comments="#", ndmin=2)
        if e.size and e.max() >= n:
            raise ValueError(f"{p.path}: person id {e.max()} >= world.population.size {n}")
        return from_edges(n, e[:, 0], e[:, 1]) if e.size else from_edges(n, np.zeros(0, int), np.zeros(0, int))
    raise ValueError(f"unknown network kind {p.kind!r}")


def neighbours(adj: sp.csr_array, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (position in `people`, friend) pairs, person by person in the order of the CSR rows."""
    return _neighbours(adj.indptr, adj.indices, np.asarray(people, np.int64))


@jit
def _neighbours(indptr, indices, people):
    """neighbours() in one call: it runs thousands of times a day on a few hundred people."""
    count = 0
    for p in people:
        count += indptr[p + 1] - indptr[p]
    owner = np.empty(count, np.int64)
    friend = np.empty(count, indices.dtype)
    k = 0
    for i in range(len(people)):
        for j in range(indptr[people[i]], indptr[people[i] + 1]):
            owner[k] = i
            friend[k] = indices[j]
            k += 1
    return owner, friend
