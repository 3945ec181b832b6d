"""Issue 13's figures: many small runs against one big one, whole `qunsim run` each.

    python benchmarks/small_runs_bench.py            # full figures (a few minutes on 2 cores)
    BENCH=quick python benchmarks/small_runs_bench.py    # a sanity run

1. The baseline scenario's replications (scenarios/baseline.yaml, its 10 replications; 40 in
   the full run) on 1 worker, and a 100,000-member world (groups of 100, everyone placed on
   day 0, a year; 30 days in quick) on 1 worker: member-days per second of each, through
   `sim.api.run_scenario` exactly as `qunsim run --workers 1` runs it (build, days, storing
   every table, consolidation, paired analysis), the HTML report left out (it is drawn once
   per run, whatever the number of replications). Target: baseline >= 0.5 x the big world.
2. Baseline-world simulations per second on 2 workers (the baseline scenario, 40 replications;
   10 in quick), same measure.
Each figure runs in its own fresh process, after waiting for a quiet machine, REPEAT times
in turn (baseline, big, 2 workers, again ...); each figure is its fastest: on a shared machine
the same command varies by 20% from one run to the next.
Prints plain lines, then one `json:` line with every figure (benchmarks/run.py embeds both).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
QUICK = os.environ.get("BENCH", "") == "quick"
BASELINE_REPS = 10 if QUICK else 40
BIG_DAYS = 30 if QUICK else 365
TARGET_RATIO = 0.5
REPEAT = 1 if QUICK else 3


def one(what: str, reps: int, workers: int) -> dict:
    """One figure, in this process: a whole run_scenario of `what` (baseline | big)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    import pandas as pd

    from run import world_data
    from sim import api

    api.with_report = lambda directory: directory  # the report is drawn once per run: not a per-run cost
    with tempfile.TemporaryDirectory() as tmp:
        if what == "baseline":
            source = ROOT / "scenarios" / "baseline.yaml"
        else:
            source = Path(tmp) / "big.yaml"
            source.write_text(json.dumps({"name": "big", "days": BIG_DAYS, "replications": 1, "seed": 1,
                                          "world": world_data(100_000, None, 100), "strategy": []}))
        cpu, t = time.process_time(), time.perf_counter()
        out = api.run_scenario(source, reps=reps, workers=workers, out=Path(tmp) / "out")
        wall = time.perf_counter() - t
        cpu = time.process_time() - cpu + _children_cpu()
        daily = pd.read_parquet(out / "daily.parquet", columns=["members"])
        member_days = int(daily["members"].sum())
    return {"what": what, "replications": reps, "workers": workers, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "member_days": member_days, "member_days_per_s": round(member_days / wall),
            "runs_per_s": round(reps / wall, 2),
            "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 3)}


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(what: str, reps: int, workers: int) -> dict:
    from experiments_bench import settle

    busy = settle(5 if QUICK else 45)
    cmd = [sys.executable, str(Path(__file__).resolve()), "one", what, str(reps), str(workers)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    fig["busy_before"] = round(busy, 2)
    fig["command"] = " ".join(["python", "benchmarks/small_runs_bench.py"] + cmd[2:])
    return fig


def main() -> int:
    sys.path.insert(0, str(HERE))
    load0 = os.getloadavg()
    rounds = [(measure("baseline", BASELINE_REPS, 1), measure("big", 1, 1), measure("baseline", BASELINE_REPS, 2))
              for _ in range(REPEAT)]
    base, big, two = (min(takes, key=lambda f: f["wall_s"]) for takes in zip(*rounds))
    for f, takes in zip((base, big, two), zip(*rounds)):
        f["walls_s"] = [t["wall_s"] for t in takes]
    ratio = base["member_days_per_s"] / big["member_days_per_s"]
    met = ratio >= TARGET_RATIO
    for f in (base, big, two):
        print(f"{f['what']:>8}: {f['replications']} replication(s) on {f['workers']} worker(s): {f['wall_s']} s wall, "
              f"{f['member_days']:,} member-days, {f['member_days_per_s']:,} member-days/s, {f['runs_per_s']} runs/s "
              f"(busy before {f['busy_before']}; fastest of {', '.join(map(str, f['walls_s']))} s)")
    print(f"ratio baseline / 100,000-member world: {ratio:.2f} (target >= {TARGET_RATIO}: {'met' if met else 'NOT met'})")
    print(f"baseline-world simulations per second on 2 workers: {two['runs_per_s']}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in load0)} at start, {' '.join(f'{x:.2f}' for x in os.getloadavg())} at end")
    print("json:" + json.dumps({"baseline": base, "big": big, "baseline_2_workers": two, "ratio": round(ratio, 3),
                                "target_ratio": TARGET_RATIO, "met": met, "quick": QUICK}))
    return 0 if met else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "one":
        print(json.dumps(one(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    else:
        sys.exit(main())
