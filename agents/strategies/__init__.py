"""The operator's levers. A scenario lists them as `- lever_name: {params}`.

`check` validates a scenario's strategy list (one message per problem, with its location),
`build` turns it into lever objects. Levers register themselves on import (see base.py);
`- custom: {path: file.py:ClassName, params: {...}}` loads a researcher's own lever from a
file beside the scenario (see custom.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..params import did_you_mean, value_problem
from .base import REGISTRY, Strategy, register
from .custom import CUSTOM, CustomLeverError, inspect_class, load_class
from .triggers import TIMING, LeverParams, Trigger, When

# importing the lever modules fills REGISTRY
from . import catalogue  # noqa: F401,E402

Loc = tuple


def _split(item: Any) -> tuple[str, dict[str, Any]] | str:
    """`name` or `{name: params}` -> (name, params); otherwise an explanation."""
    if isinstance(item, str):
        return item, {}
    if isinstance(item, dict) and len(item) == 1:
        (name, params), = item.items()
        return str(name), params if params is not None else {}
    return "each lever is `- name: {params}` (one name per list item)"


def resolve(name: str, params: Any, base_dir: Path, run_code: bool = True) -> tuple[type[Strategy] | None, Any, Loc]:
    """The lever class for `name` (registry or a user's file), its raw params, and where they sit.

    Raises LookupError with a one-line explanation (unknown lever, bad custom file).
    `run_code=False` checks a custom lever's file without running it (class None).
    """
    if name == CUSTOM:
        if not isinstance(params, dict) or "path" not in params:
            raise LookupError("custom: give the lever's file and class, e.g. `- custom: {path: my_levers.py:MyLever, params: {}}`")
        extra = sorted(set(params) - {"path", "params"})
        if extra:
            raise LookupError(f"custom: unknown key {extra[0]!r} — a custom lever takes path and params")
        spec = str(params["path"])
        cls = load_class(spec, base_dir) if run_code else inspect_class(spec, base_dir)
        return cls, params.get("params") or {}, ("params",)
    if name in REGISTRY:
        return REGISTRY[name], params, ()
    raise LookupError(f"unknown lever {name!r} — {did_you_mean(name, [*REGISTRY, CUSTOM])}levers: {', '.join(sorted(REGISTRY))}, or custom")


def check(items: list[Any], base_dir: Path, run_code: bool = True) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    if not isinstance(items, list):
        return [((), "strategy is a list of levers, e.g. `- red_packet: {amount: 100}`")]
    for i, item in enumerate(items):
        split = _split(item)
        if isinstance(split, str):
            problems.append(((i,), split))
            continue
        name, params = split
        try:
            cls, params, at = resolve(name, params, base_dir, run_code)
        except LookupError as e:
            problems.append(((i, name), str(e)))
            continue
        if not isinstance(params, dict):
            problems.append(((i, name, *at), f"{name}: parameters are a mapping, e.g. `- {name}: {{{next(iter(_own(cls)), 'every')}: ...}}`"))
            continue
        if cls is None:  # a custom lever not run: its parameters are checked when it runs
            continue
        label = f"{item[name]['path']}" if name == CUSTOM else name  # a custom lever is named by its FILE:Class
        try:
            cls.Params.model_validate(params)
        except ValidationError as e:
            for err in e.errors():
                problems.append(((i, name, *at, *err["loc"]), _lever_message(label, cls, err)))
    return problems


def _own(cls: type[Strategy]) -> list[str]:
    """A lever's own parameters, then the timing keys every lever has."""
    fields = list(cls.Params.model_fields)
    return [f for f in fields if f not in TIMING] + [f for f in fields if f in TIMING]


def _lever_message(name: str, cls: type[Strategy], err: dict[str, Any]) -> str:
    field = ".".join(map(str, err["loc"]))
    where = f"{name}.{field}" if field else name
    if err["type"] == "extra_forbidden":
        allowed = _own(cls) if len(err["loc"]) == 1 else list(When.model_fields)
        return f"{name}: unknown parameter {field!r} — {did_you_mean(err['loc'][-1], allowed)}parameters: {', '.join(allowed)}"
    return value_problem(err, where)


def build(items: list[Any], base_dir: Path | None = None) -> list[Strategy]:
    """Lever objects for a validated strategy list."""
    levers = []
    for item in items:
        name, params = _split(item)  # type: ignore[misc]
        cls, params, _ = resolve(name, params, base_dir or Path.cwd())
        levers.append(cls(cls.Params.model_validate(params)))
    return levers


__all__ = ["REGISTRY", "Strategy", "register", "check", "build", "resolve", "LeverParams", "Trigger", "When",
           "CustomLeverError"]
