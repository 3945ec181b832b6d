"""Scenario files: load YAML, apply overrides, validate, and say exactly what is wrong where.

A scenario keeps three things apart: `world` (uncertainties), `strategy` (levers) and
`outcomes` (what counts). `arms` are named overrides of the same scenario; a comparison
runs every arm on the same seeds. Every problem becomes one line
`FILE:LINE: what is wrong — what is allowed`, never a traceback.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, MappingStartEvent, SequenceStartEvent

from agents.params import Params, did_you_mean, excerpt, shorten, value_problem
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


def resolved_yaml(loaded: Loaded, replications: int | None = None) -> str:
    doc = loaded.scenario.model_dump(mode="json", exclude={"arms"})
    if replications is not None:
        doc["replications"] = replications
    doc["arms"] = {name: s.model_dump(mode="json", include={"description", "world", "strategy"}) for name, s in loaded.arms.items()}
    doc["baseline"] = loaded.baseline
    buf = io.StringIO()
    YAML().dump(doc, buf)
    return buf.getvalue()


# ---- YAML with line numbers ------------------------------------------------------------------
MAX_BYTES = 1_000_000  # a scenario or experiment is a page of text; big data (edge lists) has its own file
MAX_DEPTH = 64         # deeper than any real file, shallow enough for every recursive walk
MAX_VALUES = 200_000   # values after aliases are expanded: `&x [*y, *y ...]` can mean billions


def _too_deep(text: str, label: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH from the parser's events, before the (recursive)
    composer builds the tree, so a 3,000-deep file is one line, not a RecursionError."""
    depth = 0
    try:
        for event in YAML().parse(text):
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ScenarioError([Problem(f"{label}:{event.start_mark.line + 1}", f"nested more than {MAX_DEPTH} "
                                                 "levels deep — a scenario needs a few; flatten the file")])
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        return  # the loader reports it, with its line


