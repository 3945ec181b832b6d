"""The explorer's inputs, generated from the parameter schema rather than listed by hand.

Each input is one dotted path into the scenario file (the same paths `--set` takes), so a
setting changed in the browser is applied exactly like `qunsim run FILE --set PATH=VALUE`:
validated by the same code, reproducible by the same command. The widget follows from the
pydantic field: a bounded number (ge/gt/le/lt) becomes a slider, a `Literal` or `Enum` a
select, a `bool` a checkbox. Text, lists, files and unset (None) values get no input.

Which parameters: every parameter of every lever the scenario uses (its defaults
included), the world parameters the file sets (in the scenario or in an arm), and any
other world parameter named by a `--param` prefix (`--param world.posting`, or `world`
for all of them).
"""

from __future__ import annotations

import enum
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from agents import strategies
from agents.strategies.custom import CUSTOM
from agents.strategies.triggers import TIMING
from agents.world import World

from ..scenario import Loaded

SPAN = 4.0  # an open range becomes a slider up to SPAN x the current value ...
WIDE = 10.0  # ... and so does a range wider than WIDE x that (population 10..20,000,000)
STEPS = 100  # a float slider moves in about this many steps


@dataclass(frozen=True)
class Input:
    """One control: where it writes in the scenario, what widget, and its range or choices."""

    path: str  # dotted, as `--set` takes it: world.groups.cap, arms.split.strategy.0.dunbar_split.threshold
    label: str
    kind: str  # "int", "float", "choice" or "bool"
    value: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    meaning: str = ""

    def mesa(self, value: Any = None) -> dict[str, Any]:
        """The dict Mesa's SolaraViz `model_params` expects for this input (UserInputs)."""
        v = self.value if value is None else value
        if self.kind == "bool":
            return {"type": "Checkbox", "label": self.label, "value": v}
        if self.kind == "choice":
            return {"type": "Select", "label": self.label, "value": v, "values": list(self.choices)}
        kind = "SliderInt" if self.kind == "int" else "SliderFloat"
        return {"type": kind, "label": self.label, "value": v, "min": self.low, "max": self.high, "step": self.step}


def _bounds(info: FieldInfo) -> tuple[float | None, float | None, bool, bool]:
    """(low, high, low excluded, high excluded) from ge/gt/le/lt."""
    low = high = None
    low_open = high_open = False
    for m in info.metadata:
        for name, is_low, is_open in (("ge", True, False), ("gt", True, True), ("le", False, False), ("lt", False, True)):
            bound = getattr(m, name, None)
            if bound is None:
                continue
            if is_low:
                low, low_open = bound, is_open
            else:
                high, high_open = bound, is_open
    return low, high, low_open, high_open


