"""The docs tell the truth about the code: generated blocks are current, every parameter is documented."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from agents.params import describe
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


def test_every_world_parameter_has_unit_meaning_source_and_a_row_in_model_md():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for row in describe(World, "world."):
        assert row["unit"] and row["meaning"] and row["source"], row["path"]
        assert f"`{row['path']}`" in text, row["path"]
