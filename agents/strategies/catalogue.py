"""Imports every lever module so that each registers itself (one lever per module).

Checking a scenario loads every lever class, so a lever module imports the engine it uses
(agents.behaviour, networkx, scipy) in the method that uses it, and the model's codes from
agents.codes: `qunsim validate` and `qunsim report` then start without the engine."""

from . import (  # noqa: F401
    check_in,
    content_schedule,
    dunbar_split,
    entry_gate,
    funnel,
    group_cap,
    kol_seeding,
    lifecycle,
    moderation,
    offline_event,
    open_groups,
    red_packet,
    referral_reward,
    tiering,
    ugc_curation,
    welcome,
)

LEVERS = (
    "dunbar_split", "group_cap", "entry_gate", "moderation", "content_schedule", "red_packet", "check_in",
    "kol_seeding", "welcome", "ugc_curation", "offline_event", "tiering", "funnel", "lifecycle", "referral_reward", "open_groups",
)  # the catalogue's order (docs/strategies.md)


def _doc(cls) -> tuple[str, str]:
    """(summary line, body) of a lever module's docstring, where its mechanism is told."""
    import sys

    text = (sys.modules[cls.__module__].__doc__ or "").strip()
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip()


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(rows: list[list[str]]) -> str:
    lines = ["| parameter | default | unit | meaning | source |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def markdown_timing() -> str:
    """The timing keys every lever takes (docs/strategies.md, generated)."""
    from ..params import describe
    from .triggers import LeverParams, When

    rows = [[f"`{r['path']}`", f"`{r['default']}`", r["unit"], r["meaning"], r["source"]] for r in describe(LeverParams)]
    rows += [[f"`when.{r['path']}`", "required" if When.model_fields[r["path"]].is_required() else f"`{r['default']}`",
              r["unit"], r["meaning"], r["source"]] for r in describe(When)]
    return _table(rows)


def markdown_levers() -> str:
    """One section per lever: what it does and why, its parameters, its example (generated)."""
    from ..params import describe
    from .base import REGISTRY
    from .triggers import TIMING, LeverParams

    out = ["| lever | what it does | example |", "|---|---|---|"]
    for key in LEVERS:
        summary, _ = _doc(REGISTRY[key])
        what = summary.split(": ", 1)[-1]
        out.append(f"| [`{key}`](#{key}) | {_cell(what[:1].upper() + what[1:])} | [`scenarios/{key}.yaml`](../scenarios/{key}.yaml) |")
    for key in LEVERS:
        cls = REGISTRY[key]
        summary, body = _doc(cls)
        rows = []
        for r in describe(cls.Params):
            name = r["path"]
            if name in TIMING and r["default"] == LeverParams.model_fields[name].default:
                continue  # shared timing keys are listed once, above
            rows.append([f"`{name}`", f"`{r['default']}`", r["unit"], r["meaning"], r["source"]])
        out += ["", f"### `{key}`", "", f"**{summary}**", "", body, "", _table(rows), "",
                f"Example: [`scenarios/{key}.yaml`](../scenarios/{key}.yaml) — `qunsim run scenarios/{key}.yaml`"]
    return "\n".join(out)
