"""The server's own health, public (no token): liveness, details, database, jobs.

Public on purpose, so load balancers and uptime checks need no secret; the answers name no
host, URL, user or token: only status, timings, versions and the migration revision.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from assay import __version__
from assay.server.api.deps import ContextDep
from assay.server.context import ServerContext
from assay.server.db.errors import describe
from assay.server.db.migrate import current_revision, head_revision
from assay.server.db.tables import WorkerHeartbeat, utcnow

router = APIRouter(prefix="/health", tags=["health"])
Status = Literal["ok", "degraded", "down"]


class Liveness(BaseModel):
    status: Literal["ok"]


class DatabaseHealth(BaseModel):
    status: Status
    backend: str
    latency_ms: float | None = None
    revision: str | None = None
    head: str
    error: str | None = None


class JobHealth(BaseModel):
    name: str
    description: str
    interval_seconds: float
    singleton: bool
    running: bool
    runs: int
    failures: int
    last_status: str | None
    last_error: str | None
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_duration_ms: float | None
    next_run_at: datetime | None
    lease_error: str | None = None  # a singleton's lease could not be renewed during a run


class WorkerHealth(BaseModel):
    worker: str
    version: str
    started_at: datetime
    last_seen: datetime


class JobsHealth(BaseModel):
    status: Status
    worker: str
    jobs: list[JobHealth]
    workers: list[WorkerHealth]


class DetailedHealth(BaseModel):
    status: Status
    version: str
    started_at: datetime
    uptime_seconds: float
    components: dict[str, dict[str, Any]]


def database_health(context: ServerContext) -> DatabaseHealth:
    """A round trip and the migration revision; ``down`` with the reason if it fails."""
    head = head_revision()
    start = time.perf_counter()
    try:
        with context.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            latency = round((time.perf_counter() - start) * 1000, 2)
            revision = current_revision(conn)
    except SQLAlchemyError as exc:
        problem = describe(exc)
        return DatabaseHealth(
            status="down", backend=context.db.dialect, head=head, error=problem.message
        )
    status: Status = "ok" if revision == head else "degraded"
    error = None if revision == head else f"database at migration {revision}, assay needs {head}"
    return DatabaseHealth(
        status=status,
        backend=context.db.dialect,
        latency_ms=latency,
        revision=revision,
        head=head,
        error=error,
    )


def jobs_health(context: ServerContext) -> JobsHealth:
    jobs = []
    scheduler = context.scheduler
    for job in context.jobs:
        # .get: jobs come and go at run time; one removed since the registry's snapshot
        # has no state any more
        state = scheduler.states.get(job.name) if scheduler else None
        jobs.append(
            JobHealth(
                name=job.name,
                description=job.description,
                interval_seconds=job.interval,
                singleton=job.singleton,
                **(vars(state) if state else _never_run()),
            )
        )
    failing = any(j.last_status == "failed" for j in jobs)
    status: Status = "degraded" if failing or (scheduler is None and jobs) else "ok"
    return JobsHealth(status=status, worker=context.worker_id, jobs=jobs, workers=_workers(context))


def _never_run() -> dict[str, Any]:
    fields = ("last_status", "last_error", "last_started_at", "last_finished_at")
    return {"running": False, "runs": 0, "failures": 0, "last_duration_ms": None} | {
        f: None for f in (*fields, "next_run_at")
    }


def _workers(context: ServerContext) -> list[WorkerHealth]:
    """Workers whose heartbeat is recent (three intervals)."""
    since = utcnow() - timedelta(seconds=3 * context.settings.heartbeat_interval)
    try:
        with context.db.read() as db:
            rows = db.scalars(
                select(WorkerHeartbeat)
                .where(WorkerHeartbeat.last_seen >= since)
                .order_by(WorkerHeartbeat.worker)
            )
            return [WorkerHealth.model_validate(r, from_attributes=True) for r in rows]
    except SQLAlchemyError:
        return []


@router.get("", response_model=Liveness)
def liveness() -> Liveness:
    """Liveness: the process answers (touches nothing else)."""
    return Liveness(status="ok")


@router.get("/database", response_model=DatabaseHealth, responses={503: {"model": DatabaseHealth}})
def database(context: ContextDep) -> Any:
    """Database round trip and migration revision; 503 when the database is down."""
    health = database_health(context)
    if health.status == "down":
        return JSONResponse(health.model_dump(mode="json"), status_code=503)
    return health


@router.get("/jobs", response_model=JobsHealth)
def jobs(context: ContextDep) -> JobsHealth:
    """Background jobs of this worker and their last run, and the workers seen recently."""
    return jobs_health(context)


@router.get("/detailed", response_model=DetailedHealth, responses={503: {"model": DetailedHealth}})
def detailed(context: ContextDep) -> Any:
    """Version, uptime and each component's status; 503 when the database is down."""
    db = database_health(context)
    jobs = jobs_health(context)
    components = {
        "database": db.model_dump(mode="json", exclude_none=True),
        "jobs": {"status": jobs.status, "count": len(jobs.jobs)},
        "workers": {"status": "ok", "count": len(jobs.workers)},
    }
    status: Status = "down" if db.status == "down" else "ok"
    if status == "ok" and (db.status != "ok" or jobs.status != "ok"):
        status = "degraded"
    body = DetailedHealth(
        status=status,
        version=__version__,
        started_at=context.started_at,
        uptime_seconds=round(time.monotonic() - context.started_monotonic, 3),
        components=components,
    )
    if status == "down":
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    return body
