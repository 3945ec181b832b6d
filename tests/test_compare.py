"""`qunsim compare`, arms analysed paired, the verdict in summary.json, adaptive replication."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.api import compare, run_scenario
from sim.cli import app

WORLD = """
days: 25
replications: 4
seed: 5
world:
  population: {size: 2000}
  groups: {initial_members: 200}
"""
OUTCOMES = """
outcomes:
  primary: members_final
  guardrails:
    - kpi: spam_share
      must_not: rise
    - kpi: cost_total
      max: 1000
"""
COMPARISON_KEYS = {"arm", "baseline", "kpi", "better", "baseline_mean", "arm_mean", "diff", "ci_low", "ci_high",
                   "rel_lift", "p_value", "p_holm", "significant", "win_share", "n"}
VERDICT_ARM_KEYS = {"diff", "ci_low", "ci_high", "rel_lift", "win_share", "p_holm", "significant", "guardrails",
                    "guardrails_ok", "cost_total"}


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    """The HTML report has its own tests; here it would only cost seconds per run."""
    monkeypatch.setattr("sim.api.with_report", lambda directory: directory)


def line_of(f, start: str) -> int:
    return next(i for i, line in enumerate(f.read_text().splitlines(), 1) if line.startswith(start))


def write(tmp_path, name, text):
    f = tmp_path / f"{name}.yaml"
    f.write_text(text)
    return f


@pytest.fixture
def files(tmp_path):
    quiet = write(tmp_path, "quiet", f"name: quiet\n{WORLD}{OUTCOMES}")
    busy = write(tmp_path, "busy", f"name: busy\n{WORLD}\n  arrivals: {{per_day: 40}}\n")
    return quiet, busy


def test_compare_runs_each_file_as_an_arm_and_writes_the_verdict(tmp_path, files):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", *map(str, files), "--out", str(out), "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["baseline"] == "quiet" and list(summary["arms"]) == ["quiet", "busy"]
    rows = summary["comparisons"]
    assert rows and all(set(r) == COMPARISON_KEYS for r in rows)
    assert {r["arm"] for r in rows} == {"busy"} and all(r["baseline"] == "quiet" for r in rows)
    v = summary["verdict"]
    assert set(v) == {"primary", "baseline", "winner", "distinguishable", "arms", "sentence"}
    assert set(v["arms"]) == {"busy"} and set(v["arms"]["busy"]) == VERDICT_ARM_KEYS
    # forty arrivals a day instead of four: many more members, every replication
    members = next(r for r in rows if r["kpi"] == "members_final")
    assert members["significant"] and members["diff"] > 0 and members["win_share"] == 1.0 and members["n"] == 4
    assert v["primary"] == "members_final" and v["winner"] == "busy" and v["distinguishable"]
    assert [g["rule"] for g in v["arms"]["busy"]["guardrails"]] == ["must_not rise", "max 1000"]
    assert "busy wins" in result.output
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs.groupby("rep")["seed"].nunique() == 1).all()  # common random numbers


def test_compare_is_the_same_as_arms_in_one_scenario(tmp_path, files):
    via_files = compare(list(files), workers=1, out=tmp_path / "files")
    arms = write(tmp_path, "both", f"name: both\n{WORLD}{OUTCOMES}\narms:\n  quiet: {{}}\n  busy:\n    world:\n      arrivals: {{per_day: 40}}\n")
    via_arms = run_scenario(arms, workers=1, out=tmp_path / "arms")
    a, b = pd.read_parquet(via_files / "runs.parquet"), pd.read_parquet(via_arms / "runs.parquet")
    cols = [c for c in a.columns if c != "run_id"]  # run ids hash the scenario name, which differs
    pd.testing.assert_frame_equal(a[cols], b[cols])
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (via_files, via_arms))
    assert sa["comparisons"] == sb["comparisons"] and sa["verdict"] == sb["verdict"]


def test_compare_refuses_files_that_cannot_be_paired(tmp_path, files):
    other = write(tmp_path, "other", f"name: other\n{WORLD.replace('days: 25', 'days: 30').replace('seed: 5', 'seed: 6')}")
    same_name = write(tmp_path, "again", f"name: quiet\n{WORLD}")
    result = CliRunner().invoke(app, ["compare", str(files[0]), str(other), str(same_name), "--quiet"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert f"{other}:{line_of(other, 'days:')}: days is 30 here but 25 in {files[0]} (the baseline)" in lines[0]
    assert any(line.startswith(f"{other}:{line_of(other, 'seed:')}: seed is 6") for line in lines)
    assert any(line.startswith(f"{same_name}:1: name 'quiet' is also the name of") for line in lines)
    assert "Traceback" not in result.output
    # the same files agree once the command line sets days and seed for all
    ok = CliRunner().invoke(app, ["compare", str(files[0]), str(other), "--days", "10", "--seed", "1", "--reps", "2",
                                  "--workers", "1", "--quiet", "--out", str(tmp_path / "ok")])
    assert ok.exit_code == 0, ok.output


def test_compare_takes_one_arm_per_file(tmp_path, files):
    armed = write(tmp_path, "armed", f"name: armed\n{WORLD}\narms:\n  a: {{}}\n  b: {{}}\n")
    result = CliRunner().invoke(app, ["compare", str(files[0]), str(armed), "--quiet"])
    assert result.exit_code == 2
    assert f"{armed}:{line_of(armed, 'arms:')}: this file has arms (a, b)" in result.output


def test_identical_arms_are_not_distinguishable(tmp_path):
    f = write(tmp_path, "twins", f"name: twins\n{WORLD}\narms:\n  one: {{}}\n  two: {{}}\n")
    d = run_scenario(f, workers=1, reps=3, out=tmp_path / "twins_out")
    summary = json.loads((d / "summary.json").read_text())
    for r in summary["comparisons"]:
        if r["n"]:
            assert r["diff"] == 0 and r["ci_low"] == r["ci_high"] == 0 and r["p_value"] == 1.0 and not r["significant"]
    assert summary["verdict"]["winner"] is None and not summary["verdict"]["distinguishable"]
    assert summary["verdict"]["sentence"].startswith("Not distinguishable from noise")


def test_adaptive_replication_stops_at_the_maximum_or_the_precision(tmp_path, files):
    def meta(directory):
        return json.loads((directory / "summary.json").read_text())["meta"]

    # 10 replications first, then a batch estimated from the interval, capped at the maximum
    capped = meta(compare(list(files), reps="auto", precision=1e-9, max_reps=12, workers=1, out=tmp_path / "capped"))
    assert capped["stopped_by"] == "max_reps" and capped["replications"] == 12 and capped["runs"] == 24
    assert capped["rounds"] == 2 and capped["half_width"] > 1e-9
    loose = meta(compare(list(files), reps="auto", precision=1e6, max_reps=50, workers=1, out=tmp_path / "loose"))
    assert loose["stopped_by"] == "precision" and loose["replications"] == 10 and loose["half_width"] < 1e6
    plain = meta(compare(list(files), workers=1, reps=3, out=tmp_path / "plain"))
    assert "stopped_by" not in plain


def test_adaptive_replication_on_the_command_line(tmp_path, files):
    runner = CliRunner()
    result = runner.invoke(app, ["compare", *map(str, files), "--reps", "auto", "--precision", "1e-9", "--max-reps", "3",
                                 "--workers", "1", "--quiet", "--out", str(tmp_path / "auto")])
    assert result.exit_code == 0, result.output
    assert "stopped by max_reps after 3 replications" in result.output
    missing = runner.invoke(app, ["run", str(files[0]), "--reps", "auto", "--quiet"])
    assert missing.exit_code == 2 and "--reps auto needs --precision" in missing.output
    bad = runner.invoke(app, ["run", str(files[0]), "--reps", "lots", "--quiet"])
    assert bad.exit_code == 2 and "'lots' is not a number" in bad.output
