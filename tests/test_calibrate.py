"""Calibration: statistics measured alike from every source, file errors with lines, and parameter recovery.

Recovery is the test that matters: simulate a community at known non-default values, fit
it, and the 90% posterior interval must hold the truth and be much narrower than the prior.
The fast version fits two parameters on a small world in one process (pyabc's single-core
sampler is exactly reproducible, so the test cannot flicker); `make test-slow` fits four.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import statistics
from sim.api import run_scenario
from sim.calibrate import Stopped, fit, load_calibration
from sim.model import CommunityModel
from sim.runner import rep_seed
from sim.scenario import ScenarioError, load

ROOT = Path(__file__).resolve().parents[1]
TRUTH = {"world.arrivals.per_day": 8.0, "world.population.sociability_median": 0.012}
# the truth's world is set here, not taken from the defaults, so that calibrating a default does not
# move these tests (at the calibrated sociability_sigma 3.5 a few heavy posters make the counts
# noisier: through the import, arrivals' 90% interval came out 0.60 of the prior with 800 simulations)
WORLD = """name: small
days: 21
world:
  population: {size: 1000, sociability_sigma: 3.0}
  groups: {initial_members: 150}
"""
FAST_STATS = "[posters_weekly, messages_weekly, joins_after_launch, members_final, ever_posted_share]"


@pytest.fixture(scope="module")
def observed(tmp_path_factory) -> Path:
    """A results directory simulated at the truth: it stands in for an observed community."""
    d = tmp_path_factory.mktemp("cal")
    (d / "world.yaml").write_text(WORLD)
    run_scenario(d / "world.yaml", reps=1, workers=1, out=d / "obs", sets=[f"{k}={v}" for k, v in TRUTH.items()])
    return d


def assert_recovered(doc: dict, share: float) -> None:
    """Each 90% posterior interval holds the truth and spans less than `share` of the prior."""
    for path_, truth in TRUTH.items():
        p = doc["posterior"][path_]
        assert p["q05"] <= truth <= p["q95"], (path_, p)
        assert p["interval_share_of_prior"] < share, (path_, p)


def calibration_file(d: Path, name: str, budget: str, parameters: str | None = None, stats: str = FAST_STATS) -> Path:
    parameters = parameters or """  world.arrivals.per_day: {low: 1, high: 20}
  world.population.sociability_median: {low: 0.001, high: 0.05, scale: log}"""
    path = d / f"{name}.yaml"
    path.write_text(f"name: {name}\nscenario: world.yaml\ndata: obs\nparameters:\n{parameters}\n"
                    f"statistics: {stats}\nbudget: {budget}\n")
    return path


# ---- one definition of the statistics ----------------------------------------------------------
def test_statistics_of_a_results_directory_equal_those_of_the_live_model(observed):
    """The in-loop fast path and a results directory on disk measure the same run identically."""
    from_disk, days = statistics.from_directory(observed / "obs")
    loaded = load(observed / "world.yaml", [f"{k}={v}" for k, v in TRUTH.items()])
    live = statistics.from_model(CommunityModel(loaded.scenario.world, [], seed=rep_seed(1, 0)), days)
    assert days == 21
    assert set(from_disk) == set(live) == set(statistics.expand(statistics.DEFAULT, 21))
    assert from_disk == pytest.approx(live)
    assert from_disk["joins_after_launch"] > 0 and 0 < from_disk["top1_share"] < 1


def test_statistics_of_an_import_directory(tmp_path):
    """A tiny hand-made import: every statistic worked out by hand."""
    pd.DataFrame({"day": [0, 0, 0, 1, 8], "person": [1, 1, 2, 1, 3]}).to_parquet(tmp_path / "messages.parquet")
    pd.DataFrame({"person": [1, 2, 2, 3], "group": [0, 0, 1, 1], "joined": [0, 0, 3, 5],
                  "left": [None, 4, 6, None], "messages": [3, 1, 0, 1]}).to_parquet(tmp_path / "memberships.parquet")
    pd.DataFrame({"group": [0, 1], "opened": [0, 3], "closed": [None, None], "peak_size": [2, 2]}).to_parquet(tmp_path / "groups.parquet")
    s, days = statistics.from_directory(tmp_path)
    assert days == 9
    assert s["posters_w1"] == pytest.approx(3 / 7) and s["messages_w1"] == pytest.approx(4 / 7)
    assert s["posters_w2"] == pytest.approx(1 / 2) and s["messages_w2"] == pytest.approx(1 / 2)
    assert s["members_final"] == 2 and s["leaves_total"] == 1  # person 2 left their last group on day 6
    assert s["joins_after_launch"] == 1 and s["ever_posted_share"] == 1
    assert s["tenure_median"] == 6  # tenures 9 (1), 6 (2), 4 (3)
    assert s["groups_opened"] == 2 and s["group_peak_mean"] == 2 and s["group_lifespan_median"] == 7.5


# ---- the file ---------------------------------------------------------------------------------
def test_file_problems_name_their_lines(observed):
    path = observed / "bad.yaml"
    path.write_text("name: bad\nscenario: world.yaml\ndata: obs\nparameters:\n"
                    "  world.arrivals.per_dya: {low: 1, high: 20}\n"
                    "  world.population.patience_median: {low: -3, high: 20}\n"
                    "  world.population.sociability_median: {low: 0.05, high: 0.001}\n"
                    "statistics: [members_final, tenure_mean]\n")
    with pytest.raises(ScenarioError) as e:
        load_calibration(path)
    lines = [str(p) for p in e.value.problems]
    assert any(line.startswith(f"{path}:7:") and "low" in line for line in lines), lines
    assert any(line.startswith(f"{path}:8:") and "tenure_median" in line for line in lines), lines
    path.write_text("name: bad\nscenario: world.yaml\ndata: nowhere\nparameters:\n"
                    "  world.arrivals.per_dya: {low: 1, high: 20}\n"
                    "  world.population.patience_median: {low: -3, high: 20}\n")
    with pytest.raises(ScenarioError) as e:
        load_calibration(path)
    lines = [str(p) for p in e.value.problems]
    assert any(line.startswith(f"{path}:5:") and "per_day" in line for line in lines), lines
    assert any(line.startswith(f"{path}:6:") and "patience_median = -3" in line for line in lines), lines
    assert any(line.startswith(f"{path}:3:") and "no such directory" in line for line in lines), lines


def test_targets_stand_in_for_data_and_are_checked(observed):
    """Published figures as targets (calibration/published.yaml): statistic names checked, days required."""
    path = observed / "targets.yaml"
    path.write_text("name: t\nscenario: world.yaml\ndays: 21\nparameters:\n  world.arrivals.per_day: {low: 1, high: 20}\n"
                    "targets: {top1_share: 0.747, ever_posted_share: 0.25}\n")
    cal = load_calibration(path)
    assert cal.observed == {"top1_share": 0.747, "ever_posted_share": 0.25} and cal.days == 21
    assert cal.spec.statistic_names == ["top1_share", "ever_posted_share"]
    path.write_text("name: t\nscenario: world.yaml\ndata: obs\nparameters:\n  world.arrivals.per_day: {low: 1, high: 20}\n"
                    "targets: {top_share: 0.7}\n")
    with pytest.raises(ScenarioError) as e:
        load_calibration(path)
    lines = [str(p) for p in e.value.problems]
    assert any(line.startswith(f"{path}:6:") and "top1_share" in line for line in lines), lines
    assert load_calibration(ROOT / "calibration" / "published.yaml").days == 90  # the repo's own file is valid


def test_cli_exits_2_without_traceback_on_a_bad_file(observed):
    path = observed / "bad_cli.yaml"
    path.write_text("name: bad\nscenario: world.yaml\ndata: obs\nparameters: {}\n")
    r = subprocess.run([sys.executable, "-m", "sim.cli", "calibrate", str(path)], capture_output=True, text=True)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and f"{path}:4:" in r.stderr


# ---- the fit ------------------------------------------------------------------------------------
def _posterior(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "posterior.parquet")


def test_two_parameters_are_recovered(observed):
    """The 90% interval holds the truth and spans less than half of the prior's (log) range."""
    path = calibration_file(observed, "recover", "{simulations: 800, particles: 40, generations: 4, predictive: 8}")
    out = fit(load_calibration(path), observed / "recover_out", workers=1)
    doc = json.loads((out / "calibration.json").read_text())
    post = _posterior(out)
    assert list(post.columns) == [*TRUTH, "weight"] and post["weight"].sum() == pytest.approx(1)
    assert_recovered(doc, 0.5)
    assert doc["simulations"] <= 800 and len(doc["generations"]) >= 2
    assert all(0 < g["acceptance"] <= 1 and g["ess"] > 1 for g in doc["generations"])
    assert set(doc["predictive_check"]["statistics"]) == set(doc["observed"])
    assert doc["summary"]
    html = (out / "report.html").read_text()
    assert "pinned down" in html or "narrow" in html
    assert html.count("data:image/png;base64") >= 3  # marginals, pairs, predictive check


