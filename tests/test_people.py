"""A replication's arms share its people (sim/people.py): built once, never written, and every
arm's numbers the same as with a build of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.population import Population
from sim import people
from sim.executors import _batches
from sim.model import CommunityModel
from sim.runner import execute, jobs
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh():
    people.forget()
    yield
    people.forget()


def small(**over):
    data = {"name": "p", "days": 5, "world": {"population": {"size": 800}, "groups": {"initial_members": 100}}}
    data["world"]["population"].update(over)
    return load(data=data).scenario.world


def test_arms_of_a_replication_build_their_people_once(monkeypatch):
    drawn = []
    draw = Population.draw
    monkeypatch.setattr(Population, "draw", lambda *a: drawn.append(1) or draw(*a))
    world = small()
    a, b = CommunityModel(world, seed=3), CommunityModel(world, seed=3)
    assert a.community.people is b.community.people and a.community.network is b.community.network
    assert len(drawn) == 1
    other_seed, other_world = CommunityModel(world, seed=4), CommunityModel(small(interest_mean=0.5), seed=3)
    assert len(drawn) == 3  # another replication, or other people, is another build
    assert not np.array_equal(other_seed.community.people.interest, a.community.people.interest)
    assert not np.array_equal(other_world.community.people.interest, a.community.people.interest)


def test_the_shared_people_cannot_be_written():
    c = CommunityModel(small(), seed=1).community
    with pytest.raises(ValueError, match="read-only"):
        c.people.patience[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        c.network.indices[0] = 0


@pytest.mark.parametrize("name", ["offline_event.yaml", "fork_example.yaml", "dunbar_split.yaml"])
def test_an_arm_after_its_sibling_runs_as_if_alone(name):
    """New ties (offline events), an imported community's people (a fork) and a split's
    network slices: the second arm on the first's people gives its own numbers exactly."""
    loaded = load(ROOT / "scenarios" / name)
    first, second = jobs(loaded.arms, 1, loaded.scenario.seed, ROOT / "scenarios")[:2]
    for job in (first, second):
        job.scenario["days"] = 35
    alone = execute(second)
    people.forget()
    execute(first)
    after = execute(second)
    assert after.kpis == alone.kpis
    for table in ("daily", "people", "memberships", "invitations"):
        pd.testing.assert_frame_equal(getattr(after, table).to_pandas(), getattr(alone, table).to_pandas(), obj=table)


def test_kept_builds_stay_within_their_budget(monkeypatch):
    one = sum(a.nbytes for a in vars(CommunityModel(small(), seed=0).community.people).values())
    monkeypatch.setattr(people, "KEEP", 3 * one + 2 * 800 * 12 * 9)  # room for about two small builds
    for seed in range(6):
        CommunityModel(small(), seed=seed)
    kept = list(people._kept.values())
    assert 1 <= len(kept) <= 3 and sum(size for *_, size in kept) <= people.KEEP
    assert len(people._kept) < 6
    monkeypatch.setattr(people, "KEEP", 1)  # every build is big now: the last one is all that is kept
    CommunityModel(small(), seed=9)
    assert len(people._kept) == 1


def test_an_edited_edge_list_is_built_again(tmp_path):
    edges = tmp_path / "ties.txt"
    edges.write_text("0 1\n1 2\n")
    data = {"name": "e", "days": 3, "world": {"population": {"size": 50}, "groups": {"initial_members": 10},
                                              "network": {"kind": "edge_list", "path": str(edges)}}}
    world = load(data=data).scenario.world
    assert CommunityModel(world, seed=1).community.network.nnz == 4
    edges.write_text("0 1\n1 2\n2 3\n3 4\n")
    assert CommunityModel(world, seed=1).community.network.nnz == 8


def test_a_replications_arms_go_to_one_worker_together():
    loaded = load(ROOT / "scenarios" / "dunbar_split.yaml")
    todo = jobs(loaded.arms, 3, 1)
    batches = list(_batches(iter(todo)))
    assert [[j.rep for j in b] for b in batches] == [[0, 0], [1, 1], [2, 2]]
    many = [j for j in todo for _ in range(5)]  # 10 jobs a replication: split at 8
    assert [len(b) for b in _batches(iter(many))] == [8, 2, 8, 2, 8, 2]


def test_jobs_among_other_people_are_not_batched():
    """A sweep of population settings on one seed: each point builds its own people, so batching
    them would only make a worker's task longer."""
    loaded = load(ROOT / "scenarios" / "dunbar_split.yaml")
    todo = jobs(loaded.arms, 1, 1)
    other = jobs(loaded.arms, 1, 1)
    for j in other:
        j.scenario["world"]["population"]["interest_mean"] = 0.5
    assert [len(b) for b in _batches(iter(todo + other))] == [2, 2]
