"""Social network generators: the structure they promise, at any size."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from agents import network
from agents.network import generate, neighbours
from agents.world import Network
from sim.scenario import ScenarioError, load


def clustering(adj: sp.csr_array) -> float:
    """Global clustering: closed triplets / all triplets."""
    a = adj.astype(np.float64)
    triangles = (a @ a).multiply(a).sum() / 6
    deg = np.asarray(a.sum(axis=1)).ravel()
    triplets = (deg * (deg - 1) / 2).sum()
    return 3 * triangles / triplets


@pytest.mark.parametrize("kind", ["clustered_scale_free", "communities", "small_world", "holme_kim"])
def test_symmetric_simple_and_near_the_mean_degree(kind):
    adj = generate(Network(kind=kind, mean_degree=10), 3000, np.random.default_rng(1))
    assert (adj != adj.T).nnz == 0
    assert adj.diagonal().sum() == 0
    assert adj.max() == 1
    assert 8 <= adj.sum() / 3000 <= 10.5


def test_clustered_scale_free_has_hubs_and_clustering():
    rng = np.random.default_rng(2)
    adj = generate(Network(kind="clustered_scale_free", mean_degree=10), 20000, rng)
    deg = np.diff(adj.indptr)
    random = generate(Network(kind="communities", communities=1, mean_degree=10), 20000, rng)
    assert deg.max() > 10 * deg.mean()  # hubs
    assert np.diff(random.indptr).max() < 4 * deg.mean()
    assert clustering(adj) > 5 * clustering(random)


def test_edge_list_file_relative_to_the_scenario(tmp_path):
    (tmp_path / "friends.txt").write_text("# a triangle and a pair\n0 1\n1 2\n2 0\n3 4\n")
    f = tmp_path / "s.yaml"
    f.write_text("name: x\nworld:\n  population: {size: 10}\n  groups: {initial_members: 5}\n  network: {kind: edge_list, path: friends.txt}\n")
    world = load(f).scenario.world
    adj = generate(world.network, 10, np.random.default_rng(0))
    assert adj.nnz == 8 and adj[0, 1] == 1 and adj[3, 4] == 1


def test_edge_list_errors_name_the_line(tmp_path):
    (tmp_path / "friends.txt").write_text("0 1\n1 99\n")
    f = tmp_path / "s.yaml"
    f.write_text("name: x\nworld:\n  population: {size: 10}\n  groups: {initial_members: 5}\n  network:\n    kind: edge_list\n    path: friends.txt\n")
    with pytest.raises(ScenarioError) as e:
        load(f)
    assert str(e.value).startswith(f"{f}:7: world.network.path:") and "outside 0..9" in str(e.value)
    f.write_text("name: x\nworld:\n  network: {kind: edge_list}\n")
    with pytest.raises(ScenarioError) as e:
        load(f)
    assert "needs `path:`" in str(e.value)


# ---- the compiled kernels behind the generators: the NumPy/scipy results they replace -------

def random_ties(rng, n, m, hub=0):
    """Tie ends with repeats, self-loops and a hub (one person at many ties, so the kernels take
    their long-bucket branches), leaving person n - 2 without friends."""
    a, b = rng.integers(0, max(n - 2, 1), m), rng.integers(0, max(n // 2, 1), m)
    a[: m // 4] = hub
    return a, b


@pytest.mark.parametrize("n, m, hub", [(1, 0, 0), (5, 0, 0), (50, 400, 3), (3000, 20000, 7), (3000, 20000, 2999)])
def test_adjacency_as_scipy_builds_it(n, m, hub):
    a, b = random_ties(np.random.default_rng(n + m), n, m, hub)
    keep = a != b
    lo, hi = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    key = np.unique(lo << 32 | hi)
    tie = network._tie_keys(a, b)
    assert np.array_equal(network._sorted_distinct(tie, n, np.full(len(tie) + 3, -1)), key)
    third = len(key) // 3
    for held, new in ((key[:third], key[third::2]), (key[::2], key[::37]), (key[1::2], np.unique(np.r_[key[:5], key[::29]]))):
        union = np.union1d(held, new)  # dense, sparse, and past the end
        assert np.array_equal(network._union(held, new, np.full(len(held) + len(new), -1)), union)
    scipy = sp.coo_array((np.ones(2 * len(lo), np.int8), (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n)).tocsr()
    scipy.sum_duplicates()
    scipy.data[:] = 1
    adj = network.from_edges(n, a, b)
    assert adj.shape == (n, n) and adj.data.dtype == np.int8 and adj.indices.dtype == adj.indptr.dtype == np.int64
    assert np.array_equal(adj.indptr, scipy.indptr) and np.array_equal(adj.indices, scipy.indices)
    assert np.array_equal(adj.data, scipy.data) and adj.has_sorted_indices
    if n > 2:
        assert adj.indptr[n - 2] == adj.indptr[n - 1]  # an empty row


@pytest.mark.parametrize("slices", [1, 3, 8, 40])
def test_weighted_draw_is_searchsorted(slices):
    """_draw is np.searchsorted(cum, u, side="right") (at most the last person), on ties
    (people of weight 0), at 0, at the total and at the slice edges, whatever the guide's resolution."""
    w = np.array([0.0, 1.0, 0.0, 0.0, 2.5, 0.5, 0.0, 1.0, 3.0, 0.0])
    cum = np.cumsum(w)
    start, h = network._guide(cum, slices)
    assert np.array_equal(start, np.searchsorted(cum, np.arange(slices) * h, side="right"))
    edges = np.arange(slices) * h  # where rounding could pick a slice above u
    u = np.r_[0.0, cum, cum[-1], np.nextafter(cum, 0), edges, np.nextafter(edges, 0), np.nextafter(edges, np.inf),
              np.random.default_rng(slices).random(500) * cum[-1]]
    drawn = [network._draw(cum, start, network._per(h), x) for x in u]
    assert np.array_equal(drawn, np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1))


