"""Paired statistics on known answers: planted effects are found, null effects are not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sim import stats
from sim.scenario import Outcomes


def paired_runs(effects: dict[str, float], n: int = 30, world_sd: float = 0.1, noise_sd: float = 0.005,
                seed: int = 0, kpi: str = "active_ratio_final") -> pd.DataFrame:
    """Runs where replication r shares a large 'world' term across arms (common random numbers)."""
    rng = np.random.default_rng(seed)
    world = rng.normal(0.3, world_sd, n)
    rows = []
    for arm, effect in effects.items():
        value = world + effect + rng.normal(0, noise_sd, n)
        rows += [{"arm": arm, "rep": r, "seed": 1000 + r, kpi: value[r]} for r in range(n)]
    return pd.DataFrame(rows)


def row(rows, arm, kpi):
    return next(r for r in rows if r["arm"] == arm and r["kpi"] == kpi)


def test_a_planted_effect_is_found_and_wins():
    runs = paired_runs({"base": 0.0, "better": 0.02})
    rows, verdict = stats.analyse(runs, ["base", "better"], "base", Outcomes())
    r = row(rows, "better", "active_ratio_final")
    assert r["significant"] and r["ci_low"] < 0.02 < r["ci_high"]
    assert r["ci_low"] > 0 and r["n"] == 30
    assert r["diff"] == pytest.approx(r["arm_mean"] - r["baseline_mean"])
    assert r["rel_lift"] == pytest.approx(r["diff"] / r["baseline_mean"])
    assert verdict["winner"] == "better" and verdict["distinguishable"]
    assert verdict["sentence"].startswith("better wins")


def test_a_null_effect_is_not_distinguishable():
    runs = paired_runs({"base": 0.0, "same": 0.0}, seed=3)
    rows, verdict = stats.analyse(runs, ["base", "same"], "base", Outcomes())
    r = row(rows, "same", "active_ratio_final")
    assert not r["significant"] and r["ci_low"] < 0 < r["ci_high"]
    assert verdict["winner"] is None and not verdict["distinguishable"]
    assert "Not distinguishable from noise" in verdict["sentence"]


def test_pairing_finds_what_two_separate_means_cannot():
    """Replication noise (the world) dwarfs the effect; only the paired analysis sees it."""
    runs = paired_runs({"base": 0.0, "arm": 0.01}, n=20, world_sd=0.1, noise_sd=0.003, seed=5)
    a = runs[runs.arm == "arm"]["active_ratio_final"].to_numpy()
    b = runs[runs.arm == "base"]["active_ratio_final"].to_numpy()
    assert sps.ttest_ind(a, b, equal_var=False).pvalue > 0.5  # unpaired: lost in the noise
    r = row(stats.compare(runs, ["base", "arm"], "base", ["active_ratio_final"]), "arm", "active_ratio_final")
    assert r["p_value"] < 1e-6 and r["significant"]


def test_a_worse_arm_is_significant_but_does_not_win():
    runs = paired_runs({"base": 0.0, "worse": -0.03})
    rows, verdict = stats.analyse(runs, ["base", "worse"], "base", Outcomes())
    assert row(rows, "worse", "active_ratio_final")["significant"]
    assert verdict["winner"] is None and verdict["distinguishable"]
    assert "significantly worse" in verdict["sentence"]


def test_holm_matches_a_hand_computation():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> raised to 0.06 (monotone)
    p = [0.01, 0.04, 0.03, math.nan, 0.005]
    got = stats.holm(p)
    assert got[[0, 1, 2, 4]] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert math.isnan(got[3])
    assert stats.holm([0.9, 0.02]) == pytest.approx([0.9, 0.04])  # 0.02*2; 0.9*1
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])    # 0.5*2 capped at 1; monotone after it
    assert stats.holm([]).size == 0


def test_holm_runs_over_every_arm_and_kpi():
    runs = paired_runs({"base": 0.0, "a": 0.02, "b": 0.0})
    runs["spam_share"] = np.random.default_rng(1).uniform(0, 0.1, len(runs))
    rows = stats.compare(runs, ["base", "a", "b"], "base", ["active_ratio_final", "spam_share"])
    assert len(rows) == 4
    assert [r["p_holm"] for r in rows] == pytest.approx(list(stats.holm([r["p_value"] for r in rows])))
    assert all((r["p_holm"] < 0.05) == r["significant"] for r in rows)


def test_win_share_follows_each_kpis_direction():
    runs = pd.DataFrame({
        "arm": ["base"] * 4 + ["arm"] * 4, "rep": [0, 1, 2, 3] * 2, "seed": [7, 8, 9, 10] * 2,
        "spam_share": [0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.3],          # lower is better: arm wins 3 of 4
        "members_final": [100, 100, 100, 100, 90, 90, 90, 110],          # higher is better: arm wins 1 of 4
        "message_gini": [0.5] * 4 + [0.6] * 4,                            # no better direction
        "dau_final": [5, 5, 5, 5, 5, 5, 6, 4],                            # ties are not wins
    })
    rows = stats.compare(runs, ["base", "arm"], "base", ["spam_share", "members_final", "message_gini", "dau_final"])
    assert row(rows, "arm", "spam_share")["win_share"] == 0.75
    assert row(rows, "arm", "members_final")["win_share"] == 0.25
    assert math.isnan(row(rows, "arm", "message_gini")["win_share"])
    assert row(rows, "arm", "dau_final")["win_share"] == 0.25


def test_degenerate_differences():
    assert stats.bootstrap_ci(np.full(10, 500.0)) == (500.0, 500.0)
    assert stats.p_value(np.full(10, 500.0)) == 0.0  # the same nonzero difference in every replication
    assert stats.p_value(np.zeros(10)) == 1.0
    assert all(math.isnan(x) for x in (*stats.bootstrap_ci(np.array([1.0])), stats.p_value(np.array([1.0]))))
    lo, hi = stats.bootstrap_ci(np.array([0.0] * 9 + [1.0]))  # near-degenerate: still an interval
    assert math.isfinite(lo) and math.isfinite(hi) and lo <= 0.1 <= hi


def test_bootstrap_ci_is_reproducible_and_covers_the_mean():
    d = np.random.default_rng(2).normal(1.0, 1.0, 40)
    assert stats.bootstrap_ci(d) == stats.bootstrap_ci(d)
    lo, hi = stats.bootstrap_ci(d)
    assert lo < d.mean() < hi


def test_undefined_values_are_left_out_of_the_pairs():
    runs = paired_runs({"base": 0.0, "arm": 0.02}, n=10)
    runs.loc[(runs.arm == "arm") & (runs.rep == 0), "active_ratio_final"] = np.nan
    r = row(stats.compare(runs, ["base", "arm"], "base", ["active_ratio_final"]), "arm", "active_ratio_final")
    assert r["n"] == 9


def test_arms_on_different_seeds_are_refused():
    runs = paired_runs({"base": 0.0, "arm": 0.02}, n=5)
    runs.loc[runs.arm == "arm", "seed"] += 1
    with pytest.raises(ValueError, match="not paired"):
        stats.compare(runs, ["base", "arm"], "base", ["active_ratio_final"])


def test_guardrails_block_a_winner():
    runs = paired_runs({"base": 0.0, "arm": 0.02})
    runs["spam_share"] = np.where(runs.arm == "arm", 0.2, 0.1) + np.random.default_rng(4).normal(0, 0.001, len(runs))
    runs["cost_total"] = np.where(runs.arm == "arm", 800.0, 0.0)
    rails = Outcomes(guardrails=[{"kpi": "spam_share", "must_not": "rise"}, {"kpi": "cost_total", "max": 1000}])
    rows, verdict = stats.analyse(runs, ["base", "arm"], "base", rails)
    arm = verdict["arms"]["arm"]
    assert [(g["kpi"], g["rule"], g["ok"]) for g in arm["guardrails"]] == [
        ("spam_share", "must_not rise", False), ("cost_total", "max 1000", True)]
    assert not arm["guardrails_ok"] and arm["significant"] and arm["cost_total"] == 800.0
    assert verdict["winner"] is None and "fails a guardrail" in verdict["sentence"]
    # the same arm within a budget it breaks
    over = Outcomes(guardrails=[{"kpi": "cost_total", "max": 500}])
    _, verdict = stats.analyse(runs, ["base", "arm"], "base", over)
    assert verdict["winner"] is None and "above the max of 500" in verdict["sentence"]
    # a guardrail the arm keeps
    fine = Outcomes(guardrails=[{"kpi": "spam_share", "must_not": "fall"}, {"kpi": "cost_total", "min": 100}])
    _, verdict = stats.analyse(runs, ["base", "arm"], "base", fine)
    assert verdict["winner"] == "arm" and verdict["arms"]["arm"]["guardrails_ok"]


def test_half_width_shrinks_with_more_replications():
    small = stats.half_width(paired_runs({"base": 0.0, "arm": 0.02}, n=8), ["base", "arm"], "base", "active_ratio_final")
    large = stats.half_width(paired_runs({"base": 0.0, "arm": 0.02}, n=80), ["base", "arm"], "base", "active_ratio_final")
    assert 0 < large < small
    single = stats.half_width(paired_runs({"base": 0.0}, n=8), ["base"], "base", "active_ratio_final")
    assert single > small  # one arm: the CI of its mean, which carries the world noise
