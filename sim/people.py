"""The people of a replication, built once and shared by its arms.

Under common random numbers a replication's arms live among the same people: their traits and
friendships come from the replication's "population" and "network" streams, which nothing
else draws from, so every arm would build them alike. Building them is a quarter of a small
run (20,000 people and their ties for a community of ~1,000), so the builds of recent
replications are kept (per process) and an arm finds its replication's ready.

Sharing is safe because a build is never written: its arrays are read-only (a lever that
tried would fail at once, not leak into the other arms); new ties make a new network
(Community.befriend).
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from agents import fork
from agents.network import generate
from agents.population import Population
from agents.world import World

KEEP = 64 * 2**20  # bytes of builds kept: ~20 of the baseline's (3 MB), one of any size beyond
_kept: OrderedDict[str, tuple[Population, sp.csr_array, int]] = OrderedDict()
_lock = threading.Lock()  # (a dask worker runs jobs in threads)
Streams = Callable[[int, str], np.random.Generator]  # (seed, name) -> that named stream (sim/model.py stream)


def people_and_network(world: World, seed: int, stream: Streams) -> tuple[Population, sp.csr_array]:
    """The population and network of `world` on replication seed `seed` (`stream(seed, name)`:
    its named random streams), as a fresh build would give them."""
    key = _key(world, seed)
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key][:2]
        if _estimate(world) > KEEP:  # a big world: let the last one go before this one is built
            _kept.clear()
    people = Population.draw(world.population, stream(seed, "population"))
    rng = stream(seed, "network")
    network = generate(world.network, people.size, rng)
    if _scattered(world):
        network = fork.scatter(network, rng)
    arrays = (*vars(people).values(), network.data, network.indices, network.indptr)
    for a in arrays:
        a.flags.writeable = False
    size = sum(a.nbytes for a in arrays)
    with _lock:
        _kept[key] = (people, network, size)
        while len(_kept) > 1 and sum(v[2] for v in _kept.values()) > KEEP:
            _kept.popitem(last=False)
    return people, network


def _key(world: World, seed: int) -> str:
    """Everything a build depends on: the seed, the world's build inputs (`_inputs`) and an edge
    list's file as it is now."""
    net = world.network
    edges = os.stat(net.path) if net.kind == "edge_list" and net.path else None
    return json.dumps([seed, _inputs(world.model_dump(mode="json")), [edges.st_size, edges.st_mtime_ns] if edges else None])


def _inputs(world: dict) -> list:
    """What of a world (plain data) the people and ties come from: the population and network
    settings, and an imported community's start and launch (whether its ids scatter: `_scattered`)."""
    return [world.get("population"), world.get("network"), world.get("start"), world.get("groups", {}).get("launch_from")]


def _scattered(world: World) -> bool:
    """Are the ids renumbered (an imported community's people among generated ties: agents/fork.py scatter)?"""
    return world.start is not None and world.network.kind != "edge_list" and world.groups.launch_from == "interest"


def among_same_people(a: dict, b: dict) -> bool:
    """Do two resolved scenarios (plain data, as jobs carry them) build the same people on one seed?"""
    return _inputs(a.get("world", {})) == _inputs(b.get("world", {}))


def _estimate(world: World) -> int:
    """Bytes of a build, roughly: 6 traits and ~9 bytes per tie end a person."""
    return int(world.population.size * (48 + 9 * world.network.mean_degree + 8))


def forget() -> None:
    """Drop every kept build (tests; a long-lived process that is done with a study)."""
    with _lock:
        _kept.clear()
