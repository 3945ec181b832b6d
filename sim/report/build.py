"""Gather a results directory into what the report shows, and write report.html and report.md.

Everything comes from the stored files (summary.json, scenario.resolved.yaml and the Parquet
tables), so `qunsim report DIR` rebuilds a report without running anything.
"""

from __future__ import annotations

import base64
import json
import math
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd
import pyarrow.parquet as pq
from ruamel.yaml import YAML

from ..outcomes import BINARY, KPIS
from ..stats import collapse_risk
from . import analysis, figures, sweeps, text
from .i18n import Words

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Results:
    """One results directory, loaded."""

    directory: Path
    summary: dict[str, Any]
    scenario: dict[str, Any]
    runs: pd.DataFrame
    daily: pd.DataFrame
    group_days: pd.DataFrame  # group_days.parquet: per day per group (size, messages ...)
    invitations: pd.DataFrame
    people: pd.DataFrame | None  # None in results written before people.parquet existed
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    verdict: dict[str, Any] | None = None
    computed_here: bool = False  # comparisons were not in summary.json: computed for this report
    sweep: sweeps.Sweep | None = None  # the sweep's own tables, when this directory is a sweep

    @property
    def arms(self) -> list[str]:
        return list(self.summary["arms"])

    @property
    def baseline(self) -> str:
        return self.summary.get("baseline") or self.arms[0]

    @property
    def primary(self) -> str:
        return self.summary.get("primary") or self.scenario.get("outcomes", {}).get("primary", "active_ratio_final")

    @property
    def days(self) -> int:
        return int(self.summary.get("meta", {}).get("days") or self.scenario.get("days") or (self.daily["day"].max() + 1))

    @property
    def currency(self) -> str:
        return self.scenario.get("world", {}).get("economy", {}).get("currency", "CNY")

    @property
    def alive_window(self) -> int:
        return int(self.scenario.get("world", {}).get("groups", {}).get("alive_window", 7))


def _table(directory: Path, name: str) -> pd.DataFrame | None:
    path = directory / f"{name}.parquet"
    if name == "group_days" and not path.exists():  # results written before groups.parquet became one row per group
        old = directory / "groups.parquet"
        return pd.read_parquet(old) if old.exists() and "day" in pq.read_schema(old).names else None
    return pd.read_parquet(path) if path.exists() else None


def load_results(directory: str | Path) -> Results:
    """Read a finished results directory; comparisons come from summary.json, or are computed if missing."""
    d = Path(directory)
    if not (d / "summary.json").exists():
        hint = " (it is still running or was interrupted: finish it with --resume)" if d.name.endswith(".partial") else ""
        raise FileNotFoundError(f"{d}: no summary.json — give the results directory of a finished run{hint}")
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    scenario_file = d / "scenario.resolved.yaml"
    scenario = YAML(typ="safe").load(scenario_file.read_text(encoding="utf-8")) if scenario_file.exists() else {}
    t = {name: _table(d, name) for name in ("runs", "daily", "group_days", "invitations", "people")}
    sweep = sweeps.load(d, summary)
    if sweep is not None:
        summary = _pool_worlds(summary, t)
    r = Results(d, summary, scenario or {}, *(t[n] if t[n] is not None else pd.DataFrame() for n in ("runs", "daily", "group_days", "invitations")),
                t["people"], sweep=sweep)
    r.comparisons = summary.get("comparisons") or []
    r.verdict = summary.get("verdict")
    if len(r.arms) > 1 and (r.verdict is None or not r.comparisons) and len(r.runs):
        r.comparisons, r.verdict = _analyse(r)
        r.computed_here = sweep is None
    return r


def _pool_worlds(summary: dict[str, Any], t: dict[str, pd.DataFrame | None]) -> dict[str, Any]:
    """A sweep seen as one big comparison: each (point, replication) becomes one paired replication.

    Arms share seeds within a point, so pairing by (point, rep) keeps common random numbers;
    the per-arm KPI summary is recomputed over all worlds.
    """
    from ..store import arm_summary

    runs = t["runs"]
    reps = int(runs["rep"].max()) + 1 if runs is not None and len(runs) else 1
    for name, df in t.items():
        if df is not None and "point" in df.columns:
            t[name] = df.assign(rep=df["point"].astype("int64") * reps + df["rep"])
    arms = list(summary.get("arms") or [])
    return {**summary, "scenario": summary.get("experiment", summary.get("scenario")),
            "arms": arm_summary(t["runs"], arms) if t["runs"] is not None else {a: {} for a in arms}}


