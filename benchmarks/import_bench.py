"""Import speed: a synthetic 1,000,000-message export read by `qunsim import` (target: <= 60 s, <= 2 GiB).

    python benchmarks/import_bench.py                       # Telegram and WhatsApp, 1,000,000 messages each
    python benchmarks/import_bench.py one telegram 1000000  # one figure, as JSON (a fresh process)

The export is generated here, not downloaded: 40 groups of a 20,000-person community over
a year, each person posting at a heavy-tailed rate (as real groups do), with joins by link
and by invitation and some leaves; message texts of 5-120 characters, some non-ASCII.
Each figure is taken in its own process, so peak memory (ru_maxrss) is the import's own;
time is the whole `importer.run` (parse, tables, observed.json, Parquet; report.html
included), generation excluded.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GIB = 1024**3
WORDS = "ok thanks see you tomorrow great idea 好的 谢谢 run 5k today who is coming 👍 lol nice".split()


def community(messages: int, people: int = 20_000, groups: int = 40, days: int = 365, seed: int = 1):
    """(day, second of day, group, person) of every message, plus each membership's join day and how."""
    rng = np.random.default_rng(seed)
    rate = rng.pareto(1.2, people) + 0.05
    group = rng.integers(0, groups, people)
    joined = np.where(rng.random(people) < 0.3, 0, rng.integers(0, days - 30, people))
    who = rng.choice(people, size=messages, p=rate / rate.sum())
    day = joined[who] + (rng.random(messages) * (days - joined[who])).astype(np.int64)
    sec = rng.integers(0, 86_400, messages)
    order = np.lexsort((sec, day, group[who]))
    how = np.where(joined == 0, "launch", np.where(rng.random(people) < 0.5, "link", "invited"))
    leaves = rng.random(people) < 0.1
    return who[order], day[order], sec[order], group, joined, how, leaves, days


def _stamp(day: int, sec: int) -> str:
    d = np.datetime64("2024-01-01") + np.timedelta64(int(day), "D")
    return f"{d}T{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


def write_telegram(path: Path, messages: int) -> None:
    who, day, sec, group, joined, how, leaves, days = community(messages)
    rng = np.random.default_rng(2)
    with path.open("w", encoding="utf-8") as f:
        f.write('{\n "about": "synthetic",\n "chats": {\n  "about": "synthetic",\n  "list": [\n')
        for g in range(group.max() + 1):
            f.write(("" if g == 0 else ",\n") + f'   {{"name": "Group {g}", "type": "private_supergroup", "id": {g + 1}, "messages": [\n')
            rows = []
            for p in np.flatnonzero(group == g):
                if how[p] == "link":
                    rows.append((int(joined[p]), 21_600, f'"type": "service", "actor": "P {p}", "actor_id": "user{p}", "action": "join_group_by_link", "text": ""'))
                elif how[p] == "invited":
                    rows.append((int(joined[p]), 21_600, f'"type": "service", "actor": "P 0", "actor_id": "user0", "action": "invite_members", "members": ["P {p}"], "text": ""'))
                if leaves[p]:
                    rows.append((days - 1, 86_000, f'"type": "service", "actor": "P {p}", "actor_id": "user{p}", "action": "remove_members", "members": ["P {p}"], "text": ""'))
            sel = np.flatnonzero(group[who] == g)
            text = rng.integers(0, len(WORDS), (len(sel), 3))
            for i, j in enumerate(sel):
                t = " ".join(WORDS[k] for k in text[i])
                rows.append((int(day[j]), int(sec[j]), f'"type": "message", "from": "P {who[j]}", "from_id": "user{who[j]}", "text": "{t}", '
                                                       f'"text_entities": [{{"type": "plain", "text": "{t}"}}]'))
            rows.sort(key=lambda r: (r[0], r[1]))
            f.write(",\n".join(f'    {{"id": {i + 1}, {r[2][:0]}"date": "{_stamp(r[0], r[1])}", "date_unixtime": "0", {r[2]}}}'
                               for i, r in enumerate(rows)))
            f.write("\n   ]}")
        f.write("\n  ]\n }\n}\n")


def write_whatsapp(directory: Path, messages: int) -> list[Path]:
    who, day, sec, group, joined, how, leaves, days = community(messages)
    rng = np.random.default_rng(2)
    files = []
    for g in range(group.max() + 1):
        rows = []
        for p in np.flatnonzero(group == g):
            if how[p] == "link":
                rows.append((int(joined[p]), 21_600, f"P {p} joined using this group's invite link"))
            elif how[p] == "invited":
                rows.append((int(joined[p]), 21_600, f"P 0 added P {p}"))
            if leaves[p]:
                rows.append((days - 1, 86_000, f"P {p} left"))
        sel = np.flatnonzero(group[who] == g)
        text = rng.integers(0, len(WORDS), (len(sel), 3))
        for i, j in enumerate(sel):
            body = " ".join(WORDS[k] for k in text[i])
            rows.append((int(day[j]), int(sec[j]), f"P {who[j]}: {body}" + ("\nand a second line" if i % 10 == 0 else "")))
        rows.sort(key=lambda r: (r[0], r[1]))
        path = directory / f"group{g}.txt"
        with path.open("w", encoding="utf-8") as f:
            for d, s, line in rows:
                date = np.datetime64("2024-01-01") + np.timedelta64(d, "D")
                y, m, dd = str(date).split("-")
                f.write(f"{dd}/{m}/{y}, {s // 3600:02d}:{s % 3600 // 60:02d} - {line}\n")
        files.append(path)
    return files


def one(fmt: str, messages: int) -> dict:
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="qunsim-import-bench-"))
    try:
        t = time.perf_counter()
        if fmt == "telegram":
            files = [tmp / "result.json"]
            write_telegram(files[0], messages)
        else:
            files = write_whatsapp(tmp, messages)
        generated = time.perf_counter() - t
        size = sum(f.stat().st_size for f in files)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB
        from sim.data import importer

        c, t = time.process_time(), time.perf_counter()
        out = importer.run(files, tmp / "imported")
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
        obs = json.loads((out / "observed.json").read_text())
        return {"format": fmt, "messages": obs["kpis"]["messages_total"], "files": len(files), "export_mib": round(size / 2**20, 1),
                "people": obs["people"], "groups": obs["groups"], "days": obs["days"], "generate_s": round(generated, 1),
                "import_s": round(seconds, 2), "import_cpu_s": round(cpu, 2), "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB, 3),
                "rss_before_import_gib": round(base, 3),
                "met": seconds <= 60 and resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB <= 2,
                "command": f"python benchmarks/import_bench.py one {fmt} {messages}"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(fmt: str, messages: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "one", fmt, str(messages)], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        return {"format": fmt, "messages": messages, "error": (out.stderr or out.stdout).strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["one"]:
        print(json.dumps(one(argv[1], int(argv[2]))))
        return 0
    n = 100_000 if os.environ.get("BENCH") == "quick" else 1_000_000
    for fmt in ("telegram", "whatsapp"):
        print("json:" + json.dumps(measure(fmt, n)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
