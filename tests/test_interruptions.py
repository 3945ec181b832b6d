"""An interruption at any stage says what is kept and the command that finishes it; workers
never outlive the command; a lost dask scheduler is one line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim import api
from sim.cli import app
from sim.executors import _alive

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "name: stages\ndays: 5\nreplications: 2\nseed: 3\nworld:\n  population: {size: 600}\n  groups: {initial_members: 60}\n"
cli = CliRunner()


@pytest.fixture
def scenario(tmp_path):
    f = tmp_path / "stages.yaml"
    f.write_text(SCENARIO)
    return f


def ctrl_c(*args, **kwargs):
    raise KeyboardInterrupt


def run(*args):
    result = cli.invoke(app, [*map(str, args), "--quiet", "--workers", "1"])
    return result, result.stderr.strip().splitlines()


def test_ctrl_c_while_combining_the_tables_keeps_every_run_and_says_how_to_finish(tmp_path, scenario, monkeypatch):
    monkeypatch.setattr("sim.api.with_report", lambda directory: directory)
    monkeypatch.setattr("sim.store.Store.consolidate", ctrl_c)
    out = tmp_path / "out"
    result, lines = run("run", scenario, "--out", out)
    assert result.exit_code == 130
    assert lines == [f"stopped (interrupted) while combining the tables: all 2 runs are kept in {out}.partial; "
                     f"finish with: qunsim run --resume {out}.partial"]
    monkeypatch.undo()
    monkeypatch.setattr("sim.api.with_report", lambda directory: directory)
    finish = lines[0].split("finish with: ")[1].split()[1:]  # the printed command, as typed
    result, _ = run(*finish)
    assert result.exit_code == 0, result.output
    fresh = api.run_scenario(scenario, workers=1, out=tmp_path / "fresh")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), pd.read_parquet(fresh / "runs.parquet"))


def test_ctrl_c_while_writing_the_report_says_the_results_are_complete(tmp_path, scenario, monkeypatch):
    monkeypatch.setattr("sim.report.write_report", ctrl_c)
    out = tmp_path / "out"
    result, lines = run("run", scenario, "--out", out)
    assert result.exit_code == 130
    assert lines == [f"stopped (interrupted) while writing the report: the results are complete in {out}; "
                     f"finish with: qunsim report {out}"]
    assert json.loads((out / "summary.json").read_text())["meta"]["runs"] == 2


def test_ctrl_c_before_any_run_says_nothing_was_written(tmp_path, scenario, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sim.api.resolve", ctrl_c)
    result, lines = run("run", scenario)
    assert result.exit_code == 130 and lines == ["stopped (interrupted) before any run started: nothing was written"]
    assert not (tmp_path / "results").exists()


CTRL_C_WHILE_IMPORTING = """
import sys


class CtrlC:  # Ctrl-C arrives while the command imports the model (sim.api; sim.calibrate for a fit)
    def find_spec(self, name, path=None, target=None):
        if name in ("sim.api", "sim.calibrate"):
            raise KeyboardInterrupt
        return None


from sim.cli import app

sys.meta_path.insert(0, CtrlC())
app(sys.argv[1:])
"""


def test_ctrl_c_while_a_command_imports_the_model_says_nothing_was_written(tmp_path, scenario):
    r = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_IMPORTING, "run", str(scenario), "-q"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 130 and r.stderr.splitlines() == ["stopped (interrupted) before any run started: nothing was written"]
    r = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_IMPORTING, "calibrate", str(ROOT / "calibration" / "example.yaml"), "-q"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 130 and r.stderr.splitlines() == ["stopped (interrupted) before the fit started: nothing was written"]
    assert not (tmp_path / "results").exists()


def test_ctrl_c_before_the_first_run_finished_leaves_no_empty_folder(tmp_path, scenario, monkeypatch):
    from sim.executors import InProcess

    monkeypatch.setattr(api, "make", lambda *a, **k: InProcess(fn=ctrl_c))  # Ctrl-C during the first run
    out = tmp_path / "out"
    result, lines = run("run", scenario, "--out", out)
    assert result.exit_code == 130 and lines == ["stopped (interrupted): no run had finished, so nothing was kept"]
    assert not out.exists() and not Path(f"{out}.partial").exists()


WORKERS = """
import time
from sim.executors import Local
pool = Local(2, fn=time.sleep)._start()
futures = [pool.submit(time.sleep, 600) for _ in range(2)]
while len(pool._processes) < 2:
    time.sleep(0.05)
