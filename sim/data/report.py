"""report.html of an imported community: the community as it is, with a run's figures.

The figures are sim/report/figures.py's own (members and posters per day, members by the
size of their group, membership and group survival, the Lorenz curve of messages), drawn
from the imported tables shaped as one run (`arm = observed`, `rep = 0`), so an import and
a simulated run read the same way. One self-contained file: figures are inline PNGs.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..outcomes import KPIS
from ..report import figures
from ..report.build import Results
from ..report.i18n import Words
from .observed import ALIVE_WINDOW, daily, people

DENSE_LIMIT = 5_000_000  # group-days drawn in the group-size figure; beyond, the figure says it is left out


def group_days(messages: pd.DataFrame, memberships: pd.DataFrame, days: int, n_groups: int) -> pd.DataFrame:
    """Per group and day: end-of-day size and messages, as a run's groups table (days with anyone in the group)."""
    if days * n_groups > DENSE_LIMIT or not len(memberships):
        return pd.DataFrame()
    m = memberships
    delta = np.zeros((n_groups, days + 1), np.int64)
    np.add.at(delta, (m["group"].to_numpy(np.int64), m["joined"].to_numpy(np.int64)), 1)
    left = m["left"].dropna()
    np.add.at(delta, (m.loc[left.index, "group"].to_numpy(np.int64), left.to_numpy(np.int64)), -1)
    size = np.cumsum(delta, axis=1)[:, :days]
    count = np.zeros((n_groups, days), np.int64)
    np.add.at(count, (messages["group"].to_numpy(np.int64), messages["day"].to_numpy(np.int64)), 1)
    g, d = np.nonzero((size > 0) | (count > 0))
    return pd.DataFrame({"arm": "observed", "rep": 0, "day": d, "group": g, "size": size[g, d], "messages": count[g, d]})


def results(directory: Path) -> tuple[Results, dict]:
    obs = json.loads((directory / "observed.json").read_text(encoding="utf-8"))
    msgs = pd.read_parquet(directory / "messages.parquet", columns=["day", "person", "group"])
    mem = pd.read_parquet(directory / "memberships.parquet")
    grp = pd.read_parquet(directory / "groups.parquet")
    days = int(obs["days"])
    d = daily(msgs, mem, days).assign(spam_share=0.0, cost=0.0)
    ppl = people(mem).assign(arm="observed", rep=0)
    ppl["left"] = np.where(ppl["left"] < 0, -1, ppl["left"])
    summary = {"arms": {"observed": {}}, "meta": {"days": days}, "scenario": directory.name}
    scenario = {"days": days, "world": {"groups": {"alive_window": ALIVE_WINDOW}}}
    r = Results(directory, summary, scenario, pd.DataFrame(), d[["arm", "rep", "day", "members", "dau", "active_ratio"]],
                group_days(msgs, mem, days, len(grp)), pd.DataFrame(), ppl)
    return r, obs


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, float) and abs(v) < 1:
        return f"{v:.3f}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def write_report(directory: Path) -> Path:
    r, obs = results(Path(directory))
    w = Words("en")
    with plt.rc_context(figures.style("en")):
        figs = [fn(r, w) for fn in (figures.timeseries, figures.group_sizes, figures.survival_members, figures.survival_groups,
                                    figures.lorenz)]
    rows = "".join(f"<tr><td><code>{k}</code></td><td class=n>{_fmt(v)}</td><td>{html.escape(KPIS[k].meaning)}</td></tr>"
                   for k, v in obs["kpis"].items() if k in KPIS)
    body = []
    for f in figs:
        body.append(f"<h2>{html.escape(f.title)}</h2>")
        if f.png:
            body.append(f'<img alt="{html.escape(f.title)}" src="data:image/png;base64,{base64.b64encode(f.png).decode()}">')
        else:
            body.append(f"<p class=note>{html.escape(f.note)}</p>")
        if f.key == "timeseries":
            body.append("<p>One community, observed once: the line is the record itself (no replications, so no bands). "
                        "Ads and costs are not in an export.</p>")
        else:
            body.append(f"<p class=cap>{html.escape(f.caption)}</p>")
    files = ", ".join(f"{html.escape(x['file'])} ({x['format']})" for x in obs["files"])
    page = f"""<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(Path(directory).name)}: observed community</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}img{{max-width:100%}}
table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}}td.n{{text-align:right}}
.cap,.note{{color:#555}}</style></head><body>
<h1>The community as it is</h1>
<p>{obs['groups']} group(s), {obs['people']:,} people, {obs['days']} days from {obs['first_date']} to {obs['last_date']}
(local time of the export). Files: {files}. Persons are pseudonymous ids; texts {html.escape(obs['texts'])}.</p>
<h2>KPIs (the definitions of a run's runs.parquet)</h2>
<table><tr><th>KPI</th><th>value</th><th>meaning</th></tr>{rows}</table>
<p class=note>Not observable in an export: {', '.join(obs['not_observed'])}.</p>
{''.join(body)}
</body></html>"""
    out = Path(directory) / "report.html"
    out.write_text(page, encoding="utf-8")
    return out
