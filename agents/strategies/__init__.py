"""The operator's levers. A scenario lists them as `- lever_name: {params}`.

`check` validates a scenario's strategy list (one message per problem, with its location),
`build` turns it into lever objects. Levers register themselves on import (see base.py).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .base import REGISTRY, Strategy, register

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


def resolve(name: str, params: Any, base_dir: Path) -> tuple[type[Strategy], Any]:
    """The lever class for `name` (registry or a user's custom file) and its raw params."""
    if name in REGISTRY:
        return REGISTRY[name], params
    near = difflib.get_close_matches(name, REGISTRY, n=1)
    hint = f"did you mean {near[0]!r}? " if near else ""
    raise LookupError(f"unknown lever {name!r} — {hint}levers: {', '.join(sorted(REGISTRY))}")


def check(items: list[Any], base_dir: Path) -> list[tuple[Loc, str]]:
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
            cls, params = resolve(name, params, base_dir)
            cls.Params.model_validate(params)
        except LookupError as e:
            problems.append(((i, name), str(e)))
        except ValidationError as e:
            for err in e.errors():
                loc = (i, name, *err["loc"])
                problems.append((loc, _lever_message(name, cls, err)))
    return problems


def _lever_message(name: str, cls: type[Strategy], err: dict[str, Any]) -> str:
    field = ".".join(map(str, err["loc"]))
    if err["type"] == "extra_forbidden":
        allowed = list(cls.Params.model_fields)
        near = difflib.get_close_matches(str(err["loc"][-1]), allowed, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        return f"{name}: unknown parameter {field!r} — {hint}parameters: {', '.join(allowed)}"
    given = err.get("input")
    shown = f" (got {given!r})" if not isinstance(given, (dict, list)) else ""
    return f"{name}.{field}: {err['msg'].removeprefix('Value error, ')}{shown}"


def build(items: list[Any], base_dir: Path | None = None) -> list[Strategy]:
    """Lever objects for a validated strategy list."""
    levers = []
    for item in items:
        name, params = _split(item)  # type: ignore[misc]
        cls, params = resolve(name, params, base_dir or Path.cwd())
        levers.append(cls(cls.Params.model_validate(params)))
    return levers


__all__ = ["REGISTRY", "Strategy", "register", "check", "build"]
