"""Regenerate the generated blocks of the docs from the code (`make docs`).

A block is the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`.
tests/test_docs.py fails when a block is out of date, so the docs cannot drift from the
parameters, KPIs and levers they describe.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.params import describe  # noqa: E402
from agents.world import World  # noqa: E402
from sim.outcomes import KPIS  # noqa: E402


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def world_parameters() -> str:
    """One table per world section: parameter, default, unit, meaning, source."""
    out = []
    for section, field in World.model_fields.items():
        rows = describe(field.annotation, f"world.{section}.")
        out.append(f"**`world.{section}`** — {field.annotation.__doc__.strip().splitlines()[0]}\n")
        out.append(table(["parameter", "default", "unit", "meaning", "source"],
                         [[f"`{r['path']}`", f"`{r['default']}`", r["unit"], r["meaning"], r["source"]] for r in rows]))
        out.append("")
    return "\n".join(out).rstrip()


def kpis() -> str:
    return table(["KPI", "meaning", "unit", "better"], [[f"`{k.name}`", k.meaning, k.unit, k.better] for k in KPIS.values()])


BLOCKS = {"world-parameters": world_parameters, "kpis": kpis}


def render(text: str) -> str:
    for name, make in BLOCKS.items():
        start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        text = pattern.sub(lambda m: f"{start}\n{make()}\n{end}", text)
    return text


def main() -> None:
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        if path.exists():
            old = path.read_text(encoding="utf-8")
            new = render(old)
            if new != old:
                path.write_text(new, encoding="utf-8")
                print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
