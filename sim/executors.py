"""Where runs execute: this process, local worker processes, or a dask.distributed cluster.

Every executor takes a list of jobs and yields their results in order of completion.
A run is a pure function of its job, so the executor changes speed, never numbers.
Two rules keep long sweeps safe:
- a bounded window of jobs in flight (twice the workers): a finished result is handed
  over and dropped at once, so memory stays flat however many runs a sweep has;
- `submitted` counts jobs handed to workers; those not yet stored are what an
  interruption (Ctrl-C, a dead worker, a failing run) loses.
`land()` is the loop every command shares: run the pending jobs of a store, write each
result as it lands, and turn any interruption into `Interrupted` with the counts.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from concurrent import futures as cf
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.params import shorten

from . import __version__, forkserver
from .people import among_same_people
from .runner import Job, RunResult, execute
from .scenario import Problem, ScenarioError
from .store import Landed, write_part

if TYPE_CHECKING:
    from .store import Store

Run = Callable[[Job], RunResult]
Progress = Callable[[int, int, "RunResult | Landed | None"], None]


class Interrupted(Exception):
    """Work stopped early (Ctrl-C, a dead worker, a failing run); finished runs are kept in `directory`.

    done: finished runs on disk; lost: runs that were executing and are thrown away;
    remaining: runs not finished (lost ones included) that `--resume` will run;
    stage: what was under way if not running (combining the tables, writing the report);
    finish: the command that completes the work (None: nothing was kept).
    """

    def __init__(self, directory: Path, done: int | None, lost: int, cause: BaseException, remaining: int | None = None,
                 stage: str | None = None, finish: str | None = None):
        self.directory, self.done, self.lost, self.cause = directory, done, lost, cause
        self.remaining = lost if remaining is None else remaining
        self.stage, self.finish = stage, finish
        why = "interrupted" if isinstance(cause, KeyboardInterrupt) else f"{type(cause).__name__}: {shorten(str(cause))}"
        head = f"stopped ({why}){' ' + stage if stage else ''}"
        if finish is None:
            tail = "no run had finished, so nothing was kept"
        elif done is None:
            tail = f"the results are complete in {directory}; finish with: {finish}"
        elif self.lost == self.remaining == 0:
            tail = f"all {done} runs are kept in {directory}; finish with: {finish}"
        else:
            tail = (f"{done} finished runs kept in {directory}, {self.lost} in flight lost, {self.remaining} still to run; "
                    f"finish with: {finish}")
        super().__init__(f"{head}: {tail}")


class Executor:
    """Base: runs jobs and yields results as they complete; `submitted` counts jobs handed to workers."""

    workers: int = 1
    submitted: int = 0

    def run(self, jobs: Sequence[Job], parts: Path | None = None) -> Iterator[RunResult | Landed]:
        """Yield results as runs finish. An executor whose workers share this machine's disk
        may write each part into `parts` itself and yield `Landed` records instead."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def describe(self) -> str:
        return f"{type(self).__name__.lower()} x{self.workers}"


class InProcess(Executor):
    """Runs in this process, one job at a time (workers=1, debugging, profiling)."""

    def __init__(self, fn: Run = execute):
        self.fn = fn

    def run(self, jobs: Sequence[Job], parts: Path | None = None) -> Iterator[RunResult]:
        self.submitted = 0
        for job in jobs:
            self.submitted += 1
            yield self.fn(job)

    def describe(self) -> str:
        return "this process"


def _run(fn: Run, jobs: list[Job], parts: Path | None) -> list[RunResult | Landed]:
    """In a worker: run the jobs in turn and, given a parts folder, write each result there."""
    return [write_part(parts, result) if parts is not None else result for result in map(fn, jobs)]


BATCH = 8  # jobs at most in one worker task


def _batches(jobs: Iterator[Job]) -> Iterator[list[Job]]:
    """Consecutive jobs among the same people (a replication's arms: jobs come replication-major)
    as one worker task, so that they share the build (sim/people.py) instead of each worker
    building it again."""
    batch: list[Job] = []
    for job in jobs:
        first = batch[0] if batch else None
        if first and (job.seed != first.seed or not among_same_people(job.scenario, first.scenario) or len(batch) == BATCH):
            yield batch
            batch = []
        batch.append(job)
    if batch:
        yield batch


def _worker_start(parent: int) -> None:
    """In each worker: leave Ctrl-C to the parent, which stops the workers (no traceback from
    every worker), and end when the parent is gone, even killed with SIGKILL: a worker
    blocked on its task queue would otherwise wait, holding its memory, for good."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch, args=(parent,), name="qunsim-lifeline", daemon=True).start()


def _watch(parent: int, every: float = 1.0) -> None:
    while _alive(parent):
        time.sleep(every)
    os._exit(1)


def _alive(pid: int) -> bool:
    """Is process `pid` running (a zombie, dead but not yet reaped, is not)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc: trust kill()


