"""Verdicts under uncertainty: sampled worlds shared by arms, independent of workers, and the flip threshold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.params import describe
from agents.world import World
from sim import uncertainty
from sim.api import run_scenario
from sim.scenario import ScenarioError, load

SCENARIO = """name: tiny
days: 10
replications: 4
seed: 3
world:
  population: {size: 500}
  groups: {initial_members: 60}
arms:
  one_group: {strategy: []}
  split:
    strategy:
      - dunbar_split: {threshold: 30}
"""


def write_posterior(d: Path) -> Path:
    post = d / "post"
    post.mkdir()
    pd.DataFrame({"world.population.patience_median": [3.0, 30.0], "world.arrivals.per_day": [1.0, 9.0],
                  "weight": [0.5, 0.5]}).to_parquet(post / "posterior.parquet")
    return post


def test_plausible_ranges_are_assumed_parameters_within_their_limits():
    rows = {r["path"]: r for r in describe(World, "world.")}
    for path, (lo, hi, scale, why) in uncertainty.PLAUSIBLE.items():
        assert rows[path]["kind"] == "assumed", path
        assert lo < rows[path]["default"] < hi and why, path
        World.model_validate({path.split(".")[1]: {path.split(".")[2]: lo}})
        World.model_validate({path.split(".")[1]: {path.split(".")[2]: hi}})


def test_posterior_draws_are_shared_by_arms_recorded_and_independent_of_workers(tmp_path):
    write_posterior(tmp_path)
    (tmp_path / "s.yaml").write_text(SCENARIO + "posterior: post\n")
    one = run_scenario(tmp_path / "s.yaml", workers=1, out=tmp_path / "w1")
    two = run_scenario(tmp_path / "s.yaml", workers=2, out=tmp_path / "w2")
    a, b = pd.read_parquet(one / "runs.parquet"), pd.read_parquet(two / "runs.parquet")
    cols = ["world.population.patience_median", "world.arrivals.per_day"]
    pd.testing.assert_frame_equal(a.drop(columns=["run_id"]), b.drop(columns=["run_id"]))
    per_rep = a.groupby("rep")[cols].nunique()
    assert (per_rep == 1).all().all()  # every arm of a replication ran in the same world
    pairs = set(map(tuple, a[cols].to_numpy()))
    assert pairs <= {(3.0, 1.0), (30.0, 9.0)}  # drawn rows of the posterior, never mixed
    summary = json.loads((one / "summary.json").read_text())
    u = summary["uncertainty"]
    assert u["source"].startswith("posterior") and u["worlds"] == 4 and 0 <= u["share"] <= 1
    assert u["sentence"].startswith(u["arm"])
    assert u["sentence"] in (one / "report.md").read_text()  # the report says it under the verdict


def test_a_bad_posterior_is_a_line_in_the_scenario(tmp_path):
    (tmp_path / "s.yaml").write_text(SCENARIO + "posterior: nowhere\n")
    with pytest.raises(ScenarioError) as e:
        load(tmp_path / "s.yaml")
    assert str(e.value.problems[0]).startswith(f"{tmp_path / 's.yaml'}:{SCENARIO.count(chr(10)) + 1}: posterior: no posterior.parquet")


def test_robust_and_posterior_together_is_refused(tmp_path):
    write_posterior(tmp_path)
    (tmp_path / "s.yaml").write_text(SCENARIO + "posterior: post\n")
    with pytest.raises(ScenarioError, match="--robust"):
        run_scenario(tmp_path / "s.yaml", workers=1, out=tmp_path / "x", robust=True)


def test_robust_draws_depend_on_seed_and_replication_only():
    a, b = uncertainty.plausible(7), uncertainty.plausible(7)
    assert [a(r) for r in range(5)] == [b(r) for r in range(5)]
    assert a(0) != a(1) and a(0) != uncertainty.plausible(8)(0)
    for r in range(20):
        for path, v in a(r).items():
            lo, hi, *_ = uncertainty.PLAUSIBLE[path]
            assert lo <= v <= hi


def test_the_flip_threshold_is_where_the_lead_changes_sign():
    """Arm B beats A by patience - 5 (plus noise): B wins in the worlds with patience above 5."""
    rng = np.random.default_rng(0)
    patience = np.exp(rng.uniform(np.log(2), np.log(20), 60))
    other = rng.uniform(0, 1, 60)
    lead = np.log(patience) - np.log(5) + rng.normal(0, 0.05, 60)
    rows = []
    for rep, (p, o, d) in enumerate(zip(patience, other, lead)):
        for arm, v in (("A", 0.5), ("B", 0.5 + d)):
            rows.append({"arm": arm, "rep": rep, "active_ratio_final": v,
                         "world.population.patience_median": p, "world.posting.size_exponent": o})
    runs = pd.DataFrame(rows)
    u = uncertainty.assess(runs, ["A", "B"], "B", "active_ratio_final",
                           {"world.population.patience_median": "log", "world.posting.size_exponent": "linear"}, "test")
    assert u["share"] == pytest.approx(float(np.mean(lead > 0)))
    top = u["drivers"][0]
    assert top["parameter"] == "world.population.patience_median" and top["loses_when"] == "<"
    assert top["threshold"] == pytest.approx(5, rel=0.1)
    said = re.search(r"it loses when population\.patience_median < ([\d.]+)\.$", u["sentence"])
    assert said and float(said.group(1)) == pytest.approx(5, rel=0.1), u["sentence"]
