"""Imported by the local pool's forkserver (sim/executors.py): one tiny simulation, so that numba
loads the compiled kernels once there and every worker forked from it starts warm. Loading them
costs a fresh process ~0.4 s, as long as a few dozen small runs."""

from __future__ import annotations


def warm() -> None:
    """A 50-person community for 3 days: the kernels of a day without levers."""
    from agents.world import World

    from .model import CommunityModel

    world = World.model_validate({"population": {"size": 300}, "groups": {"initial_members": 50}})
    CommunityModel(world, seed=0).run(3)


try:
    warm()
except Exception:  # noqa: BLE001 — an optimisation only: a worker that finds a kernel cold loads it itself
    pass
