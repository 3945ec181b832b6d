"""The documented event CSV, and what `qunsim import` writes (schema, observed.json, atomicity, exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.data import importer
from sim.data.problems import ImportProblem
from sim.data.pseudonym import pseudonyms
from sim.data.tables import build
from sim.outcomes import KPIS

DATA = Path(__file__).parent / "data" / "exports"
MEMBERSHIPS = ["arm", "rep", "person", "group", "joined", "left", "how", "why_left", "messages", "ritual_messages",
               "last_post", "days_active", "inviter"]


def uid(name: str) -> int:
    return int(pseudonyms([f"name:{name}"])[0])


def test_csv_events_with_inviters_and_several_groups():
    t = build(importer.read([DATA / "events.csv"]))
    m = t.memberships
    assert list(t.groups["name"]) == ["Runners", "Cyclists"]
    bob = m[m["person"] == uid("bob")].set_index("group")
    assert bob.loc[0, "how"] == "invited" and bob.loc[0, "inviter"] == uid("alice")
    assert bob.loc[1, "how"] == "joined" and bob.loc[1, "joined"] == 2
    alice = m[m["person"] == uid("alice")].iloc[0]
    assert alice["left"] == 27 and alice["why_left"] == "left" and alice["messages"] == 1 and alice["last_post"] == 1


def test_csv_with_an_unknown_time_names_its_line():
    with pytest.raises(ImportProblem) as e:
        importer.read([DATA / "events_bad_time.csv"])
    assert e.value.line == 3 and "unknown date format" in str(e.value)


def test_import_writes_a_runs_schema_and_the_kpis_under_runs_names(tmp_path):
    out = importer.run([DATA / "wa_android_24h.txt", DATA / "telegram_chat.json"], tmp_path / "ours", report=False)
    m = pd.read_parquet(out / "memberships.parquet")
    assert list(m.columns) == MEMBERSHIPS
    assert set(m["arm"]) == {"observed"} and set(m["rep"]) == {0}
    g = pd.read_parquet(out / "groups.parquet")
    assert {"group", "opened", "closed", "how", "peak"} <= set(g.columns) and g["closed"].isna().all()
    msgs = pd.read_parquet(out / "messages.parquet")
    assert {"day", "date", "time", "person", "group", "kind", "length"} <= set(msgs.columns)
    obs = json.loads((out / "observed.json").read_text())
    assert set(obs["kpis"]) <= set(KPIS)
    assert obs["first_date"] == "2016-08-12"  # the community's first day over both files
    assert obs["kpis"]["messages_total"] == len(msgs) == 9
    assert obs["kpis"]["joined_total"] == m["person"].nunique()


def test_cli_import_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path):
    runner = CliRunner()
    out = tmp_path / "x"
    for bad in ("telegram_truncated.json", "not_an_export.txt", "wa_bad_date.txt", "events_bad_time.csv"):
        r = runner.invoke(app, ["import", str(DATA / "events.csv"), str(DATA / bad), "--out", str(out)])
        assert r.exit_code == 2, r.output
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and bad in lines[0] and "Traceback" not in r.output
        assert not out.exists() and not list(tmp_path.iterdir())


def test_cli_import_writes_the_report_and_keeps_text_only_when_asked(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["import", str(DATA / "telegram_all.json"), "--out", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "a" / "report.html").read_text()
    assert "data:image/png;base64," in html and "members_final" in html and "http" not in html.split("<body>")[1].split("Files:")[0]
    assert "text" not in pd.read_parquet(tmp_path / "a" / "messages.parquet").columns
    r = runner.invoke(app, ["import", str(DATA / "telegram_all.json"), "--out", str(tmp_path / "b"), "--keep-text", "--no-report"])
    assert r.exit_code == 0, r.output
    assert list(pd.read_parquet(tmp_path / "b" / "messages.parquet")["text"]) == ["hi", "yo", "hello again"]
    again = runner.invoke(app, ["import", str(DATA / "telegram_all.json"), "--out", str(tmp_path / "a")])
    assert again.exit_code == 2 and "already exists" in again.output
