"""The integrations of one server: their checks as singleton jobs, and history housekeeping.

Each integration is its own job ``integration:<name>`` on its own interval, singleton so
that with several workers (or hosts on one database) one of them runs each check.
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

from assay.core.errors import SuiteError, UsageError
from assay.server.db import Database
from assay.server.integrations import store
from assay.server.integrations.check import run_check
from assay.server.integrations.config import Integration, load_integrations, render
from assay.server.integrations.tables import IntegrationState
from assay.server.jobs import Job, JobContext

JOB_PREFIX = "integration:"


def load(path: Path | None, default_interval: float) -> list[Integration]:
    """The integrations of ``path`` (none without a file); problems are a ``UsageError``."""
    if path is None:
        return []
    try:
        return load_integrations(path, default_interval)
    except SuiteError as exc:
        raise UsageError(f"integrations file {path}: {render(exc)}") from None


class Integrations:
    """The configured integrations by name, and running their checks."""

    def __init__(self, integrations: list[Integration]) -> None:
        self.by_name = {i.name: i for i in integrations}
        self._asked: set[str] = set()  # checks a user asked for: their next run is "manual"
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        return sorted(self.by_name)

    def get(self, name: str) -> Integration | None:
        return self.by_name.get(name)

    def check(self, db: Database, name: str, trigger: str, worker: str) -> IntegrationState:
        """Run one integration's check now and record it; returns the new state."""
        integration = self.by_name[name]
        return store.record(db, name, run_check(integration), trigger, worker)

    def jobs(self, history_days: float, every: float) -> list[Job]:
        """A job per integration, and one that forgets history older than ``history_days``."""
        jobs = []
        for integration in self.by_name.values():
            jobs.append(
                Job(
                    self.job_name(integration.name),
                    integration.interval,
                    partial(self._scheduled, name=integration.name),
                    f"checks {integration.kind} {integration.endpoint}",
                    singleton=True,
                )
            )
        if self.by_name:
            jobs.append(
                Job(
                    "integrations.housekeeping",
                    every,
                    partial(self._tidy, days=history_days),
                    f"deletes integration checks older than {history_days:g} days",
                    singleton=True,
                    first_delay=min(60.0, every),
                )
            )
        return jobs

    @staticmethod
    def job_name(name: str) -> str:
        return f"{JOB_PREFIX}{name}"

    def ask(self, name: str) -> None:
        """Note that a user asked for a check of ``name``: the next run records "manual"."""
        with self._lock:
            self._asked.add(name)

    def _scheduled(self, ctx: JobContext, name: str) -> None:
        with self._lock:
            asked = name in self._asked
            self._asked.discard(name)
        self.check(ctx.db, name, "manual" if asked else "schedule", ctx.worker_id)

    @staticmethod
    def _tidy(ctx: JobContext, days: float) -> None:
        removed = store.forget_before(ctx.db, store.retention_cutoff(days))
        if removed:
            ctx.log.info("integrations: deleted %d checks older than %g days", removed, days)
