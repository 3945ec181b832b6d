"""`qunsim sweep`: experiment files, designs, sensitivity and robustness, the store and resume."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiment import load_experiment, robustness, run_experiment, sensitivity

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = """
name: small
days: 20
seed: 4
world:
  population: {size: 1500}
  groups: {initial_members: 150}
arms:
  open: {}
  capped:
    strategy:
      - dunbar_split: {threshold: 60}
"""


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    """The HTML report has its own tests; here it would only cost seconds per run."""
    monkeypatch.setattr("sim.api.with_report", lambda directory: directory)


def experiment(tmp_path: Path, body: str, scenario: str = SCENARIO) -> Path:
    (tmp_path / "small.yaml").write_text(scenario)
    f = tmp_path / "exp.yaml"
    f.write_text("name: exp\nscenario: small.yaml\n" + body)
    return f


def line_of(f: Path, text: str) -> int:
    return next(i for i, line in enumerate(f.read_text().splitlines(), 1) if text in line)


# ---- designs ---------------------------------------------------------------------------------------
def test_grid_takes_every_combination_and_rounds_whole_numbers(tmp_path):
    f = experiment(tmp_path, """
design: grid
parameters:
  world.groups.initial_members: {low: 20, high: 500, steps: 3, log: true}
  world.arrivals.per_day: {values: [0, 10]}
""")
    study = load_experiment(f)
    assert study.points == [{"world.groups.initial_members": m, "world.arrivals.per_day": a}
                            for m in (20, 100, 500) for a in (0, 10)]
    assert study.loaded[5].arms["capped"].world.groups.initial_members == 500
    assert study.loaded[5].arms["capped"].world.arrivals.per_day == 10


@pytest.mark.parametrize("design, samples, points", [("lhs", 7, 7), ("sobol", 8, 8 * (3 + 2)), ("morris", 3, 3 * (3 + 1))])
def test_sampled_designs_stay_in_their_ranges(tmp_path, design, samples, points):
    f = experiment(tmp_path, f"""
design: {design}
samples: {samples}
parameters:
  world.population.patience_median: {{low: 4, high: 30}}
  world.posting.spam_rate: {{low: 0.1, high: 10, log: true}}
  world.network.kind: {{values: [small_world, communities]}}
""")
    study = load_experiment(f)
    assert len(study.points) == points and study.unit.shape == (points, 3)
    patience = [p["world.population.patience_median"] for p in study.points]
    spam = [p["world.posting.spam_rate"] for p in study.points]
    assert all(4 <= x <= 30 for x in patience) and all(0.1 <= x <= 10 for x in spam)
    assert isinstance(patience[0], float)  # a float parameter written as a whole number stays a float
    assert {p["world.network.kind"] for p in study.points} == {"small_world", "communities"}
    assert load_experiment(f).points == study.points  # seeded: resuming finds the same points


def test_lever_parameters_are_typed_by_the_lever(tmp_path):
    f = experiment(tmp_path, """
design: lhs
samples: 5
parameters:
  arms.capped.strategy.0.dunbar_split.threshold: {low: 20, high: 200}
  arms.capped.strategy.0.dunbar_split.hours_per_split: {low: 0, high: 5}
""")
    study = load_experiment(f)
    assert all(isinstance(p["arms.capped.strategy.0.dunbar_split.threshold"], int) for p in study.points)
    assert all(isinstance(p["arms.capped.strategy.0.dunbar_split.hours_per_split"], float) for p in study.points)
    assert study.loaded[0].arms["open"].strategy == []  # the other arm is untouched


# ---- bad experiment files ----------------------------------------------------------------------------
def test_mistakes_are_one_line_each_with_the_line_number(tmp_path):
    f = experiment(tmp_path, """
design: sobol
samples: 10
parameters:
  world.groups.capp: {low: 20, high: 500}
  world.groups.cap: {low: 1, high: 500}
  strategy.0.dunbar_split.threshold: {low: 50, high: 150}
  world.population.patience_median: {low: 5, high: 30}
