"""Scenario files: a strategist's mistakes become one line each, with file, line and the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.outcomes import KPIS
from sim.scenario import ScenarioError, load

ROOT = Path(__file__).resolve().parents[1]
cli = CliRunner()


def write(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    return f


def problems(tmp_path, text, sets=None) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load(write(tmp_path, text), overrides=sets)
    return [str(p) for p in e.value.problems]


def test_every_shipped_scenario_is_valid():
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert files
    result = cli.invoke(app, ["validate", *map(str, files)])
    assert result.exit_code == 0, result.output


RATIO_UNITS = {"share", "0-1", "currency/person"}  # a ratio can improve by shrinking what it divides by
COUNTS = {"mau_final", "members_final"}


def test_every_ratio_primary_is_guarded_by_an_absolute_count():
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    unguarded = []
    for f in files:
        outcomes = load(f).scenario.outcomes
        if KPIS[outcomes.primary].unit in RATIO_UNITS:
            if not any(g.kpi in COUNTS and g.must_not == "fall" for g in outcomes.guardrails):
                unguarded.append(f"{f.name}: primary {outcomes.primary}")
    assert not unguarded, "add `- {kpi: mau_final, must_not: fall}` (or members_final) to: " + "; ".join(unguarded)


def test_unknown_key_names_line_and_suggests(tmp_path):
    lines = problems(tmp_path, "name: x\nworld:\n  population:\n    sise: 100\n")
    assert len(lines) == 1
    assert lines[0].startswith(f"{tmp_path / 's.yaml'}:4: ")
    assert "did you mean 'size'" in lines[0]


def test_wrong_type_and_out_of_range_each_get_a_line(tmp_path):
    text = "name: x\ndays: many\nworld:\n  groups:\n    cap: 1\n  network:\n    kind: tree\n"
    lines = problems(tmp_path, text)
    assert len(lines) == 3
    joined = "\n".join(lines)
    assert ":2: days" in joined and "integer" in joined
    assert ":5: world.groups.cap" in joined and "greater than or equal to 2" in joined
    assert ":7: world.network.kind" in joined and "clustered_scale_free" in joined


def test_unknown_kpi_and_unknown_lever(tmp_path):
    text = "name: x\noutcomes:\n  primary: actve_ratio_final\nstrategy:\n  - red_pakcet: {}\n"
    lines = problems(tmp_path, text)
    assert any(":3:" in l and "did you mean 'active_ratio_final'" in l for l in lines)
    assert any(":5:" in l and "unknown lever 'red_pakcet'" in l for l in lines)


def test_arm_errors_point_into_the_arm(tmp_path):
    text = "name: x\narms:\n  a: {}\n  b:\n    world:\n      arrivals:\n        per_day: -3\n"
    lines = problems(tmp_path, text)
    assert lines == [f"{tmp_path / 's.yaml'}:7: world.arrivals.per_day: Input should be greater than or equal to 0 (got -3)"]


def test_set_overrides_are_validated_and_named(tmp_path):
    f = write(tmp_path, "name: x\n")
    loaded = load(f, overrides=["world.population.size=5000", "days=30"])
    assert loaded.scenario.world.population.size == 5000 and loaded.scenario.days == 30
    lines = problems(tmp_path, "name: x\n", sets=["world.population.size=big"])
    assert lines[0].startswith("--set world.population.size: ")


def test_broken_yaml_is_one_line(tmp_path):
    lines = problems(tmp_path, "name: x\nworld: [\n")
    assert len(lines) == 1 and "not valid YAML" in lines[0]


def test_cli_exit_code_2_without_traceback(tmp_path):
    f = write(tmp_path, "name: x\nworld:\n  population:\n    sise: 100\n")
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(f)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [f"{f}:4: unknown key 'world.population.sise' — did you mean 'size'? allowed here: "
                                                + ", ".join(__import__("agents.world", fromlist=["Population"]).Population.model_fields)]


def test_missing_file(tmp_path):
    result = cli.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_every_value_baseline_yaml_sets_is_the_default():
    """scenarios/baseline.yaml says its world values (and days, replications, seed) are the
    model's defaults, so that deleting a line changes nothing: hold it to that, value by value."""
    from agents.world import World
    from sim.scenario import Scenario, _plain, read

    raw = _plain(read(ROOT / "scenarios" / "baseline.yaml"))
    default = World().model_dump(mode="json")

    def leaves(node, path=()):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from leaves(v, (*path, k))
        else:
            yield path, node

    checked = 0
    for path, value in leaves(raw["world"]):
        expected = default
        for part in path:
            expected = expected[part]
        assert value == expected, f"baseline.yaml world.{'.'.join(path)} = {value!r}, but the default is {expected!r}"
        checked += 1
    assert checked >= 10
    for key in ("days", "replications", "seed"):
        assert raw[key] == Scenario.model_fields[key].default, key
    assert raw["strategy"] == []
