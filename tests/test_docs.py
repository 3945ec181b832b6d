"""The docs tell the truth about the code: generated blocks are current, every parameter is documented."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from agents.params import KINDS, describe
from agents.world import World

ROOT = Path(__file__).resolve().parents[1]


def _build():
    spec = importlib.util.spec_from_file_location("docs_build", ROOT / "docs" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_blocks_are_current():
    build = _build()
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        if path.exists():
            text = path.read_text(encoding="utf-8")
            assert build.render(text) == text, f"{path.name} is out of date: run `make docs`"


def test_every_world_parameter_has_unit_meaning_provenance_and_a_row_in_model_md():
    """A number is `published` or `calibrated` only with a source that names where; an
    `assumed` one may name what motivated it, but never as if it were a citation."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for row in describe(World, "world."):
        assert row["unit"] and row["meaning"], row["path"]
        assert row["kind"] in KINDS, row["path"]
        if row["kind"] == "assumed":
            assert not row["source"] or row["source"].startswith("motivation:"), row["path"]
        else:
            assert row["source"], row["path"]
        assert f"`{row['path']}`" in text, row["path"]


def test_params_json_lists_every_world_parameter_with_its_provenance():
    from typer.testing import CliRunner

    from sim.cli import app

    out = CliRunner().invoke(app, ["params", "--json"])
    assert out.exit_code == 0
    rows = json.loads(out.stdout)
    assert [r["path"] for r in rows] == [r["path"] for r in describe(World, "world.")]
    assert all(set(r) == {"path", "default", "unit", "meaning", "kind", "source"} for r in rows)
    published = {r["path"] for r in rows if r["kind"] == "published"}
    assert "world.response.reciprocity" in published and "world.population.attention_median" not in published


def test_a_calibrated_parameter_is_the_median_of_its_committed_fit():
    """`calibrated` means fitted by the committed file its source names: the file's output
    (calibration/<name>/calibration.json) holds the parameter, its predictive check passed
    for every statistic, and the default is the posterior median (rounded, within 5%)."""
    calibrated = [r for r in describe(World, "world.") if r["kind"] == "calibrated"]
    assert calibrated
    for row in calibrated:
        file = ROOT / row["source"].split(":")[0]
        assert file.suffix == ".yaml" and file.exists(), row
        doc = json.loads((file.parent / file.stem / "calibration.json").read_text())
        assert row["path"] in doc["posterior"], row["path"]
        assert all(s["pass"] for s in doc["predictive_check"]["statistics"].values()), doc["predictive_check"]
        assert abs(row["default"] - doc["posterior"][row["path"]]["median"]) <= 0.05 * doc["posterior"][row["path"]]["median"], row