SMALL = 10_000_000  # people x days: a job the parent runs while workers start (the baseline's, 1.8 million, ~0.06 s;
# at most ~4 s, if all the people are members: how long workers, once up, may wait for the parent)


def _small(job: Job) -> bool:
    """Could the parent run `job` while workers start (people x days at most SMALL)?"""
    world = job.scenario.get("world", {})
    return world.get("population", {}).get("size", SMALL) * job.scenario.get("days", SMALL) <= SMALL


def _await_forkserver(ctx: Any, up: threading.Event) -> None:
    """(A thread.) Start a throwaway process: starting one waits until the forkserver has
    imported qunsim and loaded its kernels. Then `up` (set even if that failed: the pool
    then reports the failure)."""
    try:
        p = ctx.Process(target=int, daemon=True)
        p.start()
        p.join()
    except Exception:  # noqa: BLE001 — the forkserver failed: the pool, started next, reports why
        pass
    finally:
        up.set()


class Local(Executor):
    """A pool of worker processes on this machine.

    Workers are forked from a forkserver that has already imported qunsim and loaded its
    compiled kernels (sim/forkserver.py): starting one is cheap, and forking never copies the
    parent's threads (the progress bar has one). The forkserver's own start takes seconds,
    as long as dozens of small runs: meanwhile the parent runs small jobs itself
    (`help_while_starting`; off for a `fn` that may kill the process it runs in). A big job
    waits for a worker: the parent busy with it would leave the workers idle once up.
    A replication's arms go to a worker together, as one task (`_batches`).
    """

    def __init__(self, workers: int | None = None, fn: Run = execute, help_while_starting: bool = True):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.fn, self.help_while_starting = fn, help_while_starting
        self._pool: cf.ProcessPoolExecutor | None = None
        self._up: threading.Event | None = None  # set once the forkserver can fork warm workers

    def _context(self):
        return forkserver.start()  # (running already if the command started it: sim/cli.py)

    def _starting(self) -> threading.Event:
        """Set once the forkserver can fork warm workers (a thread waits for it)."""
        if self._up is None:
            self._up = threading.Event()
            threading.Thread(target=_await_forkserver, args=(self._context(), self._up), name="qunsim-forkserver",
                             daemon=True).start()
        return self._up

    def _start(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=self._context(), initializer=_worker_start,
                                                initargs=(os.getpid(),))
        return self._pool

    def run(self, jobs: Sequence[Job], parts: Path | None = None) -> Iterator[RunResult | Landed]:
        """With `parts` (a store's parts folder) each worker writes its run's part itself and
        hands back a small `Landed`: the parent no longer competes with the workers for the
        cores to write Parquet, which matters most on small machines."""
        self.submitted = 0
        if not jobs:
            return
        queue = iter(jobs)
        window: set[cf.Future] = set()
        try:
            if self._pool is None and self.help_while_starting:
                up = self._starting()
                while not up.is_set() and (job := next(queue, None)) is not None:
                    if not _small(job):  # the workers will be up before it would be done here
                        queue = itertools.chain([job], queue)
                        break
                    self.submitted += 1
                    yield self.fn(job)  # no worker can start yet: this process runs the job (stored like any)
            batches = _batches(queue)
            while True:
                while len(window) < 2 * self.workers and (batch := next(batches, None)) is not None:
                    window.add(self._start().submit(_run, self.fn, batch, parts))
                    self.submitted += len(batch)
                if not window:
                    return
                done, window = cf.wait(window, return_when=cf.FIRST_COMPLETED)
                while done:
                    yield from done.pop().result()  # a failed run or a dead worker raises here
        except BaseException:  # includes GeneratorExit when the caller stops early
            self._stop()
            raise

    def _stop(self) -> None:
        """Stop now: drop queued jobs and end workers that are mid-run (their runs are lost)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers > 1 else ''}"


class Dask(Executor):
    """A dask.distributed cluster: `scheduler` is an address (tcp://HOST:PORT) or a Client.

    Workers need the same qunsim version installed (checked on connect): the version is
    part of every run id, and a different model would give different numbers.
    A worker that dies mid-run is handled by dask (its tasks move to other workers).
    A replication's arms go to a worker together, as one task (`_batches`).
    """

    def __init__(self, scheduler: Any, fn: Run = execute):
        from distributed import Client

        self.fn = fn
        self._log_level = logging.getLogger("distributed.client").level
        self._own = not isinstance(scheduler, Client)
        try:
            self.client = Client(scheduler, timeout="15s") if self._own else scheduler
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            raise ConnectionError(f"--scheduler: cannot reach a dask scheduler at {scheduler!r} ({shorten(str(e), 120)}) "
                                  "— give the address `dask scheduler` prints, e.g. tcp://10.0.0.5:8786") from None
        versions = self.client.run(_worker_version)
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            self.close()
            raise ConnectionError(f"dask workers run another qunsim version than this one ({__version__}): "
                                  + ", ".join(f"{w}: {v}" for w, v in wrong.items()))
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._address = self.client.scheduler.address
        logging.getLogger("distributed.client").setLevel(logging.CRITICAL)  # a lost scheduler is our one line
        self._label = f"dask cluster at {self.client.scheduler.address} ({self.workers} worker threads)"

    def run(self, jobs: Sequence[Job], parts: Path | None = None) -> Iterator[RunResult]:
        """`parts` is ignored: workers on other machines do not see this disk."""
        from distributed import as_completed

        self.submitted = 0
        if not jobs:
            return
        queue = _batches(iter(jobs))  # a replication's arms as one task, as for local workers
        tag = uuid.uuid4().hex[:8]

        def submit(batch: list[Job]):
            self.submitted += len(batch)
            return self.client.submit(_run, self.fn, batch, None, key=f"qunsim-{batch[0].run_id}-{tag}", pure=False)

        pending = {submit(b) for _, b in zip(range(2 * self.workers), queue)}
        stream = as_completed(list(pending))
        try:
            for fut in stream:
                try:
                    results = fut.result()  # a failed run raises here (after dask's own retries)
                except Exception as e:
                    if _lost(e) or self.client.status not in ("running", "connecting"):
                        raise ConnectionError(f"lost the dask scheduler at {self._address}") from None
                    raise
                pending.discard(fut)
                fut.release()
                if (batch := next(queue, None)) is not None:
                    new = submit(batch)
                    pending.add(new)
                    stream.add(new)
                yield from results
                del results
        except BaseException:
            if self.client.status == "running":
                self.client.cancel(list(pending))
            raise

    def close(self) -> None:
        if self._own:
            try:
                self.client.close(timeout=5)
            except Exception:  # noqa: BLE001 — a lost scheduler cannot be told goodbye
                pass
        logging.getLogger("distributed.client").setLevel(self._log_level)

    def describe(self) -> str:
        return self._label


def _lost(e: BaseException) -> bool:
    """Did a future fail because the scheduler went away (not because its run failed)?"""
    return isinstance(e, OSError) or "connection-lost" in str(e) or "connection to the scheduler" in str(e)


def _worker_version() -> str:
    from sim import __version__ as v

    return v


def make(executor: str = "local", workers: int | None = None, scheduler: Any = None) -> Executor:
    """The executor the command line asks for."""
    if executor == "dask":
        if scheduler is None:
            raise ValueError("--executor dask needs --scheduler tcp://HOST:PORT (the address dask-scheduler prints)")
        return Dask(scheduler)
    if executor != "local":
        raise ValueError(f"unknown executor {executor!r} — executors: local, dask")
    if workers is not None and workers < 1:
        raise ScenarioError([Problem("--workers", f"{workers} is not a number of worker processes — give 1 or more "
                                     "(leave it out to use every core)")])
    if workers == 1:
        return InProcess()
    return Local(workers)


def kept(store: "Store", e: Interrupted, resumed: bool) -> Interrupted:
    """A new folder in which no run finished holds nothing worth keeping: remove it, and say so."""
    if resumed or e.done:
        return e
    store.discard()
    return Interrupted(store.dir, 0, e.lost, e.cause, e.remaining)


@contextmanager
def stage(store: "Store", what: str, runs: int):
    """A step after the runs (combining the tables, the summary): Ctrl-C or a full disk there
    keeps every run and says how to finish."""
    try:
        yield
    except BaseException as e:
        store.release()
        if not isinstance(e, (KeyboardInterrupt, OSError)):
            raise
        raise Interrupted(store.dir, runs, 0, e, remaining=0, stage=what, finish=store.finish_command()) from e


def land(store: "Store", todo: Sequence[Job], executor: Executor, progress: Progress | None = None,
         total: int | None = None, offset: int = 0) -> int:
    """Run the jobs of `todo` the store has not finished; write each result as it lands.

    Returns the number of finished runs in `todo`. `total`/`offset` let a caller that runs
    in rounds (adaptive replication) report progress over the whole run. Any interruption
    becomes `Interrupted`: the runs on disk stay, the ones handed to workers are counted lost.
    """
    done = store.finished()
    done.update(dict.fromkeys(store.adopt(todo, done)))  # parts a kill (of a worker, or of this command) left unrecorded
    pending = [j for j in todo if j.run_id not in done]
    finished = len(todo) - len(pending)
    total = total if total is not None else len(todo)
    if progress:
        progress(offset + finished, total, None)
    results = executor.run(pending, parts=store.dir / "parts")
    stored = 0
    try:
        for result in results:
            store.add(result)
            stored += 1
            if progress:
                progress(offset + finished + stored, total, result)
            del result  # nothing keeps a finished run alive
    except BaseException as e:  # Ctrl-C, a dead worker, a failed run: keep what landed, say what was lost
        results.close()
        stored += len(store.adopt(pending))  # runs a worker wrote before its task (a replication's arms) failed
        lost = max(executor.submitted - stored, 0)
        raise Interrupted(store.dir, offset + finished + stored, lost, e, remaining=len(pending) - stored,
                          finish=store.finish_command()) from e
    return finished + stored