def _analyse(r: Results) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The paired comparison of sim.stats, for results whose summary.json predates it."""
    from .. import stats
    from ..scenario import Outcomes

    outcomes = Outcomes.model_validate(r.scenario.get("outcomes") or {"primary": r.primary})
    return stats.analyse(r.runs, r.arms, r.baseline, outcomes)


# ---- what the templates show --------------------------------------------------------------------
def kpi_rows(r: Results, w: Words) -> list[dict[str, Any]]:
    """Every KPI: each arm's mean [CI] and each other arm's paired difference from the baseline."""
    by = {(c["arm"], c["kpi"]): c for c in r.comparisons}
    rows = []
    for name, k in KPIS.items():
        if not any(name in r.summary["arms"][a] for a in r.arms):
            continue
        cells = []
        for arm in r.arms:
            s = r.summary["arms"][arm].get(name, {})
            cells.append({"mean": text.value(s.get("mean"), k.unit, w, bare=True),
                          "ci": f"[{text.value(s.get('ci_low'), k.unit, w, bare=True)}, {text.value(s.get('ci_high'), k.unit, w, bare=True)}]",
                          "spread": spread(s, k.unit, w)})
        diffs = []
        for arm in r.arms:
            if arm == r.baseline:
                continue
            c = by.get((arm, name), {})
            sig = bool(c.get("significant"))
            d = c.get("diff", math.nan)
            direction = "neither"
            if sig and isinstance(d, (int, float)) and d == d and d != 0:
                good = (d > 0) == (k.better == "higher")
                direction = "better" if k.better != "neither" and good else "worse" if k.better != "neither" else "neither"
            diffs.append({"diff": text.delta(d, k.unit, w),
                          "ci": f"[{text.delta(c.get('ci_low'), k.unit, w, bare=True)}, {text.delta(c.get('ci_high'), k.unit, w, bare=True)}]",
                          "p": text.p_value(c.get("p_holm")), "significant": sig, "direction": direction,
                          "mark": ("▲" if d > 0 else "▼") if sig else ""})
        rows.append({"name": name, "label": w.kpi(name), "unit": w.unit(k.unit), "meaning": w.meaning(name, k.meaning),
                     "primary": name == r.primary, "cells": cells, "diffs": diffs})
    return rows


def spread(s: dict[str, Any], unit: str, w: Words) -> str:
    """Median (5%–95% quantiles) of one arm's KPI; for a yes/no KPI, how many runs said yes."""
    if unit == BINARY and s.get("n"):
        return w("runs_of", k=round(s["mean"] * s["n"]), n=s["n"])
    if "median" not in s:  # results written before quantiles were kept
        return "–"
    v = [text.value(s[q], unit, w, bare=True) for q in ("median", "q05", "q95")]
    return f"{v[0]} ({v[1]} – {v[2]})"


def arm_blocks(r: Results, w: Words) -> list[dict[str, Any]]:
    """Each arm in words: its description, how its world differs, its levers and their parameters."""
    arms = r.scenario.get("arms") or {}
    base_world = (arms.get(r.baseline) or {}).get("world") or r.scenario.get("world", {})
    out = []
    for arm in r.arms:
        spec = arms.get(arm) or {}
        diffs = text.world_differences(spec.get("world") or {}, base_world) if arm != r.baseline else []
        out.append({"name": arm, "baseline": arm == r.baseline, "description": (spec.get("description") or "").strip(),
                    "world_diff": [{"name": k, "value": text._show(v), "was": text._show(b)} for k, v, b in diffs],
                    "levers": [{**lever, "params": [{**p, "unit": w.unit(p["unit"]) if p["value"] != "–" else ""} for p in lever["params"]]}
                               for lever in text.levers(spec.get("strategy") if "strategy" in spec else r.scenario.get("strategy", []))]})
    return out


