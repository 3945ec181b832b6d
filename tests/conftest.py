"""Shared test helpers: small worlds that run in well under a second."""

from __future__ import annotations

import numpy as np
import pytest

from agents.world import World
from sim.model import CommunityModel


def small_world(**over) -> World:
    """A 2,000-person world with one 300-member launch group, plus overrides by section."""
    base = {"population": {"size": 2000}, "groups": {"initial_members": 300}}
    for section, values in over.items():
        base.setdefault(section, {}).update(values)
    return World.model_validate(base)


def run(world: World, seed: int = 1, days: int = 30, levers=None) -> CommunityModel:
    return CommunityModel(world, levers or [], seed=seed).run(days)


@pytest.fixture
def world() -> World:
    return small_world()


def ties_by_brute_force(model: CommunityModel) -> np.ndarray:
    """Friends inside the same group for every membership row, counted the slow way."""
    m, adj = model.community.members, model.community.network
    inside = {(int(p), int(g)) for p, g in zip(m.person, m.group)}
    out = []
    for p, g in zip(m.person, m.group):
        friends = adj.indices[adj.indptr[p]: adj.indptr[p + 1]]
        out.append(sum((int(f), int(g)) in inside for f in friends))
    return np.array(out)
