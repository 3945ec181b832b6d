"""Where a whole `qunsim run` of small replications spends its time: milliseconds a replication by stage.

    python benchmarks/run_profile.py                      # scenarios/baseline.yaml, 40 replications
    python benchmarks/run_profile.py scenarios/dunbar_split.yaml --reps 20

One worker, in this process, as `qunsim run --workers 1` runs it (the HTML report left out:
it is drawn once per run). A warm-up run of 2 replications first (numba loads its kernels).
Stages: the model's build and days, the run's tables (from the model's columns), its KPIs,
writing its part, combining the parts at the end, and the rest (scenario, jobs, analysis).
`benchmarks/day_profile.py` splits the days by rule. Wall time: take it on a quiet machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim import api, executors, runner, store  # noqa: E402
from sim.model import CommunityModel  # noqa: E402

from day_profile import timed  # noqa: E402  (benchmarks/, the script's own folder)

STAGES = {"build": (CommunityModel, "__init__"), "days": (CommunityModel, "run"), "KPIs": (runner, "measure"),
          "part written": (store, "write_part"), "parts combined": (store.Store, "consolidate")}
TABLES = ("_daily_table", "_group_table", "_people_table", "_groups_once", "_memberships_table", "_forwards_table")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--reps", type=int, default=40)
    a = ap.parse_args()
    spent: dict[str, float] = {}
    for stage, (owner, name) in STAGES.items():
        timed(owner, name, spent, stage)
    for name in TABLES:
        timed(runner, name, spent, "tables")
    api.with_report = lambda directory: directory
    with tempfile.TemporaryDirectory() as tmp:
        api.run_scenario(Path(a.scenario), reps=2, executor=executors.InProcess(), out=Path(tmp) / "warm-up")
        spent.clear()
        t = time.perf_counter()
        out = api.run_scenario(Path(a.scenario), reps=a.reps, executor=executors.InProcess(), out=Path(tmp) / "out")
        whole = time.perf_counter() - t
        runs = len(store.Store(out, {}, -1).finished())
    per = {k: 1000 * v / runs for k, v in spent.items()}
    per["the rest"] = 1000 * whole / runs - sum(per.values())
    print(f"{a.scenario}: {runs} runs (arms x replications) on 1 worker, {whole:.2f} s: {1000 * whole / runs:.1f} ms a run, of which (ms):")
    for stage in ("build", "days", "tables", "KPIs", "part written", "parts combined", "the rest"):
        print(f"  {stage:<15} {per.get(stage, 0.0):6.1f}")


if __name__ == "__main__":
    main()