def planning(r: Results, w: Words) -> dict[str, Any] | None:
    """Units per arm a live test needs, per non-baseline arm, on the primary KPI."""
    if len(r.arms) < 2 or not len(r.runs):
        return None
    if r.sweep is not None:
        return {"intro": w("sw_no_plan"), "assume": "", "rows": [], "notes": []}
    unit = text.unit_of(r.primary)
    by = {c["arm"]: c for c in r.comparisons if c["kpi"] == r.primary}
    rows, notes = [], []
    for arm in r.arms:
        if arm == r.baseline:
            continue
        p = analysis.plan(r.runs, r.group_days, arm, r.baseline, r.primary)

        def n(x: float) -> str:
            return w("plan_huge") if not math.isfinite(x) or x > 1e7 else f"{x:,.0f}"

        rows.append({"arm": arm, "effect": text.delta(p.effect, unit, w), "sd": text.value(p.sd, unit, w) if unit != "share" else f"{100 * p.sd:.1f} pp",
                     "communities": n(p.communities), "groups": n(p.groups), "members": n(p.members)})
        notes.append(w("plan_scale", arm=arm, g=f"{p.groups_per_community:,.1f}", m=f"{p.members_per_community:,.0f}"))
        if p.effect == 0 or not math.isfinite(p.effect):
            notes.append(w("plan_none"))
        elif not by.get(arm, {}).get("significant", False):
            notes.append(w("plan_noise_note", arm=arm))
    return {"intro": w("plan_intro", kpi=w.kpi(r.primary)), "assume": w("plan_assume"), "rows": rows, "notes": notes}


def sweep_headline(r: Results, w: Words) -> str:
    """A sweep's answer: the most robust arm across worlds, or the parameter that matters most."""
    sw = r.sweep
    assert sw is not None
    rob = sw.summary.get("robustness") or {}
    n = sw.summary.get("points", "–")
    if rob and w.lang == "en" and rob.get("sentence"):
        return rob["sentence"]
    if rob:
        arm = rob["most_robust"]
        a = rob["arms"][arm]
        unit = text.unit_of(rob["kpi"])
        return w("sw_headline", n=rob.get("worlds", n), arm=arm, kpi=w.kpi(rob["kpi"]), share=text.percent(a.get("win_share")),
                 regret=text.delta(a.get("regret_max"), unit, w).lstrip("+"))
    s = sw.sensitivity
    if len(s):
        s = s[(s["kpi"] == r.primary) & (s["arm"] == r.baseline) & s["index"].isin(["ST", "mu_star"])]
    if len(s):
        top = s.sort_values("value", ascending=False).iloc[0]
        return w("sw_headline_one", kpi=w.kpi(r.primary), param=top["parameter"], index=top["index"], v=f"{top['value']:.3g}", n=n)
    return w("sw_headline_none", n=n, kpi=w.kpi(r.primary))


def sweep_words(r: Results, w: Words) -> dict[str, Any] | None:
    """The design of a sweep in words, and what it varied."""
    sw = r.sweep
    if sw is None:
        return None
    meta = sw.summary.get("meta", {})
    return {"design": w("sw_design", design=sw.design, points=sw.summary.get("points", "–"), arms=len(r.arms),
                        reps=meta.get("replications", "–"), runs=meta.get("runs", "–")),
            "parameters": sweeps.parameter_words(sw, w), "base": w("sw_base"), "pooled_note": w("sw_figures_pooled")}


def cost_lines(r: Results, w: Words) -> list[str]:
    """Per arm: extra active members per 1,000 of extra cost (paired), or that it cost nothing extra."""
    out = []
    for arm in r.arms:
        if arm == r.baseline or not len(r.runs):
            continue
        ce = analysis.cost_effect(r.runs, arm, r.baseline)
        if math.isfinite(ce.per_1000):
            out.append(w("ce_line", arm=arm, v=text._num(ce.per_1000), cur=w.currency,
                         low=text._num(ce.low) if math.isfinite(ce.low) else "–", high=text._num(ce.high) if math.isfinite(ce.high) else "–"))
        else:
            out.append(w("ce_free", arm=arm, d=text._num(float(ce.d_active.mean()), True) if len(ce.d_active) else "–"))
    return out


def reproduce(r: Results, w: Words) -> dict[str, Any]:
    meta = r.summary.get("meta", {})
    return {"command": meta.get("command", "–"), "hash": meta.get("config_hash", "–"), "seed": meta.get("seed", "–"),
            "reps": f"{meta.get('replications', '–')} × {meta.get('days', '–')}", "version": meta.get("qunsim_version", "–"),
            "date": meta.get("date", "–"), "wall": f"{meta.get('wall_time_s', math.nan):.1f} s" if meta.get("wall_time_s") is not None else "–",
            "rebuild": f"qunsim report {shlex.quote(str(r.directory))}" + (" --lang zh" if w.lang == "zh" else "")}


