"""Scenario files: load YAML, apply overrides, validate, and say exactly what is wrong where.

A scenario keeps three things apart: `world` (uncertainties), `strategy` (levers) and
`outcomes` (what counts). `arms` are named overrides of the same scenario; a comparison
runs every arm on the same seeds. Every problem becomes one line
`FILE:LINE: what is wrong — what is allowed`, never a traceback.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from agents import strategies
from agents.params import Params, did_you_mean, value_problem
from agents.world import World

from .outcomes import KPIS


class Guardrail(Params):
    """A KPI that must not get worse than the baseline (or must stay within a bound)."""

    kpi: str = Field(description="the KPI watched")
    must_not: Literal["rise", "fall"] | None = Field(None, description="the arm fails if this KPI significantly rises / falls against the baseline")
    max: float | None = Field(None, description="the arm fails if the KPI's mean is above this")
    min: float | None = Field(None, description="the arm fails if the KPI's mean is below this")

    @field_validator("kpi")
    @classmethod
    def _known(cls, v: str) -> str:
        return _kpi(v)

    @model_validator(mode="after")
    def _one_rule(self) -> "Guardrail":
        if self.must_not is None and self.max is None and self.min is None:
            raise ValueError("a guardrail needs must_not (rise/fall), max or min")
        return self


def _kpi(v: str) -> str:
    if v not in KPIS:
        raise ValueError(f"unknown KPI {v!r}; {did_you_mean(v, KPIS)}KPIs: {', '.join(KPIS)}")
    return v


class Outcomes(Params):
    """Which KPI decides, and which must not be broken on the way."""

    primary: str = Field("active_ratio_final", description="the KPI that decides the verdict")
    guardrails: list[Guardrail] = Field(default_factory=list, description="KPIs that must not get worse")

    @field_validator("primary")
    @classmethod
    def _known(cls, v: str) -> str:
        return _kpi(v)


class Scenario(Params):
    name: str = Field(description="short name; results go to results/<name>/", pattern=r"^[\w.-]+$")
    description: str = Field("", description="what question this scenario asks, in plain words")
    days: int = Field(90, ge=1, le=3650, description="simulated days")
    replications: int = Field(10, ge=1, le=10_000, description="runs per arm, each with its own seed")
    seed: int = Field(1, ge=0, description="master seed; replication r of every arm uses the same derived seed")
    world: World = World()
    strategy: list[Any] = Field(default_factory=list, description="levers, each `- lever_name: {params}`")
    outcomes: Outcomes = Outcomes()
    arms: dict[str, dict[str, Any]] = Field(default_factory=dict, description="named overrides of this scenario")
    baseline: str | None = Field(None, description="the arm others are compared with (default: the first)")
    posterior: Path | None = Field(None, description="a `qunsim calibrate` output directory: each replication draws its world parameters from its posterior (shared by every arm); relative to the scenario file")

    def config_hash(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Problem:
    where: str  # "file:line" or "--set key"
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


class ScenarioError(Exception):
    """A user's mistake in a scenario: carries every problem found, one line each."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass
class Loaded:
    """A validated scenario, its arms resolved, and where it came from."""

    scenario: Scenario
    arms: dict[str, Scenario]  # arm name -> full scenario of that arm (levers validated)
    path: Path | None
    raw: dict[str, Any]

    @property
    def baseline(self) -> str:
        return self.scenario.baseline or next(iter(self.arms))


# ---- YAML with line numbers ------------------------------------------------------------------
def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _line(tree: Any, loc: tuple) -> int | None:
    """1-based line of the deepest node of `loc` present in the YAML tree."""
    line, node = None, tree
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and part in node:
                line = lc.key(part)[0] + 1 if lc else line
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                line = lc.item(part)[0] + 1 if lc else line
                node = node[part]
            else:
                break
        except (KeyError, TypeError, AttributeError):
            break
    if line is None and getattr(tree, "lc", None) is not None:
        line = tree.lc.line + 1
    return line


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return None
        model = field.annotation
    return model


def _message(err: dict[str, Any], model: type[BaseModel]) -> str:
    loc = tuple(err["loc"])
    path = ".".join(map(str, loc))
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = list(parent.model_fields) if parent else []
        return f"unknown key {path!r} — {did_you_mean(loc[-1], allowed)}allowed here: {', '.join(allowed)}"
    return value_problem(err, path)


def _set(raw: dict[str, Any], dotted: str, value: Any) -> None:
    node = raw
    parts = dotted.split(".")
    for part in parts[:-1]:
        if isinstance(node, list) and part.isdigit():
            node = node[int(part)]
        else:
            node = node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise ScenarioError([Problem(f"--set {dotted}", f"{part!r} is a value, not a section")])
    node[parts[-1]] = value


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def parse_set(items: list[str]) -> list[tuple[str, Any]]:
    """`key=value` pairs; values are read as YAML (numbers, booleans, lists)."""
    out = []
    for item in items:
        if "=" not in item:
            raise ScenarioError([Problem(f"--set {item}", "expected dotted.key=value, e.g. --set world.population.size=20000")])
        key, text = item.split("=", 1)
        out.append((key.strip(), YAML(typ="safe").load(text) if text.strip() else None))
    return out