""")
    result = CliRunner().invoke(app, ["sweep", str(f), "--quiet"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert f"{f}:{line_of(f, 'samples')}: samples is 10; sobol needs a power of 2 (e.g. 32, 64, 128)" in lines
    assert any(x.startswith(f"{f}:{line_of(f, 'capp')}: unknown key 'world.groups.capp' — did you mean 'cap'?") for x in lines)
    assert any(x.startswith(f"{f}:{line_of(f, 'cap:')}: world.groups.cap: Input should be greater than or equal to 2") for x in lines)
    assert any(x.startswith(f"{f}:{line_of(f, 'strategy.0')}: parameters.strategy.0.dunbar_split.threshold: strategy has 0 item(s)")
               for x in lines)
    assert len(lines) == 4


def test_schema_mistakes_name_what_is_allowed(tmp_path):
    f = experiment(tmp_path, """
design: latin
parameters:
  world.groups.cap: {lo: 20, high: 500}
replications: 0
""")
    result = CliRunner().invoke(app, ["sweep", str(f), "--quiet"])
    assert result.exit_code == 2
    out = result.output
    assert f"{f}:{line_of(f, 'design')}: design: Input should be 'grid', 'lhs', 'sobol' or 'morris'" in out
    assert f"{f}:{line_of(f, 'lo:')}: unknown key 'parameters.world.groups.cap.lo' — did you mean 'low'?" in out
    assert f"{f}:{line_of(f, 'replications')}: replications: Input should be greater than or equal to 1" in out


def test_a_parameter_that_changes_nothing_is_refused(tmp_path):
    # every arm replaces the base strategy, so a base lever parameter reaches no run
    scenario = SCENARIO.replace("arms:", "strategy:\n  - dunbar_split: {threshold: 100}\narms:").replace(
        "  open: {}", "  open:\n    strategy: []")
    f = experiment(tmp_path, "parameters:\n  strategy.0.dunbar_split.threshold: {values: [50, 150]}\n", scenario)
    result = CliRunner().invoke(app, ["sweep", str(f), "--quiet"])
    assert result.exit_code == 2
    assert f"{f}:4: parameters.strategy.0.dunbar_split.threshold: changing it changes no arm's run" in result.output


def test_the_example_experiments_are_valid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --check must write nothing, not even results/
    for f in sorted((ROOT / "experiments").glob("*.yaml")):
        study = load_experiment(f)
        assert study.points and study.loaded, f
        result = CliRunner().invoke(app, ["sweep", str(f), "--check"])
        assert result.exit_code == 0 and f"ok — {study.exp.design} design, {len(study.points)} points" in result.output
    assert not any(tmp_path.iterdir())


# ---- analysis on known answers -----------------------------------------------------------------------
def test_sobol_indices_find_the_parameter_that_matters(tmp_path):
    f = experiment(tmp_path, """
design: sobol
samples: 256
parameters:
  world.population.patience_median: {low: 4, high: 30}
  world.posting.spam_rate: {low: 0.1, high: 10}
""")
    study = load_experiment(f)
    x = study.unit
    means = pd.DataFrame({"point": np.arange(len(x)), "arm": "open", "members_final": 100 + 50 * x[:, 0]})
    study.base.arms.pop("capped")  # a one-arm study
    s = sensitivity(means, study)
    s1 = s[(s["kpi"] == "members_final") & (s["index"] == "S1")].set_index("parameter")
    assert s1.loc["world.population.patience_median", "value"] == pytest.approx(1.0, abs=0.1)
    assert abs(s1.loc["world.posting.spam_rate", "value"]) < 0.1
    assert (s1["ci_low"] <= s1["value"]).all() and (s1["value"] <= s1["ci_high"]).all()


def test_morris_screens_out_a_parameter_without_effect(tmp_path):
    f = experiment(tmp_path, """
