"""Plain-language sentences: numbers with their units, the verdict, and the scenario in words."""

from __future__ import annotations

import math
import sys
from typing import Any

from agents import strategies

from ..outcomes import BINARY, COLLAPSE_WINDOW, KPIS
from .i18n import Words


# ---- numbers -------------------------------------------------------------------------------------
def _num(x: float, signed: bool = False) -> str:
    """A number as people write it: thousands separated, whole numbers without decimals, 3 significant digits."""
    sign = "+" if signed else ""
    if abs(x) >= 100 or (x == round(x) and abs(x) < 1e15):
        return f"{x:{sign},.0f}"
    if abs(x) >= 10:
        return f"{x:{sign}.1f}"
    if x == 0:
        return "0"
    return f"{x:{sign}.3g}" if abs(x) >= 0.001 else f"{x:{sign}.2g}"


def value(x: Any, unit: str, w: Words, bare: bool = False) -> str:
    """A KPI value with its unit, as a reader says it: shares in %, money with its currency.
    `bare` leaves out a unit word (tables name the unit once in their first column)."""
    if x is None or not isinstance(x, (int, float)) or math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞"
    if unit in ("share", BINARY):  # the mean of a yes/no over runs is a share of runs
        return f"{100 * x:.1f}%"
    if unit == "0-1":
        return f"{x:.3f}"
    number = f"{x:,.0f}" if abs(x) >= 100 else _num(x)
    return number if bare or unit not in _SPOKEN_UNITS else f"{number} {w.unit(unit)}"


def delta(x: Any, unit: str, w: Words, bare: bool = False) -> str:
    """A signed difference: shares in percentage points."""
    if x is None or not isinstance(x, (int, float)) or math.isnan(x):
        return "–"
    if unit in ("share", BINARY):
        return f"{100 * x:+.1f}" + ("" if bare else " 个百分点" if w.lang == "zh" else " pp")
    if unit == "0-1":
        return f"{x:+.3f}"
    number = f"{x:+,.0f}" if abs(x) >= 100 else _num(x, True)
    return number if bare or unit not in _SPOKEN_UNITS else f"{number} {w.unit(unit)}"


_SPOKEN_UNITS = ("currency", "currency/person", "days")  # units a sentence says after the number


def percent(x: Any) -> str:
    if x is None or not isinstance(x, (int, float)) or math.isnan(x):
        return "–"
    return f"{100 * x:.0f}%"


def relative(x: Any) -> str:
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "–"
    return f"{100 * x:+.1f}%"


def p_value(p: Any) -> str:
    """"p = 0.012" or "p < 0.001"."""
    if p is None or not isinstance(p, (int, float)) or math.isnan(p):
        return "p = –"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def unit_of(kpi: str) -> str:
    return KPIS[kpi].unit if kpi in KPIS else ""


# ---- the verdict ---------------------------------------------------------------------------------
def rule_words(rule: str, w: Words) -> str:
    """A guardrail rule ("must_not rise", "max 0.1") in the report's language."""
    if w.lang == "en":
        return rule
    kind, _, bound = rule.partition(" ")
    if kind == "must_not":
        return w("rule_no_rise") if bound == "rise" else w("rule_no_fall")
    return w("rule_max" if kind == "max" else "rule_min", v=bound)


def guard_detail(g: dict[str, Any], arm: str, comparisons: list[dict[str, Any]], w: Words) -> str:
    """What a guardrail saw: English as the analysis wrote it, other languages from the comparison."""
    c = next((c for c in comparisons if c["arm"] == arm and c["kpi"] == g["kpi"]), None)
    if w.lang == "en" or c is None:
        return g.get("detail", "")
    unit = unit_of(g["kpi"])
    if g.get("rule", "").startswith("must_not"):
        return w("g_move", kpi=w.kpi(g["kpi"]), diff=delta(c["diff"], unit, w), low=delta(c["ci_low"], unit, w),
                 high=delta(c["ci_high"], unit, w), p=p_value(c.get("p_holm")))
    return w("g_mean", kpi=w.kpi(g["kpi"]), mean=value(c["arm_mean"], unit, w))


def guard_phrase(verdict: dict[str, Any], arm: str | None, w: Words, comparisons: list[dict[str, Any]]) -> str:
    info = (verdict.get("arms") or {}).get(arm or "", {})
    bad = [g for g in info.get("guardrails", []) if not g.get("ok", True)]
    if not bad:
        return w("v_guard_ok") if info.get("guardrails") else ""
    return w("v_guard_bad", which=broken(bad, arm or "", comparisons, w))


