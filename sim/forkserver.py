"""The local worker pool's forkserver: a process that has imported qunsim and loaded its kernels,
from which every worker is forked warm.

Its start takes a fresh interpreter 2-3 s (importing the model, loading the compiled kernels),
as long as the command's own imports. So a command that will want local workers starts it
first (`start`, from sim/cli.py), and both import side by side on the machine's cores; the pool
(sim/executors.py Local) finds it running or starts it itself. Light on purpose: no qunsim
module is imported here.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from typing import Any

PRELOAD = ["sim.runner", "sim.warm"]  # the model, then one tiny run that loads the kernels (sim/warm.py)


def start() -> Any:
    """The forkserver context, its server running (started once a process: a no-op after).

    Started with Ctrl-C ignored: an ignored signal stays ignored across exec, so a Ctrl-C while
    it imports qunsim stops only the parent, without a traceback from it."""
    from multiprocessing import forkserver

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave signals alone
        forkserver.ensure_running()
        return ctx
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, old)
    return ctx
