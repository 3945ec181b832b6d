"""Where runs execute changes speed, never numbers: 1 worker, 2 workers and dask agree exactly."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pandas as pd
import pytest

from sim import runner
from sim.api import run_scenario
from sim.executors import InProcess, Local
from sim.runner import Job, execute, jobs
from sim.scenario import load

SCENARIO = """
name: where
days: 20
replications: 3
seed: 11
world:
  population: {size: 1500}
  groups: {initial_members: 200}
arms:
  plain: {}
  split:
    strategy:
      - dunbar_split: {threshold: 80}
"""
TABLES = ("runs", "daily", "group_days", "groups", "people", "memberships", "forwards", "invitations")


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    monkeypatch.setattr("sim.api.with_report", lambda directory: directory)


def tables(directory):
    return {t: pd.read_parquet(directory / f"{t}.parquet") for t in TABLES}


def test_one_worker_two_workers_and_dask_give_identical_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    f = tmp_path / "where.yaml"
    f.write_text(SCENARIO)
    one = tables(run_scenario(f, workers=1, out=tmp_path / "one"))
    two = tables(run_scenario(f, workers=2, out=tmp_path / "two"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = run_scenario(f, executor="dask", scheduler=cluster.scheduler_address, out=tmp_path / "dask")
    dask = tables(on_dask)
    for name in TABLES:
        pd.testing.assert_frame_equal(one[name], two[name], obj=f"{name}: 1 vs 2 workers")
        pd.testing.assert_frame_equal(one[name], dask[name], obj=f"{name}: 1 worker vs dask")
    assert len(one["runs"]) == 6
    assert "dask cluster at tcp://" in pd.read_json(on_dask / "summary.json", typ="series")["meta"]["executor"]


def test_the_local_pool_keeps_a_bounded_window_in_flight():
    loaded = load(data={"name": "w", "days": 5, "world": {"population": {"size": 300}, "groups": {"initial_members": 50}}})
    todo = jobs(loaded.arms, 12, 1)
    ex = Local(2)
    seen = []
    try:
        for i, result in enumerate(ex.run(todo), 1):
            assert ex.submitted - i < 2 * ex.workers  # never the whole queue at once
            seen.append(result.job.run_id)
    finally:
        ex.close()
    assert sorted(seen) == sorted(j.run_id for j in todo)


def test_a_finished_run_leaves_no_model_behind(monkeypatch):
    """Memory stays flat in a long sweep: the model is freed when its run returns, not at some later gc."""
    alive = []

    class Watched(runner.CommunityModel):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            alive.append(weakref.ref(self.community))

    monkeypatch.setattr(runner, "CommunityModel", Watched)
    loaded = load(data={"name": "m", "days": 5, "world": {"population": {"size": 500}, "groups": {"initial_members": 80}},
                        "strategy": [{"dunbar_split": {"threshold": 30}}]})
    gc.disable()
    try:
        for job in jobs(loaded.arms, 3, 1):
            execute(job)
        assert len(alive) == 3 and all(ref() is None for ref in alive)
    finally:
        gc.enable()


def test_run_ids_name_what_makes_a_run():
    loaded = load(data={"name": "ids", "world": {"population": {"size": 500}}, "arms": {"a": {}, "b": {}}})
    a0, b0, a1 = (j for j in jobs(loaded.arms, 2, 1)[:3])
    assert len({a0.run_id, b0.run_id, a1.run_id}) == 3  # identical arms still get their own results
    more = load(data={"name": "ids", "replications": 50, "world": {"population": {"size": 500}}, "arms": {"a": {}, "b": {}}})
    assert jobs(more.arms, 2, 1)[0].run_id == a0.run_id  # the replication count does not change a run
    assert Job(a0.arm, 0, a0.seed, a0.scenario, point=3).run_id != a0.run_id


def test_in_process_executor_runs_in_order():
    loaded = load(data={"name": "ip", "days": 3, "world": {"population": {"size": 300}, "groups": {"initial_members": 40}}})
    todo = jobs(loaded.arms, 3, 1)
    assert [r.job.rep for r in InProcess().run(todo)] == [0, 1, 2]


def where(job):
    """A job that says which process ran it, and whether that process had a kernel loaded before.
    In the parent (QUNSIM_TEST_PARENT) it takes 0.5 s, so the workers' start is soon overtaken."""
    from agents.community import _join

    if str(os.getpid()) == os.environ.get("QUNSIM_TEST_PARENT"):
        time.sleep(0.5)
    return job.rep, os.getpid(), bool(_join.signatures)


