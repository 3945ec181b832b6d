"""The report: what it says matches the stored results, every figure is there, nothing is fetched
from outside the file, the numbers behind the figures are right, and it rebuilds from the
stored files alone — in English and in Chinese."""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from sim.api import run_scenario
from sim.cli import app
from sim.outcomes import KPIS, gini
from sim.report import analysis, load_results, write_report
from sim.report.figures import KEYS, cjk_font

SMALL = {"population": {"size": 3000}, "groups": {"initial_members": 200}}


def scenario(arms: dict | None = None, **over) -> dict:
    doc = {"name": "report_test", "description": "Does a 60-member cap keep more members active than one big group?",
           "days": 45, "replications": 6, "seed": 5, "world": SMALL,
           "outcomes": {"primary": "active_ratio_final", "guardrails": [{"kpi": "spam_share", "must_not": "rise"}]}}
    if arms:
        doc["arms"] = arms
    doc.update(over)
    return doc


def results(tmp: Path, doc: dict) -> Path:
    """Run a scenario into `tmp` (the run writes its English report)."""
    from sim.scenario import load

    return run_scenario(load(data=doc), out=tmp, workers=1, command="qunsim run report_test.yaml")


@pytest.fixture(scope="module")
def two_arm_results(tmp_path_factory) -> Path:
    arms = {"one_big_group": {"description": "one group of up to 500"},
            "cap_60": {"description": "groups capped at 60; a new group opens when all are full",
                       "world": {"groups": {"cap": 60, "initial": 4, "initial_members": 50}}}}
    return results(tmp_path_factory.mktemp("two") / "out", scenario(arms))


