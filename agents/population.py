"""The population: every person the community could reach, as one row per person.

Traits are drawn once per run from the world's distributions and never change; expertise
starts here and grows with what a person reads (agents.community.Community.expertise). Holding people as
NumPy columns keeps a day a fixed number of array operations, whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .world import Population as PopulationParams


def lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


def beta_mean(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)


@dataclass
class Population:
    interest: np.ndarray  # 0-1, interest in the topic
    sociability: np.ndarray  # posts/day of an engaged member
    attention: np.ndarray  # messages/day before overload
    patience: np.ndarray  # days of dissatisfaction tolerated
    expertise0: np.ndarray  # 0-1 on joining
    outside_load: np.ndarray  # messages/day read from groups outside the community

    @classmethod
    def draw(cls, p: PopulationParams, rng: np.random.Generator) -> "Population":
        n = p.size
        return cls(
            interest=beta_mean(rng, p.interest_mean, p.interest_concentration, n),
            sociability=np.minimum(lognormal(rng, p.sociability_median, p.sociability_sigma, n), p.sociability_cap),
            attention=lognormal(rng, p.attention_median, p.attention_sigma, n),
            patience=np.maximum(lognormal(rng, p.patience_median, p.patience_sigma, n), 0.5),
            expertise0=beta_mean(rng, p.expertise_mean, 4.0, n),
            outside_load=lognormal(rng, p.outside_load_median, p.attention_sigma, n) if p.outside_load_median > 0 else np.zeros(n),
        )

    @property
    def size(self) -> int:
        return len(self.interest)
