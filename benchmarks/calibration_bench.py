"""Issue 11's speed figure: a 2-parameter calibration to a baseline-world dataset on 2 workers.

    python benchmarks/calibration_bench.py            # the target itself: a budget of 20,000 simulations (~10 min on 2 cores)
    BENCH=quick python benchmarks/calibration_bench.py    # 300 simulations, a sanity run

The data: scenarios/baseline.yaml (20,000 people, a 300-member launch) run once for 30 days at
arrivals.per_day = 8, sociability_median = 0.012. The fit: those two parameters, default
statistics, 200 particles per generation (100 in quick), through `sim.calibrate.fit` exactly as
`qunsim calibrate --workers 2` runs it (pyabc's multicore sampler), predictive check off.
Reports simulations per second, wall time, and the wall time 20,000 simulations take at that
rate (the issue's target is <= 10 minutes; pyabc checks the budget between generations, so a
full run may overshoot 20,000 a little). The machine may be shared: the load average
is printed before and after.
Prints plain lines, then one `json:` line (benchmarks/run.py embeds both).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUICK = os.environ.get("BENCH", "") == "quick"
BUDGET = 300 if QUICK else 20_000
PARTICLES = 100 if QUICK else 200
DAYS = 30
TARGET_SIMS, TARGET_S = 20_000, 600


def main() -> int:
    from sim.api import run_scenario
    from sim.calibrate import fit, load_calibration

    d = Path(tempfile.mkdtemp(prefix="qunsim-calbench-"))
    run_scenario(ROOT / "scenarios" / "baseline.yaml", reps=1, days=DAYS, workers=1, out=d / "data",
                 sets=["world.arrivals.per_day=8", "world.population.sociability_median=0.012"])
    (d / "bench.yaml").write_text(f"""name: bench
scenario: {ROOT / 'scenarios' / 'baseline.yaml'}
data: data
parameters:
  world.arrivals.per_day: {{low: 1, high: 20}}
  world.population.sociability_median: {{low: 0.001, high: 0.05, scale: log}}
budget: {{simulations: {BUDGET}, particles: {PARTICLES}, generations: 20, min_acceptance: 0.0, predictive: 0}}
""")
    load_start = os.getloadavg()[0]
    cal = load_calibration(d / "bench.yaml")
    t = time.perf_counter()
    cpu = time.process_time()
    out = fit(cal, d / "out", workers=2)
    wall = time.perf_counter() - t
    doc = json.loads((out / "calibration.json").read_text())
    sims = doc["simulations"]
    rate = sims / wall
    fig = {"simulations": sims, "wall_s": round(wall, 1), "sims_per_s": round(rate, 2), "workers": 2, "days": DAYS,
           "people": 20_000, "generations": len(doc["generations"]), "particles": PARTICLES,
           "extrapolated_20000_s": round(TARGET_SIMS / rate, 0), "target_met": TARGET_SIMS / rate <= TARGET_S,
           "parent_cpu_s": round(time.process_time() - cpu, 1),
           "load_average": [round(load_start, 2), round(os.getloadavg()[0], 2)],
           "posterior": {k: [round(v["q05"], 4), round(v["median"], 4), round(v["q95"], 4)] for k, v in doc["posterior"].items()}}
    print(f"2-parameter calibration, baseline world (20,000 people, {DAYS} days), 2 workers: {sims} simulations in "
          f"{wall:.0f} s = {rate:.2f} simulations/s; 20,000 take {TARGET_SIMS / rate / 60:.1f} min "
          f"(target <= {TARGET_S // 60} min: {'met' if fig['target_met'] else 'NOT met'}); load average "
          f"{fig['load_average'][0]} at start, {fig['load_average'][1]} at end")
    print(f"posterior (5%, median, 95%): {fig['posterior']} (truth: per_day 8, sociability_median 0.012)")
    print("json:" + json.dumps(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