def _bounded(tree: Any, label: str) -> None:
    """Refuse a tree whose expansion (aliases repeat their anchor) is too deep or too large.

    Walks without expanding, counting every value as `_plain` will copy it, and stops at the
    first limit, so an alias bomb costs milliseconds, not gigabytes.
    """
    count, stack = 0, [(tree, 1, None)]
    while stack:
        node, depth, line = stack.pop()
        count += 1
        lc = getattr(node, "lc", None)
        line = lc.line + 1 if lc is not None else line
        where = f"{label}:{line}" if line is not None else label
        if depth > MAX_DEPTH:
            raise ScenarioError([Problem(where, f"nested more than {MAX_DEPTH} levels deep — a scenario needs a few; "
                                         "flatten the file")])
        if count > MAX_VALUES:
            raise ScenarioError([Problem(where, f"expands to more than {MAX_VALUES:,} values (aliases such as *name "
                                         "repeat what they point to) — write the values out, without nested aliases")])
        if isinstance(node, dict):
            stack.extend((v, depth + 1, line) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, line) for v in node)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def read_text(path: Path, what: str) -> str:
    """A user's YAML file (scenario, experiment) as str, or one line saying why not."""
    if not path.exists():
        raise ScenarioError([Problem(str(path), f"no such file — give the path of {what}")])
    if path.is_dir():
        raise ScenarioError([Problem(str(path), f"is a folder — give the path of {what}")])
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError([Problem(str(path), f"is {size / 1e6:.1f} MB, too large for {what} (at most "
                                         f"{MAX_BYTES / 1e6:g} MB) — keep large data such as an edge list in its own file")])
        data = path.read_bytes()
    except OSError as e:
        raise ScenarioError([Problem(str(path), f"cannot be read ({e.strerror}) — check the path and its permissions")]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ScenarioError([Problem(f"{path}:{line}", f"not UTF-8 text (byte 0x{data[e.start]:02x}) — save the file "
                                     "as UTF-8 (in most editors: Save as, encoding UTF-8)")]) from None


KINDS = {  # what a YAML file is: how to ask for it, and what its top level holds
    "scenario": ("a scenario YAML file", "a scenario is a mapping with name, world, strategy, outcomes ..."),
    "experiment": ("an experiment YAML file", "an experiment file is a mapping with name, scenario, design, parameters ..."),
}


def read(path: str | Path, kind: str = "scenario") -> Any:
    """The YAML tree of a file, with line marks; every way it can be unreadable is one line."""
    path = Path(path)
    what, shape = KINDS[kind]
    text = read_text(path, what)
    _too_deep(text, str(path))
    try:
        tree = YAML().load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise ScenarioError([Problem(f"{path}:{line}", f"not valid YAML: {shorten(e.problem or e.context)}")]) from None
    except YAMLError as e:
        raise ScenarioError([Problem(str(path), f"not valid YAML: {shorten(e)}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(str(path), f"nested more than {MAX_DEPTH} levels deep — a scenario needs a few; "
                                     "flatten the file")]) from None
    if not isinstance(tree, dict):
        raise ScenarioError([Problem(f"{path}:1", shape)])
    _bounded(tree, str(path))
    return tree


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
    """The parameter model at `loc`; list positions (guardrails.0) step into the item's model."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        ann = field.annotation
        inner = [a for a in (ann, *typing.get_args(ann)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not inner:
            return None
        model = inner[0]
    return model


def _message(err: dict[str, Any], model: type[BaseModel]) -> str:
    loc = tuple(err["loc"])
    path = ".".join(map(str, loc))
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = list(parent.model_fields) if parent else []
        return f"unknown key {excerpt(path, 100)} — {did_you_mean(loc[-1], allowed)}allowed here: {', '.join(allowed)}"
    return value_problem(err, path)


def _walk(raw: Any, dotted: str) -> str | None:
    """Why `dotted` cannot be set in the scenario, or None. Missing keys are left to validation."""
    parts = dotted.split(".")
    node = raw
    for i, part in enumerate(parts[:-1]):
        here = ".".join(parts[: i + 1]) if i else part
        parent = ".".join(parts[:i]) or "the scenario"
        if isinstance(node, list):
            if not part.isdigit():
                return f"{parent} is a list — name an item by its position (0, 1, ...), not {part!r}"
            if int(part) >= len(node):
                return f"{parent} has {len(node)} item(s), so position {part} does not exist (positions count from 0)"
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.get(part, [] if parts[i + 1].isdigit() else {})  # absent lists (strategy) are empty
        else:
            return f"{parent} is a value ({excerpt(node)}), not a section, so {here} cannot be set"
    parent = ".".join(parts[:-1]) or "the scenario"
    if isinstance(node, list) and not (parts[-1].isdigit() and int(parts[-1]) < len(node)):
        return f"{parent} is a list of {len(node)} item(s) — name an existing item by its position (0, 1, ...)"
    if not isinstance(node, (dict, list)):
        return f"{parent} is a value ({excerpt(node)}), not a section, so {dotted} cannot be set"
    return None


def _at(raw: Any, dotted: str) -> Any:
    node = raw
    for part in dotted.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _set(raw: dict[str, Any], dotted: str, value: Any) -> None:
    why = _walk(raw, dotted)
    if why:
        raise ScenarioError([Problem(f"--set {dotted}", why)])
    node = raw
    parts = dotted.split(".")
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node.setdefault(part, [] if parts[i + 1].isdigit() else {})
    node[int(parts[-1]) if isinstance(node, list) else parts[-1]] = value


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
        key = key.strip()
        if not key:
            raise ScenarioError([Problem("--set", f"{excerpt(item)} has no key before the = sign — write dotted.key=value, "
                                         "e.g. --set world.population.size=20000")])
        try:
            value = YAML(typ="safe").load(text) if text.strip() else None
        except (YAMLError, RecursionError) as e:
            why = shorten(getattr(e, "problem", None) or "nested too deeply", 80)
            raise ScenarioError([Problem(f"--set {key}", f"{excerpt(text)} is not a value ({why}) — write a number, "
                                         "true/false, text or a [a, b] list, e.g. --set days=60")]) from None
        _bounded(value, f"--set {key}")
        out.append((key, value))
    return out


def load(path: str | Path | None = None, overrides: list[str] | None = None, data: dict[str, Any] | None = None,
         run_code: bool = True) -> Loaded:
    """Read, override and validate a scenario file (or a dict); raise ScenarioError with every problem.

    `run_code=False` (qunsim validate) checks custom levers' files without running them, so
    their own parameters are not checked.
    """
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
        for key in set_keys:  # the problem is at the key set, inside it, or on the way to it
            if dotted == key or dotted.startswith(key + ".") or (dotted and key.startswith(dotted + ".")):
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
        from agents import strategies  # (here: `qunsim --help` and `params` need this module, not the levers)

        for loc, what in strategies.check(candidate.get("strategy") or [], base_dir, run_code):
            problems.append(Problem(where(("strategy", *loc), arm), what))
        if scenario is not None:
            problems += [Problem(where(loc, arm), what) for loc, what in world_problems(scenario.world)]
        if scenario is not None and scenario.posterior is not None:
            scenario, what = _posterior(scenario, base_dir)
            if what:
                problems.append(Problem(where(("posterior",), arm), what))
        if scenario is not None and scenario.world.start is not None:
            scenario, what = _start(scenario, base_dir)
            if what:
                problems.append(Problem(where(("world", "start"), arm), what))
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


def world_problems(w: World) -> list[tuple[tuple, str]]:
    """Values valid one by one that cannot hold together: (location, what is wrong and the fix)."""
    g, n, net = w.groups, w.population.size, w.network
    out: list[tuple[tuple, str]] = []
    launch = w.start is None  # a fork opens no launch groups: world.groups' launch settings are not used
    if launch and g.initial_members > g.cap:
        out.append((("world", "groups", "initial_members"), f"world.groups.initial_members: {g.initial_members} is above "
                    f"world.groups.cap ({g.cap}) — a launch group cannot be larger than the platform cap"))
    if launch and g.initial > n:
        out.append((("world", "groups", "initial"), f"world.groups.initial: {g.initial:,} groups for {n:,} people "
                    "(world.population.size) — open at most one group per person"))
    elif launch and g.initial * g.initial_members > n:
        out.append((("world", "groups", "initial_members"), f"world.groups.initial_members: {g.initial} group(s) x "
                    f"{g.initial_members} launch members is more than world.population.size ({n:,}) — set initial_members "
                    f"to at most {n // g.initial:,}, or a larger population"))
    if net.kind != "edge_list" and net.mean_degree >= n:
        out.append((("world", "network", "mean_degree"), f"world.network.mean_degree: {net.mean_degree:g} friends each "
                    f"needs more than {n:,} people (world.population.size) — give fewer friends than people"))
    if net.kind == "communities" and net.communities > n:
        out.append((("world", "network", "communities"), f"world.network.communities: {net.communities:,} communities "
                    f"for {n:,} people — give at most one community per person"))
    return out


def _posterior(scenario: Scenario, base_dir: Path) -> tuple[Scenario, str | None]:
    """Resolve `posterior:` against the scenario's folder and check it is a calibration's output."""
    from .uncertainty import check_posterior

    path = scenario.posterior if scenario.posterior.is_absolute() else base_dir / scenario.posterior
    what = check_posterior(path)
    return scenario.model_copy(update={"posterior": path.resolve()}), (f"posterior: {what}" if what else None)


def _start(scenario: Scenario, base_dir: Path) -> tuple[Scenario, str | None]:
    """Resolve `world.start` against the scenario's folder and check it is an import to fork from."""
    from .fork import problem

    start = scenario.world.start
    path = start if start.is_absolute() else base_dir / start
    what = problem(path, scenario.world.population.size)
    if what:
        return scenario, f"world.start: {what}"
    world = scenario.world.model_copy(update={"start": path.resolve()})
    return scenario.model_copy(update={"world": world}), None


def _edge_list(scenario: Scenario, base_dir: Path) -> tuple[Scenario, str | None]:
    """Resolve the network file against the scenario's folder and check its person ids.

    A problem names the file and the line, never its contents: the file may be anything.
    """
    net = scenario.world.network
    path = net.path if net.path.is_absolute() else (base_dir / net.path)
    if not path.is_file():
        return scenario, f"world.network.path: no such file {str(path)!r} — give an edge list (two person ids per line), relative to the scenario file"
    try:
        edges = np.loadtxt(path, dtype=np.int64, comments="#", ndmin=2)
    except (ValueError, OSError):
        return scenario, f"world.network.path: {path} line {_bad_edge_line(path)} is not two whole numbers — an edge list has two person ids per line"
    size = scenario.world.population.size
    if edges.size and (edges.shape[1] != 2 or edges.min() < 0 or edges.max() >= size):
        return scenario, f"world.network.path: {path} has person ids outside 0..{size - 1} (world.population.size) or not two per line"
    world = scenario.world.model_copy(update={"network": net.model_copy(update={"path": path.resolve()})})
    return scenario.model_copy(update={"world": world}), None


def _bad_edge_line(path: Path) -> int | str:
    """The first line of an edge list that is not two whole numbers."""
    try:
        with open(path, "rb") as f:
            for i, line in enumerate(f, 1):
                words = line.split(b"#", 1)[0].split()
                if words and (len(words) != 2 or not all(w.isdigit() for w in words)):
                    return i
    except OSError:
        pass
    return 1


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
