"""Would several replications' days computed in the same kernel calls be quicker? A measurement.

    python benchmarks/kernel_replay.py          # scenarios/baseline.yaml, day 45 of 8 replications

Records every compiled call of one day (its arguments copied) in each of 8 baseline
replications, then replays the copies two ways: (a) replication by replication, each kernel
once per day as the model calls them, with 8 MB of other memory touched between days (the
Python and NumPy work between a day's calls); (b) kernel by kernel, the same kernel on the 8
replications' days in a row, as a batched day would run it (warm code, warm branch
predictors; its dispatch would be paid once, which this does not count). Then each kernel's
share of a day. Wall time: take it on a quiet machine, several times.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import agents.behaviour as behaviour  # noqa: E402
import agents.community as community  # noqa: E402
import agents.network as network  # noqa: E402
import sim.model as model  # noqa: E402
from numba.core.registry import CPUDispatcher  # noqa: E402
from sim import scenario  # noqa: E402

REPS, DAY, ROUNDS = 8, 45, 5


def copied(a):
    """A copy of a kernel's argument with the same flags (a read-only array stays read-only: the same compiled version)."""
    if isinstance(a, np.ndarray):
        b = a.copy()
        b.flags.writeable = a.flags.writeable
        return b
    return tuple(map(copied, a)) if isinstance(a, tuple) else a


def record() -> tuple[list[list[tuple]], list]:
    """(kernel, copied arguments) of every compiled call of day DAY, per replication; and the
    models, which own the bit generators the kernels draw from (keep them alive)."""
    calls: list | None = None
    kernels = [(mod, name, f) for mod in (behaviour, community, network, model)
               for name, f in list(vars(mod).items()) if isinstance(f, CPUDispatcher)]

    def recorder(f):
        def call(*a):
            if calls is not None:
                calls.append((f, copied(a)))
            return f(*a)
        return call

    world = scenario.load(ROOT / "scenarios" / "baseline.yaml").scenario.world
    days, kept = [], []
    for seed in range(REPS):
        m = model.CommunityModel(world, [], seed=seed)
        m.run(DAY)
        for mod, name, f in kernels:
            setattr(mod, name, recorder(f))
        calls = []
        m.step()
        days.append(calls)
        calls = None
        for mod, name, f in kernels:
            setattr(mod, name, f)
        kept.append(m)
    return days, kept


def main() -> None:
    days, _models = record()
    fresh = lambda: [[(f, copied(a)) for f, a in d] for d in days]  # noqa: E731
    other = np.ones(1 << 20)
    as_now, batched = [], []
    for _ in range(ROUNDS):
        todo, spent = fresh(), 0.0
        for d in todo:
            t = time.perf_counter()
            for f, a in d:
                f(*a)
            spent += time.perf_counter() - t
            other.sum()  # the work between days
        as_now.append(spent)
        todo = fresh()
        t = time.perf_counter()
        for k in range(max(map(len, todo))):
            for d in todo:
                if k < len(d):
                    d[k][0](*d[k][1])
        batched.append(time.perf_counter() - t)
    print(f"day {DAY} of {REPS} baseline replications ({', '.join(str(len(d)) for d in days)} compiled calls)")
    print(f"(a) replication by replication, as now: {1e6 * min(as_now) / REPS:.0f} us a day")
    print(f"(b) kernel by kernel over the {REPS} replications: {1e6 * min(batched) / REPS:.0f} us a day")
    each: dict[str, float] = defaultdict(float)
    for d in fresh():
        for f, a in d:
            t = time.perf_counter()
            f(*a)
            each[f.py_func.__name__] += time.perf_counter() - t
    print("each kernel, replication by replication (us a day):")
    for name, s in sorted(each.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<24} {1e6 * s / REPS:6.1f}")


if __name__ == "__main__":
    main()
