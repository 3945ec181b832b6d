"""Make docs/img/explore.png, the README's picture of `qunsim explore` (run: .venv/bin/python docs/explore_screenshot.py).

Starts `qunsim explore scenarios/dunbar_split.yaml` on a free loopback port, plays 40 days
in headless Chromium (Debian's, through playwright) and saves a palette PNG under 300 KB.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img" / "explore.png"
DAYS = 40


def main() -> None:
    cmd = [sys.executable, "-c", "from sim.cli import app; app()", "explore", "scenarios/dunbar_split.yaml", "--port", "0"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        url = None
        for line in proc.stdout:
            m = re.search(r"open (http://\S+) in your browser", line)
            if m:
                url = m[1]
                break
        if url is None:
            raise SystemExit("qunsim explore did not start")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1500})
            page.goto(url)
            page.wait_for_selector("#qunsim-kpis")
            for day in range(1, DAYS + 1):
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(f"document.querySelector('#qunsim-day').innerText.startsWith('day {day} of')")
            page.wait_for_timeout(1500)  # let the last chart draw
            png = page.screenshot()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=128).save(OUT, optimize=True)
    print(f"{OUT}: {OUT.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
