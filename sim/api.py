"""The library face: everything the command line does is one of these calls."""

from __future__ import annotations

import io
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ruamel.yaml import YAML

from . import __version__
from .runner import RunResult, jobs, run_jobs
from .scenario import Loaded, load
from .store import Store, arm_summary

Progress = Callable[[int, int, RunResult | None], None]


class Interrupted(Exception):
    """A run stopped early (Ctrl-C or a failed worker); finished runs are kept in `directory`."""

    def __init__(self, directory: Path, done: int, lost: int, cause: BaseException):
        self.directory, self.done, self.lost, self.cause = directory, done, lost, cause
        super().__init__(f"stopped: {done} finished runs kept in {directory}, {lost} lost; resume with --resume {directory}")


def resolve(source: str | Path | Loaded, sets: list[str] | None = None, reps: int | None = None,
            seed: int | None = None, days: int | None = None) -> Loaded:
    """A validated scenario with command-line overrides applied (they are validated like the file)."""
    sets = list(sets or [])
    sets += [f"{k}={v}" for k, v in (("replications", reps), ("seed", seed), ("days", days)) if v is not None]
    if isinstance(source, Loaded):
        return load(data=source.raw, overrides=sets) if sets else source
    return load(source, overrides=sets)


def resolved_yaml(loaded: Loaded) -> str:
    doc = loaded.scenario.model_dump(mode="json", exclude={"arms"})
    doc["arms"] = {name: s.model_dump(mode="json", include={"description", "world", "strategy"}) for name, s in loaded.arms.items()}
    doc["baseline"] = loaded.baseline
    buf = io.StringIO()
    YAML().dump(doc, buf)
    return buf.getvalue()


def default_out(loaded: Loaded) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / loaded.scenario.name / stamp


def run_scenario(source: str | Path | Loaded, *, reps: int | None = None, seed: int | None = None,
                 days: int | None = None, sets: list[str] | None = None, workers: int | None = None,
                 out: str | Path | None = None, resume: str | Path | None = None,
                 progress: Progress | None = None, command: str | None = None) -> Path:
    """Run every arm x replication of a scenario; return the finished results directory."""
    started = time.perf_counter()
    loaded = resolve(source, sets, reps, seed, days)
    s = loaded.scenario
    store = Store.resume(Path(resume)) if resume else Store(Path(out) if out else default_out(loaded))
    base_dir = loaded.path.parent if loaded.path else Path.cwd()
    todo = jobs(loaded.arms, s.replications, s.seed, base_dir)
    done = store.finished()
    pending = [j for j in todo if j.run_id not in done]
    store.write_text("scenario.resolved.yaml", resolved_yaml(loaded))
    finished = len(todo) - len(pending)
    if progress:
        progress(finished, len(todo), None)
    try:
        for result in run_jobs(pending, workers):
            store.add(result)
            finished += 1
            if progress:
                progress(finished, len(todo), result)
    except BaseException as e:  # Ctrl-C, a dead worker: keep what landed, say what was lost
        raise Interrupted(store.dir, finished, len(todo) - finished, e) from e
    store.consolidate([j.run_id for j in todo])
    runs = store.table("kpis", [j.run_id for j in todo])
    summary: dict[str, Any] = {
        "scenario": s.name,
        "description": s.description,
        "baseline": loaded.baseline,
        "primary": s.outcomes.primary,
        "arms": arm_summary(runs, list(loaded.arms)),
        "meta": {
            "seed": s.seed,
            "replications": s.replications,
            "days": s.days,
            "qunsim_version": __version__,
            "config_hash": s.config_hash(),
            "wall_time_s": round(time.perf_counter() - started, 3),
            "command": command or " ".join(sys.argv),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "runs": len(todo),
        },
    }
    store.write_text("summary.json", json.dumps(summary, indent=2, allow_nan=True))
    return store.complete()
