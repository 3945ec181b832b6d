"""report.html of a calibration: what the data taught us about each parameter, and where the model misses.

Read from calibration.json and posterior.parquet alone (plus the file's priors), so it can
be rebuilt without simulating. Figures: prior vs posterior marginals, pairwise posteriors,
and the posterior predictive check (each observed statistic against its simulated band).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

if TYPE_CHECKING:
    from ..calibrate import Calibration


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _axis(prior: dict[str, Any], x: np.ndarray) -> tuple[np.ndarray, str]:
    return (np.log10(x), " (log10)") if prior["scale"] == "log" else (x, "")


def marginals(doc: dict[str, Any], posterior: pd.DataFrame) -> str:
    params = doc["posterior"]
    k = len(params)
    fig = Figure(figsize=(4 * k, 3))
    w = posterior["weight"].to_numpy(float)
    for i, (path, p) in enumerate(params.items()):
        ax = fig.add_subplot(1, k, i + 1)
        x, unit = _axis(p, posterior[path].to_numpy(float))
        lo, hi = _axis(p, np.array([p["prior_low"], p["prior_high"]]))[0]
        ax.hist(x, bins=30, range=(lo, hi), weights=w, density=True, color="#3b6ea8", alpha=0.8, label="posterior")
        ax.plot([lo, hi], [1 / (hi - lo)] * 2, color="#999", lw=2, label="prior")
        ax.set_title(path.removeprefix("world."), fontsize=9)
        ax.set_xlabel("value" + unit, fontsize=8)
        if i == 0:
            ax.legend(fontsize=7)
    return _png(fig)


def pairs(doc: dict[str, Any], posterior: pd.DataFrame) -> str | None:
    params = doc["posterior"]
    names = list(params)
    k = len(names)
    if k < 2:
        return None
    fig = Figure(figsize=(2.6 * k, 2.6 * k))
    w = posterior["weight"].to_numpy(float)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = fig.add_subplot(k, k, i * k + j + 1)
            xa, _ = _axis(params[b], posterior[b].to_numpy(float))
            ya, _ = _axis(params[a], posterior[a].to_numpy(float))
            if i == j:
                ax.hist(xa, bins=25, weights=w, color="#3b6ea8")
            else:
                ax.scatter(xa, ya, s=6 + 400 * w, alpha=0.5, color="#3b6ea8")
            if i == k - 1:
                ax.set_xlabel(b.split(".")[-1] + (" (log10)" if params[b]["scale"] == "log" else ""), fontsize=7)
            if j == 0:
                ax.set_ylabel(a.split(".")[-1] + (" (log10)" if params[a]["scale"] == "log" else ""), fontsize=7)
            ax.tick_params(labelsize=6)
    return _png(fig)


def predictive(doc: dict[str, Any]) -> str | None:
    stats = doc["predictive_check"].get("statistics") or {}
    if not stats:
        return None
    names = list(stats)
    fig = Figure(figsize=(7, 0.28 * len(names) + 1))
    ax = fig.add_subplot(1, 1, 1)
    for i, name in enumerate(names):
        s = stats[name]
        span = max(s["q95"] - s["q05"], 1e-9)
        centre = s["median"]
        ax.plot([(s["q05"] - centre) / span, (s["q95"] - centre) / span], [i, i], color="#3b6ea8", lw=4, alpha=0.6)
        ax.plot([(s["observed"] - centre) / span], [i], "o", color="#2a9d2a" if s["pass"] else "#c0392b")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="#999", lw=0.5)
    ax.set_xlabel("observed (dot) against the 5%-95% band simulated from the posterior (bar), in band widths from its median", fontsize=7)
    return _png(fig)


PAGE = jinja2.Template("""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>calibration: {{ doc.name }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:0.9em}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.pass{color:#2a7d2a}.fail{color:#c0392b;font-weight:bold}img{max-width:100%}</style>
</head><body>
<h1>Calibration: {{ doc.name }}</h1>
<h2>What the data could and could not pin down</h2>
<ul>{% for s in doc.summary %}<li>{{ s }}</li>{% endfor %}</ul>
<p>{{ doc.simulations }} simulations in {{ '%.0f' % doc.wall_seconds }} s ({{ doc.generations|length }} generations,
{{ '%.1f' % (doc.simulations_per_second or 0) }} simulations/s on {{ doc.workers or 'all' }} worker(s), {{ doc.executor }});
effective sample size of the posterior {{ '%.0f' % (doc.effective_sample_size or 0) }}.
The same file gives the same posterior on any number of workers.</p>
<h2>Posterior</h2>
<table><tr><th>parameter</th><th>median</th><th>90% interval</th><th>prior</th><th>interval / prior range</th><th></th></tr>
{% for path, p in doc.posterior.items() %}<tr><td><code>{{ path }}</code></td><td>{{ g(p.median) }}</td>
<td>{{ g(p.q05) }} – {{ g(p.q95) }}</td><td>{{ g(p.prior_low) }} – {{ g(p.prior_high) }}{% if p.scale == 'log' %} (log){% endif %}</td>
<td>{{ '%.0f%%' % (100 * p.interval_share_of_prior) }}</td><td>{{ p.verdict }}</td></tr>{% endfor %}</table>
<h3>Prior (grey) and posterior (blue)</h3><img alt="marginals" src="data:image/png;base64,{{ marginals }}">
{% if pairs %}<h3>Pairwise posterior</h3><p>A ridge means the data fix a combination of two parameters, not each one.</p>
<img alt="pairs" src="data:image/png;base64,{{ pairs }}">{% endif %}
<h2>Posterior predictive check</h2>
{% if predictive %}<p>{{ doc.predictive_check.draws }} communities simulated from the posterior. A statistic passes when the
observed value lies inside the 5%–95% band of the simulated ones.</p>
<img alt="predictive check" src="data:image/png;base64,{{ predictive }}">
<table><tr><th>statistic</th><th>observed</th><th>simulated median</th><th>5%–95%</th><th></th></tr>
{% for name, s in doc.predictive_check.statistics.items() %}<tr><td>{{ name }}</td><td>{{ g(s.observed) }}</td><td>{{ g(s.median) }}</td>
<td>{{ g(s.q05) }} – {{ g(s.q95) }}</td><td class="{{ 'pass' if s['pass'] else 'fail' }}">{{ 'pass' if s['pass'] else 'fail' }}</td></tr>{% endfor %}</table>
{% else %}<p>No predictive check (budget.predictive: 0).</p>{% endif %}
<h2>Generations</h2>
<table><tr><th>generation</th><th>epsilon</th><th>simulations</th><th>accepted</th><th>acceptance</th><th>ESS</th></tr>
{% for r in doc.generations %}<tr><td>{{ r.generation }}</td><td>{{ g(r.epsilon) }}</td><td>{{ r.simulations }}</td><td>{{ r.accepted }}</td>
<td>{{ '%.1f%%' % (100 * r.acceptance) }}</td><td>{{ '%.0f' % r.ess }}</td></tr>{% endfor %}</table>
<h2>Settings</h2><pre>{{ settings }}</pre>
</body></html>""", autoescape=True)


def write_calibration_report(out: Path, doc: dict[str, Any], posterior: pd.DataFrame, cal: "Calibration | None" = None) -> Path:
    import json

    shown = {k: v for k, v in doc["settings"].items() if k not in ("world", "strategy")}
    text = PAGE.render(doc=doc, marginals=marginals(doc, posterior), pairs=pairs(doc, posterior), predictive=predictive(doc),
                       settings=json.dumps(shown, indent=1, default=str), g=lambda x: f"{x:.3g}" if x == x else "–")
    path = Path(out) / "report.html"
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["write_calibration_report"]
