"""The server's own jobs: a heartbeat per worker, and database housekeeping.

``database.heartbeat`` proves each worker can write (``/health/detailed`` counts the workers
seen recently); ``database.housekeeping`` (one worker at a time) forgets workers gone for a
day and, on SQLite, checkpoints the write-ahead log so it does not grow without bound.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from assay import __version__
from assay.server.db.tables import WorkerHeartbeat, utcnow
from assay.server.jobs.registry import Job, JobContext, JobRegistry

FORGET_AFTER = timedelta(days=1)


def heartbeat(ctx: JobContext, started_at: datetime) -> None:
    with ctx.db.write() as session:
        row = session.get(WorkerHeartbeat, ctx.worker_id)
        if row is None:
            row = WorkerHeartbeat(worker=ctx.worker_id, version=__version__, started_at=started_at)
            session.add(row)
        row.last_seen = utcnow()


def tidy(ctx: JobContext) -> None:
    with ctx.db.write() as session:
        session.execute(
            delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen < utcnow() - FORGET_AFTER)
        )
    if ctx.db.dialect == "sqlite":
        with ctx.db.engine.connect() as conn:
            # outside a transaction: a checkpoint cannot run inside one
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            conn.exec_driver_sql("PRAGMA optimize")
    # PostgreSQL: autovacuum does the rest


def register(
    registry: JobRegistry, heartbeat_interval: float, housekeeping_interval: float
) -> None:
    """Add the server's own jobs to ``registry``."""
    started_at = utcnow()
    registry.add(
        Job(
            "database.heartbeat",
            heartbeat_interval,
            lambda ctx: heartbeat(ctx, started_at),
            "records this worker as alive in worker_heartbeats",
        )
    )
    registry.add(
        Job(
            "database.housekeeping",
            housekeeping_interval,
            tidy,
            "forgets workers gone for a day; checkpoints SQLite's write-ahead log",
            singleton=True,
            first_delay=min(60.0, housekeeping_interval),
        )
    )