def test_same_seed_same_posterior_in_one_process(observed):
    path = calibration_file(observed, "repeat", "{simulations: 200, particles: 15, generations: 2, predictive: 0}")
    cal = load_calibration(path)
    a = _posterior(fit(cal, observed / "repeat_a", workers=1))
    b = _posterior(fit(cal, observed / "repeat_b", workers=1))
    pd.testing.assert_frame_equal(a, b)


def test_ctrl_c_keeps_the_finished_generations_and_resume_completes(observed):
    path = calibration_file(observed, "resume", "{simulations: 400, particles: 15, generations: 3, predictive: 0}")
    cal = load_calibration(path)
    out = observed / "resume_out"

    def interrupt(state):
        if state["generation"] == 1 and state["phase"] == "sampling":  # generation 0 is stored; 1 starts
            raise KeyboardInterrupt

    with pytest.raises(Stopped) as e:
        fit(cal, out, workers=1, progress=interrupt, command="qunsim calibrate resume.yaml --resume resume_out")
    assert e.value.generations == 1 and "--resume" in str(e.value)
    assert (out / "history.db").exists() and not (out / "posterior.parquet").exists()
    with pytest.raises(FileExistsError):
        fit(cal, out, workers=1)  # a fresh fit never overwrites a history
    fit(cal, out, workers=1, resume=True)
    doc = json.loads((out / "calibration.json").read_text())
    assert [g["generation"] for g in doc["generations"]] == [0, 1, 2]


