"""agents/draws.py: a kernel's Poisson and binomial draws are NumPy's, number for number, and
leave the stream where NumPy leaves it, in every branch of NumPy's algorithms."""

from __future__ import annotations

import numpy as np
import pytest

from agents.draws import binomials, permutation, poissons, source, uniforms


def pair(seed: int = 42) -> tuple[np.random.Generator, np.random.Generator]:
    return np.random.default_rng(seed), np.random.default_rng(seed)


def same_stream_after(a: np.random.Generator, b: np.random.Generator) -> None:
    assert a.bit_generator.state == b.bit_generator.state
    assert (a.random(4) == b.random(4)).all()


@pytest.mark.parametrize("scale", [0.0, 1e-3, 0.5, 9.99, 10.0, 30.0, 1e3, 1e9])  # multiplication below 10, PTRS from 10
def test_poissons_are_numpys(scale):
    lam = np.random.default_rng(0).random(4000) * scale
    lam[::97] = 0.0  # a mean of 0 draws nothing
    numpy, kernel = pair()
    assert (numpy.poisson(lam) == poissons(source(kernel), lam)).all()
    same_stream_after(numpy, kernel)


@pytest.mark.parametrize("trials, chance", [(3, 0.1), (60, 0.4), (100, 0.2), (10**3, 0.95), (10**6, 0.5), (5, 1.0)])
def test_binomials_are_numpys(trials, chance):
    """n*p at most 30 (inversion) and above (BTPE), p above 0.5 (drawn as n - binomial(n, 1 - p)), p of 0 and 1."""
    r = np.random.default_rng(1)
    n = r.integers(0, trials, 3000)
    p = r.random(3000) * chance
    p[::101], p[::103] = 0.0, chance
    numpy, kernel = pair(7)
    assert (numpy.binomial(n, p) == binomials(source(kernel), n, p)).all()
    same_stream_after(numpy, kernel)


def test_repeated_trials_and_chances_reuse_nothing_that_changes_the_numbers():
    """NumPy caches a binomial's set-up for the last (n, p); runs of the same pair give the same numbers."""
    n, p = np.repeat([40, 40, 200, 3], 50), np.repeat([0.3, 0.3, 0.6, 0.9], 50)
    numpy, kernel = pair(3)
    assert (numpy.binomial(n, p) == binomials(source(kernel), n, p)).all()
    same_stream_after(numpy, kernel)


@pytest.mark.parametrize("lam", [-1.0, np.nan, 1e19])
def test_a_bad_mean_is_refused(lam):
    with pytest.raises(ValueError, match="poisson"):
        poissons(source(np.random.default_rng(0)), np.array([1.0, lam]))


@pytest.mark.parametrize("n, p", [(-1, 0.5), (3, 1.5), (3, np.nan)])
def test_bad_trials_or_chances_are_refused(n, p):
    with pytest.raises(ValueError, match="binomial"):
        binomials(source(np.random.default_rng(0)), np.array([2, n]), np.array([0.5, p]))


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000])
def test_uniforms_and_permutations_are_numpys(n):
    numpy, kernel = pair(11)
    assert (numpy.random(n) == uniforms(source(kernel), n)).all()
    assert (numpy.permutation(n) == permutation(source(kernel), n)).all()
    assert (numpy.random((4, n)) == uniforms(source(kernel), 4 * n).reshape(4, n)).all()  # C order, as a kernel reads them
    same_stream_after(numpy, kernel)
