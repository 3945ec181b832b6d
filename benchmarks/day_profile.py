"""Where a small simulation's time goes: milliseconds of a day per rule, and of the build.

    python benchmarks/day_profile.py                 # the calibration benchmark's world
    python benchmarks/day_profile.py --set world.arrivals.per_day=4 --runs 10
    python benchmarks/day_profile.py --split        # a day as compiled calls, random draws and the rest

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
import agents.network as network  # noqa: E402
import sim.model as model  # noqa: E402
import sim.statistics as statistics  # noqa: E402
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


def split(world, runs: int, days: int) -> None:
    """A day's time in three: the compiled kernels (and the arrays they hand back), NumPy's random
    draws, and the rest (Python between the calls, NumPy ufuncs and indexing, bookkeeping)."""
    import numpy as np
    from numba.core.registry import CPUDispatcher

    spent = {"kernels": 0.0, "draws": 0.0}
    count = {"kernels": 0, "draws": 0, "arrays": 0}
    inside = [False]  # counting only inside a day (not the build)

    def arrays(r) -> int:
        return 1 if isinstance(r, np.ndarray) else sum(map(arrays, r)) if isinstance(r, tuple) else 0

    def kernel(f):
        def call(*a):
            if not inside[0]:
                return f(*a)
            t = time.perf_counter()
            r = f(*a)
            spent["kernels"] += time.perf_counter() - t
            count["kernels"] += 1
            count["arrays"] += arrays(r)
            return r
        return call

    class Draws:  # a Generator whose method calls are timed
        def __init__(self, rng):
            self._rng = rng

        def __getattr__(self, name):
            f = getattr(self._rng, name)

            def call(*a, **k):
                if not inside[0]:
                    return f(*a, **k)
                t = time.perf_counter()
                r = f(*a, **k)
                spent["draws"] += time.perf_counter() - t
                count["draws"] += 1
                return r
            return call if callable(f) else f

    for mod in (behaviour, community, network, model, statistics):
        for name, f in list(vars(mod).items()):
            if isinstance(f, CPUDispatcher):
                setattr(mod, name, kernel(f))
    stream, step = model.stream, model.CommunityModel.step
    model.stream = lambda *a: Draws(stream(*a))

    def day(self):
        inside[0] = True
        try:
            step(self)
        finally:
            inside[0] = False
    model.CommunityModel.step = day
    model.CommunityModel(world, [], seed=10**6).run(days)  # warm-up: numba loads its kernels
    built = [model.CommunityModel(world, [], seed=s) for s in range(runs)]
    spent.update(kernels=0.0, draws=0.0)
    count.update(kernels=0, draws=0, arrays=0)
    t = time.perf_counter()
    for m in built:
        m.run(days)
    n = runs * days
    us = {k: 1e6 * v / n for k, v in spent.items()}
    whole = 1e6 * (time.perf_counter() - t) / n
    print(f"a day: {whole:.0f} us, of which compiled kernels {us['kernels']:.0f} us ({count['kernels'] / n:.0f} calls, "
          f"{count['arrays'] / n:.0f} arrays handed back), NumPy random draws {us['draws']:.0f} us "
          f"({count['draws'] / n:.0f} calls), the rest {whole - us['kernels'] - us['draws']:.0f} us "
          "(timers included: ~0.5 us a call)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", default=None, help="world override, as for qunsim run")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--split", action="store_true", help="a day as compiled calls, random draws and the rest, instead of by rule")
    a = ap.parse_args()
    sets = a.set or ["world.arrivals.per_day=8", "world.population.sociability_median=0.012"]
    world = scenario.load(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml", overrides=sets).scenario.world
    if a.split:
        return split(world, a.runs, a.days)
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
