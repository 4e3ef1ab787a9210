"""Prometheus metrics, served at ``/metrics``: requests, results, rate limits, pool, jobs.

One process: each app has its own registry (plus process, platform and GC metrics). Several
workers (``assay serve --workers N``): prometheus-client's multiprocess mode, where every
process writes its values to files in ``PROMETHEUS_MULTIPROC_DIR`` and a scrape of any worker
adds them all up. ``assay serve`` makes that directory and removes it at exit
(``multiprocess_directory``); the mode is fixed when prometheus-client is first imported, so
the variable must be set before the worker starts.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    multiprocess,
    values,
)
from prometheus_client.exposition import choose_encoder
from sqlalchemy import Engine, event

from assay.core.errors import UsageError

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"^gauge_live(?:sum|all|max|min|mostrecent)_(\d+)\.db$")
log = logging.getLogger("assay.server")


def multiprocess_enabled() -> bool:
    """True when prometheus-client writes values to files (the variable was set in time)."""
    return values.ValueClass is not values.MutexValue and bool(os.environ.get(MULTIPROC_ENV))


class Metrics:
    """The metrics of one app; the routes, middleware and job scheduler update them."""

    def __init__(self) -> None:
        self.multiprocess = multiprocess_enabled()
        r = None if self.multiprocess else CollectorRegistry()
        self.registry = r
        route = ["method", "route", "status"]
        self.requests = Counter("assay_http_requests", "HTTP requests answered", route, registry=r)
        self.latency = Histogram(
            "assay_http_request_duration_seconds",
            "Time from request to the end of the response",
            route,
            registry=r,
        )
        self.in_flight = Gauge(
            "assay_http_requests_in_progress",
            "HTTP requests being answered now",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.results = Counter(
            "assay_results_ingested", "Results stored (uploads and JUnit imports)", registry=r
        )
        self.duplicates = Counter(
            "assay_results_duplicates",
            "Uploaded results not stored again (their id was already there)",
            registry=r,
        )
        self.rate_limited = Counter(
            "assay_rate_limited_requests", "Requests answered 429 (token over its rate)", registry=r
        )
        self.pool_in_use = Gauge(
            "assay_db_pool_connections_in_use",
            "Database connections checked out of the pool",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.pool_open = Gauge(
            "assay_db_pool_connections_open",
            "Database connections open (in use or idle in the pool)",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.pool_max = Gauge(
            "assay_db_pool_connections_max",
            "Most database connections the pools may open",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.job_runs = Counter(
            "assay_job_runs", "Background job runs by outcome", ["job", "status"], registry=r
        )
        self.job_duration = Histogram(
            "assay_job_duration_seconds", "Background job run time", ["job"], registry=r
        )
        self.job_last_success = Gauge(
            "assay_job_last_success_timestamp_seconds",
            "When a job last ran without error (Unix time)",
            ["job"],
            registry=r,
            multiprocess_mode="max",
        )
        self.info = Gauge(
            "assay_build_info",
            "assay's version and database backend (always 1)",
            ["version", "database"],
            registry=r,
            multiprocess_mode="max",
        )
        if r is not None:
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)
            GCCollector(registry=r)

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def job_finished(self, name: str, status: str, seconds: float | None) -> None:
        """Record a job run (``ok``, ``failed`` or ``skipped``)."""
        self.job_runs.labels(name, status).inc()
        if seconds is not None and status != "skipped":
            self.job_duration.labels(name).observe(seconds)
        if status == "ok":
            self.job_last_success.labels(name).set(time.time())

    def watch_pool(self, engine: Engine) -> None:
        """Follow the engine's pool: connections in use and open, and its limit."""
        pool: Any = engine.pool
        size = pool.size() if hasattr(pool, "size") else 1
        self.pool_max.inc(size + max(0, getattr(pool, "_max_overflow", 0)))

        @event.listens_for(pool, "checkout")
        def _checkout(*_: Any) -> None:
            self.pool_in_use.inc()

        @event.listens_for(pool, "checkin")
        def _checkin(*_: Any) -> None:
            self.pool_in_use.dec()

        @event.listens_for(pool, "connect")
        def _connect(*_: Any) -> None:
            self.pool_open.inc()

        @event.listens_for(pool, "close")
        def _close(*_: Any) -> None:
            self.pool_open.dec()

        @event.listens_for(pool, "close_detached")
        def _close_detached(*_: Any) -> None:
            self.pool_open.dec()

    def render(self, accept: str) -> tuple[bytes, str]:
        """The exposition (OpenMetrics when asked for) and its content type."""
        if self.multiprocess:
            forget_dead_processes()
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            assert self.registry is not None
            registry = self.registry
        encoder, content_type = choose_encoder(accept)
        return encoder(registry), content_type

    def close(self) -> None:
        """On shutdown: this process's live gauges no longer count."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def forget_dead_processes() -> None:
    """Drop the live gauges of workers that died without shutting down (SIGKILL)."""
    directory = os.environ.get(MULTIPROC_ENV, "")
    for path in glob.glob(os.path.join(directory, "gauge_live*.db")):
        found = _LIVE_FILE.match(os.path.basename(path))
        if found and not _alive(int(found.group(1))):
            multiprocess.mark_process_dead(int(found.group(1)), directory)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def multiprocess_directory() -> Iterator[Path]:
    """``PROMETHEUS_MULTIPROC_DIR`` for the workers about to start: the operator's (emptied
    of old values) or a fresh temporary one, removed afterwards."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        if not path.is_dir():
            raise UsageError(f"{MULTIPROC_ENV}={given} is not a directory")
        for old in path.glob("*.db"):  # values of an earlier run would be added to ours
            old.unlink()
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="assay-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)
