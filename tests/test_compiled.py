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
