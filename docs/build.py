"""Regenerate the generated blocks of the docs from the code (`make docs`).

A block is the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
tests/test_docs.py fails when a block is out of date, so the docs cannot drift from the
parameters, KPIs and levers they describe.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.params import describe  # noqa: E402
from agents.world import World  # noqa: E402
from sim.outcomes import KPIS  # noqa: E402


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def world_parameters() -> str:
    """One table per world section: parameter, default, unit, meaning, kind, source."""
    out = []
    for section, field in World.model_fields.items():
        rows = describe(field.annotation, f"world.{section}.")
        out.append(f"**`world.{section}`** — {field.annotation.__doc__.strip().splitlines()[0]}\n")
        out.append(table(["parameter", "default", "unit", "meaning", "kind", "source"],
                         [[f"`{r['path']}`", f"`{r['default']}`", r["unit"], r["meaning"], r["kind"], r["source"]] for r in rows]))
        out.append("")
    return "\n".join(out).rstrip()


def kpis() -> str:
    return table(["KPI", "meaning", "unit", "better"], [[f"`{k.name}`", k.meaning, k.unit, k.better] for k in KPIS.values()])


def calibration(reps: int = 20) -> str:
    """The default model's figures next to the published ones (baseline scenario, `reps` runs)."""
    import numpy as np

    from sim.model import CommunityModel
    from sim.outcomes import measure
    from sim.runner import rep_seed
    from sim.scenario import load

    s = load(ROOT / "scenarios" / "baseline.yaml").scenario
    never, top1, top10, w2, w3, muted = [], [], [], [], [], []
    exposed = joined = 0
    for r in range(reps):
        m = CommunityModel(s.world, seed=rep_seed(s.seed, r)).run(s.days)
        msgs = np.sort(m.community.messages[m.community.ever])[::-1]
        never.append((msgs == 0).mean())
        top1.append(msgs[: len(msgs) // 100].sum() / msgs.sum())
        top10.append(msgs[: len(msgs) // 10].sum() / msgs.sum())
        dau = [d["dau"] for d in m.daily]
        w2.append(np.mean(dau[7:14]) / np.mean(dau[:7]))
        w3.append(np.mean(dau[14:21]) / np.mean(dau[:7]))
        muted.append(measure(m)["muted_share_final"])
        exposed, joined = exposed + m.exposed_by_k, joined + m.joined_by_k
    pk = ", ".join(f"{p:.3f}" for p in joined[1:7] / exposed[1:7])
    pct = lambda x: f"{100 * np.mean(x):.0f}%"  # noqa: E731
    rows = [
        ["joining vs friends inside (k = 1…6)", "rises and levels off (Backstrom et al. 2006)", f"P(join) = {pk}", "P(2) > P(1) beyond 2 s.e.; P(4)/P(1) < 3"],
        ["members who never posted", "> 75% (van Mierlo 2014)", f"{pct(never)} after {s.days} days", "> 50%"],
        ["messages by the top 1%", "74.7% (van Mierlo 2014)", pct(top1), "— (documented gap)"],
        ["messages by the top 10%", "98.7% (74.7% + 24.0%)", pct(top10), "> 80%"],
        ["honeymoon and decay", "lively first days, quiet after a week (seed 000)",
         f"week-2 / week-1 DAU = {np.mean(w2):.2f}, week-3 / week-1 = {np.mean(w3):.2f}", "week 3 < 0.8 × week 1"],
        ["overload → muting", "73.2% disturbed, 74.6% mute (CYD 2020)", f"{pct(muted)} of members muted their group; less attention → more muting",
         "paired: more mutes with less attention, every seed"],
        ["bystander effect", "fewer replies per person in bigger audiences, not proportionally (Blair et al. 2005)",
         "per-member posts fall with size, group totals rise", "both directions"],
    ]
    return table(["pattern", "published", "default model", "test tolerance"], rows)


def levers() -> str:
    from agents.strategies.catalogue import markdown_levers

    return markdown_levers()


def lever_timing() -> str:
    from agents.strategies.catalogue import markdown_timing

    return markdown_timing()


def statistics() -> str:
    """The calibration statistics, as sim/statistics.py defines them."""
    from sim.statistics import DEFINITIONS

    return table(["statistic", "definition"], [[f"`{k}`", v] for k, v in DEFINITIONS.items()])


def plausible_ranges() -> str:
    """The ranges `qunsim run --robust` draws from (sim/uncertainty.py)."""
    from sim.uncertainty import PLAUSIBLE

    rows = describe(World, "world.")
    default = {r["path"]: r["default"] for r in rows}
    return table(["parameter", "default", "plausible range", "drawn", "why"],
                 [[f"`{p}`", f"`{default[p]}`", f"{lo:g} – {hi:g}", "uniform in log" if scale == "log" else "uniform", why]
                  for p, (lo, hi, scale, why) in PLAUSIBLE.items()])


BLOCKS = {"world-parameters": world_parameters, "kpis": kpis, "calibration": calibration,
          "levers": levers, "lever-timing": lever_timing, "statistics": statistics,
          "plausible-ranges": plausible_ranges}


def render(text: str) -> str:
    for name, make in BLOCKS.items():
        start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        text = pattern.sub(lambda m: f"{start}\n{make()}\n{end}", text)
    return text


def main() -> None:
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        if path.exists():
            old = path.read_text(encoding="utf-8")
            new = render(old)
            if new != old:
                path.write_text(new, encoding="utf-8")
                print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
