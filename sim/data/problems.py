"""A problem with an input file: one line naming the file and line, and what to do about it.

The CLI prints each problem as it is and exits 2; nothing is written. Readers raise
`ImportProblem` at the first line they cannot read, so the user fixes one thing at a time
and the line number points at it.
"""

from __future__ import annotations

from pathlib import Path


class ImportProblem(Exception):
    def __init__(self, file: str | Path, line: int | None, what: str, fix: str = ""):
        self.file, self.line, self.what, self.fix = str(file), line, what, fix
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {what}" + (f" — {fix}" if fix else ""))
