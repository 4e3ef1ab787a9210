"""Runs the registered jobs on their intervals: one scheduler thread, a bounded thread pool.

Jobs come and go while the server runs (a monitor created or deleted through the API is a
job), by the thousand: one asyncio task per job, built once at start-up, neither scaled nor
saw a job added later. Instead one thread keeps every job's next due time in a heap and
hands due jobs to a pool of ``threads`` workers; ``add``, ``remove``, ``reschedule`` and
``run_soon`` may be called from any thread at any time.

A job never runs twice at once in this worker: while it runs it has no place in the heap,
and its next run is queued when it ends, at its start plus its interval or at once if the
run took longer (no pile-up, no catch-up burst). Heap items are never removed in place: each
carries the generation it was queued with, and one whose generation is no longer its job's
is stale and skipped (lazy deletion; the heap is compacted when stale items pile up).

What one run does (the singleton lease, kept while it runs; the record) is ``jobs.run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import timedelta

from assay.server.db.tables import utcnow
from assay.server.jobs import leases
from assay.server.jobs.registry import Job, JobContext, JobRegistry, JobState
from assay.server.jobs.run import run_job

STOP_WAIT_S = 30.0  # how long stop() waits for runs in progress


@dataclass(eq=False)
class _Entry:
    """A job's place in this worker's schedule (what ``JobState`` does not show)."""

    job: Job
    state: JobState
    generation: int = -1  # of its one live heap item; other items of this job are stale
    dispatched: bool = False  # handed to the pool: queued there or running
    again: bool = False  # run_soon during a run: one more run as soon as it ends
    unleased: bool = False  # run_soon(lease=False): the next run ignores the singleton lease
    next_due: float | None = None  # reschedule during a run: when the next one is due
    lock: threading.Lock = field(default_factory=threading.Lock)  # run_once vs the pool


class Scheduler:
    """Owns one ``JobState`` per registered job; ``start``/``stop`` from the lifespan.

    ``on_finish(name, ok|failed|skipped, seconds)`` is told after every run (the metrics).
    """

    def __init__(
        self,
        registry: JobRegistry,
        context: JobContext,
        on_finish: Callable[[str, str, float | None], None] | None = None,
        threads: int = 4,
    ) -> None:
        self.registry = registry
        self.context = context
        self.on_finish = on_finish
        self.threads = threads
        self.states: dict[str, JobState] = {}
        self._entries: dict[str, _Entry] = {}
        self._heap: list[tuple[float, int, str]] = []  # (due, generation, name)
        self._generations = itertools.count()  # unique across jobs: a re-added name is new
        self._cond = threading.Condition()  # guards everything above but the states' fields
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: set[Future[None]] = set()
        self._stopping = False
        for job in registry:
            self._track(job)

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Queue every job after its ``first_delay`` and start the scheduler thread."""
        with self._cond:
            if self._thread is not None:
                return
            for job in self.registry:  # registered straight into the registry meanwhile
                if job.name not in self._entries:
                    self._track(job)
            self._stopping = False
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="job")
            now = time.monotonic()
            for entry in self._entries.values():
                entry.dispatched = entry.again = False
                entry.next_due = None
                self._queue(entry, now + entry.job.first_delay)
            self._thread = threading.Thread(target=self._loop, name="job-scheduler", daemon=True)
            self._thread.start()

    async def stop(self, timeout: float = STOP_WAIT_S) -> None:
        """Take no more work, wait (``timeout`` at most) for runs in progress, then give up
        this worker's leases so another worker can take its singleton jobs at once."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread, pool, self._thread, self._pool = self._thread, self._pool, None, None
            inflight = list(self._inflight)
        if thread is not None:
            await asyncio.to_thread(thread.join)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)  # queued runs never start
            await asyncio.to_thread(wait, inflight, timeout)
        busy = [name for name, state in list(self.states.items()) if state.running]
        if busy:
            self.context.log.warning("jobs still running at shutdown: %s", ", ".join(busy))
        with contextlib.suppress(Exception):  # the database may be gone: leases expire anyway
            await asyncio.to_thread(
                leases.release_all, self.context.db, self.context.worker_id, busy
            )

    # -- changes at run time, from any thread ---------------------------------------------

    def add(self, job: Job) -> Job:
        """Register ``job`` and (once started) run it first after ``job.first_delay``."""
        with self._cond:
            if job.name in self._entries:
                raise ValueError(f"job '{job.name}' is registered twice")
            entry = self._track(job)  # its state exists before the registry lists it
            try:
                self.registry.add(job)
            except ValueError:
                del self._entries[job.name], self.states[job.name]
                raise
            self._queue(entry, time.monotonic() + job.first_delay)
        return job

    def remove(self, name: str) -> bool:
        """Unschedule and forget the job ``name`` (a run in progress finishes); False when
        there is no such job."""
        with self._cond:
            self.registry.remove(name)
            entry = self._entries.pop(name, None)
            self.states.pop(name, None)
            return entry is not None  # its heap item is stale now: no entry has its generation

    def reschedule(self, name: str, interval: float | None = None) -> bool:
        """Give ``name`` a new interval (default: its own) and its next run one interval
        from now; False when there is no such job."""
        with self._cond:
            entry = self._entries.get(name)
            if entry is None:
                return False
            if interval is not None:
                job = dataclasses.replace(entry.job, interval=interval)
                self.registry.replace(job)  # refuses a non-positive interval
                entry.job = job
            due = time.monotonic() + entry.job.interval
            if entry.dispatched:
                entry.next_due = due
                entry.state.next_run_at = utcnow() + timedelta(seconds=entry.job.interval)
            else:
                self._queue(entry, due)
            return True

    @property
    def running(self) -> bool:
        """Whether the scheduler thread runs (``start`` was awaited, ``stop`` not yet)."""
        return self._thread is not None

    def run_soon(self, name: str, lease: bool = True) -> bool:
        """Queue a run of ``name`` now without waiting for it; during a run, one more run
        right after it (never two at once, never more than one extra). False when unknown.

        ``lease=False``: that run goes ahead in this worker even while another worker holds
        the singleton's lease (a check a user asked this worker for, now)."""
        with self._cond:
            entry = self._entries.get(name)
            if entry is None:
                return False
            entry.unleased = entry.unleased or not lease
            if entry.dispatched:
                entry.again = True
            else:
                self._queue(entry, time.monotonic())
            return True

    # -- the scheduler thread -------------------------------------------------------------

    def _track(self, job: Job) -> _Entry:
        entry = _Entry(job, JobState())
        self._entries[job.name] = entry
        self.states[job.name] = entry.state
        return entry

    def _queue(self, entry: _Entry, due: float) -> None:
        """(With the lock.) Make ``due`` the job's one live heap item, older ones stale."""
        entry.generation = next(self._generations)
        heapq.heappush(self._heap, (due, entry.generation, entry.job.name))
        entry.state.next_run_at = utcnow() + timedelta(seconds=max(0.0, due - time.monotonic()))
        if len(self._heap) > 64 + 2 * len(self._entries):
            self._heap = [item for item in self._heap if self._live(item)]
            heapq.heapify(self._heap)
        self._cond.notify()

    def _live(self, item: tuple[float, int, str]) -> _Entry | None:
        entry = self._entries.get(item[2])
        return entry if entry is not None and entry.generation == item[1] else None

    def _loop(self) -> None:
        with self._cond:
            while not self._stopping:
                while self._heap and not self._live(self._heap[0]):
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                entry = self._live(heapq.heappop(self._heap))
                assert entry is not None  # the top was live: stale ones were popped above
                assert self._pool is not None  # set whenever the thread runs
                entry.generation = -1  # in the pool now, in the heap no more
                entry.dispatched = True
                future = self._pool.submit(self._dispatched, entry)
                self._inflight.add(future)
                future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._cond:
            self._inflight.discard(future)

    def _dispatched(self, entry: _Entry) -> None:
        """A run in the pool, then the next one queued: at its start plus the interval, or
        at once if the run took longer or ``run_soon`` asked for one meanwhile."""
        started = time.monotonic()
        with self._cond:
            job = replace(entry.job, singleton=False) if entry.unleased else entry.job
            entry.unleased = False
        try:
            self._run(job, entry)
        finally:
            with self._cond:
                entry.dispatched = False
                if not self._stopping and self._entries.get(entry.job.name) is entry:
                    now = time.monotonic()
                    due = started + entry.job.interval
                    if entry.next_due is not None:
                        due = entry.next_due
                    self._queue(entry, now if entry.again else max(due, now))
                entry.again, entry.next_due = False, None

    # -- one run --------------------------------------------------------------------------

    def run_once(self, job: Job) -> None:
        """One run of ``job`` in this thread, recorded in its state (waits for a run of it
        in progress here)."""
        entry = self._entries.get(job.name)
        if entry is None:
            raise KeyError(job.name)
        self._run(job, entry)

    def _run(self, job: Job, entry: _Entry) -> None:
        with entry.lock:
            run_job(job, entry.state, self.context, self.on_finish)
