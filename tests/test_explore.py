"""The explorer without a browser: inputs from the schema, arms side by side on replication 0's
seed, settings applied like --set, the downloaded file, the groups view, the offline assets."""

from __future__ import annotations

import enum
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel, Field

from agents.world import World
from sim.explore.explorer import Exploration, Explorer, _shared
from sim.explore.inputs import field_input, inputs
from sim.explore.server import offline_assets
from sim.runner import execute, jobs
from sim.scenario import load

SCENARIO = """\
name: explore_unit
days: 12
seed: 5
world:
  population: {size: 1500}
  groups: {initial: 1, initial_members: 200, overflow: new_group}
arms:
  whole:
    strategy: []
  split:
    world:
      arrivals: {per_day: 6}
    strategy:
      - dunbar_split: {threshold: 60, method: tenure}   # a comment that must survive the download
"""


@pytest.fixture
def file(tmp_path: Path) -> Path:
    path = tmp_path / "explore_unit.yaml"
    path.write_text(SCENARIO)
    return path


def by_path(file: Path) -> dict:
    return {i.path: i for i in inputs(load(file))}


def test_inputs_follow_the_schema(file: Path) -> None:
    got = by_path(file)
    size = got["world.population.size"]
    assert size.kind == "int" and size.value == 1500 and 10 <= size.low < 100 and size.high == 4 * 1500  # a wide range, cut
    assert got["world.groups.overflow"].kind == "choice"
    assert got["world.groups.overflow"].choices == ("new_group", "turn_away")  # a Literal -> a select
    assert got["arms.split.world.arrivals.per_day"].value == 6.0  # an arm's own world value, its own input
    threshold = got["arms.split.strategy.0.dunbar_split.threshold"]
    assert threshold.kind == "int" and threshold.value == 60 and threshold.low == 3
    hours = got["arms.split.strategy.0.dunbar_split.hours_per_split"]  # a default the file does not write: still a knob
    assert hours.kind == "float" and hours.low == 0.0  # the schema's own bound, kept
    assert got["arms.split.strategy.0.dunbar_split.method"].value == "tenure"
    assert "world.posting.spam_rate" not in got  # world parameters the file does not set: only on request
    assert "days" in got and "seed" in got
    for i in got.values():  # every slider starts inside its range, on its grid (or it would snap the value away)
        if i.kind in ("int", "float"):
            assert i.low <= i.value <= i.high, i
            k = (i.value - i.low) / i.step
            assert abs(k - round(k)) < 1e-6, i


def test_the_whole_world_on_request() -> None:
    rows = [i for i in inputs(load(data={"name": "all"}), extra=["world"]) if i.path.startswith("world.")]
    assert len(rows) > 60  # --param world: every world parameter with a widget
    assert {i.kind for i in rows} == {"int", "float", "choice"}
    paths = {i.path for i in rows}
    assert "world.network.path" not in paths and "world.economy.currency" not in paths  # a file, a text: no widget
    for i in rows:  # every value a slider can reach is a valid value (gt/lt bounds excluded)
        if i.kind in ("int", "float"):
            for end in (i.low, i.high):
                World.model_validate(_nested(i.path.removeprefix("world."), end))
    assert {i.path for i in inputs(load(data={"name": "p"}), extra=["world.posting"])} >= {"world.posting.spam_rate"}


def _nested(path: str, value) -> dict:
    out: dict = {}
    node = out
    *parts, last = path.split(".")
    for p in parts:
        node = node.setdefault(p, {})
    node[last] = value
    return out


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Knobs(BaseModel):
    on: bool = True
    colour: Colour = Colour.RED
    cap: int | None = None
    every: int | None = Field(7, ge=1)
    label: str = "x"
    share: float = Field(0.5, ge=0, le=1)


