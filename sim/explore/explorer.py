"""The model the browser drives: every arm of a scenario, side by side, on one seed.

`Explorer` is a `mesa.Model` so that Mesa's SolaraViz can play, step and reset it: one
step is one day of every arm. Each arm is an ordinary `CommunityModel` built exactly as
`qunsim run` builds replication 0 (same resolved scenario, same seed), so what the
browser shows on day 30 is what `qunsim run FILE --set ...` computes on day 30 of its
first replication. Settings are dotted paths applied as `--set` overrides, validated by
the scenario loader; the browser never builds a world the command line would refuse.

Nothing here imports solara: the explorer can be driven (and tested) from plain Python.
"""

from __future__ import annotations

import io
import math
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from ruamel.yaml import YAML

from agents import strategies
from agents.params import describe, did_you_mean
from agents.world import World

from ..model import CommunityModel
from ..runner import rep_seed
from ..scenario import Loaded, Problem, ScenarioError, load, read
from .inputs import Input, inputs

# the daily outcomes the charts follow, and the KPI table lists (keys of `CommunityModel.daily`)
CHARTED = ("members", "dau", "active_ratio", "spam_share", "cost")
TABLED = ("members", "joins", "leaves", "dau", "mau", "active_ratio", "messages", "valuable", "spam_share",
          "muted_share", "silent_share", "groups_open", "groups_alive", "cost")
MAX_GROUPS = 150  # the groups view draws the largest groups only: a picture, not a census


@dataclass
class Exploration:
    """What one `qunsim explore FILE` serves: the file, its inputs and their defaults.

    Built once per server; every browser tab makes its own `Explorer` from it.
    """

    file: Path
    extra: list[str] = field(default_factory=list)  # --param prefixes: more world parameters as inputs
    loaded: Loaded = field(init=False)
    inputs: list[Input] = field(init=False)

    def __post_init__(self) -> None:
        self.file = Path(self.file)
        self.loaded = load(self.file)  # a bad file fails here, before any server starts
        self.inputs = inputs(self.loaded, self.extra)
        paths = [r["path"] for r in describe(World, "world.")]
        sections = [f"world.{name}" for name in World.model_fields]
        unknown = [p for p in self.extra if not any(q == p or q.startswith(p.rstrip(".") + ".") for q in paths)]
        if unknown:
            raise ScenarioError([Problem(f"--param {p}", f"no world parameter is or starts with {p!r} — "
                                         f"{did_you_mean(p, sections + paths)}`qunsim params` lists them") for p in unknown])

    @property
    def defaults(self) -> dict[str, Any]:
        return {i.path: i.value for i in self.inputs}

    def changed(self, settings: dict[str, Any]) -> dict[str, Any]:
        """The settings that differ from the file: what `--set` must say to reproduce them."""
        out = {}
        for i in self.inputs:
            v = settings.get(i.path, i.value)
            same = math.isclose(v, i.value, rel_tol=1e-9, abs_tol=1e-12) if i.kind == "float" else v == i.value
            if not same:
                out[i.path] = v
        return out

    def overrides(self, settings: dict[str, Any]) -> list[str]:
        return [f"{path}={_text(v)}" for path, v in self.changed(settings).items()]

    def command(self, settings: dict[str, Any]) -> str:
        """The command line that runs the scenario with these settings (all replications)."""
        parts = ["qunsim", "run", str(self.file)]
        for o in self.overrides(settings):
            parts += ["--set", o]
        return " ".join(shlex.quote(p) for p in parts)

    def yaml(self, settings: dict[str, Any]) -> str:
        """The scenario file with these settings written in, comments and order kept."""
        tree = read(self.file)
        for path, v in self.changed(settings).items():
            _put(tree, path, v)
        buf = io.StringIO()
        y = YAML()
        y.width = 4096
        y.indent(mapping=2, sequence=4, offset=2)  # the layout of the example scenarios
        y.dump(tree, buf)
        return buf.getvalue()


