"""`qunsim import`: exports -> DIR/{messages,memberships,groups}.parquet, observed.json, report.html.

Everything is written into `DIR.partial/` and renamed to DIR at the end, so a file that
cannot be read (ImportProblem: one line naming the file and line) leaves nothing behind.
Several files are several groups of one community; a person is the same person in every
file whose key is the same (telegram.py, whatsapp.py, csvfile.py say what the key is).
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import __version__
from . import csvfile, telegram, whatsapp
from .events import Events
from .observed import ALIVE_WINDOW, NOT_OBSERVED, measure
from .problems import ImportProblem
from .pseudonym import DEFAULT_KEY, ENV
from .tables import Tables, build

FORMATS = ("telegram", "whatsapp", "csv")


def detect(path: Path) -> str:
    """The format of a file, from its first bytes (not its name, which users rename)."""
    if not path.is_file():
        raise ImportProblem(path, None, "no such file", "give the path of an exported chat")
    if path.suffix.lower() == ".zip":
        return "whatsapp"
    with path.open("rb") as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf").lstrip()
    if not head:
        raise ImportProblem(path, 1, "empty file", "give an exported chat")
    if head[:1] == b"{":
        return "telegram"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    if all(c in [x.strip() for x in first.split(",")] for c in csvfile.REQUIRED):
        return "csv"
    return "whatsapp"


def read(files: list[Path], keep_text: bool = False, date_order: str = "auto") -> Events:
    events = Events()
    for f in files:
        fmt = detect(Path(f))
        if fmt == "telegram":
            telegram.read(Path(f), events, keep_text)
        elif fmt == "csv":
            csvfile.read(Path(f), events, keep_text)
        else:
            whatsapp.read(Path(f), events, keep_text, date_order)
    if not len(events):
        raise ImportProblem(files[0], None, "no messages, joins or leaves in any group", "give a group chat's export")
    telegram.resolve_names(events)
    return events


def run(files: list[Path], out: Path, keep_text: bool = False, key: str | None = None, date_order: str = "auto",
        report: bool = True) -> Path:
    """Import `files` into `out`; returns `out`. Raises ImportProblem (nothing written) or FileExistsError."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another --out")
    events = read([Path(f) for f in files], keep_text, date_order)
    tables = build(events, key, keep_text)
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        write(tables, events, files, tmp, keep_text, key)
        if report:
            from .report import write_report

            write_report(tmp)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write(t: Tables, events: Events, files: list[Path], directory: Path, keep_text: bool, key: str | None) -> None:
    t.messages.to_parquet(directory / "messages.parquet", index=False)
    t.memberships.to_parquet(directory / "memberships.parquet", index=False)
    t.groups.to_parquet(directory / "groups.parquet", index=False)
    kpis = measure(t.messages, t.memberships, t.groups, t.days)
    observed = {
        "kpis": kpis,
        "not_observed": list(NOT_OBSERVED),
        "first_date": t.first_date, "last_date": str(np.datetime64(t.first_date) + np.timedelta64(max(t.days - 1, 0), "D")), "days": t.days,
        "alive_window": ALIVE_WINDOW,
        "files": [{"file": Path(f).name, "format": detect(Path(f))} for f in files],
        "groups": len(t.groups), "people": int(t.memberships["person"].nunique()),
        "ignored": events.ignored,
        "pseudonyms": "keyed BLAKE2b of each person's key; key " + ("given" if key or os.environ.get(ENV) else f"the public default ({DEFAULT_KEY!r}: set {ENV})"),
        "texts": "kept (--keep-text)" if keep_text else "dropped (length and kind kept)",
        "qunsim_version": __version__, "imported": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    (directory / "observed.json").write_text(json.dumps(observed, indent=1, default=float, allow_nan=True), encoding="utf-8")
