"""Social network generators: the structure they promise, at any size."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from agents.network import generate
from agents.world import Network
from sim.scenario import ScenarioError, load


def clustering(adj: sp.csr_array) -> float:
    """Global clustering: closed triplets / all triplets."""
    a = adj.astype(np.float64)
    triangles = (a @ a).multiply(a).sum() / 6
    deg = np.asarray(a.sum(axis=1)).ravel()
    triplets = (deg * (deg - 1) / 2).sum()
    return 3 * triangles / triplets


@pytest.mark.parametrize("kind", ["clustered_scale_free", "communities", "small_world", "holme_kim"])
def test_symmetric_simple_and_near_the_mean_degree(kind):
    adj = generate(Network(kind=kind, mean_degree=10), 3000, np.random.default_rng(1))
    assert (adj != adj.T).nnz == 0
    assert adj.diagonal().sum() == 0
    assert adj.max() == 1
    assert 8 <= adj.sum() / 3000 <= 10.5


def test_clustered_scale_free_has_hubs_and_clustering():
    rng = np.random.default_rng(2)
    adj = generate(Network(kind="clustered_scale_free", mean_degree=10), 20000, rng)
    deg = np.diff(adj.indptr)
    random = generate(Network(kind="communities", communities=1, mean_degree=10), 20000, rng)
    assert deg.max() > 10 * deg.mean()  # hubs
    assert np.diff(random.indptr).max() < 4 * deg.mean()
    assert clustering(adj) > 5 * clustering(random)


def test_edge_list_file_relative_to_the_scenario(tmp_path):
    (tmp_path / "friends.txt").write_text("# a triangle and a pair\n0 1\n1 2\n2 0\n3 4\n")
    f = tmp_path / "s.yaml"
    f.write_text("name: x\nworld:\n  population: {size: 10}\n  groups: {initial_members: 5}\n  network: {kind: edge_list, path: friends.txt}\n")
    world = load(f).scenario.world
    adj = generate(world.network, 10, np.random.default_rng(0))
    assert adj.nnz == 8 and adj[0, 1] == 1 and adj[3, 4] == 1


def test_edge_list_errors_name_the_line(tmp_path):
    (tmp_path / "friends.txt").write_text("0 1\n1 99\n")
    f = tmp_path / "s.yaml"
    f.write_text("name: x\nworld:\n  population: {size: 10}\n  groups: {initial_members: 5}\n  network:\n    kind: edge_list\n    path: friends.txt\n")
    with pytest.raises(ScenarioError) as e:
        load(f)
    assert str(e.value).startswith(f"{f}:7: world.network.path:") and "outside 0..9" in str(e.value)
    f.write_text("name: x\nworld:\n  network: {kind: edge_list}\n")
    with pytest.raises(ScenarioError) as e:
        load(f)
    assert "needs `path:`" in str(e.value)