@pytest.fixture(scope="module")
def zh_report(two_arm_results: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a missing glyph is a UserWarning from matplotlib
        write_report(two_arm_results, lang="zh")
    return two_arm_results / "report.zh.html"


def page(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def element(doc: str, id_: str) -> str:
    m = re.search(rf'id="{id_}"[^>]*>(.*?)</', doc, re.S)
    assert m, f"no element #{id_}"
    return html.unescape(m.group(1)).strip()


# ---- the run writes the report; the verdict is summary.json's --------------------------------------
def test_run_writes_both_reports(two_arm_results: Path) -> None:
    assert (two_arm_results / "report.html").stat().st_size > 100_000
    assert (two_arm_results / "report.md").exists()
    for key in KEYS:
        assert (two_arm_results / "figures" / f"{key}.png").exists(), key


def test_verdict_sentence_matches_summary(two_arm_results: Path) -> None:
    summary = json.loads((two_arm_results / "summary.json").read_text())
    sentence = summary["verdict"]["sentence"]
    assert sentence
    doc = page(two_arm_results / "report.html")
    assert element(doc, "verdict-sentence") == sentence
    assert f"**{sentence}**" in page(two_arm_results / "report.md")
    # the verdict comes first: before the scenario, the KPI table and the figures
    assert doc.index('id="verdict"') < doc.index('id="scenario"') < doc.index('id="kpis"') < doc.index('id="figures"')


def test_verdict_details_quote_the_comparison(two_arm_results: Path) -> None:
    summary = json.loads((two_arm_results / "summary.json").read_text())
    arm = summary["verdict"]["arms"]["cap_60"]
    row = next(c for c in summary["comparisons"] if c["arm"] == "cap_60" and c["kpi"] == "active_ratio_final")
    doc = html.unescape(page(two_arm_results / "report.html"))
    assert f"{100 * arm['diff']:+.1f} pp (95% CI {100 * arm['ci_low']:+.1f} pp to {100 * arm['ci_high']:+.1f} pp" in doc
    assert f"better in {100 * arm['win_share']:.0f}% of the {row['n']} paired replications" in doc
    assert ("Guardrails: all held." in doc) == arm["guardrails_ok"]


def test_every_figure_is_embedded(two_arm_results: Path) -> None:
    doc = page(two_arm_results / "report.html")
    for key in KEYS:
        m = re.search(rf'<figure id="fig-{key}">.*?<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', doc, re.S)
        assert m, f"figure {key} is not embedded"
        img = Image.open(io.BytesIO(base64.b64decode(m.group(1))))
        assert img.format == "PNG" and img.size[0] >= 800 and img.size[1] >= 300, (key, img.size)
    md = page(two_arm_results / "report.md")
    for key in KEYS:
        assert f"(figures/{key}.png)" in md


def test_no_external_resource(two_arm_results: Path, zh_report: Path) -> None:
    for doc in (page(two_arm_results / "report.html"), page(zh_report)):
        assert not re.search(r"""(src|href|action|poster)\s*=\s*["']?\s*(https?:)?//""", doc, re.I)
        assert "@import" not in doc
        assert not re.search(r"url\(\s*['\"]?(?!data:)", doc)
        assert not re.search(r"<(script|iframe|object|embed|link)\b(?![^>]*rel=\"icon\" href=\"data:)", doc, re.I)
        srcs = re.findall(r"""\bsrc\s*=\s*["']([^"']+)""", doc)
        assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)


def test_kpi_table_has_every_kpi_and_marks_corrected_significance(two_arm_results: Path) -> None:
    summary = json.loads((two_arm_results / "summary.json").read_text())
    doc = page(two_arm_results / "report.html")
    table = doc[doc.index('id="kpis"'):doc.index('id="figures"')]
    for name in KPIS:
        assert f"<code>{name}</code>" in table
    significant = [c for c in summary["comparisons"] if c["significant"]]
    marks = re.findall(r'<span class="(better|worse|neither)">[▲▼]</span>', table)
    assert len(marks) == len(significant)
    for c in significant:
        row = table[table.index(f"<code>{c['kpi']}</code>"):]
        row = row[: row.index("</tr>")]
        assert ("▲" if c["diff"] > 0 else "▼") in row, c["kpi"]
    assert "★" in table[table.index("<code>active_ratio_final</code>") - 200:table.index("<code>active_ratio_final</code>")]


def test_scenario_in_words_names_world_and_levers(two_arm_results: Path) -> None:
    doc = html.unescape(page(two_arm_results / "report.html"))
    part = doc[doc.index('id="scenario"'):doc.index('id="kpis"')]
    assert "3,000 people could ever join" in part
    assert "world.groups.cap" in part and ">60<" in part  # the arm's world difference, with the baseline's 500
    assert "groups capped at 60" in part and "No levers" in part


def test_reproduce_section(two_arm_results: Path) -> None:
    meta = json.loads((two_arm_results / "summary.json").read_text())["meta"]
    doc = page(two_arm_results / "report.html")
    part = html.unescape(doc[doc.index('id="reproduce"'):])
    assert element(doc, "command") == meta["command"] == "qunsim run report_test.yaml"
    assert element(doc, "config-hash") == meta["config_hash"]
    for value in (str(meta["seed"]), meta["qunsim_version"], meta["date"], f"qunsim report {two_arm_results}"):
        assert value in part


def test_planning_section_uses_the_power_formula(two_arm_results: Path) -> None:
    r = load_results(two_arm_results)
    p = analysis.plan(r.runs, r.group_days, "cap_60", "one_big_group", "active_ratio_final")
    doc = html.unescape(page(two_arm_results / "report.html"))
    part = doc[doc.index('id="planning"'):doc.index('id="reproduce"')]
    assert "80% power at 5% significance" in part
    for n in (p.communities, p.groups, p.members):
        assert f"{n:,.0f}" in part


# ---- Chinese ------------------------------------------------------------------------------------
def test_chinese_report(zh_report: Path, two_arm_results: Path) -> None:
    if cjk_font() is None:
        if os.environ.get("CI"):
            pytest.fail("no CJK font on CI: `make fonts` installs fonts-noto-cjk")
        pytest.skip("no CJK font installed (`make fonts`): Chinese figures would show boxes")
    summary = json.loads((two_arm_results / "summary.json").read_text())
    v = summary["verdict"]
    doc = page(zh_report)
    assert '<html lang="zh-CN">' in doc
    for title in ("结论", "场景说明", "全部指标", "图表", "规划真实的 A/B 测试", "复现"):
        assert f">{title}</h2>" in doc
    sentence = element(doc, "verdict-sentence")
    assert re.search(r"[\u4e00-\u9fff]", sentence)
    if v["winner"]:
        a = v["arms"][v["winner"]]
        assert v["winner"] in sentence and f"{100 * a['diff']:+.1f} 个百分点" in sentence
    else:
        assert "无法" in sentence or "没有方案" in sentence
    for key in KEYS:
        assert (two_arm_results / "figures" / f"{key}.zh.png").exists()
    assert page(two_arm_results / "report.html").count("结论") == 0  # the English report is left alone


# ---- rebuilding from the stored results alone ---------------------------------------------------
def test_report_command_rebuilds_from_stored_files(two_arm_results: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in two_arm_results.iterdir():
        if f.suffix in (".json", ".yaml", ".parquet"):
            shutil.copy(f, copy / f.name)  # no parts/, no report, no figures
    res = CliRunner().invoke(app, ["report", str(copy)])
    assert res.exit_code == 0, res.output
    assert f"report: {copy / 'report.html'}" in res.output
    assert element(page(copy / "report.html"), "verdict-sentence") == element(page(two_arm_results / "report.html"), "verdict-sentence")
    res = CliRunner().invoke(app, ["report", str(copy), "--lang", "zh"])
    assert res.exit_code == 0 and (copy / "report.zh.html").exists() and (copy / "report.zh.md").exists()


def test_report_command_errors_are_one_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", str(tmp_path / "nothing")])
    assert res.exit_code == 2 and "no summary.json" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(app, ["report", str(tmp_path), "--lang", "fr"])
    assert res.exit_code == 2 and "en, zh" in res.output


def test_older_results_without_comparisons_or_people(two_arm_results: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(two_arm_results, old, ignore=shutil.ignore_patterns("parts", "figures", "report*", "people.parquet"))
    summary = json.loads((old / "summary.json").read_text())
    sentence = summary.pop("verdict")["sentence"]
    summary.pop("comparisons")
    (old / "summary.json").write_text(json.dumps(summary))
    write_report(old)
    doc = page(old / "report.html")
    assert element(doc, "verdict-sentence") == sentence  # the same analysis, computed by the report
    assert "holds no comparisons" in doc
    for key in ("survival_members", "lorenz"):
        block = doc[doc.index(f'id="fig-{key}"'):]
        block = block[: block.index("</figure>")]
        assert "<img" not in block and "people.parquet" in block


def test_single_arm_report(tmp_path: Path) -> None:
    d = results(tmp_path / "one", scenario(replications=2, days=30))
    doc = html.unescape(page(d / "report.html"))
    assert "has one arm" in element(doc, "verdict-sentence")
    assert 'id="planning"' not in doc
    block = doc[doc.index('id="fig-cost_effectiveness"'):]
    assert "nothing to compare" in block[: block.index("</figure>")]
    for key in ("timeseries", "group_sizes", "survival_members", "survival_groups", "lorenz", "cascades"):
        assert (d / "figures" / f"{key}.png").exists()


# ---- the numbers behind the figures -------------------------------------------------------------
def test_kaplan_meier_by_hand() -> None:
    # durations 1, 2+, 3, 3, 4+ (+ = still going): S(1) = 4/5, S(3) = 4/5 * (1 - 2/3) = 4/15
    km = analysis.kaplan_meier(np.array([1, 2, 3, 3, 4]), np.array([True, False, True, True, False]))
    assert km.at(0.5) == 1.0
    assert km.at(1) == pytest.approx(0.8)
    assert km.at(2.5) == pytest.approx(0.8)
    assert km.at(3) == pytest.approx(4 / 15)
    assert km.at(10) == pytest.approx(4 / 15) and km.time[-1] == 4  # flat to the last observation
    assert km.median() == 3
    assert np.all(km.low <= km.surv) and np.all(km.surv <= km.high)
    none = analysis.kaplan_meier(np.array([5, 7]), np.array([False, False]))
    assert list(none.surv) == [1.0, 1.0] and math.isnan(none.median())


def test_lorenz_and_gini_agree_with_the_kpi() -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(0, 2, 5000).round()
    grid = np.linspace(0, 1, 2001)
    curve = analysis.lorenz(x, grid)
    assert curve[0] == 0 and curve[-1] == pytest.approx(1) and np.all(np.diff(curve) >= -1e-12)
    assert analysis.gini_of_curve(grid, curve) == pytest.approx(gini(x), abs=2e-3)


def test_figure_numbers_agree_with_the_run_kpis(two_arm_results: Path) -> None:
    r = load_results(two_arm_results)
    runs = r.runs.set_index(["arm", "rep"])
    # cascades: the mean size per run is the cascade_size_mean KPI
    sizes = analysis.cascade_sizes(r.invitations).groupby(["arm", "rep"])["size"].mean()
    assert np.allclose(sizes.to_numpy(), runs.loc[sizes.index, "cascade_size_mean"].to_numpy())
    # member spells: events are people who left; censored spells are people still in
    spells = analysis.member_spells(r.people, r.days)
    left = spells.groupby(["arm", "rep"])["event"].sum()
    assert (left.to_numpy() == runs.loc[left.index, "left_total"].to_numpy()).all()
    assert (spells["duration"] >= 0).all()
    # Lorenz: the mean curve's Gini is the mean of the runs' message_gini
    grid, curves = analysis.lorenz_by_arm(r.people, points=4001)
    for arm, curve in curves.items():
        assert analysis.gini_of_curve(grid, curve) == pytest.approx(runs.loc[arm, "message_gini"].mean(), abs=5e-3)
    # group sizes: shares of each arm and day sum to one
    bands = analysis.size_bands(r.group_days).groupby(["arm", "day"])["share"].sum()
    assert np.allclose(bands, 1.0)
    # group spells: groups alive at the end are censored, and as many as groups_alive_final
    g = analysis.group_spells(r.group_days, r.days, r.alive_window)
    alive = (~g["event"]).groupby([g["arm"], g["rep"]]).sum()
    assert (alive.to_numpy() == runs.loc[alive.index, "groups_alive_final"].to_numpy()).all()


def test_units_needed_for_a_known_case() -> None:
    # n = 2 (z_0.975 + z_0.8)^2 sd^2 / d^2 = 2 * 2.8016^2 * 1 / 0.25 = 62.79
    assert analysis.units_needed(0.5, 1.0) == pytest.approx(62.79, abs=0.01)
    assert math.isinf(analysis.units_needed(0.0, 1.0))
    runs = pd.DataFrame({"arm": ["a"] * 4 + ["b"] * 4, "rep": list(range(4)) * 2,
                         "x": [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0], "members_final": [100] * 8})
    groups = pd.DataFrame({"arm": ["a", "b"] * 2, "rep": [0, 0, 1, 1], "day": [9] * 4, "group": [0] * 4, "size": [5] * 4})
    p = analysis.plan(runs, groups, "b", "a", "x")
    n = analysis.units_needed(1.0, float(np.std([1, 2, 3, 4], ddof=1)))
    assert p.communities == math.ceil(n) and p.members == math.ceil(n * 100) and p.groups == math.ceil(n)


def test_cost_effect_ratio() -> None:
    runs = pd.DataFrame({"arm": ["base"] * 3 + ["rp"] * 3, "rep": [0, 1, 2] * 2,
                         "mau_final": [100, 110, 90, 120, 125, 118], "cost_total": [0.0] * 3 + [1000.0, 1000.0, 2000.0]})
    ce = analysis.cost_effect(runs, "rp", "base")
    assert ce.per_1000 == pytest.approx(1000 * np.mean([20, 15, 28]) / np.mean([1000, 1000, 2000]))
    assert ce.low <= ce.per_1000 <= ce.high
    free = analysis.cost_effect(runs.assign(cost_total=0.0), "rp", "base")
    assert math.isnan(free.per_1000)


# ---- sweeps -------------------------------------------------------------------------------------
def sweep_results(tmp: Path, design: str) -> Path:
    from ruamel.yaml import YAML

    from sim.api import sweep

    arms = {"one_big_group": {}, "cap_60": {"world": {"groups": {"cap": 60, "initial": 4, "initial_members": 50}}}}
    yaml = YAML()
    with open(tmp / "base.yaml", "w") as f:
        yaml.dump(scenario(arms, days=30, replications=1), f)
    exp = {"name": f"report_sweep_{design}", "description": "Does the cap win whatever the arrival rate and patience?",
           "scenario": "base.yaml", "design": design, "replications": 1,
           "parameters": {"world.arrivals.per_day": {"values": [2, 8]} if design == "grid" else {"low": 2, "high": 8},
                          "world.population.patience_median": {"values": [6, 18]} if design == "grid" else {"low": 6, "high": 18}}}
    if design == "morris":
        exp.update(samples=3, levels=4)
    with open(tmp / "exp.yaml", "w") as f:
        yaml.dump(exp, f)
    return sweep(tmp / "exp.yaml", out=tmp / "out", workers=1, command="qunsim sweep exp.yaml")


@pytest.mark.parametrize("design, figures", [("morris", ("sweep_outcome", "sweep_sensitivity", "sweep_robustness")),
                                             ("grid", ("sweep_outcome", "sweep_heatmap", "sweep_robustness"))])
def test_sweep_report(tmp_path: Path, design: str, figures: tuple[str, ...]) -> None:
    d = sweep_results(tmp_path, design)
    summary = json.loads((d / "summary.json").read_text())
    doc = page(d / "report.html")
    assert element(doc, "verdict-sentence") == summary["robustness"]["sentence"]
    assert 'id="sweeps"' in doc
    for key in figures:
        block = doc[doc.index(f'id="fig-{key}"'):]
        assert '<img src="data:image/png;base64,' in block[: block.index("</figure>")], key
    robust = doc[doc.index('id="fig-sweep_robustness"'):]
    robust = html.unescape(robust[: robust.index("</figure>")])
    for arm, a in summary["robustness"]["arms"].items():
        assert arm in robust and f"{100 * a['win_share']:.0f}%" in robust
    for key in KEYS:  # the run figures pool every sampled world
        assert f'id="fig-{key}"' in doc
    assert "world.arrivals.per_day" in doc and "Not computed for a sweep" in doc
    if design == "morris":
        write_report(d, lang="zh")
        assert "参数扫描" in page(d / "report.zh.html")


def test_verdict_sentences_in_chinese_for_every_outcome() -> None:
    from sim.report.i18n import Words
    from sim.report.text import verdict_sentence

    def arm(diff, sig, ok=True):
        rails = [{"kpi": "spam_share", "rule": "must_not rise", "ok": ok, "detail": "spam_share rose by 0.02"}]
        return {"diff": diff, "ci_low": diff - 0.01, "ci_high": diff + 0.01, "rel_lift": 0.1, "win_share": 0.9,
                "p_holm": 0.01 if sig else 0.5, "significant": sig, "guardrails": rails, "guardrails_ok": ok, "cost_total": 1200.0}

    comparisons = [{"arm": "b", "kpi": "spam_share", "diff": 0.02, "ci_low": 0.01, "ci_high": 0.03, "p_holm": 0.004, "arm_mean": 0.05}]
    zh = Words("zh")

    def v(winner, distinguishable, a):
        return {"primary": "active_ratio_final", "baseline": "a", "winner": winner, "distinguishable": distinguishable, "arms": {"b": a}}

    s = verdict_sentence(v("b", True, arm(0.05, True)), zh, 10, comparisons)
    assert s.startswith("b 在活跃率（期末）上胜出") and "+5.0 个百分点" in s and "1,200 元" in s and "均未被突破" in s
    assert "没有方案能与 a 区分开" in verdict_sentence(v(None, False, arm(0.01, False)), zh, 10, comparisons)
    s = verdict_sentence(v(None, True, arm(0.05, True, ok=False)), zh, 10, comparisons)
    assert s.startswith("没有方案胜出：b") and "广告占比变化 +2.0 个百分点" in s
    assert "显著更差" in verdict_sentence(v(None, True, arm(-0.05, True)), zh, 10, comparisons)
    en = verdict_sentence(v(None, True, arm(0.05, True, ok=False)), Words("en"), 10, comparisons)
    assert "breaks a guardrail: spam_share rose by 0.02" in en


HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> | a & b"


def test_user_text_never_becomes_html_in_report_md(two_arm_results: Path, tmp_path: Path) -> None:
    """A description or an arm's words reach report.md as text: a wiki that renders HTML shows them, never runs them."""
    from ruamel.yaml import YAML

    d = tmp_path / "copy"
    shutil.copytree(two_arm_results, d)
    summary = json.loads((d / "summary.json").read_text())
    summary["description"] = HOSTILE
    (d / "summary.json").write_text(json.dumps(summary))
    yaml = YAML(typ="safe")
    resolved = yaml.load((d / "scenario.resolved.yaml").read_text())
    resolved["arms"]["cap_60"]["description"] = HOSTILE
    with open(d / "scenario.resolved.yaml", "w") as f:
        yaml.dump(resolved, f)
    write_report(d)
    md = (d / "report.md").read_text()
    assert "<script" not in md and "<img" not in md
    assert md.count("&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; \\| a &amp; b") == 2
    page = (d / "report.html").read_text()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
