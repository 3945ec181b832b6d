"""The documented CSV: one event per row, for communities that are neither Telegram nor WhatsApp.

    time,group,person,event,inviter
    2024-01-05 09:00,Runners,alice,join,
    2024-01-05 09:10,Runners,bob,join,alice
    2024-01-05 09:12,Runners,bob,message,
    2024-02-01 20:00,Runners,alice,leave,

`time`: local time, ISO 8601 (`2024-01-05`, `2024-01-05 09:00`, `2024-01-05T09:00:00`);
a time with a UTC offset is read on its own clock (the offset is dropped, not converted).
`group`: the group's name (one file may hold several groups). `person`: any stable id or
name (the same string is the same person in every CSV and WhatsApp file). `event`:
`message`, `join` or `leave`. Optional `inviter` (a person): a join with an inviter is
`invited`, without one `joined`. Optional `length` (characters) and `text` (kept with
--keep-text). Rows need not be sorted.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .events import INVITED, JOIN, JOINED, LEAVE, LEFT, MESSAGE, Events, Group
from .problems import ImportProblem

REQUIRED = ("time", "group", "person", "event")
TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
EVENTS = {"message": MESSAGE, "join": JOIN, "leave": LEAVE}


def read(path: Path, events: Events, keep_text: bool) -> None:
    try:
        f = path.open(newline="", encoding="utf-8-sig")
        rows = csv.reader(f)
        head = [h.strip().lower() for h in next(rows, [])]
    except UnicodeDecodeError:
        raise ImportProblem(path, 1, "not UTF-8 text", "save the CSV as UTF-8") from None
    missing = [c for c in REQUIRED if c not in head]
    if missing:
        raise ImportProblem(path, 1, f"not an event CSV: no column {', '.join(missing)}",
                            "the first line must name the columns time,group,person,event[,inviter] (docs/data.md)")
    col = {c: head.index(c) for c in head}
    it, ig, ip, ie = (col[c] for c in REQUIRED)
    iv, il, ix = col.get("inviter"), col.get("length"), col.get("text")
    groups: dict[str, int] = {}
    with f:
        try:
            for n, row in enumerate(rows, 2):
                if not row or not any(x.strip() for x in row):
                    continue
                if len(row) <= max(it, ig, ip, ie):
                    raise ImportProblem(path, n, f"{len(row)} fields, the header has {len(head)}", "one event per line")
                m = TIME.fullmatch(row[it].strip())
                if not m:
                    raise ImportProblem(path, n, f"unknown date format {row[it]!r}", "write times as 2024-01-05 09:00 (ISO 8601, local time)")
                time = f"{m[1]}T{m[2] or '00'}:{m[3] or '00'}:{m[4] or '00'}"
                kind = EVENTS.get(row[ie].strip().lower())
                if kind is None:
                    raise ImportProblem(path, n, f"unknown event {row[ie]!r}", "event is message, join or leave")
                name = row[ig].strip()
                g = groups.get(name)
                if g is None:
                    g = groups[name] = events.add_group(Group(f"{path.name}#{name}", name, path.name, "csv"))
                person = f"name:{row[ip].strip()}"
                inviter = row[iv].strip() if iv is not None and iv < len(row) else ""
                if kind == MESSAGE:
                    text = row[ix] if ix is not None and ix < len(row) else ""
                    length = int(row[il]) if il is not None and il < len(row) and row[il].strip().isdigit() else len(text)
                    events.add(g, time, person, MESSAGE, "text", length=length, text=text if keep_text else "")
                elif kind == JOIN:
                    events.add(g, time, person, JOIN, INVITED if inviter else JOINED, inviter=f"name:{inviter}" if inviter else "")
                else:
                    events.add(g, time, person, LEAVE, LEFT)
        except csv.Error as e:
            raise ImportProblem(path, rows.line_num, f"not valid CSV ({e})", "quote fields that hold commas or line breaks") from None
        except UnicodeDecodeError:
            raise ImportProblem(path, rows.line_num + 1, "not UTF-8 text", "save the CSV as UTF-8") from None
