"""Results folders are never shared, never opened unless qunsim wrote them, and never written
through a link: concurrent runs, `--resume` and `--out` as a careless or hostile user uses them."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim import api
from sim.cli import app
from sim.scenario import ScenarioError
from sim.store import Store, started

SCENARIO = "name: folders\ndays: 5\nreplications: 2\nseed: 1\nworld:\n  population: {size: 600}\n  groups: {initial_members: 60}\n"
cli = CliRunner()


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    monkeypatch.setattr("sim.api.with_report", lambda directory: directory)


@pytest.fixture
def scenario(tmp_path):
    f = tmp_path / "folders.yaml"
    f.write_text(SCENARIO)
    return f


def listing(folder) -> dict[str, float | str]:
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = os.path.join(root, name)
            out[os.path.relpath(p, folder)] = os.readlink(p) if os.path.islink(p) else os.stat(p).st_mtime_ns
    return out


def run(*args: str):
    result = cli.invoke(app, [*map(str, args), "--quiet", "--workers", "1"])
    return result, result.stderr.strip().splitlines()


# ---- 1. two runs in the same second never share a folder ------------------------------------------------
def test_two_runs_started_in_the_same_second_get_their_own_folders(tmp_path, scenario, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sim.store.stamp", lambda: "20261201-100000")
    first = api.run_scenario(scenario, workers=1)
    second = api.run_scenario(scenario, workers=1, seed=2)
    assert first.name == "20261201-100000" and second.name == "20261201-100000-2"
    for folder, seed in ((first, 1), (second, 2)):
        assert json.loads((folder / "summary.json").read_text())["meta"]["seed"] == seed
        assert json.loads((folder / "qunsim.json").read_text())["options"]["seed"] == (None if seed == 1 else 2)
        assert not list(folder.rglob("*.tmp"))
    assert set(pd.read_parquet(first / "runs.parquet")["seed"]).isdisjoint(pd.read_parquet(second / "runs.parquet")["seed"])


def test_a_folder_being_written_is_created_once_and_locked(tmp_path):
    one = Store.create(tmp_path / "x", started("run", [], {}), unique=True)
    two = Store.create(tmp_path / "x", started("run", [], {}), unique=True)  # the same name at the same moment
    assert (one.dir.name, two.dir.name) == ("x.partial", "x-2.partial")
    with pytest.raises(ScenarioError, match="is being written by another qunsim command right now"):
        Store.resume(one.dir)
    one.release()
    Store.resume(one.dir).release()


def test_an_explicit_out_never_joins_another_runs_folder(tmp_path, scenario):
    busy = Store.create(tmp_path / "out", started("run", [scenario], {}))
    before = listing(tmp_path / "out.partial")
    result, lines = run("run", scenario, "--out", tmp_path / "out", "--seed", "2")
    assert result.exit_code == 2 and lines == [
        f"--out: {tmp_path / 'out.partial'} exists: another command is writing there, or was interrupted — finish it "
        f"with `qunsim run --resume {tmp_path / 'out.partial'}`, or give another --out"]
    assert listing(tmp_path / "out.partial") == before
    busy.release()


# ---- 2. --resume opens only qunsim folders, with their own scenario and options ---------------------------
def test_resume_refuses_a_folder_qunsim_did_not_write_and_leaves_it_alone(tmp_path, scenario):
    plain = tmp_path / "mine"
    plain.mkdir()
    (plain / "summary.json").write_text('{"my": "notes"}')
    before = listing(tmp_path)
    result, lines = run("run", scenario, "--resume", plain)
    assert result.exit_code == 2 and lines == [
        f"--resume: {plain} is not a qunsim results folder (it has no qunsim.json) — give a folder that qunsim run, "
        "compare or sweep wrote; this one was left untouched"]
    assert listing(tmp_path) == before and (plain / "summary.json").read_text() == '{"my": "notes"}'


def interrupted(scenario, out, after: int = 1, **options):
    def impatient(done, total, result):
        if done == after:
            raise KeyboardInterrupt

    with pytest.raises(api.Interrupted) as e:
        api.run_scenario(scenario, workers=1, out=out, progress=impatient, **options)
    return e.value.directory


def test_resume_alone_finishes_the_run_with_its_stored_scenario_and_options(tmp_path, scenario, monkeypatch):
    partial = interrupted(scenario, tmp_path / "out", reps=4, days=6, sets=["world.arrivals.per_day=9"])
    monkeypatch.chdir(tmp_path / "out.partial")  # from anywhere: the folder knows its files
    result, lines = run("run", "--resume", partial)
    assert result.exit_code == 0, result.output
    resumed = tmp_path / "out"
    fresh = api.run_scenario(scenario, workers=1, out=tmp_path / "fresh", reps=4, days=6, sets=["world.arrivals.per_day=9"])
    for t in ("runs", "daily"):
        pd.testing.assert_frame_equal(pd.read_parquet(resumed / f"{t}.parquet"), pd.read_parquet(fresh / f"{t}.parquet"))


@pytest.mark.parametrize("extra, line", [
    (["--reps", "5"], "--reps: --reps 5 differs from --reps 4, which {d} was started with — leave it out to finish "
                      "that run, or start a new run with --out"),
    (["--days", "7"], "--days: --days 7 differs from no --days, which {d} was started with — leave it out to finish "
                      "that run, or start a new run with --out"),
    (["--set", "days=9"], "--set: --set days=9 differs from no --set, which {d} was started with — leave it out "
                          "to finish that run, or start a new run with --out"),
])
def test_resume_refuses_conflicting_options_with_one_line(tmp_path, scenario, extra, line):
    partial = interrupted(scenario, tmp_path / "out", reps=4)
    before = listing(partial)
    result, lines = run("run", scenario, "--resume", partial, *extra)
    assert result.exit_code == 2 and lines == [line.format(d=partial)]
    assert listing(partial) == before


def test_resume_refuses_a_scenario_file_changed_since(tmp_path, scenario):
    partial = interrupted(scenario, tmp_path / "out")
    scenario.write_text(SCENARIO.replace("size: 600", "size: 700"))
    before = listing(partial)
    result, lines = run("run", "--resume", partial)
    assert result.exit_code == 2 and lines == [
        f"--resume: the files changed since {partial} was started (they no longer match its scenario.resolved.yaml) "
        "— undo the change to finish that run, or start a new run with --out"]
    assert listing(partial) == before


def test_resume_names_the_command_that_wrote_the_folder(tmp_path, scenario):
    partial = interrupted(scenario, tmp_path / "out")
    result, lines = run("sweep", "--resume", partial)
    assert result.exit_code == 2 and lines == [
        f"--resume: {partial} was written by `qunsim run` — finish it with `qunsim run --resume {partial}`"]


# ---- 3. never through a symbolic link -------------------------------------------------------------------
def test_a_planted_partial_link_is_never_written_through(tmp_path, scenario):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "summary.json").write_text("precious")
    (tmp_path / "x.partial").symlink_to(victim)
    before = listing(tmp_path)
    result, lines = run("run", scenario, "--out", tmp_path / "x")
    assert result.exit_code == 2 and lines == [
        f"--out: {tmp_path / 'x.partial'} is a symbolic link — qunsim writes only into folders it creates; give another --out"]
    assert listing(tmp_path) == before and (victim / "summary.json").read_text() == "precious"


def test_out_as_a_dangling_link_is_refused_before_anything_runs(tmp_path, scenario):
    (tmp_path / "x").symlink_to(tmp_path / "nowhere")
    before = listing(tmp_path)
    result, lines = run("run", scenario, "--out", tmp_path / "x")
    assert result.exit_code == 2 and lines == [
        f"--out: {tmp_path / 'x'} is a symbolic link — qunsim writes only into folders it creates; give another --out"]
    assert listing(tmp_path) == before and not (tmp_path / "nowhere").exists()


def test_resume_refuses_a_link(tmp_path, scenario):
    partial = interrupted(scenario, tmp_path / "out")
    (tmp_path / "link").symlink_to(partial)
    result, lines = run("run", "--resume", tmp_path / "link")
    assert result.exit_code == 2 and lines == [
        f"--resume: {tmp_path / 'link'} is a symbolic link — give the results folder itself (it was left untouched)"]


def test_resume_and_out_together_are_refused(tmp_path, scenario):
    partial = interrupted(scenario, tmp_path / "out")
    before = listing(tmp_path)
    result, lines = run("run", "--resume", partial, "--out", tmp_path / "elsewhere")
    assert result.exit_code == 2 and lines == [
        "--out: --out and --resume do not go together — --resume finishes its folder in place; leave out --out"]
    assert listing(tmp_path) == before
