"""The results store: finished runs land on disk one by one, and a directory is whole or marked partial.

Layout of a run directory (while running it is `<dir>.partial`, renamed when complete):
    qunsim.json              what the folder was started with (command, files, options);
                             it marks a qunsim results folder, the only kind `--resume` opens
    scenario.resolved.yaml   the scenario as run (arms resolved)
    parts/<run_id>.arrow     one file per finished run: its kpis, then its TABLES, as Arrow IPC
                             streams (sim/tables.py); written beside and renamed, so it is whole if it exists
    manifest.jsonl           one line per finished run: run_id, (point,) arm, rep, seed
    runs.parquet daily.parquet group_days.parquet invitations.parquet joining.parquet people.parquet
    groups.parquet memberships.parquet forwards.parquet summary.json
Ctrl-C or a dead worker loses only the runs in flight; `--resume` skips what the manifest holds, and
records a whole part the manifest lacks (a kill between the two: `Store.adopt`).

Folders are never shared: a new one is created exclusively (`mkdir` fails if the name
exists, even as a symbolic link), default names get a `-2`, `-3` ... suffix when taken, and
a folder being written is locked (`flock` on `.lock`), so a second command cannot resume it.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy import stats

from . import tables
from .outcomes import BINARY, KPIS
from .runner import Job, RunResult
from .scenario import Problem, ScenarioError
from .stats import proportion_ci

TABLES = ("daily", "group_days", "invitations", "joining", "people", "groups", "memberships", "forwards")
PARTS = ("kpis", *TABLES)  # a part file's tables, in the order written: kpis first, the one table read alone
PARTIAL = ".partial"
MARK = "qunsim.json"
LOCK = ".lock"
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
    """Write one run's tables (PARTS) to parts/<run_id>.arrow, atomically: the file exists only whole.

    Pure file writing, so a local worker process can do it beside the run and hand back
    only a `Landed`: the parent then has little more to do per run than append a line.
    """
    job = result.job
    kpis = pa.Table.from_pylist([{**_tags(job), "run_id": job.run_id, **result.kpis}])
    tables.write([kpis, *(getattr(result, name) for name in TABLES)], _part(Path(parts), job.run_id))
    return Landed(job, result.kpis)


def _part(parts: Path, run_id: str) -> Path:
    return parts / f"{run_id}{tables.PART}"


def _refuse(flag: str, what: str) -> ScenarioError:
    return ScenarioError([Problem(flag, what)])


def _partial(path: Path) -> Path:
    return path if path.name.endswith(PARTIAL) else path.with_name(path.name + PARTIAL)


def _candidates(final: Path, unique: bool) -> Iterator[Path]:
    yield final
    for i in range(2, 1000 if unique else 2):
        yield final.with_name(f"{final.name}-{i}")


def started_with(path: str | Path) -> tuple[Path, dict[str, Any]]:
    """The folder `--resume path` means and what it was started with; refuses, touching nothing,
    anything that is not a qunsim results folder."""
    path = Path(path)
    if not os.path.lexists(path) and os.path.lexists(_partial(path)):
        path = _partial(path)
    if not os.path.lexists(path):
        raise _refuse("--resume", f"{path}: nothing to resume — give the results folder of an interrupted or finished run")
    if path.is_symlink():
        raise _refuse("--resume", f"{path} is a symbolic link — give the results folder itself (it was left untouched)")
    try:
        started = json.loads((path / MARK).read_text(encoding="utf-8")) if path.is_dir() else None
    except (OSError, ValueError):
        started = None
    if not isinstance(started, dict) or not isinstance(started.get("command"), str):
        raise _refuse("--resume", f"{path} is not a qunsim results folder (it has no {MARK}) — give a folder that "
                      "qunsim run, compare or sweep wrote; this one was left untouched")
    return path, started


class Store:
    """A run directory being filled; open it with `create` (a new folder) or `resume`."""

    def __init__(self, directory: Path, started: dict[str, Any], lock: int):
        self.dir = Path(directory)
        self.final = self.dir.with_name(self.dir.name.removesuffix(PARTIAL))
        self.started = started
        self._lock = lock

    @classmethod
    def create(cls, final: Path, started: dict[str, Any], unique: bool = False) -> "Store":
        """A new, empty `<final>.partial`, created exclusively and locked.

        `unique` (default folder names, stamped to the second): a taken name moves on to
        `<final>-2`, `-3` ...; otherwise a taken name is refused. Nothing is ever written
        through a symbolic link or into a folder qunsim did not create.
        """
        final = Path(final)
        final = final.with_name(final.name.removesuffix(PARTIAL))
        for candidate in _candidates(final, unique):
            partial = _partial(candidate)
            try:
                candidate.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                file = next(p for p in (candidate.parent, *candidate.parent.parents) if os.path.lexists(p))
                raise _refuse("--out", f"{file} is a file, not a folder — give --out a path under a folder") from None
            except OSError as e:
                raise _refuse("--out", f"cannot create {candidate.parent} ({e.strerror}) — give another --out") from None
            taken = os.path.lexists(candidate)
            if not taken:
                try:
                    os.mkdir(partial)
                except FileExistsError:
                    taken = True
                except OSError as e:
                    raise _refuse("--out", f"cannot create {partial} ({e.strerror}) — give another --out") from None
                else:
                    if os.path.lexists(candidate):  # finished by another command just now
                        os.rmdir(partial)
                        taken = True
            if not taken:
                store = cls(partial, started, _acquire(partial, create=True))
                (partial / "parts").mkdir()
                store.write_text(MARK, json.dumps(started, indent=2))
                return store
            if not unique:
                raise _refuse("--out", _taken(candidate, partial, started.get("command", "run")))
        raise _refuse("--out", f"{final}: too many results folders of this name — give --out")

    @classmethod
    def resume(cls, path: Path) -> "Store":
        """Reopen a qunsim results folder (locked); a finished one is renamed back to `.partial`."""
        path, started = started_with(path)
        lock = _acquire(path)
        if not path.name.endswith(PARTIAL):
            if os.path.lexists(_partial(path)):
                os.close(lock)
                raise _refuse("--resume", f"{_partial(path)} exists too — resume that one, or move it away")
            os.rename(path, _partial(path))  # the lock stays with the folder
            path = _partial(path)
        return cls(path, started, lock)

    def finish_command(self) -> str:
        """The command that finishes this folder's work."""
        return f"qunsim {self.started.get('command', 'run')} --resume {self.dir}"

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
            if _part(self.dir / "parts", entry["run_id"]).exists():  # (an older part, a folder of files, is not: run again)
                done[entry["run_id"]] = entry
        return done

    def adopt(self, jobs: Sequence[Job], done: dict[str, Any] | None = None) -> list[str]:
        """Record the runs of `jobs` whose part is on disk (whole: parts are written atomically) but
        whose manifest line is not (`done`: finished(), if the caller has it): a worker killed before
        its task came back, or this command killed between the two. Returns their run ids."""
        done = self.finished() if done is None else done
        found = [job for job in jobs if job.run_id not in done and _part(self.dir / "parts", job.run_id).exists()]
        for job in found:
            self.add(Landed(job, {}))
        return [job.run_id for job in found]

    def add(self, result: RunResult | Landed) -> None:
        """Record a finished run: write its part (unless a worker already did), then its manifest line."""
        if not isinstance(result, Landed):
            write_part(self.dir / "parts", result)
        with open(self.dir / "manifest.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"run_id": result.job.run_id, **_tags(result.job)}) + "\n")

    def write_text(self, name: str, text: str) -> None:
        _atomic_text(text, self.dir / name)

    def write_table(self, name: str, df: pd.DataFrame) -> None:
        """An analysis table (points, sensitivity, robustness ...) as `<name>.parquet`, atomically."""
        _atomic_parquet(df, self.dir / f"{name}.parquet")

    def table(self, name: str, run_ids: list[str] | None = None) -> pd.DataFrame:
        """One table of the given runs' parts, concatenated (kpis, a part's first table, is read alone)."""
        ids = run_ids if run_ids is not None else list(self.finished())
        paths = [_part(self.dir / "parts", rid) for rid in ids]
        i = PARTS.index(name)
        found = (tables.read(p, tables.index(p)[i][0] if i else 0) for p in paths)
        parts = [t for t in found if t.num_rows]
        return pa.concat_tables(parts, promote_options="permissive").to_pandas() if parts else pd.DataFrame()

    def consolidate(self, run_ids: list[str], names: tuple[str, ...] = TABLES) -> pd.DataFrame:
        """Write the combined tables, in (point, arm, rep) order whatever order runs landed in.

        runs.parquet (one row per run) is built in memory and returned; the per-day tables
        are streamed part by part, so a sweep of thousands of runs needs the memory of one.
        """
        runs = self.table("kpis", run_ids)
        keys = [c for c in ("point", "arm", "rep") if c in runs.columns]
        runs = runs.sort_values(keys, kind="stable") if len(runs) else runs
        _atomic_parquet(runs, self.dir / "runs.parquet")
        ordered = list(runs["run_id"]) if len(runs) else []
        _combine([_part(self.dir / "parts", rid) for rid in ordered], {name: self.dir / f"{name}.parquet" for name in names})
        return runs

    def complete(self) -> Path:
        """Rename `.partial` to the final name; never replaces anything there."""
        if os.path.lexists(self.final):
            raise FileExistsError(f"{self.final} appeared while this command ran; the results are complete in {self.dir}")
        os.rename(self.dir, self.final)
        self.dir = self.final
        self.release()
        return self.final

    def discard(self) -> None:
        """Remove a folder this command created and in which nothing finished."""
        import shutil

        self.release()
        shutil.rmtree(self.dir, ignore_errors=True)

    def release(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1


def _acquire(folder: Path, create: bool = False) -> int:
    """Lock a results folder for this process; refuse one another command is writing."""
    flags = os.O_RDWR | os.O_NOFOLLOW | (os.O_CREAT | os.O_EXCL if create else os.O_CREAT)
    try:
        fd = os.open(folder / LOCK, flags, 0o644)
    except OSError as e:
        raise _refuse("--resume", f"cannot lock {folder} ({e.strerror}) — is it a results folder qunsim wrote?") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise _refuse("--resume", f"{folder} is being written by another qunsim command right now — let it finish "
                      "(or stop it), then resume") from None
    return fd


def _taken(final: Path, partial: Path, command: str) -> str:
    if os.path.islink(final) or os.path.islink(partial):
        link = final if os.path.islink(final) else partial
        return f"{link} is a symbolic link — qunsim writes only into folders it creates; give another --out"
    if os.path.lexists(partial) and not os.path.lexists(final):
        return (f"{partial} exists: another command is writing there, or was interrupted — finish it with "
                f"`qunsim {command} --resume {partial}`, or give another --out")
    if not final.is_dir():
        return f"{final} is a file — give --out a folder name that does not exist yet"
    return f"{final} already exists — give --out a folder name that does not exist yet (qunsim never writes into a folder it did not create)"


def _combine(parts: list[Path], outs: dict[str, Path], batch_rows: int = 1_000_000) -> None:
    """Concatenate the parts' tables into one Parquet file per name in `outs`, parts in the given order.

    With parts in (point, arm, rep) order, and each part's rows by (day, group) where it has
    them (sim/runner.py), that is the order a global stable sort would give. Schemas are
    unified (a column missing from a part is null there), so parts from different levers combine.
    Each part is indexed once (where its tables start, their schemas and rows); then each output
    is written in turn, a batch of about `batch_rows` rows at a time, reading from every part only
    that table: a sweep of thousands of runs needs the memory of one batch of one table. (Feeding
    all outputs from one read of each part would hold a batch of every table at once, each
    keeping its whole part file mapped.)
    """
    where: list[list[tuple[int, int]]] = []  # per part, per table: where it starts, its rows
    found: dict[str, list[pa.Schema]] = {name: [] for name in outs}  # the distinct schemas of parts with rows
    for path in parts:
        shape = tables.index(path)
        where.append([(at, rows) for at, _, rows in shape])
        for name, (_, schema, rows) in zip(PARTS, shape):
            if name in found and rows and not any(schema.equals(s, check_metadata=True) for s in found[name]):
                found[name].append(schema)
    for i, name in enumerate(PARTS):
        if name not in outs:
            continue
        if not found[name]:
            _atomic_parquet(pd.DataFrame(), outs[name])
            continue
        ts = (tables.read(path, w[i][0]) for path, w in zip(parts, where) if w[i][1])
        _write_concat(ts, pa.unify_schemas(found[name], promote_options="permissive"), outs[name], batch_rows)


def _write_concat(ts: Iterator[pa.Table], schema: pa.Schema, out: Path, batch_rows: int) -> None:
    """Tables, conformed to `schema`, into one Parquet file, atomically; a batch of about `batch_rows`
    rows per write (one row group each, not one per part)."""
    tmp = out.with_suffix(".tmp")
    pending: list[pa.Table] = []
    rows = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for t in ts:
            if not t.schema.equals(schema):
                for field in schema:
                    if field.name not in t.column_names:
                        t = t.append_column(field.name, pa.nulls(len(t), field.type))
                t = t.select(schema.names).cast(schema)
            pending.append(t)
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


# ---- resuming: the folder's own scenario and options ---------------------------------------------
RESUMED = {"reps": "--reps", "seed": "--seed", "days": "--days", "sets": "--set", "precision": "--precision",
           "max_reps": "--max-reps"}


def started(command: str, sources: list[Path], options: dict[str, Any]) -> dict[str, Any]:
    """What a new folder records in qunsim.json, so that `--resume DIR` alone can finish it."""
    from . import __version__

    return {"qunsim": __version__, "command": command, "sources": [str(Path(s).resolve()) for s in sources],
            "options": options}


def resumed(command: str, sources: list[Path], options: dict[str, Any], resume: str | Path) -> tuple[list[Path], dict[str, Any]]:
    """The files and options a resumed folder was started with; one given now that differs is refused.

    An option left out takes the stored value, so `qunsim run --resume DIR` finishes exactly
    the run that was started, and a changed option never mixes two runs in one folder.
    """
    folder, was = started_with(resume)
    if was["command"] != command:
        raise _refuse("--resume", f"{folder} was written by `qunsim {was['command']}` — finish it with "
                      f"`qunsim {was['command']} --resume {folder}`")
    stored = [Path(p) for p in was.get("sources") or []]
    problems = []
    if sources and [Path(s).resolve() for s in sources] != stored:
        problems.append(Problem("--resume", f"{folder} was started from {', '.join(map(str, stored)) or 'data'} — leave "
                                "out the file(s) to finish it, or start a new run with --out"))
    merged: dict[str, Any] = {}
    for key, value in options.items():
        was_value = (was.get("options") or {}).get(key)
        if key == "sets":
            value, was_value = list(value or []), list(was_value or [])
        if value is None or value == []:
            merged[key] = was_value
        elif value != was_value:
            flag = RESUMED.get(key, key)
            shown = lambda v: " ".join(f"{flag} {x}" for x in v) if isinstance(v, list) else f"{flag} {v}"  # noqa: E731
            before = shown(was_value) if was_value not in (None, []) else f"no {flag}"
            problems.append(Problem(flag, f"{shown(value)} differs from {before}, which {folder} was started with — "
                                    "leave it out to finish that run, or start a new run with --out"))
        else:
            merged[key] = value
    if problems:
        raise ScenarioError(problems)
    return stored, merged


def same_as_stored(resume: str | Path, name: str, text: str, ignore: tuple[str, ...] = ()) -> None:
    """Refuse to resume when a file changed since the folder was started (its runs would not match)."""
    from ruamel.yaml import YAML

    folder, _ = started_with(resume)
    path = folder / name
    if not path.is_file():
        return  # stopped before it was written: nothing to compare with
    old, new = YAML(typ="safe").load(path.read_text(encoding="utf-8")), YAML(typ="safe").load(text)
    if isinstance(old, dict) and isinstance(new, dict):
        for key in ignore:
            old.pop(key, None)
            new.pop(key, None)
    if old != new:
        raise _refuse("--resume", f"the files changed since {folder} was started (they no longer match its {name}) — "
                      "undo the change to finish that run, or start a new run with --out")


def stamp() -> str:
    """The default folder name: the local time to the second (two runs in one second get -2)."""
    from datetime import datetime

    return datetime.now().strftime("%Y%m%d-%H%M%S")


def open_store(command: str, sources: list[Path], options: dict[str, Any], name: str,
               out: str | Path | None, resume: str | Path | None) -> Store:
    """The folder a command writes: the resumed one, `--out`, or a new default `results/<name>/<stamp>`."""
    if resume and out:
        raise _refuse("--out", "--out and --resume do not go together — --resume finishes its folder in place; leave out --out")
    if resume:
        return Store.resume(Path(resume))
    final = Path(out) if out else Path("results") / name / stamp()
    return Store.create(final, started(command, sources, options), unique=out is None)