STARTING = """
import json, os, sys
os.environ["QUNSIM_TEST_PARENT"] = str(os.getpid())
from sim.executors import Local
from sim.runner import jobs
from sim.scenario import load
from tests.test_executors import where
todo = jobs(load(data={"name": "s", "days": 30, "world": {"population": {"size": int(sys.argv[1])}}}).arms, 60, 1)
ex = Local(2, fn=where)
print(json.dumps({"parent": os.getpid(), "ran": list(ex.run(todo))}))
ex.close()
"""


def starting(people: int) -> tuple[list, list, list]:
    """STARTING in a fresh process: (the reps run by the parent, (rep, warm) of those run by workers, all reps)."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", STARTING, str(people)], capture_output=True, text=True, cwd=root, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    ran = seen["ran"]
    by_parent = [rep for rep, pid, _ in ran if pid == seen["parent"]]
    in_workers = [(rep, warm) for rep, pid, warm in ran if pid != seen["parent"]]
    return by_parent, in_workers, sorted(rep for rep, _, _ in ran)


def test_the_parent_runs_jobs_while_the_workers_start_and_workers_start_warm():
    """A fresh process: its forkserver takes seconds to import qunsim, so the parent runs jobs
    meanwhile; the workers come from the forkserver with the kernels loaded (sim/warm.py)."""
    by_parent, in_workers, reps = starting(people=300)
    assert reps == list(range(60))  # each job once
    assert by_parent and in_workers  # the first jobs ran here, the rest once workers were up
    assert all(warm for _, warm in in_workers)


def test_a_big_job_waits_for_a_worker():
    """The parent runs only small jobs (people x days) while workers start: busy with a big one,
    it would leave the workers idle once they are up (two long runs on two cores would take
    twice as long)."""
    from sim.executors import SMALL

    by_parent, in_workers, reps = starting(people=SMALL // 30 + 1)  # x 30 days
    assert reps == list(range(60)) and not by_parent and len(in_workers) == 60


EARLY = """
import sys
from multiprocessing import forkserver


class Watch:  # notes, as sim.api is first imported, whether the workers' server is already starting
    def find_spec(self, name, path=None, target=None):
        if name == "sim.api":
            print("forkserver running before sim.api:", forkserver._forkserver._forkserver_pid is not None, flush=True)
        return None


sys.meta_path.insert(0, Watch())
from sim.cli import app

app(sys.argv[1:])
"""


def test_a_run_on_local_workers_starts_their_server_before_importing_the_model(tmp_path):
    """`qunsim run` with workers starts the forkserver first, so it imports qunsim beside the
    command's own imports rather than after them (sim/forkserver.py); with --workers 1 it never starts."""
    f = tmp_path / "s.yaml"
    f.write_text(SCENARIO)
    lines = {}
    for workers in ("2", "1"):
        r = subprocess.run([sys.executable, "-c", EARLY, "run", str(f), "--reps", "2", "--workers", workers, "-q",
                            "--out", str(tmp_path / f"out{workers}")], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        lines[workers] = [x for x in r.stdout.splitlines() if x.startswith("forkserver running")]
    assert lines == {"2": ["forkserver running before sim.api: True"], "1": ["forkserver running before sim.api: False"]}
