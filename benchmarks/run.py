"""`make bench`: how fast qunsim is, measured the same way every time (figures: benchmarks/README.md, raw: benchmarks/out/).

    python benchmarks/run.py                 # everything (about 5 minutes on 2 cores)
    python benchmarks/run.py --quick         # sanity run, well under a minute (BENCH=quick make bench)
    python benchmarks/run.py --only engines  # one section: engines, scaling, targets, experiments, imports, small_runs, startup, calibration
    python benchmarks/run.py one --engine fast --people 100000 --days 365   # one figure, as JSON

Every figure is taken in a fresh subprocess (`... one ...`, the command printed next to it),
one at a time, so peak memory is that run's own and no run warms another's caches. Build
(population, network, launch) and run (the days) are timed apart; member-days are the
members present summed over the days, the unit of work of both engines. Times are wall
clock and process CPU: on a shared machine CPU time is the steadier figure, and the load
average printed with the machine tells how shared it was. Before each figure the bench
waits (up to QUIET_WAIT_S) for the machine to be mostly idle, and records how busy it
still was (`busy_before`, 0-1 of all cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
GIB = 1024**3
# longest wait for a quiet machine before each figure, s (BENCH_QUIET_S to change it)
QUIET_WAIT_S = float(os.environ.get("BENCH_QUIET_S", 5 if os.environ.get("BENCH") == "quick" else 45))


# ---- one measurement (runs in its own process) ---------------------------------------------------
def world_data(people: int, groups: int | None, per_group: int) -> dict:
    """The benchmark world: `people` potential members, all placed at launch in groups of `per_group`."""
    groups = groups or max(1, people // per_group)
    return {"population": {"size": people}, "groups": {"initial": groups, "initial_members": min(per_group, people // groups)}}


def one(engine: str, people: int, groups: int | None, per_group: int, days: int, seed: int) -> dict:
    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from agents.world import World

    if engine == "fast":
        from sim.model import CommunityModel as Model

        make = lambda w: Model(w, seed=seed)  # noqa: E731  (records per-group series, as a real run does)
    else:
        from benchmarks.reference import ReferenceModel as Model

        make = lambda w: Model(w, seed=seed)  # noqa: E731
    from benchmarks.reference import member_days

    world = World.model_validate(world_data(people, groups, per_group))
    imported = time.perf_counter() - t0
    c0, t1 = time.process_time(), time.perf_counter()
    model = make(world)
    c1, t2 = time.process_time(), time.perf_counter()
    model.run(days)
    c2, t3 = time.process_time(), time.perf_counter()
    md = member_days(model.daily)
    return {
        "engine": engine, "people": people, "groups": groups or max(1, people // per_group), "days": days, "seed": seed,
        "import_s": round(imported, 3), "build_s": round(t2 - t1, 3), "run_s": round(t3 - t2, 3),
        "build_cpu_s": round(c1 - c0, 3), "run_cpu_s": round(c2 - c1, 3),
        "total_s": round(t3 - t1, 3), "member_days": md,
        "member_days_per_s": round(md / max(t3 - t2, 1e-9)), "member_days_per_cpu_s": round(md / max(c2 - c1, 1e-9)),
        "members_final": model.daily[-1]["members"] if model.daily else 0,
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB, 3),
    }


def command(engine: str, people: int, days: int, groups: int | None = None, per_group: int = 100, seed: int = 1) -> list[str]:
    cmd = [sys.executable, str(HERE / "run.py"), "one", "--engine", engine, "--people", str(people), "--days", str(days), "--seed", str(seed)]
    if groups:
        cmd += ["--groups", str(groups)]
    if per_group != 100:
        cmd += ["--per-group", str(per_group)]
    return cmd


def measure(engine: str, people: int, days: int, **kw) -> dict:
    """Run one figure in a subprocess; also time the whole process (Python start and imports included)."""
    from experiments_bench import settle  # this folder is on sys.path when run.py runs as a script

    cmd = command(engine, people, days, **kw)
    busy = settle(QUIET_WAIT_S)
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = round(time.perf_counter() - t, 3)
    result["busy_before"] = round(busy, 2)
    result["command"] = " ".join(["python", "benchmarks/run.py"] + cmd[2:])
    return result


# ---- the sections ------------------------------------------------------------------------------
def machine() -> dict:
    import mesa
    import numpy
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        commit = "?"
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB, 1),
        "python": platform.python_version(), "numpy": numpy.__version__, "scipy": scipy.__version__, "mesa": mesa.__version__,
        "os": platform.platform(), "commit": commit, "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def engines(quick: bool) -> dict:
    """Fast engine and reference on the same world, same seed, one after the other.

    The fast run lasts under a second, so one scheduling hiccup on a shared machine moves it
    a lot: it is taken 3 times and the quickest kept (as timeit does); the reference runs
    for a minute and is taken once.
    """
    people, days = (10_000, 20) if quick else (100_000, 30)
    fast = min((measure("fast", people, days) for _ in range(3)), key=lambda r: r["run_s"])
    ref = measure("reference", people, days)
    return {"fast": fast, "reference": ref,
            "ratio_wall": round(fast["member_days_per_s"] / ref["member_days_per_s"], 1),
            "ratio_cpu": round(fast["member_days_per_cpu_s"] / ref["member_days_per_cpu_s"], 1)}


def scaling(quick: bool) -> list[dict]:
    """Members from 1,000 to 1,000,000, groups of 100 growing with them, a year each."""
    sizes, days = ([1_000, 10_000, 100_000], 30) if quick else ([1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000], 365)
    return [measure("fast", n, days) for n in sizes]


def targets(curve: list[dict], quick: bool) -> list[dict]:
    """The speed targets of the design (issues 2 and 6), read off the scaling runs."""
    if quick:
        return []
    at = {r["people"]: r for r in curve if r["days"] == 365}
    out = []
    for people, limit_s, limit_gib in ((100_000, 10, None), (1_000_000, 60, 4)):
        r = at.get(people) or measure("fast", people, 365)
        seconds = r["build_s"] + r["run_s"]
        ok = seconds <= limit_s and (limit_gib is None or r["peak_rss_gib"] <= limit_gib)
        out.append({"what": f"{people:,} members in {r['groups']:,} groups x 365 days", "limit_s": limit_s, "limit_gib": limit_gib,
                    "build_plus_run_s": round(seconds, 2), "cpu_s": round(r["build_cpu_s"] + r["run_cpu_s"], 2),
                    "process_s": r["process_s"], "peak_rss_gib": r["peak_rss_gib"], "met": ok, "command": r["command"]})
    return out


def _script(name: str, quick: bool) -> dict | None:
    """Run benchmarks/<name> in its own process (if it exists); its figures are its `json:` lines."""
    script = HERE / name
    if not script.exists():
        return None
    env = dict(os.environ, BENCH="quick" if quick else os.environ.get("BENCH", "full"))
    t = time.perf_counter()
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, env=env)
    lines = (out.stdout + out.stderr).strip().splitlines()
    return {"command": f"BENCH={env['BENCH']} python benchmarks/{name}", "returncode": out.returncode,
            "process_s": round(time.perf_counter() - t, 2), "output": "\n".join(x for x in lines if not x.startswith("json:")),
            "all_figures": [json.loads(x[5:]) for x in lines if x.startswith("json:")]}


def _last_figure(res: dict | None) -> dict | None:
    if res is not None:
        res["figures"] = res["all_figures"][-1] if res["all_figures"] else None
    return res


def experiments(quick: bool) -> dict | None:
    """benchmarks/experiments_bench.py (2 arms x 50 reps x 5,000 members x 90 days, 2 workers)."""
    return _last_figure(_script("experiments_bench.py", quick))


def imports(quick: bool) -> dict | None:
    """benchmarks/import_bench.py: `qunsim import` of a synthetic 1,000,000-message Telegram and WhatsApp export."""
    res = _script("import_bench.py", quick)
    if res is not None:
        res["figures"] = res["all_figures"]
    return res


def small_runs(quick: bool) -> dict | None:
    """benchmarks/small_runs_bench.py (the baseline's replications vs a 100,000-member year, 1 worker)."""
    return _last_figure(_script("small_runs_bench.py", quick))


def startup(quick: bool) -> dict | None:
    """benchmarks/startup_bench.py (whole commands in fresh processes, as a user waits for them)."""
    return _last_figure(_script("startup_bench.py", quick))


def calibration(quick: bool) -> dict | None:
    """benchmarks/calibration_bench.py (a 2-parameter calibration on 2 workers)."""
    return _last_figure(_script("calibration_bench.py", quick))


# ---- the report --------------------------------------------------------------------------------
def row(r: dict) -> str:
    return (f"| {r['engine']} | {r['people']:,} | {r['groups']:,} | {r['days']} | {r['build_s']:.2f} | {r['run_s']:.2f} | "
            f"{r['build_cpu_s'] + r['run_cpu_s']:.2f} | {r['member_days_per_s']:,} | {r['peak_rss_gib']:.2f} | {r.get('busy_before', '?')} | `{r['command']}` |")


SECTIONS = ("engines", "scaling", "targets", "experiments", "imports", "small_runs", "startup", "calibration")
BEGIN, END = "<!-- figures: written by `python benchmarks/run.py --readme` -->", "<!-- /figures -->"
HEAD = ("| engine | members | groups | days | build s | run s | CPU s | member-days/s | peak GiB | busy before | command |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")


def report(res: dict) -> str:
    m = res["machine"]
    lines = [f"**Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']}, NumPy {m['numpy']}, "
             f"SciPy {m['scipy']}, Mesa {m['mesa']}; {m['os']}; commit {m['commit']}; load average {m['load_average']} at start, "
             f"{res.get('load_average_end')} at end; {m['date']}", ""]
    if "engines" in res:
        e = res["engines"]
        lines += ["### Fast engine vs reference (same world, same seed)", f"taken {res.get('taken', {}).get('engines', '?')}", "", HEAD, row(e["fast"]), row(e["reference"]), "",
                  f"ratio of member-days per second: {e['ratio_wall']}x wall, {e['ratio_cpu']}x CPU (target >= 100x)", ""]
    if "scaling" in res:
        lines += ["### Scaling (fast engine, groups of 100, a year each)", f"taken {res.get('taken', {}).get('scaling', '?')}", "", HEAD, *map(row, res["scaling"]), ""]
    if res.get("targets"):
        lines += ["### Targets (build + run, one process; the scaling runs above)", "| what | build+run s | CPU s | whole process s | peak GiB | limit | met |", "|---|---:|---:|---:|---:|---|---|"]
        for t in res["targets"]:
            limit = f"<= {t['limit_s']} s" + (f", <= {t['limit_gib']} GiB" if t["limit_gib"] else "")
            lines.append(f"| {t['what']} | {t['build_plus_run_s']} | {t['cpu_s']} | {t['process_s']} | {t['peak_rss_gib']} | {limit} | {'yes' if t['met'] else 'NO'} |")
        lines.append("")
    lines += _script_section(res, "experiments", "Experiments")
    lines += _script_section(res, "small_runs", "Many small runs")
    lines += _script_section(res, "startup", "Start-up")
    if res.get("imports"):
        x = res["imports"]
        lines += ["### Import (benchmarks/import_bench.py: `qunsim import` of a synthetic export, report.html included)",
                  f"taken {res.get('taken', {}).get('imports', '?')}", "",
                  "| format | messages | files | MiB | people | groups | days | import s | CPU s | peak GiB | limit | met | command |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
        for f in x["figures"]:
            if "error" in f:
                lines.append(f"| {f['format']} | {f['messages']:,} | error: {' '.join(f['error'])} |")
                continue
            lines.append(f"| {f['format']} | {f['messages']:,} | {f['files']} | {f['export_mib']} | {f['people']:,} | {f['groups']} | {f['days']} | "
                         f"{f['import_s']} | {f['import_cpu_s']} | {f['peak_rss_gib']} | <= 60 s, <= 2 GiB | {'yes' if f['met'] else 'NO'} | `{f['command']}` |")
        lines.append("")
    lines += _script_section(res, "calibration", "Calibration")
    return "\n".join(lines)


def _script_section(res: dict, name: str, title: str) -> list[str]:
    """The printed output of a section that is a script of its own (benchmarks/<name>_bench.py)."""
    if name not in res:
        return []
    x = res[name]
    return [f"### {title} (benchmarks/{name}_bench.py)", f"taken {res.get('taken', {}).get(name, '?')}", "",
            "not present" if x is None else f"`{x['command']}` (exit {x['returncode']}, {x['process_s']} s)\n\n```\n{x['output']}\n```", ""]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")
    o = sub.add_parser("one", help="one measurement in this process, printed as JSON")
    o.add_argument("--engine", choices=["fast", "reference"], default="fast")
    o.add_argument("--people", type=int, required=True)
    o.add_argument("--groups", type=int)
    o.add_argument("--per-group", type=int, default=100)
    o.add_argument("--days", type=int, default=365)
    o.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", default=os.environ.get("BENCH", "") == "quick")
    ap.add_argument("--only", default=",".join(SECTIONS))
    ap.add_argument("--json", type=Path, default=HERE / "out" / "latest.json")
    ap.add_argument("--readme", action="store_true", help="also put the figures into benchmarks/README.md (between its figure markers)")
    a = ap.parse_args(argv)
    if a.cmd == "one":
        print(json.dumps(one(a.engine, a.people, a.groups, a.per_group, a.days, a.seed)))
        return 0
    only = set(a.only.split(","))
    res: dict = {"machine": machine(), "quick": a.quick}
    if only != set(SECTIONS) and a.json.exists():  # a partial rerun keeps the other sections
        res = {**json.loads(a.json.read_text()), **res}
    print(report(res), flush=True)
    taken = res.setdefault("taken", {})
    for name, take in (("engines", lambda: engines(a.quick)), ("scaling", lambda: scaling(a.quick)),
                       ("targets", lambda: targets(res["scaling"], a.quick)), ("experiments", lambda: experiments(a.quick)),
                       ("imports", lambda: imports(a.quick)), ("small_runs", lambda: small_runs(a.quick)),
                       ("startup", lambda: startup(a.quick)),
                       ("calibration", lambda: calibration(a.quick))):
        if name in only or (name == "scaling" and "targets" in only):
            start = f"{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f} at start"
            res[name] = take()
            taken[name] = f"{start}, {os.getloadavg()[0]:.2f} at end"
    res["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    text = report(res)
    print("\n" + text)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=1))
    a.json.with_suffix(".md").write_text(text + "\n")
    print(f"\nwritten: {a.json.relative_to(ROOT) if a.json.is_relative_to(ROOT) else a.json} and .md")
    if a.readme:
        readme = HERE / "README.md"
        head, rest = readme.read_text().split(BEGIN, 1)
        readme.write_text(head + BEGIN + "\n" + text + "\n" + END + rest.split(END, 1)[1])
        print("figures written into benchmarks/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
