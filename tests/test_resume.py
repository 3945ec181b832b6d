"""Lost work: a failed run, a dead worker or Ctrl-C keeps every finished run, says what was lost, and resumes."""

from __future__ import annotations

import json
import os

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from sim import api, tables
from sim.cli import app
from sim.executors import InProcess, Interrupted, Local
from sim.runner import execute, jobs
from sim.scenario import load
from sim.store import PARTS, TABLES, Store, started

SCENARIO = """
name: lossy
days: 15
replications: 5
seed: 9
world:
  population: {size: 1200}
  groups: {initial_members: 150}
arms:
  plain: {}
  quiet:
    world:
      arrivals: {per_day: 0}
"""


def flaky(job):
    """A run that fails (a bug in a lever, a bad parameter combination ...)."""
    if job.arm == "quiet" and job.rep == 3:
        raise RuntimeError("this run failed")
    return execute(job)


def dies(job):
    """A worker that dies mid-run (killed, out of memory)."""
    if job.rep == 3:
        os._exit(3)
    return execute(job)


def dies_after_a_sibling(job):
    """A worker that dies on a replication's second arm, after the first finished in the same task."""
    if job.rep == 3 and job.arm == "quiet":
        os._exit(3)
    return execute(job)


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    monkeypatch.setattr("sim.api.with_report", lambda directory: directory)


@pytest.fixture
def scenario(tmp_path):
    f = tmp_path / "lossy.yaml"
    f.write_text(SCENARIO)
    return f


def manifest(directory):
    return [json.loads(line) for line in (directory / "manifest.jsonl").read_text().splitlines()]


def assert_kept(e: Interrupted, out):
    """The final name does not exist; the partial directory holds exactly the finished, complete runs."""
    assert not out.exists() and e.directory == out.with_name(out.name + ".partial")
    entries = manifest(e.directory)
    assert len(entries) == e.done > 0
    assert all((e.directory / "parts" / f"{m['run_id']}.arrow").exists() for m in entries)
    assert f"{e.done} finished runs kept" in str(e) and f"{e.lost} in flight lost" in str(e)
    assert e.remaining == 10 - e.done


@pytest.mark.parametrize("fn, cause", [(flaky, RuntimeError), (dies, Exception)], ids=["failed-run", "dead-worker"])
def test_a_failure_keeps_finished_runs_and_resume_completes_them(tmp_path, scenario, fn, cause):
    out = tmp_path / "out"
    with pytest.raises(Interrupted) as info:
        run_scenario_with(scenario, Local(2, fn=fn, help_while_starting=False), out)  # the runs fail in workers
    e = info.value
    assert isinstance(e.cause, cause) and e.lost >= 1
    assert_kept(e, out)
    finished = {m["run_id"] for m in manifest(e.directory)}
    # resume: only the missing runs run, and the result equals an uninterrupted run
    resumed = api.run_scenario(scenario, workers=1, resume=e.directory)
    ids = [m["run_id"] for m in manifest(resumed)]
    assert len(ids) == len(set(ids)) == 10 and finished <= set(ids)
    fresh = api.run_scenario(scenario, workers=1, out=tmp_path / "fresh")
    for t in ("runs", *TABLES):  # every table, the records included, as if never interrupted
        pd.testing.assert_frame_equal(pd.read_parquet(resumed / f"{t}.parquet"), pd.read_parquet(fresh / f"{t}.parquet"), obj=t)


def test_a_dead_workers_finished_arms_are_kept(tmp_path, scenario):
    """A worker's task is a replication's arms (they share its people): the arm it finished
    before it died is kept, not run again."""
    out = tmp_path / "out"
    with pytest.raises(Interrupted) as info:
        run_scenario_with(scenario, Local(1, fn=dies_after_a_sibling, help_while_starting=False), out)
    e = info.value
    assert_kept(e, out)
    assert {(m["arm"], m["rep"]) for m in manifest(e.directory)} >= {("plain", 3)}
    assert e.done == 7  # replications 0-2, and the plain arm of 3; the quiet arm of 3 died


def run_scenario_with(scenario, executor, out, **kw):
    try:
        return api.run_scenario(scenario, executor=executor, out=out, **kw)
    finally:
        executor.close()


def test_ctrl_c_keeps_what_landed(tmp_path, scenario):
    """The 4 runs that landed, and any a worker had finished (its part on disk) by then."""
    out = tmp_path / "out"

    def impatient(done, total, result):
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as info:
        run_scenario_with(scenario, Local(2), out, progress=impatient)
    e = info.value
    assert isinstance(e.cause, KeyboardInterrupt) and e.done >= 4 and "interrupted" in str(e)
    assert_kept(e, out)


