"""WhatsApp text exports: Android and iOS headers, date orders, 12/24 h, multi-line, system lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.data import importer
from sim.data.problems import ImportProblem
from sim.data.pseudonym import pseudonyms
from sim.data.tables import build

DATA = Path(__file__).parent / "data" / "exports"


def tables(*names: str, keep_text: bool = False, **kw):
    return build(importer.read([DATA / n for n in names], keep_text, **kw), keep_text=keep_text)


def uid(name: str) -> int:
    return int(pseudonyms([f"name:{name}"])[0])


def test_android_24h_system_lines_multiline_and_media():
    t = tables("wa_android_24h.txt", keep_text=True)
    assert t.first_date == "2016-08-12" and t.days == 11  # day first: 13/08 has a 13 in the first field
    m = t.memberships.set_index("person")
    assert m.loc[uid("Alice"), "how"] == "created"
    assert m.loc[uid("Bob"), "how"] == "launch"  # added by the creator in the minute of creation
    assert m.loc[uid("Dan"), "how"] == "link" and m.loc[uid("Dan"), "why_left"] == "removed" and m.loc[uid("Dan"), "left"] == 8
    assert m.loc[uid("Carol"), "why_left"] == "left" and m.loc[uid("Carol"), "left"] == 9
    assert m.loc[uid("+491512345678"), "how"] == "launch"  # a phone number, spaces removed
    msgs = t.messages
    assert msgs["text"].iloc[0] == "first line\nsecond line of the same message"
    assert msgs["kind"].iloc[1] == "media"  # <Media omitted>: a message its sender posted
    assert msgs["text"].iloc[2] == "hi: all"
    assert len(msgs) == 4  # the subject change (with a colon inside) and the encryption notice are not messages


def test_ios_12h_with_group_name_as_sender_of_system_lines():
    t = tables("wa_ios_12h.txt")
    msgs = t.messages
    assert [str(x) for x in msgs["time"]] == ["2016-08-13 00:01:00", "2016-08-13 12:30:00", "2016-08-14 09:00:00"]  # 12:01 AM is 00:01
    assert msgs["kind"].tolist() == ["text", "media", "text"]
    assert uid("Runners") not in set(t.memberships["person"])  # the group's own name is not a person
    m = t.memberships.set_index("person")
    assert m.loc[uid("Bob"), "how"] == "invited" and m.loc[uid("Bob"), "left"] == 3  # added a minute after creation
    assert m.loc[uid("Bob"), "inviter"] == uid("Alice")


def test_spanish_am_pm_and_day_first_by_scanning():
    t = tables("wa_es_ampm.txt")
    times = [str(x) for x in t.messages["time"]]
    assert times == ["2024-01-05 00:30:00", "2024-01-05 09:15:00", "2024-01-05 12:05:00", "2024-01-06 23:00:00", "2024-01-13 08:00:00"]


def test_ambiguous_dates_are_read_in_the_order_that_runs_forward():
    t = tables("wa_ambiguous.txt")  # 01/03, 01/04, 02/01: month first runs forward, day first would jump back
    assert t.first_date == "2020-01-03"
    assert [str(x)[:10] for x in t.messages["time"]] == ["2020-01-03", "2020-01-04", "2020-02-01"]
    forced = tables("wa_ambiguous.txt", date_order="day-first")
    assert forced.first_date == "2020-01-02"


def test_a_file_that_is_not_an_export():
    with pytest.raises(ImportProblem) as e:
        importer.read([DATA / "not_an_export.txt"])
    assert e.value.line == 1 and "not a WhatsApp export" in str(e.value)


def test_an_impossible_date_names_its_line():
    with pytest.raises(ImportProblem) as e:
        importer.read([DATA / "wa_bad_date.txt"])
    assert e.value.line == 2 and "unknown date format" in str(e.value)


def test_two_files_are_two_groups_of_one_community(tmp_path):
    t = tables("wa_android_24h.txt", "wa_ios_12h.txt")
    assert len(t.groups) == 2
    alice = t.memberships[t.memberships["person"] == uid("Alice")]
    assert sorted(alice["group"]) == [0, 1]  # matched by display name
    assert t.first_date == "2016-08-12"


def test_plain_messages_agree_with_whatstk(tmp_path):
    """whatstk, the maintained parser, as an oracle where it does the job: user messages under standard headers."""
    whatstk = pytest.importorskip("whatstk")
    for name in ("wa_ios_12h.txt",):
        theirs = whatstk.df_from_whatsapp(str(DATA / name))
        theirs = theirs[~theirs["message"].str.contains("added|left|created|encrypted")]
        ours = tables(name).messages
        assert [str(x) for x in theirs["date"]] == [str(x) for x in ours["time"]]
    text = "12/08/2016, 16:20 - Alice: hi\n13/08/2016, 09:01 - Bob: yo\nmore\n14/08/2016, 23:59 - Alice: bye\n"
    f = tmp_path / "chat.txt"
    f.write_text(text)
    theirs = whatstk.df_from_whatsapp(str(f))
    ours = build(importer.read([f], keep_text=True), keep_text=True).messages
    assert [str(x) for x in theirs["date"]] == [str(x) for x in ours["time"]]
    assert list(theirs["message"]) == list(ours["text"])


def test_the_zip_an_iphone_shares(tmp_path):
    import zipfile

    z = tmp_path / "WhatsApp Chat - Runners.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(DATA / "wa_ios_12h.txt", "_chat.txt")
    assert len(build(importer.read([z])).messages) == 3


def test_a_chat_of_notices_only_adds_no_group(tmp_path):
    f = tmp_path / "quiet.txt"
    f.write_text("12/08/2016, 16:20 - Messages and calls are end-to-end encrypted.\n")
    t = build(importer.read([f, DATA / "events.csv"]))
    assert list(t.groups["name"]) == ["Runners", "Cyclists"] and list(t.groups["group"]) == [0, 1]
