"""Telegram Desktop exports: one chat, the all-chats form, text as parts, service actions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.data import importer
from sim.data.problems import ImportProblem
from sim.data.pseudonym import pseudonyms
from sim.data.tables import build

DATA = Path(__file__).parent / "data" / "exports"


def tables(*names: str, keep_text: bool = False):
    return build(importer.read([DATA / n for n in names], keep_text), keep_text=keep_text)


def uid(key: str) -> int:
    return int(pseudonyms([key])[0])


def test_one_chat_memberships_follow_the_service_actions():
    t = tables("telegram_chat.json")
    m = t.memberships.set_index("person")
    alice, bob, carol, dan, erin, frank = (uid(f"user{i}") for i in (1, 2, 3, 4, 5, 6))
    assert m.loc[alice, "how"] == "created"
    assert m.loc[bob, "how"] == "launch"  # listed in create_group, named only: resolved to user2 by his own messages
    assert m.loc[bob, "messages"] == 1
    assert m.loc[carol, "how"] == "invited" and m.loc[carol, "inviter"] == alice
    assert m.loc[erin, "how"] == "link" and m.loc[erin, "why_left"] == "removed" and m.loc[erin, "left"] == 4
    assert m.loc[frank, "how"] == "launch" and m.loc[frank, "joined"] == 0  # posted without a join: there when the record began
    dan_spells = t.memberships[t.memberships["person"] == dan].sort_values("joined")
    assert list(dan_spells["why_left"].fillna("-")) == ["left", "-"]  # removed himself = left; posted again = a new spell
    assert list(dan_spells["how"]) == ["invited", "unrecorded"]


def test_days_are_local_calendar_days_and_text_parts_are_joined():
    t = tables("telegram_chat.json", keep_text=True)
    msgs = t.messages
    assert t.first_date == "2024-01-05"  # 23:30 local on the 5th is day 0, whatever UTC says
    assert list(msgs["day"]) == [0, 1, 1, 3, 5]
    assert msgs["text"].iloc[1] == "See https://example.org ok"
    assert msgs["length"].iloc[1] == len("See https://example.org ok")
    assert msgs["kind"].iloc[2] == "sticker" and msgs["length"].iloc[2] == 0


def test_texts_are_dropped_by_default():
    t = tables("telegram_chat.json")
    assert "text" not in t.messages.columns
    assert t.messages["length"].iloc[0] == len("Welcome!")


def test_all_chats_form_keeps_groups_and_matches_people_across_them():
    t = tables("telegram_all.json")
    assert list(t.groups["name"]) == ["Runners", "Cyclists"]  # the personal chat and the channel are skipped
    alice = uid("user1")
    spells = t.memberships[t.memberships["person"] == alice]
    assert sorted(spells["group"]) == [0, 1]  # one person in both groups, by Telegram user id
    assert spells.set_index("group").loc[1, "how"] == "invited"
    assert t.memberships["person"].nunique() == 2


def test_migration_and_pins_are_counted_not_used():
    ev = importer.read([DATA / "telegram_chat.json"])
    assert ev.ignored == {"telegram service action migrate_to_supergroup": 1, "telegram service action pin_message": 1}
    assert len(build(ev).groups) == 1  # the supergroup continues the basic group


def test_truncated_json_names_the_file_and_line():
    with pytest.raises(ImportProblem) as e:
        importer.read([DATA / "telegram_truncated.json"])
    assert "telegram_truncated.json:" in str(e.value) and "ends early" in str(e.value)
    assert e.value.line and e.value.line > 1


def test_a_json_that_is_not_an_export(tmp_path):
    f = tmp_path / "config.json"
    f.write_text('{"settings": {"a": 1}}')
    with pytest.raises(ImportProblem, match="not a Telegram export"):
        importer.read([f])


def test_an_unknown_date_is_named_with_its_line(tmp_path):
    f = tmp_path / "result.json"
    f.write_text('{"name": "g", "type": "private_group", "id": 1, "messages": [\n'
                 '{"id": 1, "type": "message", "date": "2024-01-05T10:00:00", "from": "A", "from_id": "user1", "text": "a"},\n'
                 '{"id": 2, "type": "message", "date": "05.01.2024 10:00", "from": "A", "from_id": "user1", "text": "b"}]}')
    with pytest.raises(ImportProblem) as e:
        importer.read([f])
    assert e.value.line == 3 and "unknown date format" in str(e.value)


def test_pseudonyms_are_stable_and_keyed():
    a = pseudonyms(["user1", "user2"])
    assert list(a) == list(pseudonyms(["user1", "user2"]))
    assert a[0] != a[1]
    assert pseudonyms(["user1"], key="secret")[0] != a[0]
    assert (a >= 0).all()
    t1, t2 = tables("telegram_chat.json"), tables("telegram_chat.json")
    pd.testing.assert_frame_equal(t1.memberships, t2.memberships)
