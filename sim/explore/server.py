"""Start the explorer's web server and say where it listens.

solara's server is a starlette app run by uvicorn; it finds the page through SOLARA_APP,
which it reads when it is imported, so the environment is set first.

The page works offline. solara's JavaScript comes from the `solara-assets` package
(pinned to solara's own version in pyproject.toml), which installs it as files under
`<prefix>/share/solara/cdn/NAME@VERSION/`; solara serves that folder at /_solara/cdn and
fetches from a public CDN only what is not there. The charts (chart.vue, like solara's
own Altair widget) ask for `vega@5`, `vega-lite@5` and `vega-embed@6`, while
solara-assets 1.58.2 ships them as `vega@5.21.0`, `vega-lite@5.2.0` and
`vega-embed@6.20.2` — so without help the charts wait for a CDN that is not reachable
and stay blank. `offline_assets` makes a folder of links to the shipped files plus those
major-version names, and solara serves that instead. solara's telemetry, which would call
out to the internet, is off.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from .explorer import Exploration

ENV = "QUNSIM_EXPLORE"  # names the scenario for sim/explore/app.py (the page runs in this process)


def prepare(file: str | Path, params: list[str] | None = None) -> Exploration:
    """Check the scenario and point solara at the page (before solara is imported)."""
    exploration = Exploration(Path(file), list(params or []))  # as typed: the page shows it in commands  # ScenarioError for a bad file
    os.environ[ENV] = json.dumps({"file": str(exploration.file), "params": exploration.extra})
    os.environ["SOLARA_APP"] = "sim.explore.app:Page"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    return exploration


def offline_assets(shipped: Path, into: Path) -> Path:
    """Fill `into` with links to every shipped asset folder, plus `NAME@MAJOR` aliases.

    The alias points at the newest shipped version of that major (`vega@5` ->
    `vega@5.21.0`); a name that is shipped as it is asked for is left alone. Links are
    (re)made when they point elsewhere, so the folder follows an upgrade of solara-assets.
    """
    into.mkdir(parents=True, exist_ok=True)
    links: dict[str, Path] = {}
    newest: dict[str, tuple[tuple[int, ...], Path]] = {}
    for entry in sorted(shipped.iterdir()) if shipped.is_dir() else []:
        links[entry.name] = entry
        m = re.fullmatch(r"(.+)@(\d+)((?:\.\d+)*)", entry.name)
        if m:
            version = tuple(int(p) for p in (m[2] + m[3]).split("."))
            alias = f"{m[1]}@{m[2]}"
            if alias not in newest or version > newest[alias][0]:
                newest[alias] = (version, entry)
    for alias, (_, entry) in newest.items():
        links.setdefault(alias, entry)
    for name, target in links.items():
        link = into / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            continue  # a real folder someone put there: theirs
        try:
            link.symlink_to(target, target_is_directory=target.is_dir())
        except FileExistsError:  # another server made it just now
            pass
    return into


def _use_offline_assets() -> None:
    """Serve solara's assets from a folder of links (kept beside the environment, made once)."""
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    shipped = Path(settings.assets.proxy_cache_dir)
    for into in (Path(sys.prefix) / "share" / "qunsim" / "solara-cdn", Path.home() / ".cache" / "qunsim" / "solara-cdn"):
        try:
            settings.assets.proxy_cache_dir = offline_assets(shipped, into)
            return
        except OSError:
            continue  # not writable here: try the next place


def bind(host: str, port: int) -> socket.socket:
    """The listening socket; port 0 picks a free port (the URL then names it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(file: str | Path, host: str = "127.0.0.1", port: int = 8765, params: list[str] | None = None,
          ready: Callable[[str], None] = print) -> None:
    """Serve the explorer of `file` until interrupted; call `ready(url)` once it accepts connections."""
    prepare(file, params)
    _use_offline_assets()
    sock = bind(host, port)
    url = url_of(sock)

    import uvicorn

    config = uvicorn.Config("solara.server.starlette:app", log_level="warning", access_log=False)
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run(sockets=[sock])
