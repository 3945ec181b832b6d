"""The compiled kernels' premise: numba draws from a numpy Generator exactly as NumPy does.

Every kernel that draws inside its loop (agents/compiled.py) relies on this to keep a run's
numbers bit-identical to the vectorised NumPy it replaced.
"""

import numpy as np

from agents.compiled import jit


@jit
def _draws(rng, lam, n, p):
    u = np.empty(len(lam))
    k = np.empty(len(lam), np.int64)
    b = np.empty(len(lam), np.int64)
    for i in range(len(lam)):
        u[i] = rng.random()
    for i in range(len(lam)):
        k[i] = rng.poisson(lam[i])
    for i in range(len(lam)):
        b[i] = rng.binomial(n[i], p[i])
    return u, k, b


def test_numba_draws_as_numpy_does():
    g = np.random.default_rng(0)
    lam = np.concatenate([g.random(500) * 0.1, g.random(500) * 40])  # both of NumPy's Poisson algorithms
    n, p = g.integers(0, 60, 1000), g.random(1000)
    compiled, numpy = np.random.default_rng(5), np.random.default_rng(5)
    u, k, b = _draws(compiled, lam, n, p)
    assert np.array_equal(u, numpy.random(1000))
    assert np.array_equal(k, numpy.poisson(lam))
    assert np.array_equal(b, numpy.binomial(n, p))
    assert compiled.random() == numpy.random()  # and leaves the stream where NumPy would


@jit
def _poisson_then_binomial(rng, lam, n, p):
    k = np.empty(len(lam), np.int64)
    b = np.empty(len(n), np.int64)
    for i in range(len(lam)):
        k[i] = rng.poisson(lam[i])
    for i in range(len(n)):
        b[i] = rng.binomial(n[i], p[i])
    return k, b


def test_numba_draws_as_numpy_does_at_the_edges():
    """Means of 0, chances of 0 and 1 and counts of 0 (nobody posting, no ads, moderation off) draw as NumPy does."""
    lam = np.array([0.0, 0.0, 3.0, 0.0, 12.0])
    n = np.array([0, 5, 0, 7, 40, 3])
    p = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.5])
    compiled, numpy = np.random.default_rng(11), np.random.default_rng(11)
    k, b = _poisson_then_binomial(compiled, lam, n, p)
    assert np.array_equal(k, numpy.poisson(lam))
    assert np.array_equal(b, numpy.binomial(n, p))
    assert compiled.random() == numpy.random()
