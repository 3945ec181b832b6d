"""A pyabc sampler whose posterior does not depend on the number of workers.

pyabc's multicore samplers reseed every worker from the operating system and keep the
first particles to be accepted, whichever finish first: a fit on 2 workers differs from one
on 1, and from itself. Here a generation's n particles are n slots. Slot i of generation t
draws from its own seed (the fit's seed, t, i), proposing and simulating until one particle
is accepted, and the slots are gathered in order; workers only decide who computes which
slot. So the same file gives the same posterior on any number of workers. (A resumed fit
is reproducible too, but not the uninterrupted one: pyabc rebuilds its adaptive distance
from the history on loading.)
"""

from __future__ import annotations

import multiprocessing as mp
import random
from typing import Any, Callable

import numpy as np
from pyabc.sampler import Sampler, SingleCoreSampler

# the generation being sampled: (simulate_one, its one-slot sampler); forked workers inherit it,
# as pyabc's own multicore samplers do (simulate_one is a closure and does not pickle)
_GENERATION: tuple[Callable, SingleCoreSampler] | None = None


def _seed_slot(seed: int, t: int, i: int) -> None:
    """The global generators pyabc proposes from (NumPy's, Python's) and the simulation seeds
    the model function draws: set from (seed, generation, slot) alone."""
    state = np.random.SeedSequence([seed, t + 2, i]).generate_state(2)  # t is -1 for pyabc's calibration sample
    np.random.seed(int(state[0]))
    random.seed(int(state[1]))


def _slot(args: tuple[int, int, int]) -> tuple[Any, int]:
    seed, t, i = args
    simulate_one, single = _GENERATION  # type: ignore[misc]
    _seed_slot(seed, t, i)
    sample = single.sample_until_n_accepted(1, simulate_one, t)
    return sample, single.nr_evaluations_


class SlotSampler(Sampler):
    """n accepted particles as n independently seeded slots, on `workers` forked processes."""

    def __init__(self, workers: int, seed: int):
        super().__init__()
        self.workers, self.seed = max(1, workers), seed

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        global _GENERATION
        single = SingleCoreSampler()
        single.sample_factory = self.sample_factory
        _GENERATION = (simulate_one, single)
        slots = [(self.seed, t, i) for i in range(n)]
        try:
            if self.workers == 1 or n == 1:
                results = [_slot(s) for s in slots]
            else:
                with mp.get_context("fork").Pool(min(self.workers, n)) as pool:
                    results = pool.map(_slot, slots, chunksize=1)
        finally:
            _GENERATION = None
        sample = self._create_empty_sample()
        for part, _ in results:
            sample += part
        self.nr_evaluations_ = sum(k for _, k in results)
        if sample.n_accepted < n:
            sample.ok = False
        return sample