# ---- through the import: a run exported as a chat, imported, and fitted ------------------------
@pytest.fixture(scope="module")
def imported(observed) -> Path:
    """The observed run as a community would hand it over: `qunsim export` as Telegram, then `qunsim import`."""
    from typer.testing import CliRunner

    from sim.cli import app

    cli = CliRunner()
    r = cli.invoke(app, ["export", str(observed / "obs"), "--format", "telegram", "--out", str(observed / "tg")])
    assert r.exit_code == 0, r.output
    r = cli.invoke(app, ["import", str(observed / "tg" / "result.json"), "--out", str(observed / "imp"), "--no-report"])
    assert r.exit_code == 0, r.output
    return observed / "imp"


def test_an_import_directory_is_calibration_data(observed, imported):
    """`data:` takes an import directory: its statistics are those of the run it came from, up to how the
    export places a day's messages (members, joins and shares are exact; daily posters approximate)."""
    path = observed / "from_import.yaml"
    path.write_text("name: from_import\nscenario: world.yaml\ndata: imp\nparameters:\n"
                    "  world.arrivals.per_day: {low: 1, high: 20}\nstatistics: default\n")
    cal = load_calibration(path)
    direct, days = statistics.from_directory(observed / "obs")
    assert cal.days == days == 21 and set(cal.observed) == set(direct)
    for key in ("members_final", "joins_after_launch", "leaves_total", "ever_posted_share", "top1_share", "message_gini"):
        assert cal.observed[key] == pytest.approx(direct[key]), key
    assert sum(v for k, v in cal.observed.items() if k.startswith("messages_w")) == pytest.approx(
        sum(v for k, v in direct.items() if k.startswith("messages_w")), rel=0.05)
    small = calibration_file(observed, "tiny_import", "{simulations: 30, particles: 10, generations: 1, predictive: 0}",
                             "  world.arrivals.per_day: {low: 1, high: 20}")
    small.write_text(small.read_text().replace("data: obs", "data: imp"))
    assert len(_posterior(fit(load_calibration(small), observed / "tiny_import_out", workers=1))) == 10


def test_two_parameters_are_recovered_through_the_import(observed, imported):
    """Parameter recovery from what a real community provides: the simulated truth exported as
    Telegram and imported; each 90% interval holds the truth and spans less than half the prior."""
    path = calibration_file(observed, "recover_import", "{simulations: 800, particles: 40, generations: 4, predictive: 0}")
    path.write_text(path.read_text().replace("data: obs", "data: imp"))
    doc = json.loads((fit(load_calibration(path), observed / "recover_import_out", workers=1) / "calibration.json").read_text())
    assert_recovered(doc, 0.5)


