"""Paired comparison of arms: is a strategy's effect real, how large, and does it break a guardrail?

Every arm runs on the same replication seeds as the baseline (common random numbers), so
replication r of an arm and of the baseline face the same people, network and luck; their
difference is the strategy's effect plus a little noise. The analysis therefore works on
the per-replication differences d_r = arm_r - baseline_r, never on two separate means:
- the mean difference and its 95% CI by bootstrap (`scipy.stats.bootstrap`, BCa, resampling
  the differences, a fixed random stream so the numbers are reproducible);
- a p-value from the paired t-test on the d_r. It tests the same quantity the CI estimates
  (the mean difference). The Wilcoxon signed-rank test was rejected: it tests a median-like
  quantity, and with few replications it cannot reach p < 0.05 at all (n=5: p >= 0.0625);
- Holm's correction over every (arm, KPI) test, because a report shows all of them and some
  would look "significant" by chance;
- the win share: in how many replications the arm did better, in the KPI's own direction.
Numbers that cannot be computed (too few replications, a KPI undefined in every run) are NaN.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .outcomes import KPIS

ALPHA = 0.05
CONFIDENCE = 0.95
RESAMPLES = 9999
BOOTSTRAP_SEED = 20240601  # fixed: the same runs always give the same intervals


# ---- the pieces ----------------------------------------------------------------------------------
def pairs(runs: pd.DataFrame, arm: str, baseline: str, kpi: str) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and arm values of `kpi`, aligned by replication, where both are finite."""
    cols = ["rep", "seed", kpi]
    a = runs.loc[runs["arm"] == arm, cols]
    b = runs.loc[runs["arm"] == baseline, cols]
    m = b.merge(a, on="rep", suffixes=("_b", "_a"))
    if (m["seed_b"] != m["seed_a"]).any():
        raise ValueError(f"arms {baseline!r} and {arm!r} ran replication(s) on different seeds: not paired")
    x, y = m[f"{kpi}_b"].to_numpy(float), m[f"{kpi}_a"].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def bootstrap_ci(d: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """CI of the mean of `d` by BCa bootstrap; exact when every difference is the same."""
    d = np.asarray(d, float)
    if len(d) < 2:
        return math.nan, math.nan
    if np.ptp(d) == 0:  # degenerate: no spread to resample, the difference is what it is
        return float(d[0]), float(d[0])
    for method in ("BCa", "percentile"):  # BCa can fail on near-degenerate data; percentile cannot
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = _bootstrap(d, confidence, method)
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if math.isfinite(lo) and math.isfinite(hi):
            return lo, hi
    return math.nan, math.nan


def _bootstrap(d: np.ndarray, confidence: float, method: str) -> Any:
    kw = dict(confidence_level=confidence, n_resamples=RESAMPLES, method=method, vectorized=True)
    try:
        return stats.bootstrap((d,), np.mean, rng=np.random.default_rng(BOOTSTRAP_SEED), **kw)
    except TypeError:  # scipy < 1.15 calls it random_state
        return stats.bootstrap((d,), np.mean, random_state=np.random.default_rng(BOOTSTRAP_SEED), **kw)


def p_value(d: np.ndarray) -> float:
    """Two-sided paired t-test of mean(d) = 0; a constant nonzero difference is certain (p = 0)."""
    d = np.asarray(d, float)
    if len(d) < 2:
        return math.nan
    if np.ptp(d) == 0:
        return 1.0 if d[0] == 0 else 0.0
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values; NaN stays NaN and is not counted as a test.

    Sort the m p-values ascending; the k-th smallest (k = 1..m) becomes
    max over j <= k of min(1, (m - j + 1) * p_(j)).
    """
    p = np.asarray(p, float)
    out = np.full(len(p), math.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out


def wins(base: np.ndarray, arm: np.ndarray, better: str) -> float:
    """Share of replications in which the arm did strictly better (ties are not wins)."""
    if not len(base) or better not in ("higher", "lower"):
        return math.nan
    return float(np.mean(arm > base if better == "higher" else arm < base))


def improves(diff: float, better: str) -> bool:
    return (better == "higher" and diff > 0) or (better == "lower" and diff < 0)


def proportion_ci(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson interval of a proportion k/n (e.g. runs that collapsed): unlike mean +- t*sd it
    stays within 0..1 and is not zero-width at 0 of 10, so a rare failure is not ruled out."""
    if n == 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence, method="wilson")
    return float(ci.low), float(ci.high)