def test_drawn_ties_are_weighted_draws_in_the_order_of_the_uniforms():
    """_drawn_keys: m_in first ends anywhere, m_in second ends in the first's block (the last
    block short), then m_out first and m_out second ends anywhere, each np.searchsorted by
    weight; self-loops dropped (few people, so there are some)."""
    rng = np.random.default_rng(3)
    n, block, m_in, m_out = 53, 7, 70, 40
    cum = np.cumsum(rng.pareto(1.5, n) + 1)
    start, h = network._guide(cum, 4 * n)
    u = rng.random(2 * (m_in + m_out))
    key = network._drawn_keys(cum, start, h, block, u.copy(), m_in)

    def draw(x):
        return np.minimum(np.searchsorted(cum, x, side="right"), n - 1)

    a = np.r_[draw(u[:m_in] * cum[-1]), draw(u[2 * m_in:2 * m_in + m_out] * cum[-1])]
    first = a[:m_in] // block * block
    lo, hi = np.where(first > 0, cum[first - 1], 0.0), cum[np.minimum(first + block, n) - 1]
    b = np.r_[draw(lo + u[m_in:2 * m_in] * (hi - lo)), draw(u[2 * m_in + m_out:] * cum[-1])]
    assert (a != b).sum() < m_in + m_out and (a[:m_in] // block == n // block).any()
    assert np.array_equal(key, (np.minimum(a, b) << 32 | np.maximum(a, b))[a != b])
    inside = key[: m_in - (a[:m_in] == b[:m_in]).sum()]
    assert ((inside >> 32) // block == (inside & 0xFFFFFFFF) // block).all()


def test_one_draw_of_uniforms_is_four_in_turn():
    """block_model takes a round's uniforms in one call: the same stream as four calls."""
    one, four = np.random.default_rng(4), np.random.default_rng(4)
    assert np.array_equal(one.random(2 * 70), np.concatenate([four.random(k) for k in (30, 30, 40, 40)]))
    assert one.binomial(50, 0.3) == four.binomial(50, 0.3)


def numpy_block_model(n, mean_degree, block, mixing, exponent, rng):
    """block_model in plain NumPy: the same draws, np.searchsorted for each end, np.union1d
    for the ties so far (each round draws as many ties as are still missing), scipy for the CSR."""
    w = np.ones(n) if exponent is None else rng.pareto(exponent - 1, n) + 1
    if exponent is not None:
        w = np.minimum(w, np.sqrt(n * mean_degree) / mean_degree * w.mean())
    w = w / w.mean()
    rng.shuffle(w)
    cum = np.cumsum(w)

    def draw(x):
        return np.minimum(np.searchsorted(cum, x, side="right"), n - 1)

    target = int(round(n * mean_degree / 2))
    keys = np.zeros(0, np.int64)
    for _ in range(8):
        m = target - len(keys)
        if m <= target * 0.002:
            break
        m_in = rng.binomial(m, 1 - mixing)
        u = rng.random(2 * m)
        a = draw(u[:m_in] * cum[-1])
        first = a // block * block
        lo, hi = np.where(first > 0, cum[first - 1], 0.0), cum[np.minimum(first + block, n) - 1]
        a, b = np.r_[a, draw(u[2 * m_in:m + m_in] * cum[-1])], np.r_[draw(lo + u[m_in:2 * m_in] * (hi - lo)), draw(u[m + m_in:] * cum[-1])]
        keys = np.union1d(keys, (np.minimum(a, b) << 32 | np.maximum(a, b))[a != b])
    lo, hi = keys >> 32, keys & 0xFFFFFFFF
    adj = sp.coo_array((np.ones(2 * len(keys), np.int8), (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n)).tocsr()
    adj.sort_indices()
    return adj


@pytest.mark.parametrize("n, block, mixing, exponent", [(1, 20, 0.3, 2.5), (2, 1, 0.0, None), (50, 1, 0.3, 2.5), (300, 7, 0.0, 2.5),
                                                        (300, 7, 1.0, None), (2000, 20, 0.3, 2.5), (2000, 3, 0.1, 2.1),
                                                        (3001, 1000, 0.5, None), (5000, 20, 0.3, 2.5)])
def test_block_model_is_its_numpy_formulation(n, block, mixing, exponent):
    """The compiled block_model (guide-table draws, counting sorts, merges, CSR) is exactly the
    plain NumPy one, seed by seed: block 1 (every tie inside a block a self-loop), no mixing, all mixing."""
    for seed in range(3):
        adj = network.block_model(n, 12, block, mixing, exponent, np.random.default_rng(seed))
        ref = numpy_block_model(n, 12, block, mixing, exponent, np.random.default_rng(seed))
        assert np.array_equal(adj.indptr, ref.indptr) and np.array_equal(adj.indices, ref.indices)
        assert adj.data.dtype == np.int8 and (adj.data == 1).all() and adj.has_canonical_format


def test_neighbours_lists_each_persons_friends_in_order():
    adj = network.from_edges(300, *random_ties(np.random.default_rng(9), 300, 1500))
    people = np.r_[np.random.default_rng(1).integers(0, 300, 60), 0, 0, np.flatnonzero(np.diff(adj.indptr) == 0)[:2]]
    for who in (people, people.astype(np.int32), people[:0]):
        owner, friend = neighbours(adj, who)
        assert owner.dtype == np.int64 and friend.dtype == adj.indices.dtype
        assert np.array_equal(owner, np.repeat(np.arange(len(who)), np.diff(adj.indptr)[who]))
        assert np.array_equal(friend, np.concatenate([adj.indices[adj.indptr[p]: adj.indptr[p + 1]] for p in who] + [np.zeros(0, np.int64)]))


def test_scratch_kept_between_builds_changes_no_network():
    """The merge rounds' scratch memory outlives a build (agents/network.py `_scratch`): a build
    after others, in this thread or in two threads at once, is the network a fresh process builds."""
    import threading

    def build(seed, n=3000):
        return generate(Network(), n, np.random.default_rng(seed))

    first = build(1)
    build(2, n=5000)  # a bigger build leaves a bigger scratch behind
    build(3, n=800)
    again = build(1)
    assert (first != again).nnz == 0 and first.nnz == again.nnz
    got = {}
    threads = [threading.Thread(target=lambda s=s: got.__setitem__(s, build(s))) for s in (1, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (got[1] != first).nnz == 0 and (got[4] != build(4)).nnz == 0
