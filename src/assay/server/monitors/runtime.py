"""The monitors a worker runs: built from the definitions table, one job each.

``sync`` (at start, after an API change, and every few seconds from a job) compares the
table's versions with what runs here and adds, replaces or removes the monitors' jobs in
the scheduler, so thousands can come and go at run time. One worker at a time runs the
monitors: the one holding the lease ``monitors.leader``, taken and renewed by the sync job
(one write every few seconds, rather than a lease per run); the others' jobs pass, and
take over within ``LEADER_TTL_S`` when the leader stops or dies. A monitor's first run is
spread over its interval by its name's hash, so a restart does not start them all at once;
a run that outlasts its interval is followed by the next at once, and the ticks it missed
count as skipped. "Run now" runs on the worker asked, leader or not.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import zlib
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from assay.core.errors import SuiteError
from assay.core.secrets import redact
from assay.server.db import Database
from assay.server.db.tables import utcnow
from assay.server.feedback import file_report
from assay.server.jobs import Job, JobContext, Scheduler, leases
from assay.server.monitors import definitions, recorder
from assay.server.monitors.build import Monitor, build
from assay.server.monitors.config import Loaded, WindowSpec, provider, render_problems
from assay.server.monitors.dispatch import Dispatcher
from assay.server.monitors.maintenance import Window
from assay.server.monitors.providers import GitHubIssue, Provider

if TYPE_CHECKING:
    from assay.server.monitors.prometheus import MonitorMetrics
from assay.server.monitors.spec import MonitorSpec

JOB_PREFIX = "monitor:"
LEADER = "monitors.leader"
LEADER_TTL_S = 15.0  # a dead leader's monitors wait at most this long for another worker
log = logging.getLogger("assay.server.monitors")


def job_name(name: str) -> str:
    return f"{JOB_PREFIX}{name}"


def first_delay(name: str, interval: float) -> float:
    """Where in its interval a monitor first runs: fixed by its name, spread evenly."""
    return (zlib.crc32(name.encode()) % 10_000) / 10_000 * interval


class MonitorRuntime:
    """What this worker runs; a part of the server context (``context.part``)."""

    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        loaded: Loaded | None,
        metrics: MonitorMetrics | None = None,
        github: bool = False,
    ) -> None:
        self.db = db
        self.github = github  # the server files GitHub issues (feedback is configured)
        self.metrics = metrics
        self.dispatcher = dispatcher
        self.scheduler: Scheduler | None = None
        self.file = loaded
        self.monitors: dict[str, Monitor] = {}
        self.versions: dict[str, int] = {}
        self.broken: dict[str, str] = {}  # monitors the table holds that do not build here
        self.windows: list[Window] = []
        self._file_synced = False
        self.worker = ""
        self.leading = False
        self._asked: set[str] = set()  # run now: runs here, leader or not
        self._lock = threading.Lock()

    # -- what runs here ---------------------------------------------------------------

    @property
    def providers(self) -> dict[str, Callable[[], Provider]]:
        specs = self.file.data.providers if self.file else {}
        out: dict[str, Callable[[], Provider]] = {}
        for name, spec in specs.items():
            if spec.github is not None:
                out[name] = partial(
                    GitHubIssue, self._file_issue, self.github, spec.github.severity
                )
            else:
                out[name] = partial(provider, spec)
        return out

    def _file_issue(self, title: str, text: str, severity: str) -> str:
        return file_report(self.db, title, text, severity, "monitors")

    def lead(self) -> bool:
        """Take or keep the leader's lease (the sync job, every few seconds)."""
        try:
            self.leading = leases.acquire(self.db, LEADER, self.worker, LEADER_TTL_S)
        except SQLAlchemyError:
            self.leading = False
        return self.leading

    def resign(self) -> None:
        if self.leading:
            with contextlib.suppress(SQLAlchemyError):
                leases.release(self.db, LEADER, self.worker)
        self.leading = False

    def start(self, scheduler: Scheduler, worker: str, lead: bool = True) -> None:
        """Write the file's monitors to the table, then load the table (app start). A
        database that does not answer yet delays this to the sync job's next pass: the
        server starts anyway, and says so in /health."""
        self.scheduler, self.worker = scheduler, worker
        try:
            if lead:  # a server without jobs never leads: it would run nothing
                self.lead()
            self.sync()
        except SQLAlchemyError as exc:
            log.warning(
                "monitors: the database did not answer at start (%s); retrying",
                redact(str(exc).splitlines()[0]),
            )

    def _sync_file(self) -> None:
        if self.file is None or self._file_synced:
            return
        with self.db.write() as session:
            added, changed, removed = definitions.sync_file(
                session, [m.spec for m in self.file.monitors]
            )
        self._file_synced = True
        log.info("monitors file: %d added, %d changed, %d removed", added, changed, removed)

    def sync(self) -> None:
        """Make the jobs match the table: new, changed and removed monitors; windows."""
        self._sync_file()
        with self.db.read() as session:
            wanted = definitions.versions(session)
            window_specs = definitions.windows(session)
            rows = {
                name: row
                for name in wanted
                if self.versions.get(name) != wanted[name]
                and (row := definitions.get(session, name)) is not None
            }
            specs = {name: (row.spec, row.origin, row.version) for name, row in rows.items()}
        windows = list(self.file.windows) if self.file else []
        for spec in window_specs:
            try:
                windows.append(WindowSpec.model_validate(spec).window())
            except ValueError as exc:
                log.warning("maintenance window %s is not valid: %s", spec.get("id"), exc)
        with self._lock:
            self.windows = windows
            for name in [n for n in self.versions if n not in wanted]:
                self._drop(name)
            for name, (data, origin, version) in specs.items():
                self._load(name, data, origin, version)

    def _load(self, name: str, data: dict[str, object], origin: str, version: int) -> None:
        self.versions[name] = version
        try:
            monitor = build(MonitorSpec.model_validate(data), self.base(), origin)
        except (SuiteError, ValueError) as exc:
            text = render_problems(exc)
            if self.broken.get(name) != text:
                log.warning("monitor %s cannot run here: %s", name, text)
            self.broken[name] = text
            self._drop(name, keep_version=True)
            return
        self.broken.pop(name, None)
        self.dispatcher.forget(name)
        if self.file is not None and self.file.rules:  # the file's rules by label selector
            monitor = replace(monitor, rules=monitor.rules + self.file.rules)
        self.monitors[name] = monitor
        if self.scheduler is None:
            return
        job = Job(
            job_name(name),
            monitor.spec.interval,
            partial(self._run, name=name),
            f"runs monitor {name}",
            first_delay=first_delay(name, monitor.spec.interval),
        )
        self.scheduler.remove(job.name)
        if not monitor.spec.paused:
            self.scheduler.add(job)

    def _drop(self, name: str, keep_version: bool = False) -> None:
        self.monitors.pop(name, None)
        if not keep_version:
            self.versions.pop(name, None)
            self.broken.pop(name, None)
            if self.metrics is not None:
                self.metrics.forget(name)
        self.dispatcher.forget(name)
        if self.scheduler is not None:
            self.scheduler.remove(job_name(name))

    def base(self) -> Path:
        return self.file.path.parent if self.file else Path.cwd()

    # -- runs -------------------------------------------------------------------------

    def _run(self, ctx: JobContext, name: str) -> None:
        monitor = self.monitors.get(name)
        with self._lock:
            asked = name in self._asked
            self._asked.discard(name)
        if monitor is None or not (self.leading or asked):
            return
        at = utcnow()
        outcome = self.dispatcher.run(monitor)
        skipped = int(outcome.duration_ms / 1000 // monitor.spec.interval)
        done = recorder.record(self.db, monitor, outcome, at, self.windows, skipped)
        if self.metrics is not None:
            self.metrics.observe(name, outcome, done.decision.state.state)
        change = done.decision.change
        if change is not None:
            log.info(
                "monitor %s: %s -> %s", name, change.before, change.after, extra={"monitor": name}
            )
        if monitor.spec.jitter and self.scheduler is not None:
            jitter = random.uniform(-monitor.spec.jitter, monitor.spec.jitter)
            self.scheduler.reschedule(job_name(name), monitor.spec.interval + jitter)

    def run_now(self, name: str) -> bool:
        """Queue a run here now (the API's "run now"), even while another worker holds the
        monitor's lease; False when this worker does not run it."""
        if self.scheduler is None or name not in self.monitors:
            return False
        with self._lock:
            self._asked.add(name)
        return self.scheduler.run_soon(job_name(name))

    def claim_requests(self) -> int:
        """Run what other workers were asked to run (``run_requested_at``) and left."""
        claimed = 0
        with self.db.read() as session:
            asked = definitions.requested(session)
        for name, at in asked:
            if name not in self.monitors:
                continue
            with self.db.write() as session:
                if not definitions.claim_run(session, name, at):
                    continue
            claimed += self.run_now(name)
        return claimed

    def close(self) -> None:
        self.resign()
        self.dispatcher.close()
