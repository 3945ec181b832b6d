"""Collapse is a risk, not noise: each run says whether it collapsed, each arm gets a probability
of collapse with a binomial interval, and the quantiles beside the means show what a mean hides."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from typer.testing import CliRunner

from sim import stats
from sim.cli import app
from sim.outcomes import COLLAPSE_WINDOW, collapsed, measure
from sim.report import write_report
from sim.report.i18n import Words
from sim.report.text import collapse_line, collapse_warnings
from sim.store import arm_summary

from .conftest import run, small_world

# every member soon turns to ads, and no norms hold them back
AD_PRONE = {"groups": {"norms": 0.0}, "satisfaction": {"spam_threshold": 2.0, "spam_turn_rate": 1.0},
            "arrivals": {"per_day": 0}}  # no newcomers to start a fresh group once the ad group has closed


def days(*pairs: tuple[int, int]) -> list[dict]:
    return [{"messages": m, "spam": s} for m, s in pairs]


# ---- the definition ------------------------------------------------------------------------------
def test_collapsed_is_judged_on_the_last_week_of_conversation_and_ads() -> None:
    assert COLLAPSE_WINDOW == 7
    healthy = [(10, 3)] * 7
    assert collapsed(days(*healthy)) == 0
    assert collapsed(days(*[(10, 11)] * 7)) == 1          # ads outnumber conversation
    assert collapsed(days(*[(10, 10)] * 7)) == 0          # as many ads as messages: not (yet) outnumbered
    assert collapsed(days(*[(0, 0)] * 7)) == 1            # nobody talks at all
    assert collapsed(days(*[(0, 0)] * 6, (1, 0))) == 0    # one message in the week is still conversation
    assert collapsed(days(*[(0, 50)] * 30, *healthy)) == 0  # only the last week counts ...
    assert collapsed(days(*healthy * 4, *[(2, 3)] * 7)) == 1  # ... both ways
    assert collapsed(days((5, 1), (0, 0))) == 0           # a run shorter than a week: judged on what there is


def test_a_run_built_to_collapse_collapses_and_a_healthy_one_does_not() -> None:
    healthy = run(small_world(), days=30)
    assert measure(healthy)["collapsed"] == 0
    ads = run(small_world(**AD_PRONE), days=30)
    last = ads.daily[-COLLAPSE_WINDOW:]
    talk = sum(d["messages"] for d in last)
    assert sum(d["spam"] for d in last) > talk or talk == 0  # ads took over, or the group closed for want of readers
    assert measure(ads)["collapsed"] == 1


# ---- per arm: probability with its interval, quantiles beside the mean ------------------------------
def test_probability_of_collapse_is_the_share_of_runs_with_a_wilson_interval() -> None:
    runs = pd.DataFrame({"arm": ["a"] * 10 + ["b"] * 10, "rep": list(range(10)) * 2, "seed": list(range(10)) * 2,
                         "collapsed": [1, 1, 1] + [0] * 7 + [0] * 10})
    per_arm = arm_summary(runs, ["a", "b"])
    a, b = per_arm["a"]["collapsed"], per_arm["b"]["collapsed"]
    ci = sps.binomtest(3, 10).proportion_ci(0.95, method="wilson")
    assert a["mean"] == pytest.approx(0.3) and a["n"] == 10
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((0.1078, 0.6032), abs=1e-4)  # Wilson by hand
    # 0 of 10 is not 0% for sure: the interval reaches 28%, where mean +- t*sd would be [0, 0]
    assert b["mean"] == 0 and b["ci_low"] == 0 and b["ci_high"] == pytest.approx(0.2775, abs=1e-4)
    risk = stats.collapse_risk(per_arm)
    assert risk["a"] == {"collapsed": 3, "runs": 10, "p": pytest.approx(0.3), "ci_low": a["ci_low"], "ci_high": a["ci_high"]}
    assert risk["b"]["collapsed"] == 0
    assert stats.collapse_risk({"old": {"members_final": {"mean": 1.0, "n": 3}}}) == {}  # results older than the KPI


def test_quantiles_show_what_a_bimodal_mean_hides() -> None:
    members = [900.0] * 9 + [95.0]  # kol_seeding's no-KOL arm: one run collapsed to 95 members
    runs = pd.DataFrame({"arm": ["a"] * 10, "rep": range(10), "members_final": members})
    s = arm_summary(runs, ["a"])["a"]["members_final"]
    assert s["mean"] == pytest.approx(819.5)
    assert s["median"] == 900 and s["q95"] == 900
    assert s["q05"] == pytest.approx(np.quantile(members, 0.05)) and s["q05"] < s["mean"] < s["median"]
    assert "collapsed" not in arm_summary(runs, ["a"])["a"]  # a KPI missing from older runs is left out


def test_collapse_is_compared_paired_like_any_kpi() -> None:
    runs = pd.DataFrame({"arm": ["base"] * 10 + ["risky"] * 10, "rep": list(range(10)) * 2, "seed": list(range(10)) * 2,
                         "collapsed": [0] * 10 + [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]})
    row = next(r for r in stats.compare(runs, ["base", "risky"], "base") if r["kpi"] == "collapsed")
    assert row["diff"] == pytest.approx(0.4) and row["better"] == "lower" and row["win_share"] == 0


# ---- words ---------------------------------------------------------------------------------------
def risk(k: int, n: int) -> dict:
    low, high = stats.proportion_ci(k, n)
    return {"collapsed": k, "runs": n, "p": k / n, "ci_low": low, "ci_high": high}


def test_collapse_in_plain_words() -> None:
    en, zh = Words("en"), Words("zh")
    line = collapse_line({"one_big_group": risk(1, 10), "split_150": risk(0, 10)}, en)
    assert line == "Risk of collapse: one_big_group 10% (95% CI 2–40%, 1 of 10 runs), split_150 0% (95% CI 0–28%, 0 of 10 runs)."
    assert collapse_line({"a": risk(1, 10)}, zh).startswith("崩溃风险：a 10%")
    assert collapse_line({}, en) == ""
    assert collapse_warnings({"a": risk(0, 10), "b": risk(0, 10)}, en) == []
    some = collapse_warnings({"a": risk(0, 10), "b": risk(1, 10)}, en)
    assert some[0].startswith("b: 1 of 10 runs collapsed") and "median" in some[1]  # a mean hides a two-sided outcome
    every = collapse_warnings({"b": risk(10, 10)}, en)
    assert len(every) == 1 and every[0].startswith("b: 10 of 10 runs collapsed")  # nothing bimodal about it


# ---- the CLI, summary.json and the report ----------------------------------------------------------
SCENARIO = """
name: collapse_test
description: Does a world without norms end as an ad board?
days: 30
replications: 3
seed: 2
world:
  population: {size: 2000}
  groups: {initial_members: 300}
