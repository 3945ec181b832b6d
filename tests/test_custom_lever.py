"""A researcher's own lever, loaded from a Python file named in the scenario."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.api import run_scenario
from sim.cli import app
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "custom_lever.yaml"
cli = CliRunner()

GOOD = '''
import numpy as np
from agents.params import param
from agents.strategies import LeverParams, Strategy


class Louder(Strategy):
    class Params(LeverParams):
        strength: float = param(1.0, "+share", "extra posting", ge=0)

    def act(self, op, day, fx):
        fx.person_utility[:] += self.params.strength
        fx.operator_posts[:] += 1
        fx.pay(self.key, hours=1.0)


class NotALever:
    pass
'''


def scenario(tmp_path: Path, lever: str, source: str = GOOD, name: str = "mine.py") -> Path:
    (tmp_path / name).write_text(source)
    f = tmp_path / "s.yaml"
    f.write_text(f"name: t\ndays: 12\nreplications: 1\nworld:\n  population: {{size: 2000}}\nstrategy:\n  - moderation: {{}}\n  - {lever}\n")
    return f


def one_line(f: Path, command: str = "validate") -> str:
    """The one line a broken lever gets; `validate` reads the file, `run` also runs it (import, params)."""
    args = [command, str(f)] + (["--out", str(f.parent / "out"), "--quiet"] if command == "run" else [])
    result = cli.invoke(app, args)
    assert not (f.parent / "out").exists() and not (f.parent / "out.partial").exists()
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{f}:8: "), lines[0]
    return lines[0]


def test_the_example_runs_and_reports(tmp_path):
    out = run_scenario(EXAMPLE, reps=1, days=10, workers=1, out=tmp_path / "r")
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs["arm"]) == {"no_topics", "topic_every_other_day"}
    row = runs[runs["arm"] == "topic_every_other_day"].iloc[0]
    assert row["daily_topic.topics"] == 5  # days 0, 2, 4, 6, 8
    assert row["hours.daily_topic"] == 2.5
    daily = pd.read_parquet(out / "daily.parquet")
    topic_days = daily[(daily["arm"] == "topic_every_other_day") & (daily["operator_posts"] > 0)]["day"]
    assert list(topic_days) == [0, 2, 4, 6, 8]


def test_custom_lever_runs_in_worker_processes(tmp_path):
    out = run_scenario(EXAMPLE, reps=2, days=5, workers=2, out=tmp_path / "r")
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 and runs["daily_topic.topics"].notna().sum() == 2


def test_path_is_relative_to_the_scenario_folder(tmp_path):
    f = scenario(tmp_path, "custom: {path: mine.py:Louder, params: {strength: 2, every: 3}}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "validate", str(f)], capture_output=True, text=True, cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    loaded = load(f)
    assert loaded.scenario.strategy[1]["custom"]["params"]["strength"] == 2


def test_custom_lever_acts_on_its_schedule(tmp_path):
    f = scenario(tmp_path, "custom: {path: mine.py:Louder, params: {strength: 2, every: 3}}")
    out = run_scenario(f, workers=1, out=tmp_path / "r")
    daily = pd.read_parquet(out / "daily.parquet")
    assert list(daily[daily["operator_posts"] > 0]["day"]) == [0, 3, 6, 9]
    assert pd.read_parquet(out / "runs.parquet").iloc[0]["hours.Louder"] == 4.0  # booked under the class name


def test_syntax_error_names_file_and_line(tmp_path):
    source = GOOD.replace("class NotALever:", "class NotALever")
    line = one_line(scenario(tmp_path, "custom: {path: mine.py:Louder}", source))
    bad_line = source.splitlines().index("class NotALever") + 1
    assert f"mine.py:{bad_line}: SyntaxError" in line


def test_exception_while_loading_names_file_and_line(tmp_path):
    source = GOOD + "\nsettings = {}\nthreshold = settings['threshold']\n"
    line = one_line(scenario(tmp_path, "custom: {path: mine.py:Louder}", source), "run")
    assert f"mine.py:{len(source.splitlines())}: KeyError: 'threshold'" in line


def test_missing_class_suggests_the_near_one(tmp_path):
    line = one_line(scenario(tmp_path, "custom: {path: mine.py:Loudr}"))
    assert "no class 'Loudr'" in line and "did you mean 'Louder'?" in line


def test_a_class_that_is_not_a_lever(tmp_path):
    assert "is not a lever — subclass agents.strategies.Strategy" in one_line(scenario(tmp_path, "custom: {path: mine.py:NotALever}"), "run")


def test_missing_file_and_bad_path(tmp_path):
    assert "no such file" in one_line(scenario(tmp_path, "custom: {path: other.py:Louder}"))
    assert "FILE.py:ClassName" in one_line(scenario(tmp_path, "custom: {path: mine.py}"))
    assert "a custom lever takes path and params" in one_line(scenario(tmp_path, "custom: {path: mine.py:Louder, parms: {}}"))


def test_custom_parameters_are_validated_with_allowed_values(tmp_path):
    line = one_line(scenario(tmp_path, "custom: {path: mine.py:Louder, params: {strenght: 2}}"), "run")
    assert "mine.py:Louder: unknown parameter 'strenght' — did you mean 'strength'? parameters: strength, days, every" in line
    line = one_line(scenario(tmp_path, "custom: {path: mine.py:Louder, params: {strength: -1}}"), "run")
    assert "mine.py:Louder.strength: Input should be greater than or equal to 0 (got -1)" in line


def test_validate_never_runs_the_lever_code(tmp_path):
    """A custom lever is code you must trust: `validate` (and `sweep --check`) only read it."""
    source = GOOD + "\nimport pathlib\npathlib.Path(__file__).with_name('ran').write_text('top-level code ran')\n"
    f = scenario(tmp_path, "custom: {path: mine.py:Louder, params: {strenght: 2}}", source)
    result = cli.invoke(app, ["validate", str(f)])
    assert result.exit_code == 0 and "custom lever code not run" in result.output
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("where", ["../elsewhere/mine.py", "ABSOLUTE"])
def test_a_lever_outside_the_scenario_folder_is_refused(tmp_path, where):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "mine.py").write_text(GOOD)
    home = tmp_path / "scenario"
    home.mkdir()
    path = str(tmp_path / "elsewhere" / "mine.py") if where == "ABSOLUTE" else where
    line = one_line(scenario(home, f"custom: {{path: '{path}:Louder'}}", source="", name="unused.py"))
    assert line.endswith("is outside the scenario's folder — a custom lever is code you must trust: keep its file in "
                         "the scenario's folder (or a folder below it)")


def test_an_edited_file_is_read_again(tmp_path):
    f = scenario(tmp_path, "custom: {path: mine.py:Louder}")
    assert cli.invoke(app, ["validate", str(f)]).exit_code == 0
    (tmp_path / "mine.py").write_text(GOOD + "\n1 / 0\n")
    assert "ZeroDivisionError" in one_line(f, "run")


@pytest.mark.parametrize("lever, expected", [
    ("red_pakcet: {}", "unknown lever 'red_pakcet' — did you mean 'red_packet'? levers: check_in, content_schedule"),
    ("red_packet: {amout: 3}", "red_packet: unknown parameter 'amout' — did you mean 'amount'? parameters: amount, shares"),
    ("dunbar_split: {method: louvain}", "dunbar_split.method: Input should be 'communities', 'tenure' or 'random' (got 'louvain')"),
    ("moderation: {spam_removal: 2}", "moderation.spam_removal: Input should be less than or equal to 1 (got 2)"),
    ("moderation: 5", "moderation: parameters are a mapping"),
])
def test_built_in_lever_mistakes_are_one_line_with_allowed_values(tmp_path, lever, expected):
    assert expected in one_line(scenario(tmp_path, lever))


def test_the_example_file_is_a_copyable_template(tmp_path):
    """The example works from any folder it is copied to with its scenario."""
    shutil.copy(ROOT / "scenarios" / "custom_lever.py", tmp_path)
    shutil.copy(EXAMPLE, tmp_path)
    result = cli.invoke(app, ["validate", str(tmp_path / "custom_lever.yaml")])
    assert result.exit_code == 0, result.output


BUGGY = '''
from agents.strategies import LeverParams, Strategy


class Buggy(Strategy):
    class Params(LeverParams):
        pass

    def act(self, op, day, fx):
        if day == 3:
            return 1 / 0
'''


def test_an_exception_in_a_running_lever_is_one_line_with_its_file_and_line(tmp_path):
    (tmp_path / "buggy.py").write_text(BUGGY)
    f = tmp_path / "s.yaml"
    f.write_text("name: buggy\ndays: 5\nreplications: 1\nworld:\n  population: {size: 500}\n  groups: {initial_members: 50}\n"
                 "strategy:\n  - custom: {path: buggy.py:Buggy}\n")
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(f), "--out", str(tmp_path / "out"), "-q", "--workers", "1"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first == f"custom lever {tmp_path / 'buggy.py'}:11: ZeroDivisionError in act(): division by zero"


RUNTIME = '''
import sys
import numpy as np
from agents.strategies import LeverParams, Strategy


class Lever(Strategy):
    class Params(LeverParams):
        pass

    def act(self, op, day, fx):
        {body}

    def report(self, op):
        return {report}
'''


@pytest.mark.parametrize("body, report, expected", [
    ("fx.person_utility = fx.person_utility * 4", "{}",
     "12: AttributeError in act(): fx.person_utility is a handle to change in place (fx.person_utility *= 2, "
     "fx.person_utility[groups] += 1), not to assign"),
    ("fx.operator_posts = 'lots'", "{}", "12: AttributeError in act(): fx.operator_posts is a handle"),
    ("fx.person_utility[:] = np.nan", "{}",
     "11: act() put NaN or infinity into fx.person_utility — handles and costs take finite numbers"),
    ("fx.pay(self.key, money=float('inf'))", "{}", "11: act() put NaN or infinity into fx.money (fx.pay)"),
    ("pass", "'three'", "14: report() returned 'three' — return a dict of names to numbers, e.g. {'topics': 3}"),
    ("sys.exit(3)", "{}", "12: SystemExit in act(): 3"),
], ids=["assign-handle", "assign-string", "nan", "inf-cost", "report-string", "sys-exit"])
def test_a_lever_that_breaks_the_rules_while_running_is_one_line(tmp_path, body, report, expected):
    (tmp_path / "lever.py").write_text(RUNTIME.format(body=body, report=report))
    f = tmp_path / "s.yaml"
    f.write_text("name: rules\ndays: 3\nreplications: 1\nworld:\n  population: {size: 500}\n  groups: {initial_members: 50}\n"
                 "strategy:\n  - custom: {path: lever.py:Lever}\n")
    result = cli.invoke(app, ["run", str(f), "--out", str(tmp_path / "out"), "--quiet", "--workers", "1"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"custom lever {tmp_path / 'lever.py'}:{expected}"), lines[0]
    assert lines[1].endswith("no run had finished, so nothing was kept") and len(lines) == 2
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()
