"""One run of a job: the singleton lease, kept alive while the run goes on; the record.

A lease taken for a fixed time before a run let another worker take the job over mid-run
whenever the run outlasted it (a slow check, a big housekeeping pass): two workers then ran
a job meant to run once. Instead the holder takes the lease for a TTL (``Job.lease_ttl``)
and, while the run goes on, renews it every third of the TTL from a helper thread, so only
a worker that died (or could not reach the database for a whole TTL) loses it. Renewals
stop with the run; the last one stands, so other workers still skip the job until it
expires, and its holder, taking it again on its next run, keeps the job.

A failing run is recorded and logged, never fatal: the next run comes on schedule.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType

from assay.core.secrets import redact
from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.jobs import leases
from assay.server.jobs.registry import Job, JobContext, JobState

OnFinish = Callable[[str, str, float | None], None]


def run_job(job: Job, state: JobState, ctx: JobContext, on_finish: OnFinish | None) -> None:
    """Run ``job`` once in this thread (if a singleton, only with its lease), recorded in
    ``state``; ``on_finish(name, ok|failed|skipped, seconds)`` told after."""

    def tell(seconds: float | None) -> None:
        if on_finish is not None:
            on_finish(job.name, state.last_status or "failed", seconds)

    keeper: AbstractContextManager[object] = contextlib.nullcontext()
    if job.singleton:
        ttl = job.lease_ttl
        try:
            held = leases.acquire(ctx.db, job.name, ctx.worker_id, ttl)
        except Exception as exc:
            _failed(job, state, ctx, exc, time.perf_counter())
            return tell(None)
        if not held:
            state.last_status = "skipped"
            state.last_error = None
            return tell(None)

        def lost(message: str) -> None:
            state.lease_error = message

        keeper = LeaseKeeper(ctx.db, job.name, ctx.worker_id, ttl, ctx.log, lost)
    state.running = True
    state.lease_error = None
    state.last_started_at = utcnow()
    start = time.perf_counter()
    with keeper:
        try:
            job.run(ctx)
        except Exception as exc:
            _failed(job, state, ctx, exc, start)
        else:
            state.last_status = "ok"
            state.last_error = None
            _finished(state, start)
    tell((state.last_duration_ms or 0) / 1000)


def _failed(job: Job, state: JobState, ctx: JobContext, exc: Exception, start: float) -> None:
    state.failures += 1
    state.last_status = "failed"
    state.last_error = redact(f"{type(exc).__name__}: {exc}")[:500]
    ctx.log.warning("job %s failed: %s", job.name, state.last_error, extra={"job": job.name})
    _finished(state, start)


def _finished(state: JobState, start: float) -> None:
    state.running = False
    state.runs += 1
    state.last_finished_at = utcnow()
    state.last_duration_ms = round((time.perf_counter() - start) * 1000, 2)


class LeaseKeeper:
    """``with LeaseKeeper(...):`` around a run renews the lease until the block ends (one
    thread per running singleton run: no more than the scheduler's pool threads).

    ``on_lost(message)`` is told (redacted) when a renewal fails: another worker holds the
    lease now, or the database refused. Renewals go on after a database error (the next
    may succeed before the lease expires), but stop once another worker holds the lease.
    """

    def __init__(
        self,
        db: Database,
        name: str,
        holder: str,
        seconds: float,
        log: logging.Logger,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        self.db = db
        self.name = name
        self.holder = holder
        self.seconds = seconds
        self.log = log
        self.on_lost = on_lost
        self.renewals = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._keep, name=f"lease:{name}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()

    def _keep(self) -> None:
        every = self.seconds / 3
        while not self._done.wait(every):
            try:
                held = leases.renew(self.db, self.name, self.holder, self.seconds)
            except Exception as exc:
                self._lost(f"lease renewal failed: {type(exc).__name__}: {exc}")
                continue
            if not held:
                self._lost("lease renewal failed: another worker holds the lease")
                return
            self.renewals += 1

    def _lost(self, message: str) -> None:
        message = redact(message)[:500]
        self.log.warning("job %s: %s", self.name, message, extra={"job": self.name})
        if self.on_lost is not None:
            self.on_lost(message)
