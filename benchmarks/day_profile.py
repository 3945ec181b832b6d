"""Where a small simulation's time goes: milliseconds of a day per rule, and of the build.

    python benchmarks/day_profile.py                 # the calibration benchmark's world
    python benchmarks/day_profile.py --set world.arrivals.per_day=4 --runs 10

Each rule (agents/behaviour.py, agents/community.py, sim/model.py) is wrapped in a timer; the
world is scenarios/baseline.yaml with the calibration benchmark's truth (8 arrivals a day,
sociability_median 0.012) unless --set says otherwise. One warm-up simulation first (numba
loads its kernels), then --runs simulations of --days days. Wall time: take it on a quiet machine.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import agents.behaviour as behaviour  # noqa: E402
import agents.community as community  # noqa: E402
import sim.model as model  # noqa: E402
from sim import scenario  # noqa: E402

RULES = {behaviour: ("arrivals", "admit", "post", "read", "learn", "feel", "react", "forward", "invite",
                     "update_groups", "close_deserted", "create_groups"),
         community.Community: ("join", "leave", "place", "forwarded"),
         model.CommunityModel: ("step", "_measure", "_group_row")}


def timed(owner, name: str, spent: dict[str, float], key: str | None = None) -> None:
    """Wrap owner.name so that its wall time adds up in spent[key or name]."""
    f = getattr(owner, name)
    key = key or name

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - t

    setattr(owner, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", default=None, help="world override, as for qunsim run")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--days", type=int, default=30)
    a = ap.parse_args()
    sets = a.set or ["world.arrivals.per_day=8", "world.population.sociability_median=0.012"]
    world = scenario.load(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml", overrides=sets).scenario.world
    spent: dict[str, float] = {}
    for owner, names in RULES.items():
        for name in names:
            timed(owner, name, spent)
    model.CommunityModel(world, [], seed=10**6).run(a.days)  # warm-up: numba loads (or compiles) its kernels
    spent.clear()
    build = 0.0
    t0 = time.perf_counter()
    for seed in range(a.runs):
        t = time.perf_counter()
        m = model.CommunityModel(world, [], seed=seed)
        build += time.perf_counter() - t
        m.run(a.days)
    whole = time.perf_counter() - t0
    per_day = {k: round(1000 * v / a.runs / a.days, 3) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}
    print(f"world: baseline with {', '.join(sets)}; {a.runs} simulations of {a.days} days")
    print(f"one simulation: {1000 * whole / a.runs:.1f} ms (build {1000 * build / a.runs:.1f} ms); "
          f"a day: {per_day.pop('step')} ms, of which (ms):")
    for k, v in per_day.items():
        print(f"  {k:<15} {v:.3f}")


if __name__ == "__main__":
    main()
