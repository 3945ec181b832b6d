"""`qunsim export`: a simulated run written out as a Telegram, WhatsApp or CSV export.

For sharing a synthetic example community (nobody real is in it) and for testing the
import: a run exported and imported again measures to the run's own KPIs
(tests/test_export_roundtrip.py says which, and how exactly).

What a run is made of comes from one function, `run_records`: a directory with
`memberships.parquet` and `messages.parquet` (an import, or a recorded run) is read as it
is; with memberships only (issue 10's records: per-spell messages, last post and active
days) each spell's messages are dealt over its active days by `spell_messages`, keeping
those three exactly; a run written today (people, invitations and the
per-group daily counts) is turned into memberships and per-person-day message counts by
`derive`, which keeps each person's joins, leave day and message total exactly, and places
their messages on the days their groups were talking (so daily posters are approximate).

Persons are `Member <id>` (Telegram user id `user<id>`); a day is a local calendar day from
`start`. In a day: arrivals join at 06:00, members post from 08:00, leavers leave at 19:00,
invited friends join at 20:00 — the order of a simulated day (sim/model.py step).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from .recorder import CHANNELS, Records, spells
from .tables import MEMBERSHIPS

FORMATS = ("telegram", "whatsapp", "csv")


class ExportProblem(Exception):
    pass


def run_records(directory: str | Path, arm: str | None = None, rep: int = 0) -> Records:
    """The memberships and per-day message counts of one run (arm, rep) of a results directory."""
    d = Path(directory)
    if (d / "memberships.parquet").exists() and (d / "messages.parquet").exists():
        mem, msgs = pd.read_parquet(d / "memberships.parquet"), pd.read_parquet(d / "messages.parquet")
        arm = arm or str(mem["arm"].iloc[0]) if len(mem) else arm
        mem = mem[(mem["arm"] == arm) & (mem["rep"] == rep)]
        msgs = msgs[(msgs["arm"] == arm) & (msgs["rep"] == rep)]
        if "count" not in msgs.columns:  # one row per message (an import): counts per person-day
            msgs = msgs.groupby(["day", "person", "group"], as_index=False).size().rename(columns={"size": "count"})
        obs = d / "observed.json"
        days = json.loads(obs.read_text())["days"] if obs.exists() else int(max(msgs["day"].max(), mem["joined"].max())) + 1
        if mem.empty:
            raise ExportProblem(f"{d}: no memberships for arm {arm!r}, rep {rep}")
        return Records(mem.reset_index(drop=True), msgs.reset_index(drop=True), int(days))
    if (d / "memberships.parquet").exists():  # issue 10's records: per-spell totals, no per-day messages
        mem = pd.read_parquet(d / "memberships.parquet")
        arm = arm or str(mem["arm"].iloc[0])
        mem = mem[(mem["arm"] == arm) & (mem["rep"] == rep)].reset_index(drop=True)
        if mem.empty:
            raise ExportProblem(f"{d}: no memberships for arm {arm!r}, rep {rep}")
        daily = d / "daily.parquet"
        if "inviter" not in mem.columns:  # who brought each invited joiner is in the invitation log
            mem = _with_inviters(mem, d / "invitations.parquet", arm, rep)
        seen = max(int(mem[c].max()) for c in ("joined", "left", "last_post") if mem[c].notna().any())
        days = int(pd.read_parquet(daily, columns=["day"])["day"].max()) + 1 if daily.exists() else seen + 1
        return Records(mem, spell_messages(mem).assign(arm=arm, rep=rep), days)
    if not (d / "people.parquet").exists() or not (d / "invitations.parquet").exists():
        raise FileNotFoundError(f"{d}: no people.parquet / invitations.parquet — give a finished results directory or an import")
    return derive(d, arm, rep)


def _with_inviters(mem: pd.DataFrame, log: Path, arm: str, rep: int) -> pd.DataFrame:
    """memberships.parquet with `inviter` from invitations.parquet (null where nobody invited, or no log)."""
    if not log.exists():
        return mem.assign(inviter=pd.array([None] * len(mem), dtype="Int64"))
    inv = pd.read_parquet(log, columns=["day", "inviter", "invitee", "group", "arm", "rep"])
    inv = inv[(inv["arm"] == arm) & (inv["rep"] == rep) & (inv["inviter"] >= 0)]
    inv = inv.rename(columns={"invitee": "person", "day": "joined"})[["person", "group", "joined", "inviter"]]
    inv = inv.astype({"person": "int64", "group": "int64", "joined": "int64"}).drop_duplicates(["person", "group", "joined"])
    out = mem.astype({"joined": "int64"}).merge(inv, on=["person", "group", "joined"], how="left")
    return out.assign(inviter=out["inviter"].astype("Int64"))


def derive(d: Path, arm: str | None, rep: int) -> Records:
    people = pd.read_parquet(d / "people.parquet")
    arm = arm or str(people["arm"].iloc[0])
    pick = lambda t: t[(t["arm"] == arm) & (t["rep"] == rep)]  # noqa: E731
    people, inv = pick(people), pick(pd.read_parquet(d / "invitations.parquet"))
    per_day = d / "group_days.parquet"  # the per-day group series (before the records: groups.parquet)
    groups = pick(pd.read_parquet(per_day if per_day.exists() else d / "groups.parquet"))
    if people.empty:
        raise ExportProblem(f"{d}: no run with arm {arm!r}, rep {rep}")
    days = int(pick(pd.read_parquet(d / "daily.parquet"))["day"].max()) + 1
    joins = pd.DataFrame({"person": inv["invitee"].to_numpy(np.int64), "group": inv["group"].to_numpy(np.int64),
                          "joined": inv["day"].to_numpy(np.int64), "how": [CHANNELS[int(x)] for x in inv["channel"]],
                          "inviter": inv["inviter"].to_numpy(np.int64)})
    gone = people[people["left"] >= 0]
    open_ = joins.merge(gone[["person", "left"]], on="person")
    ends = pd.DataFrame({"left": open_["left"], "person": open_["person"], "group": open_["group"], "moved": 0})
    msgs = _place_messages(people, joins, ends, groups, days)
    mem = spells(joins, ends, msgs)
    return Records(mem.assign(arm=arm, rep=rep)[MEMBERSHIPS], msgs.assign(arm=arm, rep=rep), days)


def spell_messages(mem: pd.DataFrame) -> pd.DataFrame:
    """Per-day counts that keep each spell's `messages`, `last_post` and `days_active` exactly:
    one day is the last post, the other active days are spread evenly before it, and the
    messages are dealt over the active days (so MAU and every per-person total are exact)."""
    rows = []
    for person, group, joined, how, n, last, active in mem[["person", "group", "joined", "how", "messages", "last_post",
                                                            "days_active"]].itertuples(index=False):
        if not n or pd.isna(last):
            continue
        last, active = int(last), max(1, int(active))
        first = min(int(joined) + (how == "invited"), last)
        others = np.unique(np.linspace(first, last - 1, num=active - 1).round().astype(np.int64)) if active > 1 and last > first else []
        days = np.append(others, last).astype(np.int64)
        count = np.full(len(days), int(n) // len(days), np.int64)
        count[: int(n) % len(days)] += 1
        rows.append(np.stack([days, np.full(len(days), person), np.full(len(days), group), count]))
    data = np.hstack(rows).T if rows else np.zeros((0, 4), np.int64)
    return pd.DataFrame(data, columns=["day", "person", "group", "count"]).sort_values(["day", "person"], kind="stable").reset_index(drop=True)


def _place_messages(people, joins, ends, groups, days: int) -> pd.DataFrame:
    """Each person's message total spread over their member days, in proportion to how much their
    group talked per member that day (largest remainders, so totals are exact)."""
    talk = {}
    if len(groups):
        g = groups[groups["size"] > 0]
        talk = dict(zip(zip(g["group"], g["day"]), g["messages"] / g["size"]))
    end = dict(zip(ends["person"], ends["left"]))
    first = joins.sort_values("joined").drop_duplicates("person").set_index("person")
    rows = []
    for person, total in zip(people["person"].tolist(), people["messages"].tolist()):
        if total <= 0 or person not in first.index:
            continue
        grp, start = int(first.at[person, "group"]), int(first.at[person, "joined"])
        stop = int(end.get(person, days - 1))
        if first.at[person, "how"] == "invited":  # invited friends join after the day's talk
            start = min(start + 1, stop)
        span = np.arange(start, stop + 1)
        w = np.array([talk.get((grp, x), 0.0) for x in span]) + 1e-9
        share = total * w / w.sum()
        n = np.floor(share).astype(np.int64)
        extra = total - n.sum()
        n[np.argsort(-(share - n), kind="stable")[:extra]] += 1
        hit = n > 0
        rows.append(np.stack([span[hit], np.full(hit.sum(), person), np.full(hit.sum(), grp), n[hit]]))
    data = np.hstack(rows).T if rows else np.zeros((0, 4), np.int64)
    return pd.DataFrame(data, columns=["day", "person", "group", "count"]).sort_values(["day", "person"], kind="stable").reset_index(drop=True)


# ---- the writers ---------------------------------------------------------------------------------
def _events(r: Records, start: str):
    """Every event of the run as (group, time, kind, person, extra) in time order within each group."""
    day0 = date.fromisoformat(start)
    m = r.memberships
    out = []
    for row in m.itertuples(index=False):
        j = int(row.joined)
        if row.how == "launch":
            out.append((row.group, j, "00:00:00", "launch", row.person, None))
        elif row.how == "invited" and not pd.isna(row.inviter):
            out.append((row.group, j, "20:00:00", "invited", row.person, int(row.inviter)))
        else:  # arrivals, moves, invitations without an inviter
            out.append((row.group, j, "06:00:00", "link", row.person, None))
        if not pd.isna(row.left):
            out.append((row.group, int(row.left), "19:00:00", "left", row.person, None))
    seq: dict[tuple, int] = {}
    for day, person, group, count in r.messages[["day", "person", "group", "count"]].itertuples(index=False):
        for _ in range(int(count)):
            k = seq.get((group, day), 0)
            seq[(group, day)] = k + 1
            minutes = 8 * 60 + (k * 7) % (11 * 60)
            out.append((group, int(day), f"{minutes // 60:02d}:{minutes % 60:02d}:{k % 60:02d}", "message", person, k))
    out.sort(key=lambda e: (e[0], e[1], e[2], e[3] != "launch"))
    return [(g, (day0 + timedelta(days=d)).isoformat(), t, kind, p, x) for g, d, t, kind, p, x in out]


def write(r: Records, fmt: str, out: Path, start: str = "2024-01-01") -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    events = _events(r, start)
    groups = sorted({e[0] for e in events})
    if fmt == "telegram":
        return [_telegram(events, groups, out / "result.json")]
    if fmt == "whatsapp":
        return [_whatsapp([e for e in events if e[0] == g], out / f"WhatsApp Chat with Group {g}.txt") for g in groups]
    return [_csv(events, out / "events.csv")]


def _name(p) -> str:
    return f"Member {int(p)}"


def _telegram(events, groups, path: Path) -> Path:
    chats = {g: [] for g in groups}
    launch: dict = {}
    for g, day, t, kind, p, x in events:
        msgs = chats[g]
        stamp = f"{day}T{t}"
        base = {"id": len(msgs) + 1, "date": stamp}
        if kind == "launch":
            if g not in launch:
                launch[g] = {**base, "type": "service", "actor": _name(p), "actor_id": f"user{int(p)}", "action": "create_group",
                             "title": f"Group {g}", "members": [], "text": ""}
                msgs.append(launch[g])
            else:
                launch[g]["members"].append(_name(p))
        elif kind == "message":
            msgs.append({**base, "type": "message", "from": _name(p), "from_id": f"user{int(p)}", "text": f"message {x}"})
        elif kind == "invited":
            msgs.append({**base, "type": "service", "actor": _name(x), "actor_id": f"user{int(x)}", "action": "invite_members",
                         "members": [_name(p)], "text": ""})
        elif kind == "link":
            msgs.append({**base, "type": "service", "actor": _name(p), "actor_id": f"user{int(p)}", "action": "join_group_by_link",
                         "inviter": "Group", "text": ""})
        else:
            msgs.append({**base, "type": "service", "actor": _name(p), "actor_id": f"user{int(p)}", "action": "remove_members",
                         "members": [_name(p)], "text": ""})
    doc = {"about": "A simulated community written by qunsim export: nobody in it is real.",
           "chats": {"about": "qunsim export", "list": [{"name": f"Group {g}", "type": "private_supergroup", "id": int(g) + 1,
                                                          "messages": chats[g]} for g in groups]}}
    with path.open("w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    return path


def _whatsapp(events, path: Path) -> Path:
    lines = []
    creator = None
    for g, day, t, kind, p, x in events:
        y, mo, d = day.split("-")
        head = f"{d}/{mo}/{y}, {t[:5]} - "
        if kind == "launch":
            if creator is None:
                creator = _name(p)
                lines.append(f'{head}{creator} created group "Group {g}"')
            else:
                lines.append(f"{head}{creator} added {_name(p)}")
        elif kind == "message":
            lines.append(f"{head}{_name(p)}: message {x}")
        elif kind == "invited":
            lines.append(f"{head}{_name(x)} added {_name(p)}")
        elif kind == "link":
            lines.append(f"{head}{_name(p)} joined using this group's invite link")
        else:
            lines.append(f"{head}{_name(p)} left")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv(events, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        f.write("time,group,person,event,inviter\n")
        for g, day, t, kind, p, x in events:
            ev = {"message": "message", "left": "leave"}.get(kind, "join")
            f.write(f"{day} {t},Group {g},{_name(p)},{ev},{_name(x) if kind == 'invited' else ''}\n")
    return path
