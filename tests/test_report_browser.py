"""The report as a person sees it: headless Chromium opens report.html and we look at the page.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands
on fd 3, replies on fd 4, each a JSON message ended by a NUL byte), so the test needs no
extra Python package and no network port. It checks that the page rendered (text, a
screenshot that is not blank), that every image decoded, that nothing outside the file was
requested, and that the console stayed free of errors — in English and in Chinese.
Screenshots are kept in the results directory (screenshot.png, screenshot.zh.png).
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from sim.report import write_report
from sim.report.figures import KEYS
from sim.report.i18n import Words
from sim.report.text import verdict_sentence
from tests.test_report import two_arm_results  # noqa: F401  (the same small two-arm run)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars", "--mute-audio", "--remote-debugging-pipe"]
WAIT = 90.0  # seconds: only a guard against a hung browser, never a measure of speed

if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("chromium is missing on CI: `make browser` installs it (Debian's chromium package)", pytrace=False)
    pytestmark = pytest.mark.skip(reason="chromium is not installed; `make browser` installs Debian's chromium package")


class Chromium:
    """A headless Chromium and one page, spoken to over the DevTools pipe."""

    def __init__(self, profile: Path):
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()

        def wire() -> None:  # in the child: commands on fd 3, replies on fd 4
            a, b = os.dup(cmd_r), os.dup(res_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}"], preexec_fn=wire, close_fds=False,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(cmd_r)
        os.close(res_w)
        self._buf = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=True)

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._res_r], [], [], max(left, 0))
            if not ready:
                raise TimeoutError(f"chromium did not answer within {WAIT:.0f} s")
            chunk = os.read(self._res_r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe (did it crash?)")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for e in self.events:
            if e.get("method") == method:
                return e
        while True:
            e = self._read()
            self.events.append(e)
            if e.get("method") == method:
                return e

    def evaluate(self, expression: str) -> Any:
        res = self.send("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._cmd_w)
        os.close(self._res_r)


PAGE_STATE = """(async () => {
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
  return {
    title: document.title,
    text: document.body.innerText,
    verdict: (document.getElementById('verdict-sentence') || {}).innerText || '',
    images: [...document.images].map(i => ({complete: i.complete, width: i.naturalWidth, height: i.naturalHeight,
                                            src: i.src.slice(0, 30), alt: i.alt})),
    figures: [...document.querySelectorAll('figure')].map(f => f.id),
    height: Math.ceil(document.documentElement.scrollHeight),
    resources: performance.getEntriesByType('resource').map(e => e.name),
  };
})()"""


def look(html: Path, shot: Path) -> dict[str, Any]:
    """Open a report in Chromium; return what the page holds, what went wrong, and save a full-page screenshot."""
    with tempfile.TemporaryDirectory() as profile:
        b = Chromium(Path(profile))
        try:
            b.send("Emulation.setDeviceMetricsOverride", session=True, width=1280, height=900, deviceScaleFactor=1, mobile=False)
            b.send("Page.navigate", session=True, url=html.resolve().as_uri())
            b.wait_for("Page.loadEventFired")
            state = b.evaluate(PAGE_STATE)
            b.send("Emulation.setDeviceMetricsOverride", session=True, width=1280, height=min(state["height"], 16000),
                   deviceScaleFactor=1, mobile=False)
            png = b.send("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True)["data"]
        finally:
            b.close()
    shot.write_bytes(base64.b64decode(png))
    errors = []
    requests = []
    for e in b.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            errors.append(p["exceptionDetails"].get("text", "exception"))
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            errors.append(p["entry"].get("text", ""))
        elif m == "Network.requestWillBeSent":
            requests.append(p["request"]["url"])
        elif m == "Network.loadingFailed":
            errors.append(f"failed to load: {p.get('errorText')}")
    return {**state, "errors": errors, "requests": requests}


def not_blank(png: Path) -> tuple[float, int]:
    """Share of pixels that are not page-white, and the number of distinct colours, of a screenshot."""
    img = np.asarray(Image.open(io.BytesIO(png.read_bytes())).convert("RGB"))
    ink = np.any(img < 245, axis=-1).mean()
    colours = len(np.unique(img.reshape(-1, 3)[:: 7], axis=0))
    return float(ink), colours


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_renders_in_a_browser(two_arm_results: Path, lang: str) -> None:
    paths = write_report(two_arm_results, lang=lang)
    html = next(p for p in paths if p.suffix == ".html")
    shot = two_arm_results / ("screenshot.png" if lang == "en" else f"screenshot.{lang}.png")
    page = look(html, shot)

    assert page["errors"] == [], f"console errors: {page['errors']}"
    outside = [u for u in page["requests"] + page["resources"] if not u.startswith(("file:", "data:", "about:"))]
    assert outside == [], f"the report fetched something outside the file: {outside}"
    summary = json.loads((two_arm_results / "summary.json").read_text())
    assert len(page["text"]) > 3000, "the page holds almost no text"
    if lang == "en":
        assert page["verdict"].strip() == summary["verdict"]["sentence"]
    else:
        n = max(c["n"] for c in summary["comparisons"])
        assert "结论" in page["text"] and page["verdict"].strip() == verdict_sentence(summary["verdict"], Words("zh"), n, summary["comparisons"])
    assert ("Risk of collapse: " if lang == "en" else "崩溃风险：") in page["text"]  # shown, beside the verdict
    assert [f"fig-{k}" for k in KEYS] == page["figures"][: len(KEYS)]
    assert len(page["images"]) == len(KEYS), page["images"]
    broken = [i["alt"] for i in page["images"] if not (i["complete"] and i["width"] > 300 and i["height"] > 200)]
    assert broken == [], f"images that did not load: {broken}"
    assert all(i["src"].startswith("data:image/png;base64,") for i in page["images"])
    ink, colours = not_blank(shot)
    assert ink > 0.05 and colours > 50, f"the screenshot looks blank ({ink:.1%} ink, {colours} colours)"
    width, height = Image.open(shot).size
    assert width == 1280 and height > 3000, (width, height)
