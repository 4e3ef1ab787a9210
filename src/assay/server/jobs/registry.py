"""Background jobs: a registry of periodic jobs and the state of their runs.

A feature registers a ``Job`` (a name, an interval, a function of a ``JobContext``); the
scheduler (``jobs.scheduler``) calls it on that interval in a worker thread and keeps a
``JobState`` that ``/health/jobs`` shows. A ``singleton`` job runs in one worker at a time
across all processes sharing the database (a lease row, see ``jobs.leases``).

Jobs come and go while the server runs (a monitor created or deleted through the API), so
the registry is safe to change from any thread and iterates over a snapshot.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assay.server.db import Database
    from assay.server.settings import Settings


@dataclass(frozen=True)
class JobContext:
    """What a job gets: the database, the settings, this worker's id, a logger."""

    db: Database
    settings: Settings
    worker_id: str
    log: logging.Logger


@dataclass(frozen=True)
class Job:
    name: str
    interval: float  # seconds between the starts of two runs
    run: Callable[[JobContext], None]
    description: str = ""
    singleton: bool = False
    first_delay: float = 0.0  # seconds after start-up before the first run
    # a singleton's lease lasts this long unless renewed (it is, every third of it, while
    # a run goes on); None: max(interval, 30 s). Shorter than the interval, another worker
    # may run the job between two of this worker's runs.
    lease_seconds: float | None = None

    @property
    def lease_ttl(self) -> float:
        return self.lease_seconds if self.lease_seconds is not None else max(self.interval, 30.0)


@dataclass
class JobState:
    """The last run of a job in this worker."""

    running: bool = False
    runs: int = 0
    failures: int = 0
    last_status: str | None = None  # ok | failed | skipped (another worker holds the lease)
    last_error: str | None = None
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_duration_ms: float | None = None
    next_run_at: datetime | None = None
    lease_error: str | None = None  # a singleton's lease could not be renewed during its run


class JobRegistry:
    """Named jobs; a name registered twice is a programming error."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def add(self, job: Job) -> Job:
        if job.interval <= 0:
            raise ValueError(f"job '{job.name}' needs a positive interval")
        with self._lock:
            if job.name in self._jobs:
                raise ValueError(f"job '{job.name}' is registered twice")
            self._jobs[job.name] = job
        return job

    def remove(self, name: str) -> Job | None:
        """Forget the job ``name``; the job it was, or None if there was none."""
        with self._lock:
            return self._jobs.pop(name, None)

    def replace(self, job: Job) -> None:
        """Put ``job`` in place of the registered job of the same name (a new interval)."""
        if job.interval <= 0:
            raise ValueError(f"job '{job.name}' needs a positive interval")
        with self._lock:
            if job.name not in self._jobs:
                raise KeyError(job.name)
            self._jobs[job.name] = job

    def get(self, name: str) -> Job | None:
        return self._jobs.get(name)

    def __iter__(self) -> Iterator[Job]:
        with self._lock:  # a snapshot: another thread may add or remove meanwhile
            return iter(list(self._jobs.values()))

    def __len__(self) -> int:
        return len(self._jobs)