def collapse_risk(arm_summary: dict[str, dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per arm: how many runs collapsed, of how many, and the probability with its Wilson interval
    (read from summary.json's `arms`; arms of results older than the `collapsed` KPI are left out)."""
    out = {}
    for arm, kpis in arm_summary.items():
        c = kpis.get("collapsed")
        if c and c.get("n"):
            out[arm] = {"collapsed": round(c["mean"] * c["n"]), "runs": c["n"], "p": c["mean"],
                        "ci_low": c["ci_low"], "ci_high": c["ci_high"]}
    return out


# ---- the comparison table ------------------------------------------------------------------------
def compare(runs: pd.DataFrame, arms: Sequence[str], baseline: str, kpis: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One row per (arm, KPI) against the baseline, Holm-corrected over all rows."""
    kpis = [k for k in (kpis or KPIS) if k in runs.columns]
    rows: list[dict[str, Any]] = []
    for arm in arms:
        if arm == baseline:
            continue
        for kpi in kpis:
            x, y = pairs(runs, arm, baseline, kpi)
            d = y - x
            n = len(d)
            bm, am = (float(x.mean()), float(y.mean())) if n else (math.nan, math.nan)
            diff = am - bm if n else math.nan
            lo, hi = bootstrap_ci(d)
            better = KPIS[kpi].better if kpi in KPIS else "neither"
            rows.append({
                "arm": arm, "baseline": baseline, "kpi": kpi, "better": better,
                "baseline_mean": bm, "arm_mean": am, "diff": diff, "ci_low": lo, "ci_high": hi,
                "rel_lift": diff / bm if n and bm != 0 else math.nan,
                "p_value": p_value(d), "p_holm": math.nan, "significant": False,
                "win_share": wins(x, y, better), "n": n,
            })
    for row, p in zip(rows, holm([r["p_value"] for r in rows])):
        row["p_holm"] = float(p)
        row["significant"] = bool(p < ALPHA)
    return rows


# ---- guardrails and the verdict -----------------------------------------------------------------
def check_guardrails(rows: list[dict[str, Any]], arm: str, guardrails: Sequence[Any]) -> list[dict[str, Any]]:
    """Judge each guardrail rule for one arm.

    `must_not: rise|fall` is broken by a significant (after Holm) move in that direction;
    `max`/`min` are broken by the arm's mean over its paired replications.
    """
    by_kpi = {r["kpi"]: r for r in rows if r["arm"] == arm}
    out = []
    for g in guardrails:
        r = by_kpi.get(g.kpi)
        if r is None or r["n"] == 0:
            rules = [f"must_not {g.must_not}"] if g.must_not else []
            rules += [f"max {g.max:g}"] * (g.max is not None) + [f"min {g.min:g}"] * (g.min is not None)
            out += [{"kpi": g.kpi, "rule": rule, "ok": False,
                     "detail": f"{g.kpi} cannot be judged: no replication has a value for it"} for rule in rules]
            continue
        if g.must_not:
            moved = r["diff"] > 0 if g.must_not == "rise" else r["diff"] < 0
            broken = bool(r["significant"] and moved)
            verb = "rose" if r["diff"] > 0 else "fell" if r["diff"] < 0 else "moved"
            state = "significant" if r["significant"] else "not significant"
            out.append({"kpi": g.kpi, "rule": f"must_not {g.must_not}", "ok": not broken,
                        "detail": f"{g.kpi} {verb} by {fmt(abs(r['diff']))} (95% CI {fmt(r['ci_low'])} to "
                                  f"{fmt(r['ci_high'])}, Holm p {_p_phrase(r["p_holm"])}, {state})"})
        for rule, bound in (("max", g.max), ("min", g.min)):
            if bound is None:
                continue
            mean = r["arm_mean"]
            broken = mean > bound if rule == "max" else mean < bound
            word = ("above" if broken else "within") if rule == "max" else ("below" if broken else "within")
            out.append({"kpi": g.kpi, "rule": f"{rule} {bound:g}", "ok": not broken,
                        "detail": f"{g.kpi} mean {fmt(mean)} is {word} the {rule} of {bound:g}"})
    return out


def verdict(rows: list[dict[str, Any]], arms: Sequence[str], baseline: str, outcomes: Any) -> dict[str, Any]:
    """Which arm wins on the primary KPI: significantly better and no guardrail broken.

    Several winners: the one with the largest improvement. `distinguishable` says whether
    any arm's primary KPI differs significantly from the baseline's, in either direction.
    """
    primary = outcomes.primary
    better = KPIS[primary].better
    others = [a for a in arms if a != baseline]
    by = {(r["arm"], r["kpi"]): r for r in rows}
    detail: dict[str, Any] = {}
    for arm in others:
        r = by.get((arm, primary))
        rails = check_guardrails(rows, arm, outcomes.guardrails)
        cost = by.get((arm, "cost_total"), {}).get("arm_mean", math.nan)
        detail[arm] = {k: r[k] if r else math.nan for k in ("diff", "ci_low", "ci_high", "rel_lift", "win_share", "p_holm")}
        detail[arm].update(significant=bool(r and r["significant"]), guardrails=rails,
                           guardrails_ok=all(g["ok"] for g in rails), cost_total=cost)
    improved = [a for a in others if detail[a]["significant"] and improves(detail[a]["diff"], better)]
    winners = [a for a in improved if detail[a]["guardrails_ok"]]
    winner = max(winners, key=lambda a: abs(detail[a]["diff"])) if winners else None
    distinguishable = any(detail[a]["significant"] for a in others)
    out = {"primary": primary, "baseline": baseline, "winner": winner, "distinguishable": distinguishable,
           "arms": detail, "sentence": ""}
    out["sentence"] = sentence(out, by, better, improved)
    return out


def sentence(v: dict[str, Any], by: dict, better: str, improved: list[str]) -> str:
    """The verdict in one plain sentence for a strategist."""
    primary, base, arms = v["primary"], v["baseline"], v["arms"]
    if not arms:
        return "Only one arm was run, so there is nothing to compare."

    def effect(arm: str) -> str:
        a = arms[arm]
        n = by[(arm, primary)]["n"]
        lift = f", {a['rel_lift']:+.0%}" if math.isfinite(a["rel_lift"]) else ""
        share = f"; better in {round(a['win_share'] * n)} of {n} paired replications" if math.isfinite(a["win_share"]) else ""
        return (f"{primary} {fmt(a['diff'], sign=True)} vs {base} (95% CI {fmt(a['ci_low'])} to "
                f"{fmt(a['ci_high'])}{lift}{share})")

    if better == "neither":
        moved = [a for a in arms if arms[a]["significant"]]
        what = f"{', '.join(moved)} move{'s' if len(moved) == 1 else ''} it significantly" if moved else "no arm moves it beyond noise"
        return f"{primary} has no better direction, so no arm can win on it; {what}."
    if v["winner"]:
        w = v["winner"]
        rails = " and breaks no guardrail" if arms[w]["guardrails"] else ""
        return f"{w} wins: {effect(w)}, significant after Holm correction{rails}."
    if improved:
        a = max(improved, key=lambda x: abs(arms[x]["diff"]))
        broken = "; ".join(g["detail"] for g in arms[a]["guardrails"] if not g["ok"])
        return f"No arm wins: {a} improves {effect(a)}, but fails a guardrail ({broken})."
    worse = [a for a in arms if arms[a]["significant"]]
    if worse:
        return (f"No arm beats {base}: {', '.join(worse)} {'does' if len(worse) == 1 else 'do'} significantly worse on "
                f"{primary}, and the rest are not distinguishable from noise.")
    best = max(arms, key=lambda x: arms[x]["diff"] * (1 if better == "higher" else -1)
               if math.isfinite(arms[x]["diff"]) else -math.inf)
    return (f"Not distinguishable from noise: no arm differs significantly from {base} on {primary} "
            f"(closest to a gain: {best}, {effect(best)}).")


def analyse(runs: pd.DataFrame, arms: Sequence[str], baseline: str, outcomes: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The `comparisons` list and the `verdict` of summary.json."""
    rows = compare(runs, arms, baseline)
    return rows, verdict(rows, arms, baseline, outcomes)


def half_width(runs: pd.DataFrame, arms: Sequence[str], baseline: str, kpi: str) -> float:
    """Widest CI half-width of the paired difference on `kpi` over the arms (adaptive replication).

    With a single arm there is no difference: the CI of its mean is used instead.
    """
    others = [a for a in arms if a != baseline]
    widths = []
    if not others:
        x = runs.loc[runs["arm"] == baseline, kpi].to_numpy(float)
        lo, hi = bootstrap_ci(x[np.isfinite(x)])
        widths.append((hi - lo) / 2)
    for arm in others:
        x, y = pairs(runs, arm, baseline, kpi)
        lo, hi = bootstrap_ci(y - x)
        widths.append((hi - lo) / 2)
    w = max(widths)
    return w if math.isfinite(w) else math.inf


# ---- wording -------------------------------------------------------------------------------------
def fmt(x: float, sign: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    s = f"{x:+,.0f}" if abs(x) >= 1000 else f"{x:+.3g}"
    return s if sign else s.lstrip("+")


def fmt_p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _p_phrase(p: float) -> str:
    """'= 0.012' or '< 0.001', to follow 'p' in a sentence."""
    text = fmt_p(p)
    return f"< {text[1:]}" if text.startswith("<") else f"= {text}"
