"""The results store: finished runs land on disk one by one, and a directory is whole or marked partial.

Layout of a run directory (while running it is `<dir>.partial`, renamed when complete):
    scenario.resolved.yaml   the scenario as run (arms resolved)
    parts/<run_id>/*.parquet one folder per finished run, written atomically
    manifest.jsonl           one line per finished run: run_id, (point,) arm, rep, seed
    runs.parquet daily.parquet group_days.parquet invitations.parquet joining.parquet people.parquet
    groups.parquet memberships.parquet forwards.parquet summary.json
Ctrl-C or a dead worker loses only the runs in flight; `--resume` skips what the manifest holds.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy import stats

from .outcomes import BINARY, KPIS
from .runner import Job, RunResult
from .stats import proportion_ci

TABLES = ("daily", "group_days", "invitations", "joining", "people", "groups", "memberships", "forwards")
PARTIAL = ".partial"
QUANTILES = {"q05": 0.05, "median": 0.5, "q95": 0.95}  # beside the mean: a few collapsed runs drag a mean, not these


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _atomic_text(text: str, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class Landed:
    """A run whose part a worker has already written: only what the progress bar and manifest need."""

    job: Job
    kpis: dict[str, float]


def _tags(job: Job) -> dict[str, Any]:
    tags = {"arm": job.arm, "rep": job.rep, "seed": job.seed}
    return tags if job.point is None else {"point": job.point, **tags}


def write_part(parts: Path, result: RunResult) -> Landed:
    """Write one run's tables to parts/<run_id>/, kpis.parquet last: its presence marks the part complete.

    Pure file writing, so a local worker process can do it beside the run and hand back
    only a `Landed`: the parent then has little more to do per run than append a line.
    """
    job = result.job
    part = Path(parts) / job.run_id
    part.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        _atomic_parquet(getattr(result, name), part / f"{name}.parquet")
    kpis = pd.DataFrame([{**_tags(job), "run_id": job.run_id, **result.kpis}])
    _atomic_parquet(kpis, part / "kpis.parquet")
    return Landed(job, result.kpis)


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
            try:
                entry = json.loads(line)
            except ValueError:  # a line cut short by a kill: its run is simply run again
                continue
            if (self.dir / "parts" / entry["run_id"] / "kpis.parquet").exists():
                done[entry["run_id"]] = entry
        return done

    def add(self, result: RunResult | Landed) -> None:
        """Record a finished run: write its part (unless a worker already did), then its manifest line."""
        job = result.job
        if not isinstance(result, Landed):
            write_part(self.dir / "parts", result)
        with open(self.dir / "manifest.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"run_id": job.run_id, **_tags(job)}) + "\n")

    def write_text(self, name: str, text: str) -> None:
        _atomic_text(text, self.dir / name)

    def write_table(self, name: str, df: pd.DataFrame) -> None:
        """An analysis table (points, sensitivity, robustness ...) as `<name>.parquet`, atomically."""
        _atomic_parquet(df, self.dir / f"{name}.parquet")

    def table(self, name: str, run_ids: list[str] | None = None) -> pd.DataFrame:
        ids = run_ids if run_ids is not None else list(self.finished())
        parts = [t for t in _read_many([self.dir / "parts" / rid / f"{name}.parquet" for rid in ids]) if t.num_rows]
        return pa.concat_tables(parts, promote_options="permissive").to_pandas() if parts else pd.DataFrame()

    def consolidate(self, run_ids: list[str], tables: tuple[str, ...] = TABLES) -> pd.DataFrame:
        """Write the combined tables, in (point, arm, rep) order whatever order runs landed in.

        runs.parquet (one row per run) is built in memory and returned; the per-day tables
        are streamed part by part, so a sweep of thousands of runs needs the memory of one.
        """
        runs = self.table("kpis", run_ids)
        keys = [c for c in ("point", "arm", "rep") if c in runs.columns]
        runs = runs.sort_values(keys, kind="stable") if len(runs) else runs
        _atomic_parquet(runs, self.dir / "runs.parquet")
        ordered = list(runs["run_id"]) if len(runs) else []
        for name in tables:
            _stream_concat([self.dir / "parts" / rid / f"{name}.parquet" for rid in ordered], self.dir / f"{name}.parquet")
        return runs

    def complete(self) -> Path:
        if self.final.exists():
            shutil.rmtree(self.final)
        os.replace(self.dir, self.final)
        return self.final


def _read_many(paths: list[Path], chunk: int = 64) -> Iterator[pa.Table]:
    """Read many small Parquet files in order with a few threads (Arrow releases the GIL while
    reading, about 2x faster than one by one); at most `chunk` files are held at once."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        for i in range(0, len(paths), chunk):
            yield from pool.map(pq.read_table, paths[i: i + chunk])


def _stream_concat(paths: list[Path], out: Path, batch_rows: int = 1_000_000) -> None:
    """Concatenate Parquet parts into one file in the given order, a batch at a time.

    Each part with a `day` column is sorted by (day, group) where it has them (the others,
    e.g. memberships by person, keep their order); with parts in (point, arm, rep) order that
    is the order a global stable sort would give. Schemas are unified (a column
    missing from a part is null there), so parts from different levers combine.
    """
    parts = [p for p in paths if p.exists() and pq.read_metadata(p).num_rows]
    if not parts:
        _atomic_parquet(pd.DataFrame(), out)
        return
    schema = pa.unify_schemas([pq.read_schema(p) for p in parts], promote_options="permissive")
    tmp = out.with_suffix(".tmp")
    pending: list[pa.Table] = []
    rows = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for t in _read_many(parts):
            sort = [(c, "ascending") for c in ("day", "group") if c in t.column_names] if "day" in t.column_names else []
            if sort:
                t = t.take(pc.sort_indices(t, sort_keys=sort))  # stable in Arrow
            for field in schema:
                if field.name not in t.column_names:
                    t = t.append_column(field.name, pa.nulls(len(t), field.type))
            pending.append(t.select(schema.names).cast(schema))
            rows += len(t)
            if rows >= batch_rows:
                writer.write_table(pa.concat_tables(pending))
                pending, rows = [], 0
        if pending:
            writer.write_table(pa.concat_tables(pending))
    os.replace(tmp, out)


def arm_summary(runs: pd.DataFrame, arms: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """Per arm and KPI: mean, sd, n, a 95% interval for the mean, and the QUANTILES over replications.

    The interval is a t-interval, or for a yes/no KPI (`collapsed`) the Wilson interval of the
    share of runs that said yes.
    """
    out: dict[str, dict[str, dict[str, float]]] = {}
    for arm in arms:
        rows = runs[runs["arm"] == arm]
        out[arm] = {}
        for name, kpi in KPIS.items():
            if name not in rows:
                continue  # results written before this KPI existed
            x = rows[name].to_numpy(float)
            x = x[np.isfinite(x)]
            n = len(x)
            mean = float(x.mean()) if n else math.nan
            sd = float(x.std(ddof=1)) if n > 1 else 0.0
            if kpi.unit == BINARY:
                low, high = proportion_ci(int(x.sum()), n)
            else:
                half = float(stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)) if n > 1 else 0.0
                low, high = mean - half, mean + half
            q = {k: float(np.quantile(x, v)) if n else math.nan for k, v in QUANTILES.items()}
            out[arm][name] = {"mean": mean, "sd": sd, "n": n, "ci_low": low, "ci_high": high, **q}
    return out
