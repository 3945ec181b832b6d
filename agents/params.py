"""The parameter vocabulary: every number in the model is declared once, here or in a lever.

`param()` attaches a unit, a one-line meaning and a source to a pydantic field, so the
scenario validator, the `docs/model.md` tables and `qunsim params` all read the same text.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Params(BaseModel):
    """Base of every parameter block: unknown keys are errors, values are immutable, and
    numbers are finite (`.inf` or `.nan` would pass every range check and break a run)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


KINDS = ("published", "calibrated", "assumed")


def param(default: Any, unit: str, meaning: str, source: str = "", kind: str = "assumed", **limits: Any) -> Any:
    """A documented field: `limits` are pydantic constraints (ge, le, gt, lt).

    `kind` says where the number comes from: `published` (the figure itself is in `source`,
    which names where), `calibrated` (fitted; `source` names the fitting file) or `assumed`
    (a plausible choice; `source`, if any, is only the motivation).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    return Field(default, description=meaning, json_schema_extra={"unit": unit, "source": source, "kind": kind}, **limits)


def describe(model: type[BaseModel], prefix: str = "") -> list[dict[str, Any]]:
    """Flatten a parameter model into rows: path, default, unit, meaning, kind, source."""
    rows: list[dict[str, Any]] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            rows.extend(describe(ann, path + "."))
            continue
        extra = field.json_schema_extra or {}
        rows.append(
            {
                "path": path,
                "default": field.default,
                "unit": extra.get("unit", ""),
                "meaning": field.description or "",
                "kind": extra.get("kind", "assumed"),
                "source": extra.get("source", ""),
            }
        )
    return rows


def did_you_mean(word: str, allowed) -> str:
    """"did you mean 'x'? " for the closest allowed word, or "" — the start of a fix hint."""
    near = difflib.get_close_matches(str(word), list(allowed), n=1)
    return f"did you mean {near[0]!r}? " if near else ""


def shorten(text: str, limit: int = 200) -> str:
    """`text` on one line and cut to `limit` characters: an error never echoes a whole file."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def excerpt(value: Any, limit: int = 60) -> str:
    """A short repr of a value the user wrote, as an error quotes it."""
    return shorten(repr(value), limit)


def value_problem(err: dict[str, Any], where: str) -> str:
    """A pydantic error other than an unknown key, as one line for a non-programmer."""
    if err["type"] == "missing":
        return f"{where} is required"
    given = err.get("input")
    shown = f" (got {excerpt(given)})" if not isinstance(given, (dict, list)) else ""
    return f"{where}: {shorten(err['msg'].removeprefix('Value error, '))}{shown}"
