"""Real communities as data: chat exports read into a run's tables, and runs written out as exports.

    qunsim import FILE... --out DIR    Telegram / WhatsApp / CSV exports -> DIR (docs/data.md)
    qunsim export RESULTS --format F    a simulated run -> a Telegram, WhatsApp or CSV export

One module per concept: `events` (what every reader yields), one reader per format
(`telegram`, `whatsapp`, `csvfile`), `pseudonym` (names -> stable ids), `tables` (events ->
messages, memberships, groups), `observed` (the KPIs of sim/outcomes.py on those tables),
`report` (report.html of an import), `importer` (all of it, atomically), `export` (runs ->
exports) and `recorder` (a model's per-message records, until runs write them).
"""
