"""Run a scenario: every arm x every replication, each replication on one seed shared by all arms.

Sharing seeds across arms (common random numbers) makes the difference between arms the
strategy, not the noise. A run is a pure function of (arm scenario, seed, code version):
results are identical on 1 worker or 16. Where runs execute is sim/executors.py.
"""

from __future__ import annotations

# Mesa first, while the import stack is shallow: each of its module loggers walks that stack
# (inspect.stack reads every frame's source), ~0.33 s from deep inside qunsim's imports, ~0.12 s
# from the top of the module a process starts from (this one in a worker, sim.api in a command).
import mesa  # noqa: F401, I001

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from agents import strategies
from agents.community import CHANNELS, NEVER, OUTSIDE, WHY_LEFT

from . import __version__, tables
from .model import CommunityModel
from .outcomes import measure
from .scenario import Scenario

GROUP_COLUMNS = ("size", "posters", "messages", "spam", "mutes", "joins", "leaves")  # group_days.parquet


def rep_seed(seed: int, rep: int) -> int:
    """The seed of replication `rep`: the same for every arm."""
    return int(np.random.SeedSequence([seed, rep]).generate_state(1, np.uint32)[0])


@dataclass(frozen=True)
class Job:
    """One run: an arm's resolved scenario on one replication's seed."""

    arm: str
    rep: int
    seed: int
    scenario: dict[str, Any]  # the arm's resolved scenario, as plain data (cheap to send to workers)
    base_dir: str = "."
    point: int | None = None  # the design point of a sweep; None in a plain run or comparison
    drawn: tuple[tuple[str, float], ...] = ()  # world values this replication drew (posterior / --robust), already in `scenario`

    @functools.cached_property
    def run_id(self) -> str:
        """Hash of what makes the run's tables: scenario, seed, version and the tags they carry
        (hashed once: the scenario's JSON takes ~0.1 ms).

        The arm and point are in it because two arms (or points) may resolve to the same
        scenario yet each needs its own tagged result.
        """
        text = json.dumps([self.scenario, self.seed, __version__, self.arm, self.point], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# scenario fields that do not change a run: leaving them out of run ids lets `--resume`
# reuse runs when only the replication count, the wording or the verdict rules change
NOT_IN_RUN = {"replications", "outcomes", "description", "arms", "baseline", "posterior"}


@dataclass
class RunResult:
    """One run's tables as Arrow (sim/tables.py; sim/store.py TABLES; columns in docs/scenarios.md, "Results")."""

    job: Job
    kpis: dict[str, float]
    daily: pa.Table
    group_days: pa.Table  # per day per group with anyone in it: size, posters, messages ...
    invitations: pa.Table
    joining: pa.Table  # exposures and joins by friends inside (k)
    people: pa.Table  # who ever joined: first join, leave day, messages
    groups: pa.Table  # every group ever opened, one row each
    memberships: pa.Table  # every membership ever, one row each
    forwards: pa.Table  # every forward (an item), one row each


def jobs(arms: dict[str, Scenario], reps: int, seed: int, base_dir: Path | str | dict[str, Path | str] = ".",
         point: int | None = None, draws: Callable[[int], dict[str, float]] | None = None,
         base_world: dict[str, Any] | None = None) -> list[Job]:
    """Replication-major order, so early results already compare every arm.

    `base_dir` (where an arm's own strategy files are found) may differ by arm, as in a
    comparison of files from different folders. `draws` (sim/uncertainty.py) gives each
    replication its world values, the same for every arm, except a value an arm sets
    itself (it differs from `base_world`, the scenario's own world): the arm keeps it.
    """
    plain = {name: s.model_dump(mode="json", exclude=NOT_IN_RUN) for name, s in arms.items()}
    where = base_dir if isinstance(base_dir, dict) else dict.fromkeys(arms, base_dir)
    out = []
    for r in range(reps):
        drawn = draws(r) if draws else {}
        for arm in arms:
            scenario, mine = plain[arm], {}
            if drawn:
                scenario = copy.deepcopy(scenario)
                for path, value in drawn.items():
                    if base_world is None or _at(scenario["world"], path) == _at(base_world, path):
                        _put(scenario["world"], path, value)
                        mine[path] = value
            out.append(Job(arm, r, rep_seed(seed, r), scenario, str(where[arm]), point, tuple(mine.items())))
    return out


def _at(world: dict[str, Any], path: str) -> Any:
    node: Any = world
    for part in path.split(".")[1:]:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _put(world: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")[1:]
    for part in parents:
        world = world.setdefault(part, {})
    world[last] = value


def execute(job: Job) -> RunResult:
    """Build the model of one job, run it, and measure it (runs in a worker process)."""
    scenario = Scenario.model_validate(job.scenario)
    levers = strategies.build(scenario.strategy, Path(job.base_dir))
    model = CommunityModel(scenario.world, levers, seed=job.seed).run(scenario.days)
    tag = {"arm": job.arm, "rep": job.rep} if job.point is None else {"point": job.point, "arm": job.arm, "rep": job.rep}
    k = np.arange(len(model.exposed_by_k))
    made = {"daily": _daily_table(model), "group_days": _group_table(model), "invitations": _by_day(model.community.invitations()),
            "joining": {"friends_inside": k, "exposed": model.exposed_by_k, "joined": model.joined_by_k},
            "people": _people_table(model), "groups": _groups_once(model), "memberships": _memberships_table(model),
            "forwards": _by_day(_forwards_table(model))}
    records = {name: tables.table(columns, tag) for name, columns in made.items()}
    kpis = measure(model)
    kpis.update(dict(job.drawn))  # the world this replication drew, in columns named by parameter path
    op = model.operator
    for lever in op.levers:
        kpis.update({f"{lever.key}.{k}": v for k, v in lever.report(op).items()})
    kpis.update({f"money.{k}": v for k, v in op.money.items()})
    kpis.update({f"hours.{k}": v for k, v in op.hours.items()})
    kpis.update({f"undone.{k}": v for k, v in op.undone.items()})  # hours the team could not do, per lever
    kpis.update({f"arrivals.{ch.name}": int(n) for (ch, _, _), n in zip(model.channels, model.arrived)})
    release(model)
    return RunResult(job, kpis, **records)


def release(model: CommunityModel) -> None:
    """Free a finished model now rather than at the next full garbage collection.

    Mesa's model, its agents and its event machinery point at each other, so a model is
    freed only by the cycle collector, which may wait dozens of runs: a long sweep would
    grow by a whole world per run. Emptying the model's attributes frees the community's
    arrays at once by reference counting; what is left is a few small objects.
    """
    model.remove_all_agents()
    vars(model).clear()


def _by_day(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A log's rows in (day, group) order, stably: the order its combined table has (logs are kept by
    day, but a day's rows by whatever came first)."""
    order = np.lexsort((columns["group"], columns["day"]))
    return {k: v[order] for k, v in columns.items()}


def _daily_table(model: CommunityModel) -> dict[str, np.ndarray]:
    """daily.parquet: one row per day, a column per outcome of `CommunityModel.daily`."""
    days = model.daily
    return {k: np.array([d[k] for d in days]) for k in days[0]} if days else {"day": np.zeros(0, np.int64)}


def _people_table(model: CommunityModel) -> dict[str, Any]:
    """One row per person who ever joined: first join day, day they left the community
    (-1 if still a member at the end), messages written, first and last conversation post
    (null if none) and active days; membership spells and the Lorenz curve of the report are
    built from it."""
    c = model.community
    who = np.flatnonzero(c.ever)
    left = c.left[who]
    return {"person": who.astype("int64"), "joined": c.joined[who].astype("int64"),
            "left": np.where(left == NEVER, -1, left).astype("int64"), "messages": c.messages[who].astype("int64"),
            "first_post": _day_or_null(c.first_post[who]), "last_post": _day_or_null(c.last_post[who]),
            "active_days": c.active_days[who]}


# ---- records: built from the community's NumPy columns and logs at the end (no loop over members) ----
def _day_or_null(day: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Days as nullable int32: null where the thing never happened (NEVER) or `valid` is False.

    Other negative days are real: in a fork (world.start) they are days before day 0."""
    day = np.asarray(day)
    missing = day == NEVER if valid is None else (day == NEVER) | ~valid
    return tables.nullable(day.astype(np.int32), missing)


def _groups_once(model: CommunityModel) -> dict[str, Any]:
    """groups.parquet: every group ever opened, also once it is empty or closed."""
    g = model.community.groups
    return {"group": np.arange(g.n, dtype=np.int64), "label": np.asarray(g.label, object), "how": np.asarray(g.how, object),
            "opened": g.view("created").astype(np.int32), "closed": _day_or_null(g.view("closed")),
            "peak": g.view("peak").astype(np.int32), "size": g.view("size").astype(np.int32),
            "cap": g.view("cap").astype(np.int32)}


def _memberships_table(model: CommunityModel) -> dict[str, Any]:
    """memberships.parquet: every membership ever, sorted by (person, group, joined)."""
    r = model.community.memberships()
    order = np.lexsort((r["joined"], r["group"], r["person"]))
    r = {k: v[order] for k, v in r.items()}
    how = np.asarray(CHANNELS, object)[r["how"]]
    outside = r["how"] == OUTSIDE  # came by a channel: name which (world.arrivals.all())
    channel = model.community.channel[r["person"][outside]]
    how[outside] = np.asarray([ch.name for ch, _, _ in model.channels], object)[np.maximum(channel, 0)]
    return {
        "person": r["person"].astype(np.int64), "group": r["group"].astype(np.int64),
        "joined": r["joined"].astype(np.int32), "left": _day_or_null(r["left"]),
        "how": how, "why_left": tables.categorical(r["why_left"], WHY_LEFT),
        "messages": r["messages"].astype(np.int32), "ritual_messages": r["ritual"].astype(np.int32),
        # a moved membership carries its member's last post: before it began here, it is not this group's
        "last_post": _day_or_null(r["last_post"], r["last_post"] >= r["joined"]),
        "days_active": r["active"].astype(np.int32),
    }


def _forwards_table(model: CommunityModel) -> dict[str, np.ndarray]:
    """forwards.parquet: one row per forward; `joins` counts the invitations rows carrying its item."""
    c = model.community
    f = c.forwards()
    inv = c.invitations()
    item = inv["item"][inv["item"] >= 0]
    return {"day": f["day"].astype(np.int32), "person": f["person"].astype(np.int64),
            "group": f["group"].astype(np.int64), "item": f["item"].astype(np.int64),
            "reached": f["reached"].astype(np.int32),
            "joins": np.bincount(item, minlength=c.items)[f["item"]].astype(np.int32) if len(f["item"]) else
            np.zeros(0, np.int32)}


def _group_table(model: CommunityModel) -> dict[str, np.ndarray]:
    """group_days.parquet: per day, each group with anyone in it that day (a day's row holds the groups
    opened by then), by day and group."""
    days = model.group_daily
    if not days:
        return dict.fromkeys(["day", "group", *GROUP_COLUMNS], np.zeros(0, np.int64))
    width = np.array([rows.shape[1] for rows in days])
    rows = np.hstack(days)
    day = np.repeat(np.arange(len(days)), width)
    group = np.arange(rows.shape[1]) - np.repeat(np.cumsum(width) - width, width)
    live = (rows[0] + rows[5] + rows[6]) != 0
    return dict(zip(["day", "group", *GROUP_COLUMNS], np.vstack([day[live], group[live], rows[:, live]]).astype(np.int64)))
