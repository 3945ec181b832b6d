"""The results store: finished runs land on disk one by one, and a directory is whole or marked partial.

Layout of a run directory (while running it is `<dir>.partial`, renamed when complete):
    scenario.resolved.yaml   the scenario as run (arms resolved)
    parts/<run_id>/*.parquet one folder per finished run, written atomically
    manifest.jsonl           one line per finished run: run_id, arm, rep, seed
    runs.parquet daily.parquet groups.parquet invitations.parquet joining.parquet people.parquet summary.json
Ctrl-C or a dead worker loses only the runs in flight; `--resume` skips what the manifest holds.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .outcomes import KPIS
from .runner import RunResult

TABLES = ("daily", "groups", "invitations", "joining", "people")
PARTIAL = ".partial"


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _atomic_text(text: str, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class Store:
    """A run directory being filled."""

    def __init__(self, final: Path):
        self.final = Path(final)
        self.dir = self.final if self.final.name.endswith(PARTIAL) else self.final.with_name(self.final.name + PARTIAL)
        if self.dir.name.endswith(PARTIAL):
            self.final = self.dir.with_name(self.dir.name.removesuffix(PARTIAL))
        if self.final.exists() and not self.dir.exists():
            raise FileExistsError(f"{self.final} already holds results; choose another --out")
        (self.dir / "parts").mkdir(parents=True, exist_ok=True)

    @classmethod
    def resume(cls, path: Path) -> "Store":
        path = Path(path)
        if not path.exists() and Path(str(path) + PARTIAL).exists():
            path = Path(str(path) + PARTIAL)
        if not path.exists():
            raise FileNotFoundError(f"{path}: nothing to resume — give a results directory of an interrupted run")
        if not path.name.endswith(PARTIAL):
            # a finished directory: reopen it as partial so new runs can be added
            os.replace(path, path.with_name(path.name + PARTIAL))
            path = path.with_name(path.name + PARTIAL)
        return cls(path)

    def finished(self) -> dict[str, dict[str, Any]]:
        manifest = self.dir / "manifest.jsonl"
        if not manifest.exists():
            return {}
        done = {}
        for line in manifest.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                if (self.dir / "parts" / entry["run_id"] / "kpis.parquet").exists():
                    done[entry["run_id"]] = entry
        return done

    def add(self, result: RunResult) -> None:
        job = result.job
        part = self.dir / "parts" / job.run_id
        part.mkdir(exist_ok=True)
        for name in TABLES:
            _atomic_parquet(getattr(result, name), part / f"{name}.parquet")
        kpis = pd.DataFrame([{"arm": job.arm, "rep": job.rep, "seed": job.seed, "run_id": job.run_id, **result.kpis}])
        _atomic_parquet(kpis, part / "kpis.parquet")  # last: its presence marks the part complete
        with open(self.dir / "manifest.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"run_id": job.run_id, "arm": job.arm, "rep": job.rep, "seed": job.seed}) + "\n")

    def write_text(self, name: str, text: str) -> None:
        _atomic_text(text, self.dir / name)

    def table(self, name: str, run_ids: list[str] | None = None) -> pd.DataFrame:
        ids = run_ids if run_ids is not None else list(self.finished())
        frames = [pd.read_parquet(self.dir / "parts" / rid / f"{name}.parquet") for rid in ids]
        frames = [f for f in frames if len(f)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def consolidate(self, run_ids: list[str]) -> None:
        """Write the combined tables, in (arm, rep) order whatever order runs landed in."""
        runs = self.table("kpis", run_ids).sort_values(["arm", "rep"], kind="stable")
        _atomic_parquet(runs, self.dir / "runs.parquet")
        for name in TABLES:
            df = self.table(name, run_ids)
            if len(df):
                df = df.sort_values([c for c in ("arm", "rep", "day", "group") if c in df.columns], kind="stable")
            _atomic_parquet(df, self.dir / f"{name}.parquet")

    def complete(self) -> Path:
        if self.final.exists():
            shutil.rmtree(self.final)
        os.replace(self.dir, self.final)
        return self.final


def arm_summary(runs: pd.DataFrame, arms: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """Per arm and KPI: mean, sd, n and a 95% t-interval for the mean."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for arm in arms:
        rows = runs[runs["arm"] == arm]
        out[arm] = {}
        for name in KPIS:
            x = rows[name].to_numpy(float)
            x = x[np.isfinite(x)]
            n = len(x)
            mean = float(x.mean()) if n else math.nan
            sd = float(x.std(ddof=1)) if n > 1 else 0.0
            half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n > 1 else 0.0
            out[arm][name] = {"mean": mean, "sd": sd, "n": n, "ci_low": mean - half, "ci_high": mean + half}
    return out