print(*pool._processes, flush=True)
time.sleep(600)
"""


def test_workers_end_when_the_parent_is_killed(tmp_path):
    """SIGKILL gives the parent no chance to stop its pool: the workers notice and end by themselves."""
    parent = subprocess.Popen([sys.executable, "-c", WORKERS], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(_alive(p) for p in workers)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 120  # a guard for the suite; the workers end within seconds
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in workers)


class _LostScheduler:
    """A dask client whose scheduler goes away after two runs: every later future fails that way."""

    status = "running"

    def __init__(self):
        self.submitted = 0

    def submit(self, fn, *args, key=None, pure=None):
        self.submitted += 1
        return _Future(fn(*args) if self.submitted <= 2 else None, self, self.submitted)

    def cancel(self, futures):
        pass


class _Future:
    def __init__(self, value, client, order):
        self.value, self.client, self.order = value, client, order

    def result(self):
        if self.value is None:
            from concurrent.futures import CancelledError

            self.client.status = "closing"
            raise CancelledError("cancelled for reason: scheduler-connection-lost. Client lost the connection to the scheduler.")
        return self.value

    def release(self):
        pass


class _AsCompleted:
    def __init__(self, futures):
        self.queue = sorted(futures, key=lambda f: f.order)  # in the order they were submitted

    def add(self, future):
        self.queue.append(future)

    def __iter__(self):
        while self.queue:
            yield self.queue.pop(0)


def test_a_lost_dask_scheduler_is_one_line_with_the_resume_command(tmp_path, scenario, monkeypatch):
    """A stand-in client whose scheduler goes away after two runs (the real one: the slow test below)."""
    from sim.executors import Dask

    def lost(self, scheduler, fn=None):
        from sim.runner import execute

        self.fn, self._own, self.client, self.workers = execute, False, _LostScheduler(), 2
        self._address, self._log_level, self._label = "tcp://10.0.0.5:8786", 0, "dask (lost)"

    monkeypatch.setattr(Dask, "__init__", lost)
    monkeypatch.setattr("distributed.as_completed", _AsCompleted)
    out = tmp_path / "out"
    result = cli.invoke(app, ["run", str(scenario), "--reps", "4", "--executor", "dask", "--scheduler", "tcp://10.0.0.5:8786",
                              "--out", str(out), "--quiet"])
    assert result.exit_code == 130
    assert result.stderr.strip().splitlines() == [
        f"stopped (ConnectionError: lost the dask scheduler at tcp://10.0.0.5:8786): 2 finished runs kept in {out}.partial, "
        f"2 in flight lost, 2 still to run; finish with: qunsim run --resume {out}.partial"]


@pytest.mark.slow
def test_a_real_dask_scheduler_lost_mid_run_is_one_line_and_resumes(tmp_path, scenario, monkeypatch):
    """The scheduler goes away after two runs: one line, the runs kept, and the command that finishes."""
    import distributed

    from sim.cli import _Runs

    out = tmp_path / "out"
    tick = _Runs.tick
    monkeypatch.setattr("sim.api.with_report", lambda directory: directory)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        def lose_the_scheduler(self, done, total, result):
            tick(self, done, total, result)
            if done == 2:
                cluster.sync(cluster.scheduler.close)

        monkeypatch.setattr(_Runs, "tick", lose_the_scheduler)
        result = cli.invoke(app, ["run", str(scenario), "--reps", "8", "--executor", "dask", "--scheduler",
                                  cluster.scheduler_address, "--out", str(out), "--quiet"])
        address = cluster.scheduler_address
    assert result.exit_code == 130
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"stopped (ConnectionError: lost the dask scheduler at {address}): 2 "
                                                   f"finished runs kept in {out}.partial, ")
    assert lines[0].endswith(f"still to run; finish with: qunsim run --resume {out}.partial")
    monkeypatch.setattr(_Runs, "tick", tick)
    result = cli.invoke(app, ["run", "--resume", f"{out}.partial", "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
