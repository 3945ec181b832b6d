"""Triggers: a lever acts exactly on its scheduled days, or while a measured condition holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agents import strategies
from agents.strategies.triggers import METRICS, LeverParams, Trigger
from agents.world import World
from sim.cli import app
from sim.model import CommunityModel

WORLD = World.model_validate({"population": {"size": 3000}})
cli = CliRunner()


def trigger(**timing) -> Trigger:
    return Trigger(LeverParams.model_validate(timing))


def fired(t: Trigger, days: int = 40, history=None) -> list[int]:
    return [d for d in range(days) if t.fires(d, (history or [])[:d])]


# ---- the rule ---------------------------------------------------------------------------------
def test_days_every_start_stop():
    assert fired(trigger(days=[3, 10, 11])) == [3, 10, 11]
    assert fired(trigger(every=7)) == [0, 7, 14, 21, 28, 35]
    assert fired(trigger(every=5, start=2, stop=20)) == [2, 7, 12, 17]
    assert fired(trigger(start=30)) == list(range(30, 40))
    assert fired(trigger(days=[3, 10, 30], stop=20)) == [3, 10]


def test_when_reads_yesterday_or_the_mean_of_the_last_days():
    history = [{"dau": x} for x in [10, 10, 2, 10, 2, 2, 2, 10, 10, 10]]
    assert fired(trigger(when={"metric": "dau", "below": 5}), 10, history) == [3, 5, 6, 7]
    assert fired(trigger(when={"metric": "dau", "above": 5}), 10, history) == [1, 2, 4, 8, 9]
    # the mean of the last 3 days below 5: days whose three previous days average under 5
    assert fired(trigger(when={"metric": "dau", "below": 5, "over": 3}), 10, history) == [5, 6, 7, 8]
    # AND with a schedule: every other day, when quiet
    assert fired(trigger(every=2, when={"metric": "dau", "below": 5}), 10, history) == [6]


def test_no_timing_keys_means_every_day_and_no_trigger():
    assert Trigger.of(LeverParams()) is None
    assert strategies.build([{"moderation": {}}])[0].trigger is None
    assert strategies.build([{"red_packet": {}}])[0].trigger.every == 7  # its own default schedule


def test_days_replace_a_levers_default_schedule():
    lever = strategies.build([{"red_packet": {"days": [5, 9]}}])[0]
    assert lever.trigger.every is None and fired(lever.trigger) == [5, 9]


def test_metrics_are_the_keys_of_the_daily_outcomes():
    model = CommunityModel(WORLD, [], seed=1).run(2)
    assert set(METRICS) == set(model.daily[0]) - {"day"}


# ---- in a run ---------------------------------------------------------------------------------
def test_a_scheduled_lever_acts_on_its_days_only():
    """Expert posts appear in the daily series exactly on the scheduled days."""
    for timing, days in (({"days": [3, 10, 11]}, [3, 10, 11]), ({"every": 5, "start": 2, "stop": 20}, [2, 7, 12, 17])):
        model = CommunityModel(WORLD, strategies.build([{"content_schedule": timing}]), seed=2).run(30)
        assert [d["day"] for d in model.daily if d["operator_posts"] > 0] == days


def test_a_conditional_lever_acts_only_while_the_condition_holds():
    """Red packets `when: dau below 33`: a packet on exactly the days after a day with fewer than 33 posters."""
    model = CommunityModel(WORLD, strategies.build([{"red_packet": {"every": 1, "when": {"metric": "dau", "below": 33}}}]), seed=3).run(40)
    lever = model.operator.levers[0]
    packet_days = lever.dropped_on
    quiet = [d for d in range(1, 40) if model.daily[d - 1]["dau"] < 33]
    assert packet_days == quiet and 0 < len(quiet) < 39


def test_a_standing_rule_is_lifted_when_the_lever_stops():
    """An entry gate until day 10: afterwards gates are 0 and nobody is refused; a cap likewise."""
    model = CommunityModel(WORLD, strategies.build([{"entry_gate": {"stop": 10}}]), seed=4).run(11)
    refused = model.community.refused
    assert refused > 0 and model.community.groups.view("gate").max() >= 0.4
    model.run(20)
    assert model.community.groups.view("gate").max() == 0 and model.community.refused == refused
    capped = CommunityModel(WORLD, strategies.build([{"group_cap": {"cap": 100, "stop": 5}}]), seed=4).run(5)
    assert capped.community.groups.view("cap").min() == 100
    capped.run(2)
    assert capped.community.groups.view("cap").min() == 500 and capped.community.groups.defaults["cap"] == 500


def test_each_lever_draws_from_its_own_stream():
    """Adding a lever before another does not change the other's random draws."""
    alone = CommunityModel(WORLD, strategies.build([{"tiering": {}}]), seed=5)
    after = CommunityModel(WORLD, strategies.build([{"red_packet": {}}, {"tiering": {}}]), seed=5)
    np.testing.assert_array_equal(alone.operator.levers[0].error, after.operator.levers[1].error)
    twice = CommunityModel(WORLD, strategies.build([{"tiering": {}}, {"tiering": {}}]), seed=5)
    assert not np.array_equal(twice.operator.levers[0].error, twice.operator.levers[1].error)


# ---- validation: one line, file, line, what is allowed ------------------------------------------
@pytest.mark.parametrize("lever, expected", [
    ("red_packet: {every: 7, days: [1]}", "give `days` or `every`, not both"),
    ("check_in: {when: {metric: active_ratoi, below: 0.1}}", "did you mean 'active_ratio'? metrics: members,"),
    ("check_in: {when: {metric: dau}}", "`when` needs a bound"),
    ("check_in: {when: {metric: dau, below: 3, ovr: 2}}", "did you mean 'over'? parameters: metric, below, above, over"),
    ("moderation: {start: 20, stop: 10}", "stop (day 10) is before start (day 20)"),
    ("moderation: {every: 0}", "every: Input should be greater than or equal to 1 (got 0)"),
])
def test_bad_timing_is_one_line_with_file_and_line(tmp_path: Path, lever, expected):
    f = tmp_path / "s.yaml"
    f.write_text(f"name: t\nstrategy:\n  - moderation: {{}}\n  - {lever}\n")
    result = cli.invoke(app, ["validate", str(f)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{f}:4: ") and expected in lines[0], lines