def test_the_command_line_says_what_was_lost_and_exits_130(tmp_path, scenario, monkeypatch):
    monkeypatch.setattr(api, "make", lambda *a, **k: InProcess(fn=flaky))
    out = tmp_path / "cli"
    result = CliRunner().invoke(app, ["run", str(scenario), "--out", str(out), "--quiet"])
    assert result.exit_code == 130
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("stopped (RuntimeError: this run failed): 7 finished runs kept")  # reps 0-2 of both arms, rep 3 of plain
    assert "1 in flight lost, 3 still to run; finish with: qunsim run --resume" in line
    monkeypatch.undo()
    again = CliRunner().invoke(app, ["run", str(scenario), "--resume", str(out) + ".partial", "--workers", "1", "--quiet"])
    assert again.exit_code == 0, again.output
    assert len(manifest(out)) == 10


def stored(tmp_path, scenario, name: str, k: int) -> tuple[list, Store]:
    """A new results folder `name` of the scenario's jobs (5 replications, seed 9), the first k finished."""
    todo = jobs(load(scenario).arms, 5, 9, tmp_path)
    store = Store.create(tmp_path / name, started("run", [scenario], {}))
    for result in InProcess().run(todo[:k]):
        store.add(result)
    return todo, store


def test_a_half_written_run_is_run_again(tmp_path, scenario):
    todo, store = stored(tmp_path, scenario, "half", 3)
    part = store.dir / "parts" / f"{todo[1].run_id}.arrow"
    part.with_suffix(".tmp").write_bytes(part.read_bytes()[:2000])  # killed while writing run 1: only its .tmp, cut short
    part.unlink()
    with open(store.dir / "manifest.jsonl", "a") as f:
        f.write('{"run_id": "abc')  # killed while appending a line
    assert set(store.finished()) == {todo[0].run_id, todo[2].run_id}
    store.release()  # the killed command's lock ends with it
    done = api.run_scenario(scenario, workers=1, resume=store.dir)
    assert len(pd.read_parquet(done / "runs.parquet")) == 10


def test_a_whole_part_without_its_manifest_line_is_not_run_again(tmp_path, scenario):
    """Killed (SIGKILL) between writing a run's part and its manifest line: resume records the part."""
    todo, store = stored(tmp_path, scenario, "unrecorded", 3)
    lines = (store.dir / "manifest.jsonl").read_text().splitlines()
    (store.dir / "manifest.jsonl").write_text("\n".join(line for line in lines if todo[1].run_id not in line) + "\n")
    assert todo[1].run_id not in store.finished()
    store.release()

    def not_again(job):
        assert job.run_id != todo[1].run_id, "a run whose part was on disk ran again"
        return execute(job)

    done = api.run_scenario(scenario, executor=InProcess(fn=not_again), resume=store.dir)
    ids = [m["run_id"] for m in manifest(done)]
    assert len(ids) == len(set(ids)) == 10 and todo[1].run_id in ids


def test_a_part_of_the_earlier_layout_is_run_again(tmp_path, scenario):
    """A folder written before a part was one file holds parts/<run_id>/<table>.arrow: those runs
    are run again on resume (docs/scenarios.md), and the results are those of an uninterrupted run."""
    todo, store = stored(tmp_path, scenario, "old", 2)
    part = store.dir / "parts" / f"{todo[0].run_id}.arrow"
    part.with_suffix("").mkdir()
    for name, (at, _, _) in zip(PARTS, tables.index(part)):  # the earlier layout: a file per table, kpis last
        t = tables.read(part, at)
        with pa.ipc.new_file(str(part.with_suffix("") / f"{name}.arrow"), t.schema) as w:
            w.write_table(t)
    part.unlink()
    assert set(store.finished()) == {todo[1].run_id}
    store.release()
    done = api.run_scenario(scenario, workers=1, resume=store.dir)
    fresh = api.run_scenario(scenario, workers=1, out=tmp_path / "fresh")
    assert (done / "parts" / part.name).exists() and len(manifest(done)) == 11  # run 0 again: its part, a second line
    for name in ("runs", *TABLES):
        pd.testing.assert_frame_equal(pd.read_parquet(done / f"{name}.parquet"), pd.read_parquet(fresh / f"{name}.parquet"),
                                      check_exact=True)
