"""Reports a team reads: the verdict, the evidence, and how to reproduce it.

    from sim.report import write_report
    write_report("results/dunbar_split/20250101-120000")            # report.html + report.md
    write_report("results/dunbar_split/20250101-120000", lang="zh")  # report.zh.html + report.zh.md

The report is built from the stored results alone (summary.json, scenario.resolved.yaml and
the Parquet tables); see docs/reports.md for what each section and figure means.
"""

from .build import load_results, write_report

__all__ = ["load_results", "write_report"]