def test_widgets_by_field_type() -> None:
    made = {f: field_input(f, f, info, getattr(Knobs(), f)) for f, info in Knobs.model_fields.items()}
    assert made["on"].kind == "bool" and made["on"].mesa()["type"] == "Checkbox"
    assert made["colour"].kind == "choice" and made["colour"].choices == ("red", "blue") and made["colour"].value == "red"
    assert made["colour"].mesa()["type"] == "Select"
    assert made["cap"] is None and made["label"] is None  # unset optional, text: no widget
    assert made["every"].kind == "int" and made["every"].low == 1 and made["every"].mesa()["type"] == "SliderInt"
    assert made["share"].mesa() == {"type": "SliderFloat", "label": "share", "value": 0.5, "min": 0.0, "max": 1.0,
                                    "step": 0.01}


def test_arms_side_by_side_are_replication_zero_of_qunsim_run(file: Path) -> None:
    ex = Explorer(Exploration(file))
    for _ in range(ex.days):
        ex.step()
    assert not ex.running and ex.day == 12 and ex.time == 12
    loaded = load(file)
    for job in jobs(loaded.arms, 1, loaded.scenario.seed, file.parent):
        ran = execute(job).daily.to_pandas().drop(columns=["arm", "rep"])
        shown = pd.DataFrame(ex.arms[job.arm].daily)
        pd.testing.assert_frame_equal(shown, ran, check_dtype=False)


def test_settings_apply_like_set_and_reproduce(file: Path) -> None:
    ex = Exploration(file)
    start = Explorer(ex)
    for _ in range(5):
        start.step()
    settings = {**start.settings, "world.groups.initial_members": 450, "arms.split.strategy.0.dunbar_split.threshold": 90}
    moved = start.rerun(settings)
    assert moved.day == 5  # re-run to the day reached
    assert moved.today().loc["members", "whole"] > start.today().loc["members", "whole"] + 200
    assert ex.overrides(moved.settings) == ["world.groups.initial_members=450", "arms.split.strategy.0.dunbar_split.threshold=90"]
    assert moved.command == (f"qunsim run {file} --set world.groups.initial_members=450 "
                             "--set arms.split.strategy.0.dunbar_split.threshold=90")
    direct = load(file, overrides=ex.overrides(moved.settings))
    assert direct.arms["split"].strategy == moved.loaded.arms["split"].strategy
    # Mesa's Reset hands the settings back as keywords: a new explorer at day 0 with them
    reset = Explorer(ex, **moved.settings)
    assert reset.day == 0 and reset.settings == moved.settings


def test_downloaded_yaml_is_the_file_with_the_settings(file: Path, tmp_path: Path) -> None:
    ex = Exploration(file)
    settings = {**ex.defaults, "arms.split.strategy.0.dunbar_split.hours_per_split": 0.25, "days": 20}
    text = ex.yaml(settings)
    assert "a comment that must survive the download" in text
    out = tmp_path / "downloaded.yaml"
    out.write_text(text)
    again = load(out)
    assert again.scenario.days == 20
    assert again.arms["split"].strategy[0]["dunbar_split"]["hours_per_split"] == 0.25
    assert again.arms["split"].strategy[0]["dunbar_split"]["threshold"] == 60
    assert ex.yaml(ex.defaults) == file.read_text()  # nothing changed: the file as it is


def test_bad_settings_are_reported_not_raised(file: Path) -> None:
    ex = Exploration(file)
    bad = Explorer(ex, **{**ex.defaults, "world.groups.initial_members": -5})
    assert bad.problems and "initial_members" in bad.problems[0]
    assert bad.loaded.scenario.world.groups.initial_members == 200  # the file as written runs meanwhile
    bad.step()


def test_shared_members_make_edges() -> None:
    # person 0 in groups 1 and 2; person 1 in 1, 2 and 3; person 2 only in 3 (rows sorted by person)
    person = np.array([0, 0, 1, 1, 1, 2])
    group = np.array([1, 2, 1, 2, 3, 3])
    a, b, n = _shared(person, group)
    assert sorted(zip(a.tolist(), b.tolist(), n.tolist())) == [(1, 2, 2), (1, 3, 1), (2, 3, 1)]
    assert all(len(x) == 0 for x in _shared(np.array([0, 1]), np.array([0, 0])))


