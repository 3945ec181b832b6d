"""`qunsim explore` as a person uses it: start the server, open the page in headless Chromium,
press Step, move a slider, download the file, Reset, play to the end.

The server runs as `qunsim explore FILE --port 0` in its own process group, and the test
reads the URL it prints, as a person would. Playwright drives Debian's Chromium
(`executable_path`; playwright's own browser download is never used). Every request the page
makes is recorded: none may leave 127.0.0.1, so the page works offline. Waits are guards
against a hung server or browser, never measures of speed.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WAIT = 90.0  # seconds: a guard, not a measurement
if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("chromium is missing on CI: `make browser` installs it (Debian's chromium package)", pytrace=False)
    pytestmark = pytest.mark.skip(reason="chromium is not installed; `make browser` installs Debian's chromium package")

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: make test installs it")

SCENARIO = """\
name: explore_test
description: One launch group of 300, kept whole or split at 100.
days: 12
seed: 3
world:
  population: {size: 2000}
  groups: {initial: 1, initial_members: 300, cap: 2000}   # room for the slider's 1,200: a launch above the cap is refused
arms:
  one_group:
    strategy: []
  split_100:
    strategy:
      - dunbar_split: {threshold: 100}
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`qunsim explore` on a free loopback port; yields the URL it printed; always stopped."""
    file = tmp_path / "explore_test.yaml"
    file.write_text(SCENARIO)
    cmd = [sys.executable, "-c", "from sim.cli import app; app()", "explore", str(file), "--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                            start_new_session=True)
    try:
        seen = []
        while True:
            ready, _, _ = select.select([proc.stdout], [], [], WAIT)
            line = proc.stdout.readline() if ready else ""
            if not line:
                pytest.fail(f"qunsim explore printed no URL; it said: {''.join(seen)}")
            seen.append(line)
            m = re.search(r"open (http://127\.0\.0\.1:\d+/) in your browser", line)
            if m:
                break
        yield m[1]
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=15)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
        proc.stdout.close()


def kpi(page, name: str) -> list[str]:
    """The cells of one row of the day's KPI table (one per arm)."""
    return page.eval_on_selector("#qunsim-kpis", "(t, name) => [...[...t.rows].find(r => r.cells[0].innerText === name)"
                                 ".cells].slice(1).map(c => c.innerText)", name)


def day(page) -> str:
    return page.inner_text("#qunsim-day")


def wait_day(page, n: int) -> None:
    page.wait_for_function(f"document.querySelector('#qunsim-day').innerText.startsWith('day {n} of')", timeout=WAIT * 1000)


def test_explore_renders_steps_reruns_and_downloads(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(WAIT * 1000)
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # e.g. a 404
            page.goto(server)

            # the page renders: the scenario, the inputs from the schema, the KPI table, the charts
            page.wait_for_selector("#qunsim-kpis")
            assert day(page).startswith("day 0 of 12")
            body = page.inner_text("body").lower()  # buttons are upper-cased by CSS
            for text in ("explore_test", "Model Parameters", "groups.initial_members", "split_100: dunbar_split.threshold",
                         "split_100: dunbar_split.method", "one_group", "Download scenario YAML"):
                assert text.lower() in body, text
            page.wait_for_selector(".qunsim-chart svg")
            assert page.locator(".qunsim-chart").count() == 2  # the day-by-day charts and the groups
            empty = page.text_content(".qunsim-chart svg")
            assert "one_group" in empty and "split_100" in empty and "members" in empty  # a legend and panels

            # Step advances one day in every arm
            page.get_by_role("button", name="Step").click()
            wait_day(page, 1)
            for _ in range(2):
                page.get_by_role("button", name="Step").click()
            wait_day(page, 3)
            before = [int(v.replace(",", "")) for v in kpi(page, "members")]
            assert all(200 <= v < 600 for v in before), before  # a launch of 300; splitting loses some
            # the charts follow the days (their axes now span the values)
            page.wait_for_function("before => document.querySelector('.qunsim-chart svg').textContent !== before", arg=empty)
            drawn = page.text_content(".qunsim-chart svg")

            # moving a slider re-runs both arms to the day reached: 1,200 launch members instead of 300
            slider = page.locator(".v-input", has_text="groups.initial_members").get_by_role("slider")
            slider.focus()
            page.keyboard.press("End")
            page.wait_for_function("before => document.querySelector('#qunsim-kpis').innerText !== before",
                                   arg=page.inner_text("#qunsim-kpis"))
            wait_day(page, 3)
            after = [int(v.replace(",", "")) for v in kpi(page, "members")]
            assert all(a > b + 500 for a, b in zip(after, before)), (before, after)
            assert "world.groups.initial_members=1200" in page.inner_text("body")  # the command that reproduces it
            page.wait_for_function("before => document.querySelector('.qunsim-chart svg').textContent !== before", arg=drawn)

            # the download is the scenario file with the setting written in
            with page.expect_download() as dl:
                page.get_by_text("Download scenario YAML").click()
            saved = tmp_path / "downloaded.yaml"
            dl.value.save_as(saved)
            assert "initial_members: 1200" in saved.read_text()

            # Reset starts again at day 0, keeping the setting
            page.get_by_role("button", name="Reset").click()
            wait_day(page, 0)
            page.get_by_role("button", name="Step").click()
            wait_day(page, 1)
            reset = [int(v.replace(",", "")) for v in kpi(page, "members")]
            assert all(r > 2 * b for r, b in zip(reset, before)), (before, reset)

            # ▶ plays day after day and stops at the scenario's last day
            page.get_by_role("button", name="▶").click()
            wait_day(page, 12)
            page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                                   "b => b.innerText.trim().toLowerCase() === 'step' && b.disabled)")  # the end: no more steps
            assert day(page).startswith("day 12 of 12")
        finally:
            browser.close()

    outside = [u for u in requests if not u.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:"))]
    assert outside == [], f"the page asked for something outside this machine: {outside}"
    assert errors == [], f"errors in the page: {errors}"
