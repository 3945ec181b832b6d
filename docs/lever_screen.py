"""The lever screen of docs/strategies.md: every lever with its defaults against no lever.

    python docs/lever_screen.py          # prints the Markdown table (about 2 minutes on one core)

The default world with 4,000 people, 60 days, 10 paired replications (the helpers of
tests/test_strategies.py); mean paired difference (with - without), **bold** beyond 2
standard errors; the "growth world" rows use the tests' growth world.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.outcomes import measure  # noqa: E402
from tests.test_strategies import GROWTH, SMALL, run  # noqa: E402

REPS = 10
COLUMNS = [("active ratio", "active_ratio_final", "{:+.3f}"), ("MAU", "mau_final", "{:+,.0f}"),
           ("members", "members_final", "{:+,.0f}"), ("conversation msgs", "messages_total", "{:+,.0f}"),
           ("ritual msgs", "ritual_messages_total", "{:+,.0f}"), ("muted share", "muted_share_final", "{:+.2f}"),
           ("retention d30", "retention_d30", "{:+.3f}"), ("spam share", "spam_share", "{:+.4f}"),
           ("cost (CNY)", "cost_total", "{:+,.0f}")]
LEVERS = ["dunbar_split", "group_cap", "entry_gate", "moderation", "content_schedule", "red_packet", "check_in",
          "kol_seeding", "welcome", "ugc_curation", "offline_event", "tiering", "funnel"]
ROWS = ([(f"`{k}`", SMALL, [{k: {}}]) for k in LEVERS]
        + [("`lifecycle` (default: dissolve dead groups)", SMALL, [{"lifecycle": {}}]),
           ("`lifecycle` (`dissolve: all`, day 40)", SMALL, [{"lifecycle": {"dissolve": "all", "days": [40]}}]),
           ("`open_groups`", SMALL, [{"open_groups": {}}]), ("`referral_reward`", SMALL, [{"referral_reward": {}}]),
           ("`entry_gate` (growth world)", GROWTH, [{"entry_gate": {}}]),
           ("`referral_reward` (growth world)", GROWTH, [{"referral_reward": {}}])])


def cell(diffs: np.ndarray, fmt: str) -> str:
    if not diffs.any():
        return "0"
    mean, se = diffs.mean(), diffs.std(ddof=1) / np.sqrt(len(diffs))
    text = fmt.format(mean)
    return f"**{text}**" if abs(mean) > 2 * se else text


def main() -> None:
    base = [measure(run(SMALL, [], r)) for r in range(REPS)]
    print("Without a lever: " + ", ".join(f"{k} {np.mean([b[k] for b in base]):,.3g}" for _, k, _ in COLUMNS))
    print("\n| lever | " + " | ".join(c for c, _, _ in COLUMNS) + " |\n|---|" + "---|" * len(COLUMNS))
    for label, world, items in ROWS:
        without = base if world is SMALL else [measure(run(world, [], r)) for r in range(REPS)]
        with_ = [measure(run(world, items, r)) for r in range(REPS)]
        cells = [cell(np.array([a[k] - b[k] for a, b in zip(with_, without)], float), fmt) for _, k, fmt in COLUMNS]
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
