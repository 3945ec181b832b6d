"""The solara page `qunsim explore` serves: Mesa's SolaraViz around an `Explorer`.

SolaraViz brings play, step, reset and the inputs (from `model_params`, which
sim/explore/inputs.py generates from the schema). One thing it does not do is re-run
when an input changes — its inputs only feed the next Reset. So each input's value is a
solara Reactive the page also watches: a change re-runs every arm with the new settings
up to the day reached, and the charts show the new course at once. Reset still starts
again at day 0 with the current settings.

The views sit below SolaraViz rather than in its `components` grid: that grid is solara's
GridDraggable, whose Vue 2 plugin does not load in solara 1.58's Vue 3 front end
("GlobalVue.use is not a function"), so the grid stays empty.

The server (sim/explore/server.py) names the scenario in QUNSIM_EXPLORE (JSON).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

import solara
from mesa.visualization import SolaraViz

from .explorer import Exploration, Explorer
from .server import ENV
from .views import Views

PLAY_INTERVAL = 150  # ms between days while playing
SIDEBAR = 440  # px
# solara 1.58's AppLayout gives its sidebar width="min-content", which Vuetify 3 turns into
# NaN: the sidebar then covers the left of the page. A fixed width, and room for it, fix that.
LAYOUT_CSS = f"""
.v-navigation-drawer {{ width: {SIDEBAR}px !important; }}
.v-main {{ --v-layout-left: {SIDEBAR}px !important; }}
.v-app-bar .v-toolbar__content {{ padding-left: {SIDEBAR + 16}px !important; }}
"""
# Mesa's sliders put a long label beside a short track and show no value; stack the label
# over a full-width track and keep Vuetify's value bubble on.
SLIDER_CSS = """
.v-navigation-drawer .v-slider.v-input--horizontal { grid-template-areas: "prepend" "control" "messages";
  grid-template-columns: 1fr; }
.v-navigation-drawer .v-slider .v-input__prepend { margin-inline-end: 0 !important; margin-bottom: 0; }
.v-navigation-drawer .v-slider .v-input__control { margin-top: 24px; }
.v-navigation-drawer .v-slider-thumb__label-container { display: block !important; }
"""


@lru_cache(maxsize=1)
def exploration() -> Exploration:
    spec = json.loads(os.environ[ENV])
    return Exploration(spec["file"], spec.get("params") or [])


@solara.component
def Page():
    ex = exploration()
    values = solara.use_memo(lambda: {i.path: solara.reactive(i.value) for i in ex.inputs}, [])
    model = solara.use_memo(lambda: solara.reactive(Explorer(ex)), [])
    params = solara.use_memo(lambda: {"exploration": ex, **{i.path: i.mesa(values[i.path]) for i in ex.inputs}}, [])
    current = {path: r.value for path, r in values.items()}  # reading subscribes the page to every input

    def rerun():
        if {k: current[k] for k in model.value.settings} != model.value.settings:
            model.value = model.value.rerun(current)

    solara.use_effect(rerun, [tuple(current.items())])
    solara.Title(f"qunsim explore: {ex.loaded.scenario.name}")
    solara.Style(LAYOUT_CSS + SLIDER_CSS)
    with solara.Column(style={"padding": "8px"}):
        SolaraViz(model, components=[], model_params=params, name=f"qunsim explore · {ex.loaded.scenario.name}",
                  play_interval=PLAY_INTERVAL)
        Views(model.value)