def test_groups_view_has_a_node_per_live_group(file: Path) -> None:
    ex = Explorer(Exploration(file))
    for _ in range(6):
        ex.step()
    nodes, edges = ex.groups("split")
    c = ex.arms["split"].community
    sizes = c.group_sizes()
    assert set(nodes["group"]) == set(np.flatnonzero(c.groups.live & (sizes > 0)))
    assert (nodes["members"].to_numpy() == sizes[nodes["group"]]).all()
    assert nodes["activity"].ge(0).all() and nodes["spam_share"].between(0, 1).all()
    assert len(nodes) > 1  # splitting at 60 made groups
    first = nodes.set_index("group")[["x", "y"]]
    ex.step()
    later = ex.groups("split")[0].set_index("group")[["x", "y"]]
    kept = first.index.intersection(later.index)
    assert (later.loc[kept] - first.loc[kept]).abs().to_numpy().max() < 1.0  # groups stay roughly where they were
    assert set(edges.columns) >= {"a", "b", "shared", "x", "y", "x2", "y2"}


def test_offline_assets_alias_the_major_versions_solara_asks_for(tmp_path: Path) -> None:
    shipped = tmp_path / "cdn"
    for name in ("vega@5.21.0", "vega@5.3.1", "vega-lite@5.2.0", "requirejs@2.3.6", "@widgetti"):
        (shipped / name / "build").mkdir(parents=True)
        (shipped / name / "build" / "x.js").write_text(name)
    into = offline_assets(shipped, tmp_path / "served")
    assert (into / "vega@5" / "build" / "x.js").read_text() == "vega@5.21.0"  # the newest of the major
    assert (into / "vega-lite@5" / "build" / "x.js").read_text() == "vega-lite@5.2.0"
    assert (into / "vega@5.3.1" / "build" / "x.js").read_text() == "vega@5.3.1"  # the exact names stay
    assert (into / "@widgetti").is_dir()
    offline_assets(shipped, into)  # again: nothing to add, no error
    (shipped / "vega@5.22.0" / "build").mkdir(parents=True)  # solara-assets upgraded
    (shipped / "vega@5.22.0" / "build" / "x.js").write_text("vega@5.22.0")
    offline_assets(shipped, into)
    assert (into / "vega@5" / "build" / "x.js").read_text() == "vega@5.22.0"


def test_explore_help_teaches() -> None:
    from typer.testing import CliRunner

    from sim.cli import app

    res = CliRunner().invoke(app, ["explore", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    for text in ("browser", "--port", "--param", "replication 0", "Reset", "downloads"):
        assert text in res.output, text


def test_explore_a_bad_file_is_one_line_exit_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sim.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nworld:\n  population: {sise: 10}\n")
    res = CliRunner().invoke(app, ["explore", str(bad), "--port", "0"])
    assert res.exit_code == 2
    assert "did you mean 'size'" in res.output and "Traceback" not in res.output


def test_a_param_prefix_that_names_nothing_is_an_error(file: Path) -> None:
    from sim.scenario import ScenarioError

    assert any(i.path == "world.posting.spam_rate" for i in Exploration(file, ["world.posting"]).inputs)
    with pytest.raises(ScenarioError) as e:
        Exploration(file, ["world.postng.spam_rate"])
    assert str(e.value).startswith("--param world.postng.spam_rate: no world parameter")
    assert "did you mean 'world.posting.spam_rate'" in str(e.value)


def test_every_lever_slider_end_is_a_valid_value() -> None:
    from agents.strategies import REGISTRY

    checked = 0
    for name, cls in REGISTRY.items():
        defaults = cls.Params()
        for field, info in cls.Params.model_fields.items():
            made = field_input(field, field, info, getattr(defaults, field))
            if made is not None and made.kind in ("int", "float"):
                for end in (made.low, made.high):
                    cls.Params.model_validate({field: end})  # raises if a slider could reach a refused value
                    checked += 1
    assert checked > 50