arms:
  healthy: {}
  ad_prone:
    world:
      groups: {norms: 0.0}
      satisfaction: {spam_threshold: 2.0, spam_turn_rate: 1.0}
      arrivals: {per_day: 0}   # nobody new to start over once the ad group has closed
outcomes:
  primary: active_ratio_final
  guardrails:
    - {kpi: mau_final, must_not: fall}
"""


@pytest.fixture(scope="module")
def collapse_results(tmp_path_factory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("collapse")
    (tmp / "s.yaml").write_text(SCENARIO)
    res = CliRunner().invoke(app, ["run", str(tmp / "s.yaml"), "--out", str(tmp / "out"), "--workers", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    return tmp / "out", res.output


def test_summary_and_cli_give_each_arms_risk_of_collapse(collapse_results) -> None:
    out, output = collapse_results
    summary = json.loads((out / "summary.json").read_text())
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.groupby("arm")["collapsed"].sum().to_dict() == {"ad_prone": 3, "healthy": 0}
    assert summary["collapse"] == stats.collapse_risk(summary["arms"])
    assert summary["collapse"]["ad_prone"]["collapsed"] == 3 and summary["collapse"]["healthy"]["p"] == 0
    assert summary["arms"]["ad_prone"]["collapsed"]["ci_low"] == pytest.approx(sps.binomtest(3, 3).proportion_ci(method="wilson").low)
    assert collapse_line(summary["collapse"], Words()) in " ".join(output.split())
    m = summary["arms"]["healthy"]["members_final"]
    assert f"{m['median']:,.0f} ({m['q05']:,.0f}–{m['q95']:,.0f})" in output


def test_report_shows_the_risk_near_the_verdict_and_quantiles_in_the_kpi_table(collapse_results) -> None:
    out, _ = collapse_results
    summary = json.loads((out / "summary.json").read_text())
    doc = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    verdict = doc[doc.index('id="verdict"'):doc.index('id="scenario"')]
    assert collapse_line(summary["collapse"], Words()) in verdict
    assert re.search(r'class="risk at-risk" id="collapse-risk"', verdict)
    warnings = re.search(r'<ul id="collapse-warnings">(.*?)</ul>', verdict).group(1)
    assert "ad_prone: 3 of 3 runs collapsed" in warnings and "healthy" not in warnings
    table = doc[doc.index('id="kpis"'):doc.index('id="figures"')]
    assert table.count("median (5–95%)") == 2  # one per arm
    m = summary["arms"]["healthy"]["members_final"]
    assert f"{m['median']:,.0f} ({m['q05']:,.0f} – {m['q95']:,.0f})" in table
    assert "3 of 3 runs" in table[table.index("<code>collapsed</code>"):]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert f"**{collapse_line(summary['collapse'], Words())}**" in md and "- ad_prone: 3 of 3 runs collapsed" in md
    write_report(out, lang="zh")
    zh = html.unescape((out / "report.zh.html").read_text(encoding="utf-8"))
    assert collapse_line(summary["collapse"], Words("zh")) in zh and "中位数（5–95%）" in zh