def broken(bad: list[dict[str, Any]], arm: str, comparisons: list[dict[str, Any]], w: Words) -> str:
    """The broken guardrails in words (each detail names its KPI)."""
    return "; ".join(guard_detail(g, arm, comparisons, w) or w.kpi(g["kpi"]) for g in bad)


def verdict_sentence(verdict: dict[str, Any], w: Words, n: int, comparisons: list[dict[str, Any]] | None = None) -> str:
    """The one-sentence verdict, built from the verdict's fields (summary.json schema)."""
    comparisons = comparisons or []
    kpi, base = verdict["primary"], verdict["baseline"]
    unit = unit_of(kpi)
    arms = verdict.get("arms") or {}
    winner = verdict.get("winner")
    if winner:
        a = arms[winner]
        return w("v_winner", winner=winner, kpi=w.kpi(kpi), diff=delta(a["diff"], unit, w), baseline=base,
                 low=delta(a["ci_low"], unit, w), high=delta(a["ci_high"], unit, w), win=percent(a.get("win_share")),
                 cost=value(a.get("cost_total"), "currency", w), guard=guard_phrase(verdict, winner, w, comparisons))
    if not verdict.get("distinguishable"):
        return w("v_noise", baseline=base, kpi=w.kpi(kpi), n=n)
    better = KPIS[kpi].better if kpi in KPIS else "neither"
    sign = 1 if better == "higher" else -1 if better == "lower" else 0
    improved = [x for x, a in arms.items() if a.get("significant") and sign * (a.get("diff") or 0) > 0]
    if improved:
        x = max(improved, key=lambda y: abs(arms[y]["diff"]))
        a = arms[x]
        return w("v_guard_fail", arm=x, kpi=w.kpi(kpi), diff=delta(a["diff"], unit, w), low=delta(a["ci_low"], unit, w),
                 high=delta(a["ci_high"], unit, w), which=broken([g for g in a.get("guardrails", []) if not g.get("ok", True)], x, comparisons, w))
    worse = [x for x, a in arms.items() if a.get("significant") and sign * (a.get("diff") or 0) < 0]
    if worse:
        return w("v_worse", baseline=base, arms=", ".join(worse), kpi=w.kpi(kpi))
    return w("v_no_winner", baseline=base, kpi=w.kpi(kpi))


def arm_lines(verdict: dict[str, Any], comparisons: list[dict[str, Any]], cost_base: float, days: int,
              w: Words) -> dict[str, list[str]]:
    """Per arm: how it did against the baseline on the primary KPI, its cost and its guardrails."""
    kpi, base = verdict["primary"], verdict["baseline"]
    unit = unit_of(kpi)
    out: dict[str, list[str]] = {}
    for arm, a in (verdict.get("arms") or {}).items():
        c = next((c for c in comparisons if c["arm"] == arm and c["kpi"] == kpi), {})
        lines = [w("arm_line", arm=arm, baseline=base, kpi=w.kpi(kpi), arm_mean=value(c.get("arm_mean"), unit, w),
                   base_mean=value(c.get("baseline_mean"), unit, w), diff=delta(a.get("diff"), unit, w),
                   low=delta(a.get("ci_low"), unit, w), high=delta(a.get("ci_high"), unit, w), rel=relative(a.get("rel_lift"))),
                 w("arm_wins", win=percent(a.get("win_share")), n=c.get("n", "–"), p=p_value(a.get("p_holm")),
                   sig=w("sig_yes") if a.get("significant") else w("sig_no")),
                 w("arm_cost", days=days, cost=value(a.get("cost_total"), "currency", w), base_cost=value(cost_base, "currency", w))]
        guards = a.get("guardrails") or []
        if not guards:
            lines.append(w("guard_none"))
        elif all(g.get("ok", True) for g in guards):
            lines.append(w("guard_all_ok"))
        for g in guards:
            if not g.get("ok", True):
                lines.append(w("guard_breached", kpi=w.kpi(g["kpi"]), rule=rule_words(g.get("rule", ""), w),
                               detail=guard_detail(g, arm, comparisons, w)))
        out[arm] = lines
    return out


