"""What the explorer page shows of an `Explorer`: charts, the day's KPIs, the groups, the file.

Each view is a solara component of the model, placed below Mesa's SolaraViz by app.py;
`update_counter.get()` subscribes it to Mesa's step signal, so it redraws after every
step (and a new model — a re-run, a Reset — renders it afresh). Charts are Altair (Vega-Lite drawn in the browser): a redraw sends a small spec,
not an image, which keeps play smooth (matplotlib redraws were slow in Mesa's own viz,
mesa#1806).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import altair as alt
import ipyvuetify as v
import pandas as pd
import solara
import traitlets
from mesa.visualization.utils import update_counter

from .explorer import Explorer

TITLES = {"members": "members", "dau": "daily posters (DAU)", "active_ratio": "active ratio (posted in 30 days)",
          "spam_share": "spam share of today's posts", "cost": "cost so far"}
MEANING = {  # the daily outcomes in words (the run KPIs are in sim/outcomes.py)
    "members": "people in at least one group", "joins": "people who joined today", "leaves": "people who left every group today",
    "dau": "members who posted today (ads not counted)", "mau": "members who posted in the last 30 days",
    "active_ratio": "mau / members", "messages": "messages written today (ads not counted)",
    "valuable": "of which valuable to others", "spam_share": "ads / all member posts today",
    "muted_share": "members who muted a group", "silent_share": "members with no post in 30 days",
    "groups_open": "groups not dissolved", "groups_alive": "groups with a post in their alive window",
    "cost": "operator money and hours so far",
}


class VegaChart(v.VuetifyTemplate):
    """A Vega-Lite chart that redraws when its spec changes.

    solara 1.58's own FigureAltair draws once and then ignores new specs (its Vue watch
    does not fire for the synced spec), so a chart of a running model would freeze on
    day 0. chart.vue watches the spec deeply and draws it with the same vega files.
    """

    template_file = str(Path(__file__).with_name("chart.vue"))
    spec = traitlets.Dict().tag(sync=True)


def Chart(chart: alt.TopLevelMixin):
    return VegaChart.element(spec=chart.to_dict())


def _fmt(x: float) -> str:
    if x != x:
        return "–"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:.3f}" if abs(x) < 1 else f"{x:.2f}"


def trends(model: Explorer) -> alt.Chart:
    """The five headline daily outcomes, one panel each (own y scale), one line per arm."""
    data = model.daily()
    arms = list(model.arms)
    panels = []
    for key, title in TITLES.items():
        part = data[data["kpi"] == key]
        line = alt.Chart(part if len(part) else pd.DataFrame({"day": [], "arm": [], "value": []})).mark_line(
            point=len(part) < 120).encode(
            x=alt.X("day:Q", title="day", scale=alt.Scale(domain=[0, max(model.days - 1, 1)])),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("arm:N", title="arm", scale=alt.Scale(domain=arms)),
            tooltip=["arm", "day", alt.Tooltip("value:Q", title=key, format=",.3~f")],
        )
        panels.append(line.properties(width=210, height=110, title=title))
    return alt.concat(*panels, columns=3).configure_legend(orient="top")


def groups_chart(model: Explorer, colour: str) -> alt.Chart:
    """Each arm's groups: a node per group sized by members, coloured by activity or spam;
    a line joins two groups that share members."""
    panels = []
    for arm in model.arms:
        nodes, edges = model.groups(arm)
        nodes = nodes.assign(arm=arm)
        field, title, scheme = (("activity", "messages per member today", "greens") if colour == "activity"
                                else ("spam_share", "spam share today", "reds"))
        dots = alt.Chart(nodes).mark_circle(stroke="#333", strokeWidth=0.5, opacity=0.9).encode(
            x=alt.X("x:Q", axis=None, scale=alt.Scale(domain=[-1.15, 1.15])),
            y=alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[-1.15, 1.15])),
            size=alt.Size("members:Q", title="members", scale=alt.Scale(range=[30, 1500])),
            color=alt.Color(f"{field}:Q", title=title, scale=alt.Scale(scheme=scheme, domainMin=0)),
            tooltip=["group", "members", alt.Tooltip("activity:Q", format=".2f"), alt.Tooltip("spam_share:Q", format=".1%")],
        )
        lines = alt.Chart(edges).mark_rule(color="#999").encode(
            x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q", strokeWidth=alt.StrokeWidth("shared:Q", title="shared members"))
        chart = (lines + dots) if len(edges) else dots
        panels.append(chart.properties(width=260, height=230, title=f"{arm}: {len(nodes)} groups"))
    return alt.hconcat(*panels).resolve_scale(color="shared", size="shared")


@solara.component
def Trends(model: Explorer):
    update_counter.get()
    with solara.Card("Day by day", classes=["qunsim-trends"]):
        Chart(trends(model))


@solara.component
def DayTable(model: Explorer):
    """The last simulated day's outcomes, an arm per column."""
    update_counter.get()
    table = model.today()
    head = "".join(f"<th>{html.escape(a)}</th>" for a in table.columns)
    body = "".join(
        f"<tr><td title='{html.escape(MEANING.get(k, ''))}'>{k}</td>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>"
        for k, row in zip(table.index, table.to_numpy()))
    day = f"day {model.day} of {model.days}" if model.day else f"day 0 of {model.days}: nothing simulated yet — press Step or ▶"
    style = ("<style>.qunsim-kpis table{border-collapse:collapse;font-size:13px}.qunsim-kpis td,.qunsim-kpis th"
             "{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}.qunsim-kpis td:first-child{text-align:left}</style>")
    with solara.Card("The day's KPIs"):
        solara.HTML(tag="div", unsafe_innerHTML=f"{style}<p id='qunsim-day'>{html.escape(day)}</p>"
                    f"<table id='qunsim-kpis'><tr><th>KPI</th>{head}</tr>{body}</table>", classes=["qunsim-kpis"])


