"""How long a strategist waits for a command: whole `qunsim` commands, each in a fresh process.

    python benchmarks/startup_bench.py            # best of 3 per command
    BENCH=quick python benchmarks/startup_bench.py    # best of 1

A command's wall time from the shell, Python's start and every import included, as a user
sees it: `--help`, `params` and `kpis` only describe (target <= 1 s: they load no model);
`validate` reads a scenario and its levers; `run` of the baseline with one replication on one
worker is the smallest real job (model, kernels, storing, report); `report` redraws that
run's report. Each command runs after the machine is quiet, REPEAT times; the figure is the
fastest. Prints plain lines, then one `json:` line (benchmarks/run.py embeds both).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
QUICK = os.environ.get("BENCH", "") == "quick"
REPEAT = 1 if QUICK else 3
DESCRIBE_TARGET_S = 1.0
QUNSIM = [sys.executable, "-m", "sim.cli"]


def commands(tmp: Path) -> list[tuple[str, list[str], float | None]]:
    """(label, arguments, target seconds or None) in the order they are measured."""
    run = tmp / "run"
    return [("qunsim --help", ["--help"], DESCRIBE_TARGET_S),
            ("qunsim params", ["params"], DESCRIBE_TARGET_S),
            ("qunsim kpis", ["kpis"], DESCRIBE_TARGET_S),
            ("qunsim validate scenarios/baseline.yaml", ["validate", "scenarios/baseline.yaml"], None),
            ("qunsim run scenarios/baseline.yaml --reps 1 --workers 1", ["run", "scenarios/baseline.yaml", "--reps", "1",
                                                                       "--workers", "1", "-q", "--out", str(run)], None),
            ("qunsim report DIR (that run's)", ["report", str(run)], None)]


def main() -> int:
    sys.path.insert(0, str(HERE))
    from experiments_bench import settle

    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, args, target in commands(Path(tmp)):
            walls = []
            for _ in range(REPEAT):
                if args[0] == "run":
                    shutil.rmtree(Path(tmp) / "run", ignore_errors=True)
                busy = settle(5 if QUICK else 30)
                t = time.perf_counter()
                subprocess.run(QUNSIM + args, cwd=ROOT, check=True, capture_output=True)
                walls.append(round(time.perf_counter() - t, 2))
            best = min(walls)
            figures.append({"command": label, "wall_s": best, "walls_s": walls, "busy_before": round(busy, 2),
                            "target_s": target, "met": None if target is None else best <= target})
    for f in figures:
        verdict = "" if f["target_s"] is None else f" (target <= {f['target_s']} s: {'met' if f['met'] else 'NOT met'})"
        print(f"{f['command']}: {f['wall_s']} s{verdict} (fastest of {', '.join(map(str, f['walls_s']))} s)")
    print("json:" + json.dumps({"figures": figures, "quick": QUICK}))
    return 0 if all(f["met"] is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