def _text(v: Any) -> str:
    """A value as --set reads it (YAML): round floats, lower-case booleans."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def _plain(v: Any) -> Any:
    return float(f"{v:.10g}") if isinstance(v, float) else v


def _put(tree: Any, path: str, value: Any) -> None:
    """Write `value` at a dotted path of a YAML tree, making the mappings it lacks."""
    node = tree
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    node[parts[-1]] = _plain(value)


def _value(v: Any) -> Any:
    """A setting as Mesa hands it back: a plain value, or a solara Reactive holding one."""
    return v.value if hasattr(v, "value") and hasattr(v, "subscribe") else v


class Explorer(mesa.Model):
    """Every arm of a scenario as one Mesa model: `step()` advances each arm by one day.

    exploration: what is served (file and inputs)
    settings:    input values by dotted path; unknown paths are ignored, missing ones
                 keep the file's value. Mesa's Reset passes them back as keywords.
    """

    def __init__(self, exploration: Exploration, *, scenario: Any = None, **settings: Any):
        super().__init__(rng=0)  # the arms carry their own seeds; Mesa's own rng is unused
        self.exploration = ex = exploration
        given = {k: _value(v) for k, v in settings.items()}
        self.settings = {i.path: _plain(given.get(i.path, i.value)) for i in ex.inputs}
        self.problems: list[str] = []
        try:
            self.loaded = load(ex.file, overrides=ex.overrides(self.settings))
        except ScenarioError as e:  # e.g. stop before start: say so, and show the file as written
            self.problems = [str(p) for p in e.problems]
            self.loaded = ex.loaded
        s = self.loaded.scenario
        self.days, self.seed_value = s.days, rep_seed(s.seed, 0)
        base_dir = ex.file.parent
        self.arms: dict[str, CommunityModel] = {
            name: CommunityModel(arm.world, strategies.build(arm.strategy, base_dir), seed=self.seed_value)
            for name, arm in self.loaded.arms.items()
        }
        self.day = 0  # days simulated
        self.layout: dict[str, dict[int, np.ndarray]] = {name: {} for name in self.arms}

    def step(self) -> None:
        for model in self.arms.values():
            model.step()
        self.day += 1
        self.running = self.day < self.days

    def rerun(self, settings: dict[str, Any]) -> "Explorer":
        """A new explorer with these settings, run to the day this one has reached."""
        new = Explorer(self.exploration, **settings)
        for _ in range(min(self.day, new.days)):
            new.step()
        return new

    # ---- what the views show ---------------------------------------------------------------
    @property
    def command(self) -> str:
        return self.exploration.command(self.settings)

    def yaml(self) -> str:
        return self.exploration.yaml(self.settings)

    def daily(self) -> pd.DataFrame:
        """Every arm's daily outcomes so far, long: day, arm, kpi, value (the charts' data)."""
        rows = [{"day": d["day"], "arm": arm, "kpi": k, "value": float(d[k])}
                for arm, model in self.arms.items() for d in model.daily for k in CHARTED]
        return pd.DataFrame(rows, columns=["day", "arm", "kpi", "value"])

    def today(self) -> pd.DataFrame:
        """The last simulated day's outcomes: one row per KPI, one column per arm."""
        cols = {arm: [float(model.daily[-1][k]) if model.daily else float("nan") for k in TABLED]
                for arm, model in self.arms.items()}
        return pd.DataFrame(cols, index=list(TABLED))

    def groups(self, arm: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The groups of one arm today: nodes (size, activity, spam share, position) and edges
        (pairs of groups with members in common, and how many).

        Positions start from yesterday's, so a group stays where it was as days pass.
        """
        model = self.arms[arm]
        c = model.community
        sizes = c.group_sizes()
        live = np.flatnonzero(c.groups.live & (sizes > 0))
        live = live[np.argsort(-sizes[live], kind="stable")][:MAX_GROUPS]
        row = model.group_daily[-1] if model.group_daily else None
        n = c.groups.n

        def today(i: int) -> np.ndarray:
            if row is None:
                return np.zeros(n)
            return np.pad(row[i], (0, max(n - row.shape[1], 0)))[:n].astype(float)

        messages, spam = today(2), today(3)
        a, b, shared = _shared(c.members.person, c.members.group)
        keep = np.isin(a, live) & np.isin(b, live)
        edges = pd.DataFrame({"a": a[keep], "b": b[keep], "shared": shared[keep]})
        g = nx.Graph()
        g.add_nodes_from(live.tolist())
        g.add_weighted_edges_from(edges.itertuples(index=False, name=None))
        before = {k: v for k, v in self.layout[arm].items() if k in g}
        pos = nx.spring_layout(g, pos=before or None, seed=0, iterations=30 if before else 60) if len(g) > 1 else \
            {int(k): np.zeros(2) for k in live}
        self.layout[arm] = pos
        nodes = pd.DataFrame({
            "group": live, "members": sizes[live],
            "activity": messages[live] / np.maximum(sizes[live], 1),
            "spam_share": spam[live] / np.maximum(messages[live] + spam[live], 1),
            "x": [float(pos[g_][0]) for g_ in live], "y": [float(pos[g_][1]) for g_ in live],
        })
        xy = nodes.set_index("group")[["x", "y"]]
        edges = edges.join(xy, on="a").join(xy.rename(columns={"x": "x2", "y": "y2"}), on="b")
        return nodes, edges


def _shared(person: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of groups (a < b) that share members, and how many, from membership rows sorted by person."""
    if len(person) < 2:
        z = np.zeros(0, np.int64)
        return z, z, z
    pairs = []
    d = 1
    while d < len(person):
        same = np.flatnonzero(person[d:] == person[:-d])  # rows d apart that belong to one person
        if not len(same):
            break
        pairs.append(np.stack([group[same], group[same + d]]))
        d += 1
    if not pairs:
        z = np.zeros(0, np.int64)
        return z, z, z
    ab = np.hstack(pairs)
    lo, hi = ab.min(axis=0), ab.max(axis=0)
    key, count = np.unique(lo * (int(group.max()) + 1) + hi, return_counts=True)
    span = int(group.max()) + 1
    return key // span, key % span, count