def context(r: Results, w: Words, figs: list[figures.Figure], sweep_figs: list[figures.Figure]) -> dict[str, Any]:
    """Everything the two templates need, already in words."""
    single = len(r.arms) < 2
    verdict = r.verdict or {}
    n = max((c.get("n", 0) for c in r.comparisons), default=0)
    if single:
        headline = w("single_arm", arm=r.arms[0])
    elif w.lang == "en" and verdict.get("sentence"):
        headline = verdict["sentence"]  # the verdict as the analysis wrote it, word for word
    else:
        headline = text.verdict_sentence(verdict, w, n, r.comparisons)
    pooled = ""
    if r.sweep is not None:
        pooled = "" if single else w("sw_pooled", n=r.sweep.summary.get("points", "–"), sentence=headline)
        headline = sweep_headline(r, w)
    cost_base = r.summary["arms"][r.baseline].get("cost_total", {}).get("mean", math.nan)
    lines = {} if single else text.arm_lines(verdict, r.comparisons, cost_base, r.days, w)
    ce = cost_lines(r, w)
    risk = collapse_risk(r.summary["arms"])
    return {
        "w": w, "lang": w.lang, "name": r.summary.get("scenario", r.directory.name),
        "generated": w("generated", date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), directory=r.directory),
        "question": (r.summary.get("description") or "").strip() or w("no_question"),
        "headline": headline, "pooled": pooled,
        "uncertainty": (r.summary.get("uncertainty") or {}).get("sentence", ""), "computed_here": r.computed_here, "arm_lines": lines, "cost_lines": ce,
        "collapse": text.collapse_line(risk, w), "collapse_warnings": text.collapse_warnings(risk, w),
        "sweep": sweep_words(r, w),
        "world": text.world_words(r.scenario, w), "arms": arm_blocks(r, w), "baseline": r.baseline,
        "arm_names": r.arms, "others": [a for a in r.arms if a != r.baseline],
        "kpis": kpi_rows(r, w), "figures": figs, "sweep_figures": sweep_figs,
        "planning": planning(r, w), "reproduce": reproduce(r, w),
    }


# ---- writing ------------------------------------------------------------------------------------
def _env(markdown: bool = False) -> jinja2.Environment:
    """HTML templates autoescape; in Markdown every value is text (`md_text`) unless it goes
    through `code` or `fence`, so a scenario's words never become HTML on a wiki."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html", "html.j2"], default=False),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             finalize=_md_finalize if markdown else None)
    env.filters.update(code=md_code, fence=md_fence)
    return env


def _md_finalize(value: Any) -> Any:
    return md_text(value) if isinstance(value, str) and not isinstance(value, markupsafe.Markup) else value


def md_text(value: Any) -> str:
    """Text in Markdown: `< > &` as entities (no raw HTML) and `|` escaped (no broken tables)."""
    text = str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def md_code(value: Any) -> markupsafe.Markup:
    """An inline code span that holds any text literally (fenced by more backticks than it contains)."""
    text = " ".join(str(value).split())
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return markupsafe.Markup(f"{ticks}{pad}{text}{pad}{ticks}")


def md_fence(value: Any) -> markupsafe.Markup:
    """A fenced code block that no line of `value` can close early."""
    text = str(value)
    ticks = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return markupsafe.Markup(f"{ticks}\n{text}\n{ticks}")


def names(lang: str) -> tuple[str, str, str]:
    """File names of the HTML report, the Markdown report and the figure suffix for a language."""
    return ("report.html", "report.md", "") if lang == "en" else (f"report.{lang}.html", f"report.{lang}.md", f".{lang}")


def write_report(directory: str | Path, lang: str = "en") -> list[Path]:
    """Write report.html (one self-contained file) and report.md (+ figures/) into a results directory.

    English goes to report.html / report.md; another language to report.<lang>.html / .md, so
    both can sit side by side. Returns the paths written.
    """
    r = load_results(directory)
    w = Words(lang, r.currency)
    figs = figures.render(r, w)
    sweep_figs = sweeps.render(r.directory, w, r)
    html_name, md_name, suffix = names(lang)
    fig_dir = r.directory / "figures"
    fig_dir.mkdir(exist_ok=True)
    written = []
    for f in figs + sweep_figs:
        if f.png is not None:
            f.file = f"figures/{f.key}{suffix}.png"
            (r.directory / f.file).write_bytes(f.png)
            f.data_uri = "data:image/png;base64," + base64.b64encode(f.png).decode("ascii")
            written.append(r.directory / f.file)
    ctx = context(r, w, figs, sweep_figs)
    for name, template in ((html_name, "report.html.j2"), (md_name, "report.md.j2")):
        path = r.directory / name
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(_env(markdown=template.endswith(".md.j2")).get_template(template).render(**ctx), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
