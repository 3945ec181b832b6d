"""The social network: who knows whom, held as a symmetric CSR adjacency (scipy.sparse).

Generators are vectorised so that a million people take seconds, not minutes:
- clustered_scale_free: a degree-corrected block model: people sit in small friend
  circles (clustering) and carry power-law degree propensities (hubs);
- communities: the same with a few large blocks and equal propensities (an SBM);
- small_world: a Watts-Strogatz ring with rewiring;
- holme_kim: networkx's powerlaw_cluster_graph, for small reference graphs;
- edge_list: a file of `a b` pairs.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .arrays import distinct
from .world import Network as NetworkParams


def from_edges(n: int, a: np.ndarray, b: np.ndarray) -> sp.csr_array:
    """Symmetric 0/1 adjacency without self-loops or duplicate ties."""
    keep = a != b
    a, b = a[keep], b[keep]
    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    return _from_keys(n, distinct(lo * n + hi))


def _from_keys(n: int, key: np.ndarray) -> sp.csr_array:
    """Adjacency from sorted distinct tie keys lo * n + hi (lo < hi).

    Entries go in as (hi, lo) then (lo, hi): scipy's COO->CSR keeps input order within a
    row, so every row comes out with sorted columns and no sort is needed.
    """
    lo, hi = np.divmod(key, n)
    rows = np.concatenate([hi, lo])
    cols = np.concatenate([lo, hi])
    adj = sp.csr_array((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    adj.sort_indices()  # a no-op check when already sorted
    return adj


def _guide(cum: np.ndarray) -> tuple[np.ndarray, float]:
    """A guide table for inverse-CDF draws: where each of len(cum) equal slices of the total starts."""
    h = cum[-1] / len(cum)
    return np.searchsorted(cum, np.arange(len(cum)) * h, side="right"), h


def _search_right(cum: np.ndarray, u: np.ndarray, guide: tuple[np.ndarray, float]) -> np.ndarray:
    """np.searchsorted(cum, u, side="right"), exactly, in a few vectorised steps instead of ~log2(n)
    random probes: start at the first position past u's slice edge and walk the few left."""
    start, h = guide
    b = np.minimum((u / h).astype(np.int64), len(start) - 1)
    b -= b * h > u  # rounding: the slice edge must not lie above u
    idx = start[b]
    n = len(cum)
    todo = np.flatnonzero(idx < n)
    todo = todo[cum[idx[todo]] <= u[todo]]
    while len(todo):
        idx[todo] += 1
        todo = todo[idx[todo] < n]
        todo = todo[cum[idx[todo]] <= u[todo]]
    return idx


def _weighted_draw(rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   guide: tuple[np.ndarray, float] | None = None) -> np.ndarray:
    """Index i with lo <= cum-position < hi, chosen with probability proportional to weight."""
    u = lo + rng.random(len(lo)) * (hi - lo)
    i = np.searchsorted(cum, u, side="right") if guide is None else _search_right(cum, u, guide)
    return np.minimum(i, len(cum) - 1)


def _union(keys: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Sorted distinct union of sorted distinct `keys` and any `new` (= distinct(concat), without re-sorting keys)."""
    new = distinct(new)
    if not len(keys):
        return new
    pos = np.searchsorted(keys, new)
    fresh = keys[np.minimum(pos, len(keys) - 1)] != new
    return np.insert(keys, pos[fresh], new[fresh])


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
    total = cum[-1]
    guide = _guide(cum)
    target = int(round(n * mean_degree / 2))
    keys = np.zeros(0, np.int64)
    for _ in range(8):
        m = target - len(keys)
        if m <= target * 0.002:
            break
        m_in = rng.binomial(m, 1 - mixing)
        # inside a block: first end anywhere by weight, second end in the same block by weight
        a = _weighted_draw(rng, cum, np.zeros(m_in), np.full(m_in, total), guide)
        start = (a // block) * block
        end = np.minimum(start + block, n)
        b = _weighted_draw(rng, cum, np.where(start > 0, cum[start - 1], 0.0), cum[end - 1], guide)
        # across blocks: both ends anywhere by weight
        m_out = m - m_in
        c = _weighted_draw(rng, cum, np.zeros(m_out), np.full(m_out, total), guide)
        d = _weighted_draw(rng, cum, np.zeros(m_out), np.full(m_out, total), guide)
        a, b = np.concatenate([a, c]), np.concatenate([b, d])
        keep = a != b
        keys = _union(keys, np.minimum(a, b)[keep].astype(np.int64) * n + np.maximum(a, b)[keep])
    return _from_keys(n, keys)


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
    """All (position in `people`, friend) pairs, vectorised over the CSR rows."""
    start = adj.indptr[people]
    deg = adj.indptr[people + 1] - start
    owner = np.repeat(np.arange(len(people)), deg)
    # position in adj.indices = running pair number + (row start - pairs before this person)
    shift = start.astype(np.int64) - (np.cumsum(deg) - deg)
    return owner, adj.indices[np.arange(len(owner)) + shift[owner]]