@solara.component
def GroupsView(model: Explorer):
    update_counter.get()
    colour, set_colour = solara.use_state("activity")
    with solara.Card("Groups"):
        solara.ToggleButtonsSingle(value=colour, values=["activity", "spam"], on_value=set_colour)
        Chart(groups_chart(model, colour))


def _download(model: Explorer) -> None:
    """A link that saves the scenario file with the current settings.

    A plain `data:` link rather than solara.FileDownload, whose button does not show in
    solara 1.58's Vue 3 front end; the file is small, so it is simply part of the page.
    """
    name = f"{model.exploration.file.stem}.explored.yaml"
    data = base64.b64encode(model.yaml().encode("utf-8")).decode("ascii")
    style = ("display:inline-block;margin-top:8px;padding:6px 14px;border-radius:4px;background:#6200ea;color:white;"
             "text-decoration:none;font-weight:500")
    solara.HTML(tag="div", unsafe_innerHTML=f"<a id='qunsim-download' download='{html.escape(name)}' style='{style}' "
                f"href='data:application/yaml;base64,{data}'>Download scenario YAML (current settings)</a>")


def _paragraph(text: str) -> None:
    solara.HTML(tag="p", unsafe_innerHTML=html.escape(text))


@solara.component
def ScenarioCard(model: Explorer):
    """The question, any problem with the settings, the command that runs them, and the file.

    It changes with the settings only, so it follows the model (a re-run, a Reset), not each step.
    """
    s = model.loaded.scenario
    changed = model.exploration.changed(model.settings)
    with solara.Card(s.name):
        if s.description:
            _paragraph(s.description.strip())
        for problem in model.problems:
            solara.Error(f"{problem} — showing the file as written")
        _paragraph(f"{len(model.arms)} arm(s) side by side on seed {model.seed_value} (replication 0 of seed {s.seed}), "
                   f"{s.days} days. " + (f"Changed from the file: {', '.join(f'{k} = {v}' for k, v in changed.items())}. "
                                          if changed else "") + "All replications of these settings:")
        solara.Preformatted(model.command)
        _download(model)


@solara.component
def Views(model: Explorer):
    """The page's main area: the scenario and the day's KPIs side by side, then the charts and the groups."""
    with solara.Columns([1, 1]):
        ScenarioCard(model)
        DayTable(model)
    Trends(model)
    GroupsView(model)