# ---- the risk of collapse -----------------------------------------------------------------------
def collapse_line(risk: dict[str, dict[str, float]], w: Words) -> str:
    """Every arm's probability of collapse with its 95% interval, in one line ("" if not measured)."""
    if not risk:
        return ""
    arms = [w("collapse_arm", arm=arm, p=percent(r["p"]), low=f"{100 * r['ci_low']:.0f}", high=f"{100 * r['ci_high']:.0f}",
              k=r["collapsed"], n=r["runs"]) for arm, r in risk.items()]
    return w("collapse_risk", arms=w("list_sep").join(arms))


def collapse_warnings(risk: dict[str, dict[str, float]], w: Words) -> list[str]:
    """Plain words for each arm that collapsed at least once, and, where only some of its runs did,
    why its means then mislead (the outcome is two-sided)."""
    lines = [w("collapse_warn", arm=arm, k=r["collapsed"], n=r["runs"], window=COLLAPSE_WINDOW)
             for arm, r in risk.items() if r["collapsed"]]
    some = any(0 < r["collapsed"] < r["runs"] for r in risk.values())
    return lines + [w("collapse_bimodal")] * some


# ---- the scenario in words -----------------------------------------------------------------------
def world_words(scenario: dict[str, Any], w: Words) -> list[str]:
    """The world as four sentences: population, network, groups, arrivals (and how it is run)."""
    world = scenario.get("world", {})
    pop, net, grp, arr = (world.get(k, {}) for k in ("population", "network", "groups", "arrivals"))
    overflow = w("overflow_new_group") if grp.get("overflow", "new_group") == "new_group" else w("overflow_turn_away")
    return [
        w("w_population", size=f"{pop.get('size', 0):,}", interest=pop.get("interest_mean", "–"),
          attention=_num(pop.get("attention_median", math.nan)), patience=_num(pop.get("patience_median", math.nan))),
        w("w_network", kind=w.network(net.get("kind", "")), degree=_num(net.get("mean_degree", math.nan))),
        w("w_groups", initial=grp.get("initial", "–"), members=grp.get("initial_members", "–"), cap=grp.get("cap", "–"), overflow=overflow),
        w("w_arrivals", per_day=_num(arr.get("per_day", math.nan))),
        w("w_run", days=scenario.get("days", "–"), reps=scenario.get("replications", "–")),
    ]


def _flat(d: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(d, dict):
        return {prefix.rstrip("."): d}
    out: dict[str, Any] = {}
    for k, v in d.items():
        out.update(_flat(v, f"{prefix}{k}."))
    return out


def world_differences(world: dict[str, Any], baseline_world: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(dotted parameter, this arm's value, the baseline's value) where an arm's world differs."""
    mine, base = _flat(world, "world."), _flat(baseline_world, "world.")
    return [(k, mine[k], base.get(k)) for k in mine if mine[k] != base.get(k)]


def levers(strategy: list[Any]) -> list[dict[str, Any]]:
    """Each lever of a strategy list with its parameters (defaults filled in) and their meanings."""
    out = []
    for item in strategy or []:
        name, params = (item, {}) if isinstance(item, str) else next(iter(item.items()))
        params = params or {}
        cls = strategies.REGISTRY.get(name)
        rows = []
        if cls is not None:
            try:
                resolved = cls.Params.model_validate(params).model_dump(mode="json")
            except Exception:  # a lever whose parameters changed since the run: show what was stored
                resolved = params
            fields = cls.Params.model_fields
            for key, v in _flat(resolved).items():
                top = key.split(".")[0]
                field = fields.get(top)
                extra = (field.json_schema_extra or {}) if field is not None else {}
                unit = extra.get("unit", "") if isinstance(extra, dict) else ""
                rows.append({"name": key, "value": _show(v), "unit": "" if unit == "-" else unit,
                             "meaning": (field.description or "") if field is not None else "", "set": top in params})
            doc = _first_line(cls.__doc__) or _first_line(getattr(sys.modules.get(cls.__module__), "__doc__", None))
        else:
            rows = [{"name": k, "value": _show(v), "unit": "", "meaning": "", "set": True} for k, v in _flat(params).items()]
            doc = ""
        out.append({"name": name, "summary": doc, "params": rows})
    return out


def _first_line(doc: str | None) -> str:
    lines = (doc or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def _show(v: Any) -> str:
    if isinstance(v, float):
        return _num(v)
    if isinstance(v, list):
        return ", ".join(_show(x) for x in v)
    if v is None:
        return "–"
    return str(v)
