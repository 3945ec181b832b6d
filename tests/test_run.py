"""`qunsim run`: the results directory is complete, reproducible and never half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sim.api import run_scenario
from sim.cli import app
from sim.outcomes import KPIS

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = """
name: tiny
description: a small test world
days: 20
replications: 2
seed: 3
world:
  population: {size: 1500}
  groups: {initial_members: 150}
arms:
  open_door: {}
  quiet_channel:
    world:
      arrivals: {per_day: 0}
"""


def test_run_writes_every_table_and_the_summary(tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(SCENARIO)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(f), "--out", str(out), "--workers", "1", "--quiet", "--set", "days=15"])
    assert result.exit_code == 0, result.output
    for name in ("scenario.resolved.yaml", "runs.parquet", "daily.parquet", "group_days.parquet", "groups.parquet", "invitations.parquet",
                 "memberships.parquet", "forwards.parquet", "people.parquet", "joining.parquet", "summary.json"):
        assert (out / name).exists(), name
    assert not (tmp_path / "out.partial").exists()
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs[["arm", "rep"]].itertuples(index=False, name=None)) == [("open_door", 0), ("open_door", 1), ("quiet_channel", 0), ("quiet_channel", 1)]
    assert set(KPIS) <= set(runs.columns)
    # common random numbers: replication r has the same seed in every arm
    assert (runs.groupby("rep")["seed"].nunique() == 1).all()
    daily = pd.read_parquet(out / "daily.parquet")
    assert daily.groupby(["arm", "rep"]).size().eq(15).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["meta"]["days"] == 15 and summary["meta"]["seed"] == 3
    assert summary["meta"]["config_hash"] and summary["meta"]["qunsim_version"]
    assert "--set days=15" in summary["meta"]["command"]
    mean = summary["arms"]["open_door"]["members_final"]["mean"]
    assert mean == runs.loc[runs.arm == "open_door", "members_final"].mean()
    assert "members_final" in result.output


def test_workers_do_not_change_results(tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(SCENARIO)
    one = run_scenario(f, workers=1, out=tmp_path / "one")
    two = run_scenario(f, workers=2, out=tmp_path / "two")
    a = pd.read_parquet(one / "runs.parquet")
    b = pd.read_parquet(two / "runs.parquet")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(pd.read_parquet(one / "daily.parquet"), pd.read_parquet(two / "daily.parquet"))


ENGINE = ("mesa", "numba", "pandas", "scipy", "networkx", "sim.model", "agents.community", "agents.behaviour")


def test_commands_that_describe_or_check_start_without_the_engine():
    """`qunsim --help`, `params`, `kpis` and `validate` (of scenarios with levers, a custom one
    included) load neither the model nor its dependencies, which take a fresh process ~2 s;
    `calibrate --help` still lists the statistics."""
    import subprocess
    import sys

    files = ["scenarios/baseline.yaml", "scenarios/dunbar_split.yaml", "scenarios/kol_seeding.yaml", "scenarios/custom_lever.yaml"]
    probe = ("import sys; from typer.testing import CliRunner; from sim.cli import app\n"
             f"for args in (['--help'], ['params'], ['kpis'], ['validate', *{files!r}]):\n"
             "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
             f"print(sorted(m for m in {ENGINE!r} if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert r.stdout.strip() == "[]", r.stdout
    calibrate = CliRunner().invoke(app, ["calibrate", "--help"], env={"COLUMNS": "200"})
    assert calibrate.exit_code == 0 and "ever_posted_share" in calibrate.output and "posters_weekly" in calibrate.output