design: morris
samples: 20
parameters:
  world.population.patience_median: {low: 4, high: 30}
  world.posting.spam_rate: {low: 0.1, high: 10}
""")
    study = load_experiment(f)
    x = study.unit
    means = pd.DataFrame({"point": np.arange(len(x)), "arm": "open", "dau_final": 3.0 * x[:, 1]})
    study.base.arms.pop("capped")
    s = sensitivity(means, study)
    mu = s[(s["kpi"] == "dau_final") & (s["index"] == "mu_star")].set_index("parameter")["value"]
    assert mu["world.posting.spam_rate"] == pytest.approx(3.0) and mu["world.population.patience_median"] == pytest.approx(0.0)


def test_robustness_counts_wins_and_regret(tmp_path):
    f = experiment(tmp_path, "design: lhs\nsamples: 4\nparameters:\n  world.population.patience_median: {low: 4, high: 30}\n")
    study = load_experiment(f)
    values = {"open": [0.30, 0.40, 0.50, 0.20], "capped": [0.35, 0.30, 0.55, 0.20]}  # world 3: a tie
    means = pd.DataFrame([{"point": p, "arm": a, "active_ratio_final": v[p]} for a, v in values.items() for p in range(4)])
    table, summary = robustness(means, study)
    assert summary["arms"]["open"]["win_share"] == pytest.approx((0 + 1 + 0 + 0.5) / 4)
    assert summary["arms"]["capped"]["win_share"] == pytest.approx((1 + 0 + 1 + 0.5) / 4)
    assert summary["arms"]["open"]["regret_max"] == pytest.approx(0.05)
    assert summary["arms"]["capped"]["regret_max"] == pytest.approx(0.10)
    assert summary["most_robust"] == "open"  # smallest worst-case regret, though it wins less often
    assert list(table.loc[table.arm == "open", "winner"]) == ["capped", "open", "capped", "open = capped"]


# ---- running ---------------------------------------------------------------------------------------
def test_a_sweep_lands_in_the_store_and_resumes(tmp_path):
    f = experiment(tmp_path, """
design: grid
replications: 2
parameters:
  world.groups.initial_members: {values: [50, 300]}
""")
    out = tmp_path / "sweep"
    result = CliRunner().invoke(app, ["sweep", str(f), "--out", str(out), "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    for name in ("runs", "points", "robustness", "daily", "groups"):
        assert (out / f"{name}.parquet").exists(), name
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 2 * 2 and list(runs.columns[:3]) == ["point", "arm", "rep"]
    assert (runs.groupby("rep")["seed"].nunique() == 1).all()  # the same seeds at every point and arm
    assert sorted(runs["world.groups.initial_members"].unique()) == [50, 300]
    points = pd.read_parquet(out / "points.parquet")
    assert len(points) == 4 and (points["n"] == 2).all()
    mean = runs[(runs.point == 1) & (runs.arm == "open")]["members_final"].mean()
    assert points[(points.point == 1) & (points.arm == "open")]["members_final"].item() == mean
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "sweep" and summary["points"] == 2 and summary["arms"] == ["open", "capped"]
    assert set(summary["robustness"]["arms"]) == {"open", "capped"}
    assert math.isclose(sum(a["win_share"] for a in summary["robustness"]["arms"].values()), 1.0)
    # resuming a finished sweep reruns nothing and gives the same tables
    manifest = (out / "manifest.jsonl").read_text()
    again = run_experiment(f, workers=1, resume=out)
    assert (again / "manifest.jsonl").read_text() == manifest
    pd.testing.assert_frame_equal(pd.read_parquet(again / "runs.parquet"), runs)


def test_the_library_face_is_not_shadowed_by_a_module():
    import sim
    import sim.experiment  # noqa: F401  (importing a submodule sets an attribute on the package)

    assert sim.sweep.__module__ == "sim.api" and sim.compare.__module__ == "sim.api"