def field_input(path: str, label: str, info: FieldInfo, value: Any) -> Input | None:
    """The input for one pydantic field holding `value`, or None when it has no widget."""
    ann = info.annotation
    args = typing.get_args(ann)
    if typing.get_origin(ann) in (typing.Union, types.UnionType) and type(None) in args:  # X | None: only when set
        if value is None:
            return None
        ann = next(a for a in args if a is not type(None))
    meaning = info.description or ""
    unit = (info.json_schema_extra or {}).get("unit", "") if isinstance(info.json_schema_extra, dict) else ""
    label = f"{label} ({unit})" if unit and unit != "-" else label
    if ann is bool:
        return Input(path, label, "bool", bool(value), meaning=meaning)
    if typing.get_origin(ann) is typing.Literal:
        return Input(path, label, "choice", value, choices=tuple(map(str, typing.get_args(ann))), meaning=meaning)
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return Input(path, label, "choice", getattr(value, "value", value),
                     choices=tuple(str(e.value) for e in ann), meaning=meaning)
    if ann in (int, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high, low_open, high_open = _bounds(info)
        made = _slider(path, label, ann is int, value, low, high, meaning)
        lo, hi = made.low, made.high
        if low_open and lo <= low < value:  # gt: the bound itself is not allowed (lo is on the value's grid)
            lo = type(lo)(round(lo + made.step, 12))
        if high_open and hi >= high > value:  # lt
            hi = type(hi)(round(hi - made.step, 12))
        return Input(**{**made.__dict__, "low": lo, "high": hi})
    return None


def _slider(path: str, label: str, whole: bool, value: float, low: float | None, high: float | None,
            meaning: str) -> Input:
    """A slider over the allowed range; an open (or very wide) range is cut to lower..SPAN x value."""
    lo = 0 if low is None else low
    lo = min(lo, value)
    practical = max(abs(value) * SPAN, lo + 10) if whole else abs(value) * SPAN if value else lo + 1
    hi = practical if high is None or not math.isfinite(high) or high > WIDE * practical else high
    hi = max(hi, value)
    if whole:
        lo, hi = int(math.floor(lo)), int(math.ceil(hi))
        step = max(1, round((hi - lo) / 200))
        lo = int(value) - step * ((int(value) - lo) // step)  # the value on the slider's grid: it never snaps away
        return Input(path, label, "int", int(value), lo, hi, step, meaning=meaning)
    step = _nice((hi - lo) / STEPS)
    lo = round(value - step * math.floor((value - lo) / step + 1e-9), 12) + 0.0  # + 0.0: no -0.0
    return Input(path, label, "float", float(value), lo, float(hi), step, meaning=meaning)


def _nice(x: float) -> float:
    """The 1-2-5 step at or below x: sliders show round numbers."""
    if x <= 0:
        return 0.01
    e = math.floor(math.log10(x))
    for m in (5, 2, 1):
        if m * 10**e <= x:
            return float(f"{m * 10**e:.12g}")
    return float(f"{10**e:.12g}")


def _walk(model: BaseModel, prefix: str) -> list[tuple[str, FieldInfo, Any]]:
    """Every leaf field of a (nested) parameter model: (dotted path, field, current value)."""
    out = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            out.extend(_walk(value, f"{prefix}{name}."))
        else:
            out.append((f"{prefix}{name}", info, value))
    return out


def _set_paths(tree: Any, prefix: str) -> set[str]:
    """Dotted paths of the values a file writes under `prefix` (a raw scenario subtree)."""
    if not isinstance(tree, dict):
        return {prefix.rstrip(".")} if prefix else set()
    out: set[str] = set()
    for k, v in tree.items():
        out |= _set_paths(v, f"{prefix}{k}.")
    return out


def world_inputs(world: World, prefix: str, wanted: set[str], extra: list[str]) -> list[Input]:
    """Inputs for the world paths in `wanted` or under an `extra` prefix (paths start at `world.`)."""
    out = []
    for path, info, value in _walk(world, "world."):
        if path in wanted or any(path == p or path.startswith(p.rstrip(".") + ".") for p in extra):
            made = field_input(prefix + path, path.removeprefix("world."), info, value)
            if made is not None:
                out.append(made)
    return out


def lever_inputs(items: list[Any], prefix: str, label: str, base_dir: Path) -> list[Input]:
    """Inputs for every parameter of every lever in a strategy list at `prefix` (e.g. `strategy.`)."""
    out = []
    for i, item in enumerate(items or []):
        if not isinstance(item, dict) or len(item) != 1:
            continue  # a bare `- lever` has no mapping for --set to write into; it keeps its defaults
        (name, params), = item.items()
        cls, raw, at = strategies.resolve(str(name), params or {}, base_dir)
        built = cls.Params.model_validate(raw or {})
        where = f"{prefix}{i}.{name}." + "".join(f"{a}." for a in at)
        shown = f"{label}{cls.key if name != CUSTOM else cls.__name__}"
        fields = type(built).model_fields
        for field in [f for f in fields if f not in TIMING] + [f for f in fields if f in TIMING]:  # its own first
            info = fields[field]
            made = field_input(where + field, f"{shown}.{field}", info, getattr(built, field))
            if made is not None:
                out.append(made)
    return out


def inputs(loaded: Loaded, extra: list[str] | None = None) -> list[Input]:
    """Every input of a scenario: days, seed, world parameters, then each lever's parameters.

    Arms may override the world and the strategy; their own values get their own inputs
    (`arms.NAME....`), labelled with the arm's name.
    """
    s, raw = loaded.scenario, loaded.raw
    base_dir = loaded.path.parent if loaded.path else Path.cwd()
    extra = list(extra or [])
    out = [field_input(k, k, type(s).model_fields[k], getattr(s, k)) for k in ("days", "seed")]
    out = [i for i in out if i is not None]
    out += world_inputs(s.world, "", _set_paths(raw.get("world"), "world."), extra)
    out += lever_inputs(raw.get("strategy") or [], "strategy.", "", base_dir)
    for arm, over in (raw.get("arms") or {}).items():
        if not isinstance(over, dict):
            continue
        arm_world = loaded.arms[arm].world
        wanted = _set_paths(over.get("world"), "world.")
        for made in world_inputs(arm_world, f"arms.{arm}.", wanted, []):
            out.append(Input(**{**made.__dict__, "label": f"{arm}: {made.label}"}))
        out += lever_inputs(over.get("strategy") or [], f"arms.{arm}.strategy.", f"{arm}: ", base_dir)
    return out