@pytest.mark.slow
def test_two_parameters_are_recovered_through_the_import_with_every_statistic(observed, imported):
    """The same on the default statistics and a larger budget: intervals a third of the prior or less."""
    path = calibration_file(observed, "recover_import_all", "{simulations: 3000, particles: 100, generations: 6, predictive: 20}",
                            stats="default")
    path.write_text(path.read_text().replace("data: obs", "data: imp"))
    doc = json.loads((fit(load_calibration(path), observed / "recover_import_all_out", workers=2) / "calibration.json").read_text())
    assert_recovered(doc, 0.35)


ON_DASK = """
import sys
import distributed
from sim.calibrate import fit, load_calibration
with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
    fit(load_calibration(sys.argv[1]), sys.argv[2], executor="dask", scheduler=cluster.scheduler_address)
"""


def test_same_posterior_on_a_dask_cluster_as_on_one_worker(observed):
    """The slots go to dask workers (sim/sampling.py): the cluster decides who computes a slot,
    never what comes out, so a fit on 2 dask workers of 2 threads is the fit on 1 local worker,
    bit for bit. (The cluster lives in a subprocess: its threads would outlive it in this one,
    and the local fits of other tests fork.)"""
    pytest.importorskip("distributed")
    path = calibration_file(observed, "dask", "{simulations: 120, particles: 10, generations: 2, predictive: 0}")
    here = _posterior(fit(load_calibration(path), observed / "dask_here", workers=1))
    out = observed / "dask_out"
    subprocess.run([sys.executable, "-c", ON_DASK, str(path), str(out)], cwd=ROOT, check=True, capture_output=True, timeout=600)
    pd.testing.assert_frame_equal(here, _posterior(out))
    assert len(here) == 10 and here.drop(columns="weight").nunique().min() > 1
    assert json.loads((out / "calibration.json").read_text())["executor"] == "dask"


def test_an_unreachable_cluster_is_refused_before_anything_is_written(observed):
    pytest.importorskip("distributed")
    path = calibration_file(observed, "no_cluster", "{simulations: 60, particles: 10, generations: 1, predictive: 0}")
    with pytest.raises(ConnectionError, match="cannot reach a dask scheduler at 'notanaddress'"):
        fit(load_calibration(path), observed / "no_cluster_out", executor="dask", scheduler="notanaddress")
    assert not (observed / "no_cluster_out").exists()


@pytest.mark.slow
def test_four_parameters_are_recovered_on_two_workers(observed):
    """Four parameters on two workers: every truth inside its 90% interval, posting
    propensity still pinned. arrivals.per_day is not asserted narrow here:
    with interest and patience free it trades off against them (more arrivals, or more
    interested and patient joiners), and the fit rightly leaves it wide (docs/calibration.md)."""
    truth = {**TRUTH, "world.population.patience_median": 12.0, "world.population.interest_mean": 0.35}
    params = """  world.arrivals.per_day: {low: 1, high: 20}
  world.population.sociability_median: {low: 0.001, high: 0.05, scale: log}
  world.population.patience_median: {low: 2, high: 40, scale: log}
  world.population.interest_mean: {low: 0.1, high: 0.7}"""
    path = calibration_file(observed, "recover4", "{simulations: 6000, particles: 150, generations: 6, predictive: 20}",
                            params, stats="default")
    out = fit(load_calibration(path), observed / "recover4_out", workers=2)
    doc = json.loads((out / "calibration.json").read_text())
    for path_, value in truth.items():
        p = doc["posterior"][path_]
        assert p["q05"] <= value <= p["q95"], (path_, p)
    assert doc["posterior"]["world.population.sociability_median"]["interval_share_of_prior"] < 0.5, doc["posterior"]
    assert np.isfinite(doc["effective_sample_size"])


def test_same_posterior_on_one_and_two_workers(observed):
    """Each particle is a slot with its own seed (sim/sampling.py): the number of workers
    decides who computes a slot, never what comes out."""
    path = calibration_file(observed, "workers", "{simulations: 200, particles: 12, generations: 2, predictive: 0}")
    cal = load_calibration(path)
    one = _posterior(fit(cal, observed / "workers_1", workers=1))
    two = _posterior(fit(cal, observed / "workers_2", workers=2))
    pd.testing.assert_frame_equal(one, two)
    assert len(one) == 12 and one.drop(columns="weight").nunique().min() > 1  # a real sample, not one repeated draw
