"""Run the reference model on a scenario file: `python -m benchmarks.reference FILE [--reps N] [--days D] [--seed S] [--set k=v ...]`.

Prints each replication's KPIs next to the fast engine's mean on the same seeds, so a
reader can see the two engines side by side without the test machinery.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from sim.api import resolve
from sim.model import CommunityModel
from sim.outcomes import measure as fast_measure
from sim.runner import rep_seed

from . import ReferenceModel, measure, member_days


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.reference", description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--days", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--set", dest="sets", action="append", default=[])
    a = ap.parse_args(argv)
    loaded = resolve(a.scenario, a.sets, a.reps, a.seed, a.days)
    s = loaded.scenario
    if s.strategy:
        print(f"{a.scenario}: the reference model has no levers; use a scenario with `strategy: []`", file=sys.stderr)
        return 2
    rows = {"reference": [], "fast": []}
    for rep in range(s.replications):
        seed = rep_seed(s.seed, rep)
        t = time.perf_counter()
        ref = ReferenceModel(s.world, seed=seed).run(s.days)
        dt = time.perf_counter() - t
        rows["reference"].append(measure(ref))
        rows["fast"].append(fast_measure(CommunityModel(s.world, seed=seed, record_groups=False).run(s.days)))
        print(f"rep {rep}: seed {seed}, {member_days(ref.daily):,} member-days in {dt:.1f} s", file=sys.stderr)
    print(f"{'KPI':28s} {'reference':>12s} {'fast':>12s}   (means over {s.replications} replications)")
    for k in rows["reference"][0]:
        r, f = (np.nanmean([x[k] for x in rows[e]]) for e in ("reference", "fast"))
        print(f"{k:28s} {r:12.4g} {f:12.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
