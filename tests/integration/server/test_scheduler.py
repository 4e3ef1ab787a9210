"""The job Scheduler on SQLite and PostgreSQL, with real threads: jobs added, removed,
rescheduled and run at run time; no overlap, no pile-up; singleton leases kept while a long
run goes on and given up on stop. Runs are held open with events, never timed with sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from assay.server.db import Database
from assay.server.db.migrate import upgrade
from assay.server.db.tables import JobLease, utcnow
from assay.server.jobs import Job, JobContext, JobRegistry, Scheduler
from tests.support.server import Served, settings_for
from tests.support.wait import wait_until

log = logging.getLogger("test.scheduler")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@dataclass
class Calls:
    """What a job function saw: start times, the most runs at once; ``hold`` blocks runs."""

    starts: list[float] = field(default_factory=list)
    active: int = 0
    most: int = 0
    entered: threading.Event = field(default_factory=threading.Event)
    hold: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, ctx: JobContext) -> None:
        with self.lock:
            self.starts.append(time.monotonic())
            self.active += 1
            self.most = max(self.most, self.active)
        self.entered.set()
        try:
            self.hold.wait(30)
        finally:
            with self.lock:
                self.active -= 1


def free(calls: Calls) -> Calls:
    calls.hold.set()
    return calls


def name() -> str:
    return f"test.{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make(db: Database, database_url: str) -> Iterator[Callable[..., Scheduler]]:
    """Schedulers on the test database (started unless asked not to), stopped afterwards."""
    started: list[Scheduler] = []

    def make(*jobs: Job, worker: str = "w1", start: bool = True, **options: Any) -> Scheduler:
        registry = JobRegistry()
        for job in jobs:
            registry.add(job)
        context = JobContext(db, settings_for(database_url), worker, log)
        scheduler = Scheduler(registry, context, **options)
        if start:
            asyncio.run(scheduler.start())
            started.append(scheduler)
        return scheduler

    yield make
    for scheduler in started:
        asyncio.run(scheduler.stop(timeout=10))


def test_scheduler_runs_a_job_added_after_start(make: Callable[..., Scheduler]) -> None:
    finished: list[tuple[str, str]] = []
    scheduler = make(on_finish=lambda n, status, s: finished.append((n, status)))
    calls = free(Calls())
    job = Job(name(), 3600, calls)
    assert scheduler.add(job) is job
    assert scheduler.registry.get(job.name) is job and job.name in scheduler.states
    state = scheduler.states[job.name]
    wait_until(lambda: state.runs == 1)
    assert state.last_status == "ok" and finished == [(job.name, "ok")]
    assert state.next_run_at is not None
    assert state.next_run_at > utcnow() + timedelta(seconds=3500)
    with pytest.raises(ValueError, match="registered twice"):
        scheduler.add(Job(job.name, 1, calls))
    assert scheduler.states[job.name] is state


def test_scheduler_jobs_at_run_time_show_in_health(server: Served) -> None:
    scheduler = server.app.state.context.scheduler
    job = Job(name(), 3600, free(Calls()), "added at run time")
    scheduler.add(job)
    try:
        with server.client() as http:
            listed = wait_until(lambda: _listed(http.get("/health/jobs").json(), job.name, 1))
            assert (
                listed is not None
                and listed["description"] == "added at run time"
                and listed["last_status"] == "ok"
            )
            assert scheduler.remove(job.name)
            assert _listed(http.get("/health/jobs").json(), job.name) is None
    finally:
        scheduler.remove(job.name)


def _listed(body: dict[str, Any], job: str, runs: int = 0) -> dict[str, Any] | None:
    found = [j for j in body["jobs"] if j["name"] == job and j["runs"] >= runs]
    return found[0] if found else None


def test_scheduler_remove_stops_further_runs(make: Callable[..., Scheduler]) -> None:
    gone, probe = free(Calls()), free(Calls())
    scheduler = make(Job(name(), 0.02, gone), Job(name(), 0.02, probe, "keeps running"))
    removed, probed = (job.name for job in scheduler.registry)
    wait_until(lambda: len(gone.starts) >= 2)
    assert scheduler.remove(removed) and not scheduler.remove(removed)
    assert removed not in scheduler.states and scheduler.registry.get(removed) is None
    at_removal = len(gone.starts)
    # a run in progress may end; none starts while the other job runs on
    seen = len(probe.starts)
    wait_until(lambda: len(probe.starts) >= seen + 3 and gone.active == 0)
    after = len(gone.starts)
    wait_until(lambda: len(probe.starts) >= seen + 6)
    assert len(gone.starts) == after <= at_removal + 1
    assert scheduler.states[probed].failures == 0
    assert not scheduler.run_soon(removed) and not scheduler.reschedule(removed, 1)


def test_scheduler_run_soon_runs_at_once_and_never_overlaps(
    make: Callable[..., Scheduler],
) -> None:
    calls = Calls()
    job = Job(name(), 3600, calls, first_delay=3600)
    scheduler = make(job)
    assert not scheduler.run_soon("no such job")
    assert scheduler.states[job.name].runs == 0
    assert scheduler.run_soon(job.name)
    assert calls.entered.wait(10), "run_soon did not run the job"
    assert scheduler.states[job.name].running
    for _ in range(3):  # during the run: one more run after it, not three, not at once
        assert scheduler.run_soon(job.name)
    calls.hold.set()
    state = scheduler.states[job.name]
    wait_until(lambda: state.runs == 2 and not state.running)
    wait_until(lambda: state.next_run_at and state.next_run_at > utcnow() + timedelta(hours=0.9))
    assert len(calls.starts) == 2 and calls.most == 1 and state.last_status == "ok"


def test_scheduler_reschedule_changes_the_interval(make: Callable[..., Scheduler]) -> None:
    calls = free(Calls())
    job = Job(name(), 3600, calls)
    scheduler = make(job)
    state = scheduler.states[job.name]
    wait_until(lambda: state.runs == 1)
    assert scheduler.reschedule(job.name, 0.02)
    wait_until(lambda: state.runs >= 4)
    assert scheduler.registry.get(job.name) == Job(job.name, 0.02, calls)
    with pytest.raises(ValueError, match="positive interval"):
        scheduler.reschedule(job.name, 0)
    assert scheduler.reschedule(job.name, 3600)
    wait_until(lambda: not state.running)
    runs = state.runs
    # the next run is an hour away (a run in progress when it changed queues it so too)
    wait_until(lambda: state.next_run_at and state.next_run_at > utcnow() + timedelta(hours=0.9))
    assert state.runs == runs and scheduler.registry.get(job.name).interval == 3600  # type: ignore[union-attr]


def test_scheduler_a_long_run_delays_the_next_without_a_burst(
    make: Callable[..., Scheduler],
) -> None:
    calls = Calls()
    interval = 0.05
    job = Job(name(), interval, calls)
    scheduler = make(job)
    assert calls.entered.wait(10)
    # the first run outlasts ten intervals
    wait_until(lambda: time.monotonic() - calls.starts[0] > 10 * interval)
    assert len(calls.starts) == 1 and scheduler.states[job.name].running
    calls.hold.set()
    wait_until(lambda: len(calls.starts) >= 5)
    gaps = [b - a for a, b in zip(calls.starts, calls.starts[1:], strict=False)]
    assert gaps[0] > 10 * interval  # the long run
    assert min(gaps) > 0.8 * interval, gaps  # then one at a time, no catch-up
    assert calls.most == 1


def test_scheduler_a_failing_job_is_recorded_and_the_others_go_on(
    make: Callable[..., Scheduler],
) -> None:
    def broken(ctx: JobContext) -> None:
        raise RuntimeError("the disk is full")

    finished: list[str] = []
    probe = free(Calls())
    job = Job(name(), 0.02, broken)
    scheduler = make(job, Job(name(), 0.02, probe), on_finish=lambda n, s, t: finished.append(s))
    state = scheduler.states[job.name]
    wait_until(lambda: state.failures >= 3 and len(probe.starts) >= 3)
    assert state.last_status == "failed" and state.last_error == "RuntimeError: the disk is full"
    assert "failed" in finished and "ok" in finished


def test_scheduler_a_long_singleton_run_keeps_its_lease(make: Callable[..., Scheduler]) -> None:
    calls = Calls()
    ttl = 1.0
    job = Job(name(), 3600, calls, singleton=True, lease_seconds=ttl)
    holder = make(job, worker="holder")
    other = make(Job(job.name, 3600, free(Calls()), singleton=True), worker="other", start=False)
    assert calls.entered.wait(10)
    expired = utcnow() + timedelta(seconds=ttl)  # the lease taken before the run, unrenewed
    # long after the first lease would have run out, the holder still holds it
    wait_until(lambda: utcnow() > expired + timedelta(seconds=ttl), timeout=3 * ttl + 10)
    other.run_once(other.registry.get(job.name))  # type: ignore[arg-type]
    assert other.states[job.name].last_status == "skipped"
    state = holder.states[job.name]
    assert state.running and state.lease_error is None
    calls.hold.set()
    wait_until(lambda: state.runs == 1 and not state.running)
    assert state.last_status == "ok" and calls.most == 1


def test_scheduler_a_lost_lease_is_recorded(db: Database, make: Callable[..., Scheduler]) -> None:
    calls = Calls()
    job = Job(name(), 3600, calls, singleton=True, lease_seconds=0.6)
    scheduler = make(job)
    assert calls.entered.wait(10)
    with db.write() as session:  # as if another worker took it (this one lost the database)
        session.execute(update(JobLease).where(JobLease.name == job.name).values(holder="thief"))
    state = scheduler.states[job.name]
    wait_until(lambda: state.lease_error, message="the lost lease was not recorded")
    assert state.lease_error == "lease renewal failed: another worker holds the lease"
    calls.hold.set()
    wait_until(lambda: state.runs == 1)
    assert state.last_status == "ok"


def test_scheduler_stop_waits_for_a_run_and_releases_its_lease(
    make: Callable[..., Scheduler],
) -> None:
    calls = Calls()
    job = Job(name(), 3600, calls, singleton=True, lease_seconds=600)
    scheduler = make(job, start=False)
    asyncio.run(scheduler.start())
    other_calls = free(Calls())
    other = make(Job(job.name, 3600, other_calls, singleton=True), worker="other", start=False)
    assert calls.entered.wait(10)
    stopped = threading.Event()

    def stop() -> None:
        asyncio.run(scheduler.stop(timeout=30))
        stopped.set()

    stopping = threading.Thread(target=stop)
    stopping.start()
    other.run_once(other.registry.get(job.name))  # type: ignore[arg-type]
    assert other.states[job.name].last_status == "skipped"  # held while stop() waits
    assert not stopped.is_set() and scheduler.states[job.name].running
    calls.hold.set()
    stopping.join(30)
    assert stopped.is_set() and scheduler.states[job.name].last_status == "ok"
    other.run_once(other.registry.get(job.name))  # type: ignore[arg-type]
    assert other.states[job.name].last_status == "ok" and len(other_calls.starts) == 1
