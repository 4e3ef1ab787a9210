"""Runs the registered jobs on their intervals, each run in a worker thread.

Jobs are synchronous (they use the database like the routes do); the runner's loops are
asyncio tasks started and stopped by the app's lifespan. A failing run is recorded and
logged, never fatal: the next run comes on schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from assay.core.secrets import redact
from assay.server.db.tables import utcnow
from assay.server.jobs import leases
from assay.server.jobs.registry import Job, JobContext, JobRegistry, JobState


class JobRunner:
    """Owns one ``JobState`` per job; ``start``/``stop`` from the lifespan."""

    def __init__(
        self,
        registry: JobRegistry,
        context: JobContext,
        on_finish: Callable[[str, str, float | None], None] | None = None,
    ) -> None:
        self.registry = registry
        self.context = context
        # told (job name, ok|failed|skipped, seconds) after every run: the metrics
        self.on_finish = on_finish
        self.states = {job.name: JobState() for job in registry}
        self._locks = {job.name: threading.Lock() for job in registry}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for job in self.registry:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job:{job.name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for job in self.registry:
            if job.singleton:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(
                        leases.release, self.context.db, job.name, self.context.worker_id
                    )

    async def run_now(self, name: str) -> JobState:
        """Run a job at once (waiting for a run in progress); its state afterwards."""
        job = self.registry.get(name)
        if job is None:
            raise KeyError(name)
        await asyncio.to_thread(self.run_once, job)
        return self.states[name]

    async def _loop(self, job: Job) -> None:
        state = self.states[job.name]
        state.next_run_at = utcnow() + timedelta(seconds=job.first_delay)
        await asyncio.sleep(job.first_delay)
        while True:
            await asyncio.to_thread(self.run_once, job)
            state.next_run_at = utcnow() + timedelta(seconds=job.interval)
            await asyncio.sleep(job.interval)

    def run_once(self, job: Job) -> None:
        """One run of ``job`` in this thread, recorded in its state."""
        state = self.states[job.name]
        ctx = self.context
        with self._locks[job.name]:
            if job.singleton:
                try:
                    held = leases.acquire(ctx.db, job.name, ctx.worker_id, job.interval)
                except Exception as exc:
                    self._failed(job, state, exc, time.perf_counter())
                    self._tell(job, state, None)
                    return
                if not held:
                    state.last_status = "skipped"
                    state.last_error = None
                    self._tell(job, state, None)
                    return
            state.running = True
            state.last_started_at = utcnow()
            start = time.perf_counter()
            try:
                job.run(ctx)
            except Exception as exc:
                self._failed(job, state, exc, start)
            else:
                state.last_status = "ok"
                state.last_error = None
                self._finished(state, start)
            self._tell(job, state, (state.last_duration_ms or 0) / 1000)

    def _failed(self, job: Job, state: JobState, exc: Exception, start: float) -> None:
        state.failures += 1
        state.last_status = "failed"
        state.last_error = redact(f"{type(exc).__name__}: {exc}")[:500]
        self.context.log.warning(
            "job %s failed: %s", job.name, state.last_error, extra={"job": job.name}
        )
        self._finished(state, start)

    def _finished(self, state: JobState, start: float) -> None:
        state.running = False
        state.runs += 1
        state.last_finished_at = utcnow()
        state.last_duration_ms = round((time.perf_counter() - start) * 1000, 2)

    def _tell(self, job: Job, state: JobState, seconds: float | None) -> None:
        if self.on_finish is not None:
            self.on_finish(job.name, state.last_status or "failed", seconds)