def read(path: str | Path) -> Any:
    path = Path(path)
    if not path.exists():
        raise ScenarioError([Problem(str(path), "no such file — give the path of a scenario YAML file")])
    try:
        tree = YAML().load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise ScenarioError([Problem(f"{path}:{line}", f"not valid YAML: {e.problem or e.context}")]) from None
    if not isinstance(tree, dict):
        raise ScenarioError([Problem(f"{path}:1", "a scenario is a mapping with name, world, strategy, outcomes ...")])
    return tree


def load(path: str | Path | None = None, overrides: list[str] | None = None, data: dict[str, Any] | None = None) -> Loaded:
    """Read, override and validate a scenario file (or a dict); raise ScenarioError with every problem."""
    tree = read(path) if path is not None else data or {}
    raw = _plain(tree)
    sets = parse_set(overrides or [])
    for key, value in sets:
        _set(raw, key, value)
    set_keys = {k for k, _ in sets}
    label = str(path) if path is not None else "<scenario>"
    base_dir = Path(path).parent if path is not None else Path.cwd()

    def where(loc: tuple, arm: str | None = None) -> str:
        dotted = ".".join(map(str, loc))
        for key in set_keys:
            if dotted == key or dotted.startswith(key + "."):
                return f"--set {key}"
        arm_tree = tree.get("arms", {}).get(arm) if arm is not None and isinstance(tree, dict) else None
        if arm_tree is not None and _has(arm_tree, loc):
            return f"{label}:{_line(arm_tree, loc)}"
        line = _line(tree, loc) if isinstance(tree, dict) else None
        return f"{label}:{line}" if line else label

    def check(candidate: dict[str, Any], arm: str | None) -> tuple[Scenario | None, list[Problem]]:
        problems: list[Problem] = []
        scenario = None
        try:
            scenario = Scenario.model_validate(candidate)
        except ValidationError as e:
            for err in e.errors():
                problems.append(Problem(where(tuple(err["loc"]), arm), _message(err, Scenario)))
        for loc, what in strategies.check(candidate.get("strategy") or [], base_dir):
            problems.append(Problem(where(("strategy", *loc), arm), what))
        if scenario is not None and scenario.posterior is not None:
            scenario, what = _posterior(scenario, base_dir)
            if what:
                problems.append(Problem(where(("posterior",), arm), what))
        if scenario is not None and scenario.world.network.kind == "edge_list":
            scenario, what = _edge_list(scenario, base_dir)
            if what:
                problems.append(Problem(where(("world", "network", "path"), arm), what))
        return scenario, problems

    base, problems = check({k: v for k, v in raw.items()}, None)
    arms: dict[str, Scenario] = {}
    if base is not None:
        if not base.arms:
            arms["baseline"] = base
        for name, over in base.arms.items():
            if not isinstance(over, dict):
                problems.append(Problem(where(("arms", name)), f"arm {name!r} must be a mapping of overrides (world, strategy, description)"))
                continue
            bad = set(over) - {"world", "strategy", "description", "outcomes"}
            for key in sorted(bad):
                hint = did_you_mean(key, ["world", "strategy", "description"])
                problems.append(Problem(where(("arms", name, key)), f"unknown key in arm {name!r}: {key!r} — {hint}an arm may override world, strategy, description"))
            if bad:
                continue
            merged = _merge({k: v for k, v in raw.items() if k not in ("arms", "baseline")}, over)
            scenario, arm_problems = check(merged, name)
            problems.extend(p for p in arm_problems if p not in problems)
            if scenario is not None:
                arms[name] = scenario
        if base.baseline is not None and base.baseline not in base.arms:
            problems.append(Problem(where(("baseline",)), f"baseline {base.baseline!r} is not an arm; arms: {', '.join(base.arms) or 'none'}"))
    if problems:
        raise ScenarioError(problems)
    assert base is not None
    return Loaded(scenario=base, arms=arms, path=Path(path) if path is not None else None, raw=raw)


def _posterior(scenario: Scenario, base_dir: Path) -> tuple[Scenario, str | None]:
    """Resolve `posterior:` against the scenario's folder and check it is a calibration's output."""
    from .uncertainty import check_posterior

    path = scenario.posterior if scenario.posterior.is_absolute() else base_dir / scenario.posterior
    what = check_posterior(path)
    return scenario.model_copy(update={"posterior": path.resolve()}), (f"posterior: {what}" if what else None)


def _edge_list(scenario: Scenario, base_dir: Path) -> tuple[Scenario, str | None]:
    """Resolve the network file against the scenario's folder and check its person ids."""
    net = scenario.world.network
    path = net.path if net.path.is_absolute() else (base_dir / net.path)
    if not path.exists():
        return scenario, f"world.network.path: no such file {str(path)!r} — give an edge list (two person ids per line), relative to the scenario file"
    try:
        edges = np.loadtxt(path, dtype=np.int64, comments="#", ndmin=2)
    except ValueError as e:
        return scenario, f"world.network.path: {path} is not an edge list ({e}) — two whole numbers per line"
    size = scenario.world.population.size
    if edges.size and (edges.shape[1] != 2 or edges.min() < 0 or edges.max() >= size):
        return scenario, f"world.network.path: {path} has person ids outside 0..{size - 1} (world.population.size) or not two per line"
    world = scenario.world.model_copy(update={"network": net.model_copy(update={"path": path.resolve()})})
    return scenario.model_copy(update={"world": world}), None


def _has(tree: Any, loc: tuple) -> bool:
    node = tree
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False
    return True
