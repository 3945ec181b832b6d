"""A pyabc sampler whose posterior does not depend on the number of workers.

pyabc's samplers reseed every worker from the operating system and keep the first
particles to be accepted, whichever finish first: a fit on 2 workers differs from one on 1,
and from itself. Here a generation's n particles are n slots. Slot i of generation t draws
from its own seed (the fit's seed, t, i), proposing and simulating until one particle is
accepted, and the slots are gathered in order; workers (forked local processes, or a dask
cluster's) only decide who computes which slot. So the same file gives the same posterior
on any number of workers, local or on dask. (A resumed fit is reproducible too, but not the
uninterrupted one: pyabc rebuilds its adaptive distance from the history on loading.)
"""

from __future__ import annotations

import multiprocessing as mp
import random
import threading
from typing import Any, Callable

import numpy as np
from pyabc.sampler import Sampler, SingleCoreSampler

# the generation being sampled: (simulate_one, its one-slot sampler); forked workers inherit it,
# as pyabc's own multicore samplers do (simulate_one is a closure and does not pickle)
_GENERATION: tuple[Callable, SingleCoreSampler] | None = None
# a slot seeds the process's global generators: a dask worker's threads take slots in turn
_ONE_SLOT_AT_A_TIME = threading.Lock()


def _seed_slot(seed: int, t: int, i: int) -> None:
    """The global generators pyabc proposes from (NumPy's, Python's) and the simulation seeds
    the model function draws: set from (seed, generation, slot) alone."""
    state = np.random.SeedSequence([seed, t + 2, i]).generate_state(2)  # t is -1 for pyabc's calibration sample
    np.random.seed(int(state[0]))
    random.seed(int(state[1]))


def _draw(simulate_one: Callable, single: SingleCoreSampler, seed: int, t: int, i: int) -> tuple[Any, int]:
    """Slot i of generation t: propose and simulate from its own seed until one particle is accepted."""
    _seed_slot(seed, t, i)
    sample = single.sample_until_n_accepted(1, simulate_one, t)
    return sample, single.nr_evaluations_


def _slot(args: tuple[int, int, int]) -> tuple[Any, int]:
    """A slot here or in a forked worker: the generation is the one it inherited."""
    return _draw(*_GENERATION, *args)  # type: ignore[misc]


def _remote_slot(generation: bytes, seed: int, t: int, i: int) -> tuple[Any, int]:
    """A slot on a dask worker: the generation comes cloudpickled (simulate_one, the sample factory)."""
    import cloudpickle

    simulate_one, factory = cloudpickle.loads(generation)
    single = SingleCoreSampler()
    single.sample_factory = factory
    with _ONE_SLOT_AT_A_TIME:
        return _draw(simulate_one, single, seed, t, i)


class SlotSampler(Sampler):
    """n accepted particles as n independently seeded slots, on `workers` forked processes
    or, given a dask `client`, on its cluster."""

    def __init__(self, workers: int, seed: int, client: Any = None):
        super().__init__()
        self.workers, self.seed, self.client = max(1, workers), seed, client

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        slots = [(self.seed, t, i) for i in range(n)]
        results = self._on_dask(simulate_one, slots) if self.client is not None else self._here(simulate_one, slots)
        sample = self._create_empty_sample()
        for part, _ in results:
            sample += part
        self.nr_evaluations_ = sum(k for _, k in results)
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def _here(self, simulate_one: Callable, slots: list[tuple[int, int, int]]) -> list[tuple[Any, int]]:
        global _GENERATION
        single = SingleCoreSampler()
        single.sample_factory = self.sample_factory
        _GENERATION = (simulate_one, single)
        try:
            if self.workers == 1 or len(slots) == 1:
                return [_slot(s) for s in slots]
            with mp.get_context("fork").Pool(min(self.workers, len(slots))) as pool:
                return pool.map(_slot, slots, chunksize=1)
        finally:
            _GENERATION = None

    def _on_dask(self, simulate_one: Callable, slots: list[tuple[int, int, int]]) -> list[tuple[Any, int]]:
        import cloudpickle

        generation = self.client.scatter(cloudpickle.dumps((simulate_one, self.sample_factory)), broadcast=True)
        futures = [self.client.submit(_remote_slot, generation, *s, pure=False) for s in slots]
        try:
            return self.client.gather(futures)  # in slot order, whichever finished first
        finally:
            self.client.cancel(futures)
