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

from pydantic import BaseModel  # noqa: E402

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
    top = [r for r in describe(World, "world.") if r["path"].count(".") == 1]  # fields of the world itself (world.start)
    if top:
        out.append("**`world`** — where the community starts\n")
        out.append(table(["parameter", "default", "unit", "meaning", "kind", "source"],
                         [[f"`{r['path']}`", f"`{r['default']}`", r["unit"], r["meaning"], r["kind"], r["source"]] for r in top]))
        out.append("")
    for section, field in World.model_fields.items():
        if not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            continue
        rows = describe(field.annotation, f"world.{section}.")
        out.append(f"**`world.{section}`** — {field.annotation.__doc__.strip().splitlines()[0]}\n")
        out.append(table(["parameter", "default", "unit", "meaning", "kind", "source"],
                         [[f"`{r['path']}`", f"`{r['default']}`", r["unit"], r["meaning"], r["kind"], r["source"]] for r in rows]))
        out.append("")
    return "\n".join(out).rstrip()


def kpis() -> str:
    return table(["KPI", "meaning", "unit", "better"], [[f"`{k.name}`", k.meaning, k.unit, k.better] for k in KPIS.values()])


def calibration(reps: int = 8) -> str:
    """The default model's figures next to the published ones, measured as the tests measure them.

    Published figures: the default world (20,000 people), 90 days, seeds 1..reps
    (tests/test_domain_figures.py; `make test` uses seeds 1-4, `make test-slow` 1-12).
    Mechanism switches: the closed worlds of tests/test_mechanisms.py. A few seconds.
    """
    import numpy as np

    from agents import strategies
    from agents.community import NEVER
    from agents.world import World
    from sim.model import CommunityModel
    from sim.outcomes import measure

    days, seeds = 90, range(1, reps + 1)
    default = World()
    plain = [CommunityModel(default, seed=s).run(days) for s in seeds]
    packets = [CommunityModel(default, strategies.build([{"red_packet": {}}]), seed=s).run(days) for s in seeds]
    kpis = [measure(m) for m in plain]

    never, top1, next9, unanswered, again, replied = [], [], [], [], [], []
    for m in plain:
        c = m.community
        msgs = np.sort(c.messages[c.ever])[::-1]
        n = len(msgs)
        never.append(np.mean(msgs == 0))
        top1.append(msgs[: max(1, n // 100)].sum() / msgs.sum())
        next9.append(msgs[n // 100: n // 10].sum() / msgs.sum())
        unanswered.append(1 - sum(d["answered"] for d in m.daily) / sum(d["posted"] for d in m.daily))
        seen = (c.first_post != NEVER) & (c.first_post < m.day - 14)
        again.append(c.last_post[seen] > c.first_post[seen])
        replied.append(c.first_replied[seen])
    again, replied = np.concatenate(again), np.concatenate(replied)
    exposed = sum(m.exposed_by_k for m in plain)
    joined = sum(m.joined_by_k for m in plain)
    pk = ", ".join(f"{p:.3f}" for p in joined[1:7] / exposed[1:7])
    muted = np.mean([k["muted_share_final"] for k in kpis])
    left = np.mean([k["left_total"] / k["joined_total"] for k in kpis])
    lift = np.array([measure(a)["dau_mean"] - k["dau_mean"] for a, k in zip(packets, kpis)])

    def closed(**over) -> World:  # tests/test_mechanisms.py: 300 strangers, nobody arrives, nothing forwarded
        base = {"population": {"size": 3000}, "arrivals": {"per_day": 0}, "spreading": {"forward_rate": 0}}
        for section, values in over.items():
            base.setdefault(section, {}).update(values)
        return World.model_validate(base)

    def week3(world: World) -> float:
        weeks = np.array([[np.mean([d["dau"] for d in CommunityModel(world, seed=s).run(21).daily[7 * i: 7 * i + 7]])
                           for i in (0, 2)] for s in range(6)])
        return weeks[:, 1].mean() / weeks[:, 0].mean()

    def silent(world: World) -> float:
        out = []
        for s in range(6):
            c = CommunityModel(world, seed=s).run(28).community
            early = (c.first_post >= 0) & (c.first_post < 7)
            out.append(np.mean(c.last_post[early] < 21))
        return float(np.mean(out))

    def packet_gap(habituation: float) -> tuple[float, float, float]:
        world = closed(population={"patience_median": 1e6}, response={"thanks_per_grab": 0},
                       satisfaction={"spam_turn_rate": 0, "base_leave_rate": 0, "mute_rate": 0, "silent_mute_rate": 0,
                                     "habituation": habituation})
        daily = [{"red_packet": {"amount": 3000, "shares": 300, "every": 1, "stop": 34}}]
        out = []
        for s in range(4):
            a, b = CommunityModel(world, strategies.build(daily), seed=s), CommunityModel(world, [], seed=s)
            gap = []
            for _ in range(50):
                a.step()
                b.step()
                gap.append(a.community.members.satisfaction.mean() - b.community.members.satisfaction.mean())
            out.append((np.mean(gap[:7]), np.mean(gap[28:35]), np.mean(gap[40:])))
        return tuple(np.mean(out, axis=0))

    def ads(turn=None) -> tuple[float, int]:  # tests/test_mechanisms.py: patient members, weak norms (0.4)
        world = closed(population={"patience_median": 60}, groups={"norms": 0.4},
                       satisfaction={} if turn is None else {"spam_turn_rate": turn})
        share, fell = [], 0
        for s in range(6):
            m = CommunityModel(world, seed=s).run(90)
            spam = sum(d["spam"] for d in m.daily[-14:])
            share.append(spam / max(1, spam + sum(d["messages"] for d in m.daily[-14:])))
            fell += measure(m)["collapsed"]
        return float(np.mean(share)), fell

    def bystander(groups: int, members: int) -> tuple[float, float]:
        w = World.model_validate({"population": {"size": 3000}, "groups": {"initial": groups, "initial_members": members},
                                  "arrivals": {"per_day": 0}, "spreading": {"forward_rate": 0.0}})
        msgs = np.mean([sum(d["messages"] for d in CommunityModel(w, seed=s).run(30).daily) for s in range(4)])
        return msgs / (groups * members), msgs / groups

    pct = lambda x: f"{100 * np.mean(x):.0f}%"  # noqa: E731
    on, off = packet_gap(0.8), packet_gap(0.0)
    ads_on, ads_off = ads(), ads(0.0)  # the test switches turning to ads off
    (sm, sg), (bm, bg) = bystander(10, 30), bystander(1, 300)
    rows = [
        ["joining vs friends in the community (k = 1…6)", "rises with diminishing returns (Backstrom et al. 2006)",
         f"P(join) = {pk}", "P(2) > P(1) beyond 2 s.e.; step 3→4 < step 1→2"],
        ["people who joined and never posted", "> 75% (van Mierlo 2014)", f"{pct(never)} after {days} days", "≥ 75% ✗"],
        ["messages by the top 1%", "74.7% (van Mierlo 2014)", pct(top1), "±5 points"],
        ["messages by the next 9%", "24.0% (van Mierlo 2014)", pct(next9), "±5 points"],
        ["posts with no reply", "about 40% (Burke et al. 2007)", pct(unanswered), "±8 points"],
        ["newcomers who post again, first post answered / not", "56% / 44%: +12 points (Joyce & Kraut 2006)",
         f"{pct(again[replied])} / {pct(again[~replied])}: {100 * (again[replied].mean() - again[~replied].mean()):+.1f} points",
         "+12 ± 6 points ✗"],
        ["members who muted their group", "74.6% mute groups (China Youth Daily 2020; people in 10-30 groups)",
         f"{pct(muted)} by day {days}", "±10 points ✗"],
        ["people who left", "38.4% actively leave groups (China Youth Daily 2020)", f"{pct(left)} of joiners by day {days}",
         "±10 points ✗"],
        ["weekly red packets and conversation", "raise participation (Yuan et al. 2017)",
         f"dau_mean {lift.mean():+.2f} a day (higher in {int((lift > 0).sum())} of {len(lift)} paired runs)",
         "higher in every run ✗"],
        ["bystanders: 10 groups of 30 vs 1 of 300", "fewer replies per person, not in proportion (Blair et al. 2005)",
         f"messages per member {sm:.1f} vs {bm:.1f}; per group {sg:.0f} vs {bg:.0f}", "per member lower, per group higher"],
        ["honeymoon, closed group: week-3 / week-1 DAU", "lively first days, quiet after a week (seed 000)",
         f"{week3(closed()):.2f} with novelty; {week3(closed(novelty={'effect': 0})):.2f} with `novelty.effect: 0`",
         "< 0.7 on; > 0.8 off"],
        ["falling silent, closed group: week-1 posters silent in week 4", "most fall silent after a week (seed 000)",
         f"{pct(silent(closed()))} with novelty; {pct(silent(closed(novelty={'effect': 0})))} without", "on > off by 10 points"],
        ["habituation, closed group: satisfaction lift of a daily packet, week 1 / week 5 / 6-15 days after it stops",
         "the same packet buys less; stopping disappoints (seeds 000, 004)",
         f"{on[0]:+.2f} / {on[1]:+.2f} / {on[2]:+.2f}; with `habituation: 0` {off[0]:+.2f} / {off[1]:+.2f} / {off[2]:+.2f}",
         "on: week 5 < 2 × week 1, after < 0; off: the opposite"],
        ["slide into an ad group, closed group of patient members, norms 0.4: ad share of the last 2 weeks",
         "without enforced rules a group becomes an ad group (seeds 001/003/004)",
         f"{pct(ads_on[0])}, {ads_on[1]} of 6 collapsed; with `spam_turn_rate: 0` {pct(ads_off[0])}, {ads_off[1]} collapsed",
         "on: > 10% and ≥ 1 collapse; off: no ads, none"],
    ]
    return table(["pattern", "published", "default model", "test"], rows)


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


def published_fit() -> str:
    """The committed fit of the default world to published figures (calibration/published/calibration.json)."""
    import json

    doc = json.loads((ROOT / "calibration" / "published" / "calibration.json").read_text())
    default = {r["path"]: r for r in describe(World, "world.")}
    rows = []
    for path, p in doc["posterior"].items():
        prior = f"{p['prior_low']:g} – {p['prior_high']:g}" + (" (log)" if p["scale"] == "log" else "")
        edge = f", at the {p['at_prior_edge']} end of the prior" if p["at_prior_edge"] else ""
        rows.append([f"`{path}`", prior, f"{p['median']:.3g}", f"{p['q05']:.3g} – {p['q95']:.3g}", p["verdict"] + edge,
                     f"`{default[path]['default']}` ({default[path]['kind']})"])
    params = table(["parameter", "prior", "posterior median", "90% interval", "what the data did", "default now"], rows)
    check = doc["predictive_check"]
    stats = table(["statistic", "target", f"simulated from the posterior ({check['draws']} runs): 5% – 95% (median)", "check"],
                  [[f"`{k}`", f"{v['observed']:g}", f"{v['q05']:.3f} – {v['q95']:.3f} ({v['median']:.3f})",
                    "pass" if v["pass"] else "**fail**"] for k, v in check["statistics"].items()])
    gens = doc["generations"]
    note = (f"{doc['simulations']} simulations in {len(gens)} generations of {doc['settings']['budget']['particles']} "
            f"particles, {doc['wall_seconds'] / 60:.0f} minutes on {doc['workers']} workers, finished {doc['finished']}.")
    return "\n\n".join([params, stats, note])


BLOCKS = {"world-parameters": world_parameters, "kpis": kpis, "calibration": calibration,
          "levers": levers, "lever-timing": lever_timing, "statistics": statistics,
          "plausible-ranges": plausible_ranges, "published-fit": published_fit}


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
